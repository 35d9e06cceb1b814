// The mail core in the browser: a whole big folder, changes by another client on screen by
// themselves, and a connection that heals by itself.
//
// Run by tests/tests/browser.rs, which starts Dovecot with Mailbox::big (INBOX and a big
// folder) and the proxy, and passes, in the environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_USER, PETREL_PASSWORD
//   PETREL_BIG         the big folder's name; PETREL_BIG_COUNT its message count
//   PETREL_OLDEST      the subject of its oldest message (these three are optional)
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
// It asks the test to act by printing a line: `APPEND <subject>` (another client appends
// to INBOX), `STOP-PROXY`, `START-PROXY`. The test handles the lines in order.
// Prints what it measured; exits 1 with the reason (and the page's log) when a check fails.

import { env, exitOnFailure, firstPage, launchFresh, listFilled, saveScreenshot } from './common.mjs';

const url = env('PETREL_URL');
const user = env('PETREL_USER');
const password = env('PETREL_PASSWORD');
// Without a big folder (the HAProxy run), that part is skipped.
const big = env('PETREL_BIG', '');
const bigCount = Number(env('PETREL_BIG_COUNT', '0'));
const oldest = env('PETREL_OLDEST', '');
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;

const { context, close } = await launchFresh();
const log = [];
let failure = null;
try {
  const page = await firstPage(context, log, TIMEOUT);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  try {
    await page.goto(url);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await listFilled(page);
    await page.locator('#connection[data-state=online]').waitFor();
    const list = page.locator('[role=list][aria-label=Messages]');

    // Another client appends: the row appears at the top by itself.
    const arrival = `Live arrival ${Date.now()}`;
    const sent = Date.now();
    console.log(`APPEND ${arrival}`);
    await list.locator('[aria-posinset="1"]', { hasText: arrival }).waitFor();
    console.log(`append by another client → row on screen: ${Date.now() - sent} ms`);

    // The proxy goes away: the header says so, the list stays.
    console.log('STOP-PROXY');
    await page.locator('#connection[data-state=reconnecting]').waitFor();
    const shownWhileDown = await list.getByRole('listitem').count();
    if (shownWhileDown === 0) throw new Error('the list emptied while reconnecting');
    const away = `Arrived while away ${Date.now()}`;
    console.log(`APPEND ${away}`);
    console.log('START-PROXY');
    const restarted = Date.now();
    await page.locator('#connection[data-state=online]').waitFor();
    await list.locator('[aria-posinset="1"]', { hasText: away }).waitFor();
    console.log(`proxy back (or another instance) → live again, the change shown: ${Date.now() - restarted} ms`);

    // The big folder: the scrollbar covers all of it; dragged to the bottom, the oldest
    // message is there.
    if (big) await bigFolder(page, list);
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  await close();
}
exitOnFailure(failure, log);

/** Opens the big folder, drags its scrollbar to the bottom and scrolls back up. */
async function bigFolder(page, list) {
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: big }).click();
  await page.locator('#folder-title', { hasText: big }).waitFor();
  await list.locator('[aria-posinset="1"]').waitFor();
  const total = Number(await list.getAttribute('data-total'));
  if (total !== bigCount) throw new Error(`the list says ${total} messages, the folder has ${bigCount}`);
  const inDom = await list.getByRole('listitem').count();
  if (inDom > 100) throw new Error(`${inDom} rows in the DOM: the list is not virtualised`);
  await page.evaluate(() => (window.__longTasks = []));
  const dragged = Date.now();
  await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
  const last = list.locator(`[aria-posinset="${bigCount}"]`);
  await last.locator('.subject').waitFor();
  const subject = (await last.locator('.subject').innerText()).trim();
  if (subject !== oldest) throw new Error(`the last row is ${JSON.stringify(subject)}, not the oldest ${JSON.stringify(oldest)}`);
  console.log(`dragged to the bottom of ${bigCount} messages → oldest shown: ${Date.now() - dragged} ms`);
  // Scroll back up in steps, as a person would with the wheel.
  for (let step = 0; step < 40; step += 1) {
    await list.evaluate((element) => (element.scrollTop -= element.clientHeight * 50));
    await page.waitForTimeout(16);
  }
  await page.waitForTimeout(500);
  const longTasks = await page.evaluate(() => window.__longTasks);
  console.log(`long tasks over 50 ms while scrolling: ${longTasks.length} (${JSON.stringify(longTasks.map(Math.round))})`);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  console.log(`JS heap after scrolling: ${(heap / 1e6).toFixed(1)} MB`);
}
