// The app shell with no network: a first visit installs the service worker, the proxy is
// stopped, and a reload must still show the sign-in screen, from the worker's cache.
//
// Run by tests/tests/browser.rs, which starts Dovecot and the proxy and passes, in the
// environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
//   PETREL_CHROMIUM    the browser binary (default /usr/bin/chromium)
// When the worker controls the page it prints the line `STOP-PROXY` and waits until the
// proxy refuses connections: the test stops the proxy when it reads that line.
// Exits 0 when the reloaded page shows the sign-in form; otherwise prints why (with the
// page's console, errors and failed requests) and exits 1.

import { env, exitOnFailure, firstPage, launchFresh, saveScreenshot, waitUntilDown } from './common.mjs';

const url = env('PETREL_URL');
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;

const { context, close } = await launchFresh();
const log = [];
let failure = null;
try {
  const page = await firstPage(context, log, TIMEOUT);
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  try {
    // The first visit, online: the worker installs (caching the shell) and takes control.
    await page.goto(url);
    await page.getByLabel('User name').waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    // Chromium's HTTP cache would serve the hashed files too (they are cached for a year),
    // but it is evicted at will; the worker's own cache is what must hold the shell.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');

    console.log('STOP-PROXY');
    await waitUntilDown(url);
    log.push('--- the proxy is stopped; reloading ---');

    // Offline: the page, its scripts, the wasm module and the styles must all come from
    // the worker.
    const served = [];
    page.on('response', (r) => served.push(`${new URL(r.url()).pathname} ${r.status()}${r.fromServiceWorker() ? ' (service worker)' : ''}`));
    await page.reload();
    await page.getByLabel('User name').waitFor({ timeout: 10_000 });
    await page.getByLabel('Password').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    console.log(`reloaded with the proxy stopped; served: ${JSON.stringify(served)}`);
    if (log.some((line) => line.startsWith('page error'))) {
      throw new Error('the page reported errors when started from the service worker');
    }
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  await close();
}
exitOnFailure(failure, log);
