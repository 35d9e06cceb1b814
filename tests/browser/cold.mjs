// A cold visit to Petrel in a real headless Chromium: what it costs the network, and whether
// the page stays responsive while the message list fills.
//
// Run by tests/tests/browser.rs, which starts Dovecot (with a full first page of INBOX) and
// the proxy and passes, in the environment:
//   PETREL_URL            the app's URL (the proxy serving dist/)
//   PETREL_USER           the user name to type
//   PETREL_PASSWORD       the password to type
//   PETREL_ROWS           how many rows the message list shows once the first page is in
//   PETREL_ENCODING       the content-encoding the wasm module must arrive with ("br")
//   PETREL_LONG_TASK_MS   the longest main-thread task allowed after sign-in (50)
//   PETREL_SCREENSHOT     where to save a screenshot if the check fails
//   PETREL_CHROMIUM       the browser binary (default /usr/bin/chromium)
// Prints the bytes transferred (HTTP responses as received, headers included, and WebSocket
// frame payloads both ways) from the first request until the first rows are painted, and
// the longest tasks; exits 0 when every check holds, otherwise prints why and exits 1.

import { env, exitOnFailure, firstPage, launchFresh, listFilled, saveScreenshot } from './common.mjs';

const url = env('PETREL_URL');
const user = env('PETREL_USER');
const password = env('PETREL_PASSWORD');
const rows = Number(env('PETREL_ROWS'));
const encoding = env('PETREL_ENCODING', 'br');
const longTaskLimit = Number(env('PETREL_LONG_TASK_MS', '50'));
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;
// Long-task entries reach the observer after the task, not during it: wait this long after
// the last thing we look at before reading them.
const SETTLE_MS = 500;

