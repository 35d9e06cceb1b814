// What every browser scenario shares: its settings from the environment, a fresh headless
// Chromium, and how a failure is reported. The scenarios are signin.mjs, cold.mjs, send.mjs
// and store.mjs, each run by tests/tests/browser.rs.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The variable `name`, or `fallback`; an error if neither is there. */
export const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

/**
 * Debian's Chromium with a fresh profile: no cached app, no service worker, no stored
 * session. `close()` ends the browser and removes the profile.
 */
export async function launchFresh(extraArgs = []) {
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
      ...extraArgs,
    ],
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Saves a screenshot of `page` to `path` (if set) and notes it in `log`. */
/**
 * The context's first page, with `timeout` as its default and its console messages and page
 * errors written to `log` (printed if the scenario fails).
 */
export async function firstPage(context, log, timeout) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  return page;
}

export async function saveScreenshot(page, path, log) {
  if (!path) return;
  await page.screenshot({ path, fullPage: true }).catch(() => {});
  log.push(`screenshot: ${path}`);
}

/** Exits 1, printing why and the page's log, when the scenario failed. */
export function exitOnFailure(failure, log) {
  if (!failure) return;
  console.error(`FAILED: ${failure.message}`);
  for (const line of log) console.error(`  ${line}`);
  process.exit(1);
}

/**
 * The message list's row at position `i` (0 is the newest). The list is virtualised (only
 * rows in view are in the DOM), so the list is scrolled to it first, as a person would.
 */
export async function listRow(page, i) {
  const list = page.locator('[role=list][aria-label=Messages]');
  await list.evaluate((element, position) => {
    const row = 64;
    element.scrollTop = Math.max(0, position * row - element.clientHeight / 2);
  }, i);
  const item = list.locator(`[role=listitem][aria-posinset="${i + 1}"]`);
  await item.waitFor({ state: 'visible' });
  return item;
}

/** Waits until the list shows the rows that fit in its view; returns how many it shows. */
export async function listFilled(page) {
  await page.waitForFunction(() => {
    const list = document.querySelector('[role=list][aria-label=Messages]');
    if (!list) return false;
    const total = Number(list.dataset.total);
    const fit = Math.min(total, Math.floor(list.clientHeight / 64));
    const shown = list.querySelectorAll('[role=listitem]').length;
    return total > 0 && shown >= fit;
  });
  return page.locator('[role=list][aria-label=Messages] [role=listitem]').count();
}

/** Waits until nothing answers at `target` any more (the proxy is stopped), for `timeout` ms. */
export async function waitUntilDown(target, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      await fetch(new URL('healthz', target), { signal: AbortSignal.timeout(1000) });
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the proxy at ${target} still answered after ${timeout} ms`);
}

/**
 * What the list's row for `subject` shows besides sender, date and subject: whether it has
 * the attachment mark (the paperclip, and "Has attachment" for screen readers, which must
 * agree), and its preview line (`null` if none). Checks that the preview shares the
 * subject's line and the row keeps its fixed height.
 */
export async function rowExtras(list, subject) {
  const row = list.locator('button.message').filter({
    has: list.page().locator('.subject').getByText(subject, { exact: true }),
  });
  await row.waitFor({ state: 'visible' });
  const drawn = (await row.locator('.attachment-mark').count()) > 0;
  const said = (await row.locator('.visually-hidden').getByText('Has attachment').count()) > 0;
  if (drawn !== said) throw new Error(`"${subject}": paperclip ${drawn}, "Has attachment" ${said}`);
  const line = row.locator('.preview');
  if ((await line.count()) === 0) return { attachment: drawn, preview: null };
  const box = await row.boundingBox();
  const [subjectBox, previewBox] = [await row.locator('.subject').boundingBox(), await line.boundingBox()];
  if (Math.round(box.height) !== 64 || Math.abs(subjectBox.y + subjectBox.height - (previewBox.y + previewBox.height)) > 4
    || previewBox.y + previewBox.height > box.y + box.height) {
    throw new Error(`"${subject}": the preview is not on the subject's line in a 64 px row: `
      + JSON.stringify({ row: box, subject: subjectBox, preview: previewBox }));
  }
  return { attachment: drawn, preview: (await line.innerText()).trim() };
}
