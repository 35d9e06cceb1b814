// Signs in to Petrel in a real headless Chromium and checks what a person would see.
//
// Run by tests/tests/browser.rs, which starts Dovecot and the proxy and passes, in the
// environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_USER        the user name to type
//   PETREL_PASSWORD    the password to type
//   PETREL_EXPECT      "messages": expect the message list with PETREL_SUBJECTS (a JSON
//                      array, newest first); "alert": expect a [role=alert] (wrong password)
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
//   PETREL_CHROMIUM    the browser binary (default /usr/bin/chromium)
// Exits 0 when the page shows what was expected; otherwise prints why (with the page's
// console and errors) and exits 1.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const url = env('PETREL_URL');
const user = env('PETREL_USER');
const password = env('PETREL_PASSWORD');
const expect = env('PETREL_EXPECT');
const subjects = JSON.parse(env('PETREL_SUBJECTS', '[]'));
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;

// A fresh profile each run: no cached app, no service worker, no stored session.
const profile = await mkdtemp(join(tmpdir(), 'petrel-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env('PETREL_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  // Chromium as root needs --no-sandbox; the rest keep it from reaching the network.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
  ],
});
const log = [];
let failure = null;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  try {
    await page.goto(url);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    if (expect === 'alert') {
      const alert = page.locator('[role=alert]');
      await alert.first().waitFor({ state: 'visible' });
      console.log(`alert shown: ${(await alert.first().innerText()).trim()}`);
    } else if (expect === 'messages') {
      const list = page.locator('[role=list][aria-label=Messages]');
      const items = list.getByRole('listitem');
      // Wait until the list holds as many items as the folder has messages.
      await items.nth(subjects.length - 1).waitFor({ state: 'visible' });
      const texts = await items.allInnerTexts();
      const missing = subjects.filter((s) => !texts.some((t) => t.includes(s)));
      if (missing.length > 0) {
        throw new Error(`subjects not shown: ${JSON.stringify(missing)}\nitems: ${JSON.stringify(texts)}`);
      }
      // Newest first: the i-th item shows the i-th subject.
      const order = subjects.map((s) => texts.findIndex((t) => t.includes(s)));
      if (order.some((position, i) => position !== i)) {
        throw new Error(`subjects out of order (positions ${JSON.stringify(order)})\nitems: ${JSON.stringify(texts)}`);
      }
      console.log(`message list shows ${texts.length} items, newest first`);
    } else {
      throw new Error(`unknown PETREL_EXPECT ${expect}`);
    }
  } catch (error) {
    failure = error;
    if (screenshot) {
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
      log.push(`screenshot: ${screenshot}`);
    }
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}

if (failure) {
  console.error(`FAILED: ${failure.message}`);
  for (const line of log) console.error(`  ${line}`);
  process.exit(1);
}