// A fresh profile: nothing cached, no service worker. That is what "cold" means here.
const { context, close } = await launchFresh();
const log = [];
// What was wrong, gathered so that every figure is printed before the test fails.
const problems = [];
let failure = null;
try {
  const page = await firstPage(context, log, TIMEOUT);
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  // Every long task of the page, from its first script on.
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
      }
    }).observe({ type: 'longtask', buffered: true });
  });

  // The bytes as they crossed the network, from DevTools: a response's encodedDataLength at
  // loadingFinished is what was received for it (headers and the body as sent, compressed
  // or not); WebSocket frames count by payload.
  const network = { requests: 0, http: 0, wsFrames: 0, ws: 0 };
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.loadingFinished', (e) => {
    network.requests += 1;
    network.http += e.encodedDataLength;
  });
  const frame = (e) => {
    const { opcode, payloadData } = e.response;
    // Binary frames (opcode 2) come base64-encoded, text frames as text.
    network.wsFrames += 1;
    network.ws += opcode === 2 ? Buffer.from(payloadData, 'base64').length : Buffer.byteLength(payloadData);
  };
  cdp.on('Network.webSocketFrameReceived', frame);
  cdp.on('Network.webSocketFrameSent', frame);

  const wasm = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(r);
  });

  try {
    await page.goto(url);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    // A person takes seconds to type; the app uses that idle time to get ready (its date
    // formatters, ui/format.rs). Let it have an idle moment, as a person would.
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => resolve())));
    const signIn = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Sign in' }).click();

    const list = page.locator('[role=list][aria-label=Messages]');
    // The list is virtualised: the first page is in when every row that fits is shown.
    const shown = await listFilled(page);
    // Painted: the frame after the one that showed the rows has begun.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    const painted = { ...network };
    const total = Number(await list.getAttribute('data-total'));
    if (total < rows) throw new Error(`the list says ${total} messages, the folder has at least ${rows}`);
    console.log(`message list shows ${shown} rows of ${total}`);

    // The wasm module travelled compressed.
    if (wasm.length !== 1) throw new Error(`expected one wasm response, saw ${wasm.length}`);
    const wasmHeaders = await wasm[0].allHeaders();
    const wasmSizes = await wasm[0].request().sizes();
    console.log(
      `wasm: content-encoding ${wasmHeaders['content-encoding'] ?? '(none)'}, ` +
        `${kb(wasmSizes.responseBodySize)} over the network`,
    );
    console.log(
      `cold visit until the first rows are painted: ${kb(painted.http + painted.ws)} ` +
        `(HTTP ${kb(painted.http)} in ${painted.requests} requests, ` +
        `WebSocket ${kb(painted.ws)} in ${painted.wsFrames} frames)`,
    );
    if (wasmHeaders['content-encoding'] !== encoding) {
      problems.push(`the wasm module came with content-encoding ${wasmHeaders['content-encoding']}, not ${encoding}`);
    }
    if (wasmHeaders['vary'] !== 'Accept-Encoding') {
      problems.push(`the wasm module came without Vary: Accept-Encoding (${wasmHeaders['vary']})`);
    }

    // No long task from the sign-in click until the list is painted.
    await page.waitForTimeout(SETTLE_MS);
    const afterList = await longTasksSince(page, signIn);
    report('sign-in until the list is painted', afterList);

    // Opening a message re-renders the list: still no long task.
    const opened = await page.evaluate(() => performance.now());
    const first = list.getByRole('button').first();
    const subject = (await first.locator('.subject').innerText()).trim();
    await first.click();
    await page.locator('#reader-title').filter({ hasText: subject }).waitFor();
    await page.waitForTimeout(SETTLE_MS);
    const afterOpen = await longTasksSince(page, opened);
    report('opening a message', afterOpen);

    const startup = await longTasksSince(page, 0);
    const longest = Math.max(0, ...startup.filter((t) => t.start < signIn).map((t) => t.duration));
    console.log(`(for comparison, the longest task before sign-in, starting the app: ${longest.toFixed(0)} ms)`);

    const slow = [...afterList, ...afterOpen].filter((t) => t.duration > longTaskLimit);
    if (slow.length > 0) {
      problems.push(`long tasks over ${longTaskLimit} ms: ${JSON.stringify(slow)}`);
    }

    // The service worker keeps what it fetched, compressed on the wire, decoded in its
    // cache: the shell on install, and the hashed files once it controls the page (the
    // first reload fetches them through it, the second is served from its cache).
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Signed in, the reloaded app shows the mail kept on the device (and the bar that asks
    // for the password to go online).
    for (let i = 0; i < 2; i += 1) {
      await page.reload();
      await page.locator('form.go-online').waitFor();
    }
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('petrel-shell-v1');
      const paths = (await cache.keys()).map((k) => new URL(k.url).pathname);
      const wasm = paths.find((p) => p.endsWith('.wasm'));
      const head = wasm ? new Uint8Array(await (await cache.match(wasm)).arrayBuffer(), 0, 4) : [];
      return { paths, wasmMagic: Array.from(head) };
    });
    console.log(`service worker cache: ${JSON.stringify(cached.paths.sort())}`);
    const hashed = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/;
    for (const path of ['/', '/boot.js', '/manifest.webmanifest', '/icon.svg', '/icon-192.png']) {
      if (!cached.paths.includes(path)) throw new Error(`the service worker did not cache ${path}`);
    }
    for (const ext of ['.js', '.wasm', '.css']) {
      if (!cached.paths.some((p) => hashed.test(p) && p.endsWith(ext))) {
        throw new Error(`the service worker did not cache the hashed ${ext} file`);
      }
    }
    // "\0asm": the module itself, not its Brotli bytes.
    if (JSON.stringify(cached.wasmMagic) !== JSON.stringify([0, 97, 115, 109])) {
      throw new Error(`the cached wasm module does not start with \\0asm: ${JSON.stringify(cached.wasmMagic)}`);
    }
    if (log.some((line) => line.startsWith('page error'))) {
      throw new Error('the page reported errors after reloading from the service worker');
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  await close();
}

async function longTasksSince(page, since) {
  return page.evaluate((t) => window.__longTasks.filter((task) => task.start >= t), since);
}

function report(what, tasks) {
  const longest = Math.max(0, ...tasks.map((t) => t.duration));
  console.log(`${what}: ${tasks.length} long task(s), the longest ${longest.toFixed(0)} ms`);
}

function kb(bytes) {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

exitOnFailure(failure, log);
