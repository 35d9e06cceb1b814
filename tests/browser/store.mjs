// The store worker in a real headless Chromium: SQLite on OPFS through the SAH-pool VFS, in
// the dedicated worker the app ships (dist/petrel-store-worker*), served by the proxy.
//
// A page script speaks the worker's protocol directly (petrel_store::protocol as plain
// objects, which the worker answers in kind: `{ id, request: { Variant: { field } } }` in,
// `{ Answer: { id, result: { Ok | Err } } }` out, u64 values as BigInt; the app itself uses
// postcard bytes), so no test hook is built into the app. The worker's one `Started` message
// is always postcard: [0, 0] when the store is open, [0, 1, 0] for OtherTab. The script:
//   1. loads the app, waits for its first screen, starts the worker, times its first reply;
//   2. writes a folder list, the last account, a folder with rows and a body;
//   3. times writing 1,000 rows in one apply_changes, fills a 100,000-row folder, times
//      windows of 50 rows at its top, middle and bottom;
//   4. reloads the page and reads everything back from a new worker; then again offline,
//      with the worker's files from the service worker's cache;
//   5. opens a second tab, whose worker must answer OtherTab;
//   6. wipes the account, checks nothing of it is readable, closes the owning tab and looks
//      through the pool's OPFS files for a word of the wiped mail.
//
// Run by tests/tests/browser.rs, which starts the proxy serving dist/ and passes:
//   PETREL_URL            the app's URL
//   PETREL_SCREENSHOT     where to save a screenshot if the check fails
//   PETREL_CHROMIUM       the browser binary (default /usr/bin/chromium)
// Prints the figures; exits 0 when every check holds, otherwise prints why and exits 1.

import { env, exitOnFailure, launchFresh, saveScreenshot } from './common.mjs';

const url = env('PETREL_URL');
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 60_000;
const BIG = 100_000;
// A word that exists only in the mail that is wiped, to look for in the files afterwards.
const SECRET = 'zanzibarquokka';

const account = 'alice@petrel.test';
const inbox = { account, folder: 'INBOX', uidvalidity: 7 };
const big = { account, folder: 'Big', uidvalidity: 9 };
const folders = [
  { name: 'INBOX', delimiter: '/', role: 'Inbox', selectable: true, total: 3, unseen: 1 },
  { name: 'Archive', delimiter: '/', role: null, selectable: false, total: null, unseen: null },
  { name: 'Big', delimiter: '/', role: 'Archive', selectable: true, total: BIG, unseen: 0 },
];
const last = { account, user: 'alice', server: url };
const body = `Subject: Hello\r\n\r\nThe ${SECRET} report is attached.\r\n`;

function headers(uid, subject) {
  return {
    uid,
    internaldate: 1_700_000_000 + uid,
    size: 1000 + uid,
    flags: { seen: uid % 2 === 0, flagged: false, answered: false, draft: false, deleted: false, keywords: [] },
    from: `Sender ${uid}`,
    to: 'Alice <alice@petrel.test>',
    subject,
    message_id: `<${uid}@petrel.test>`,
    references: [],
    parts: [],
  };
}

/** Installs `window.store` in the page: start() and call(request), timing both. */
async function installClient(page) {
  await page.evaluate(() => {
    let worker;
    let nextId = 0;
    const pending = new Map();
    let started;
    const startedPromise = new Promise((resolve) => {
      started = resolve;
    });
    window.store = {
      start() {
        const t0 = performance.now();
        worker = new Worker(new URL('petrel-store-worker_loader.js', document.baseURI), { type: 'module' });
        worker.onmessage = ({ data }) => {
          if (data instanceof Uint8Array) {
            // FromWorker::Started (variant 0) of Result<(), StoreUnavailable>, in postcard.
            const bytes = Array.from(data);
            const result =
              bytes.length === 2 && bytes[0] === 0 && bytes[1] === 0
                ? { Ok: null }
                : bytes.length === 3 && bytes[0] === 0 && bytes[1] === 1 && bytes[2] === 0
                  ? { Err: 'OtherTab' }
                  : { Err: { postcard: bytes } };
            started({ result, ms: performance.now() - t0 });
          } else {
            const { id, result } = data.Answer;
            pending.get(id)(result);
            pending.delete(id);
          }
        };
        worker.onerror = (e) => started({ result: { Err: { WorkerFailed: { reason: String(e.message) } } } });
        return startedPromise.then((s) => ({ ...s, t0 }));
      },
      call(request) {
        const id = nextId++;
        return new Promise((resolve) => {
          pending.set(id, resolve);
          worker.postMessage({ id, request });
        });
      },
      // call() with the time it took in the page, the answer's Ok unwrapped or thrown.
      async timed(request) {
        const t = performance.now();
        const result = await window.store.call(request);
        const ms = performance.now() - t;
        if (!('Ok' in result)) throw new Error(`${JSON.stringify(request, big)} failed: ${JSON.stringify(result.Err, big)}`);
        return { reply: result.Ok, ms };
      },
    };
    function big(_, v) {
      return typeof v === 'bigint' ? `${v}n` : v;
    }
  });
}

/** Runs `request` in the page; its Ok reply, or an error naming the failure. */
async function call(page, request) {
  return (await page.evaluate((r) => window.store.timed(r), request)).reply;
}

async function timed(page, request) {
  return page.evaluate((r) => window.store.timed(r), request);
}

// Compares as JSON, BigInt as numbers and null as absent (Rust's None arrives as undefined).
function check(what, actual, expected) {
  const plain = (_, v) => (typeof v === 'bigint' ? Number(v) : v === null ? undefined : v);
  const a = JSON.stringify(actual, plain);
  const e = JSON.stringify(expected, plain);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

async function openApp(page) {
  await page.goto(url);
  await page.getByLabel('User name').waitFor();
  await installClient(page);
}

const { context, close } = await launchFresh();
const log = [];
let failure = null;
let page;
try {
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));

  // 1. Start after the first screen; the first reply's time from the worker's creation.
  await openApp(page);
  const first = await page.evaluate(async () => {
    const { result, ms, t0 } = await window.store.start();
    const answer = await window.store.call('LastAccount');
    return { result, startedMs: ms, firstReplyMs: performance.now() - t0, answer };
  });
  check('the worker started', first.result, { Ok: null });
  check('a fresh store has no last account', first.answer, { Ok: { LastAccount: null } });
  console.log(`worker start → Started: ${first.startedMs.toFixed(0)} ms; → first reply: ${first.firstReplyMs.toFixed(0)} ms`);

  // 2. What an app needs to start offline, and a folder with rows and a body.
  await call(page, { SaveFolders: { account, folders } });
  await call(page, { SetLastAccount: { last } });
  check('open INBOX', await call(page, { OpenFolder: { key: inbox } }), { Opened: 'New' });
  await call(page, {
    ApplyChanges: {
      key: inbox,
      changes: {
        known: [1, 2, 3],
        headers: [headers(2, 'Second'), headers(3, `About ${SECRET}`)],
        flags: [],
        expunged: [],
        uidnext: 4,
        highest_modseq: 12,
      },
    },
  });
  const raw = new TextEncoder().encode(body);
  await call(page, { PutBody: { key: inbox, uid: 3, raw, text: `The ${SECRET} report is attached.`, now: 1_700_000_100 } });

  // 3. Figures: 1,000 rows in one apply_changes, then a 100,000-row folder and its windows.
  await call(page, { OpenFolder: { key: big } });
  const batch = (from) => Array.from({ length: 1000 }, (_, i) => headers(from + i, `Message ${from + i}`));
  const write = await timed(page, { ApplyChanges: { key: big, changes: { known: [], headers: batch(1), flags: [], expunged: [] } } });
  console.log(`apply_changes of 1,000 rows with headers: ${write.ms.toFixed(0)} ms (in the page, encoding included)`);
  const fill = await page.evaluate(
    async ({ n, key }) => {
      const t = performance.now();
      const times = [];
      for (let from = 1001; from <= n; from += 1000) {
        const rows = [];
        for (let uid = from; uid < from + 1000; uid += 1) {
          rows.push({
            uid,
            internaldate: 1_700_000_000 + uid,
            size: 1000 + uid,
            flags: { seen: true, flagged: false, answered: false, draft: false, deleted: false, keywords: [] },
            from: `Sender ${uid}`,
            to: 'Alice <alice@petrel.test>',
            subject: `Message ${uid}`,
            references: [],
            parts: [],
          });
        }
        const s = performance.now();
        const r = await window.store.call({ ApplyChanges: { key, changes: { known: [], headers: rows, flags: [], expunged: [] } } });
        if (!('Ok' in r)) throw new Error(JSON.stringify(r));
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      return { total: performance.now() - t, median: times[times.length >> 1] };
    },
    { n: BIG, key: big },
  );
  console.log(`filled ${BIG} rows in batches of 1,000: ${(fill.total / 1000).toFixed(1)} s, median batch ${fill.median.toFixed(0)} ms`);
  check('count of the big folder', await call(page, { Count: { key: big } }), { Count: BIG });
  for (const [where, start] of [['top', 0], ['middle', BIG / 2], ['bottom', BIG - 50]]) {
    const { reply, ms } = await timed(page, { Window: { key: big, start, len: 50 } });
    const uids = reply.Rows.map((r) => r.uid);
    check(`window of 50 at the ${where}`, [uids[0], uids.length], [BIG - start, 50]);
    console.log(`window of 50 rows at ${where} (position ${start}) of ${BIG}: ${ms.toFixed(1)} ms`);
  }

  // 4. Reload: a new page, a new worker, the same file.
  await openApp(page);
  const again = await page.evaluate(() => window.store.start());
  check('the worker started after the reload', again.result, { Ok: null });
  console.log(`after the reload (service worker in place): worker start → Started: ${again.ms.toFixed(0)} ms`);
  check('last account after reload', await call(page, 'LastAccount'), { LastAccount: last });
  check('folder list after reload', await call(page, { Folders: { account } }), { Folders: folders });
  const rows = (await call(page, { Window: { key: inbox, start: 0, len: 10 } })).Rows;
  check('INBOX rows after reload', rows.map((r) => [r.uid, r.headers?.subject ?? null]), [[3, `About ${SECRET}`], [2, 'Second'], [1, null]]);
  check('missing headers after reload', await call(page, { MissingHeaders: { key: inbox, start: 0, len: 10 } }), { Uids: [1] });
  const stored = await page.evaluate(async (key) => {
    const { reply } = await window.store.timed({ Body: { key, uid: 3, now: 1_700_000_200 } });
    return reply.Body instanceof Uint8Array ? new TextDecoder().decode(reply.Body) : `not bytes: ${typeof reply.Body}`;
  }, inbox);
  check('body after reload', stored, body);
  check('sync state after reload', await call(page, { SyncState: { account, folder: 'INBOX' } }), { SyncState: { uidvalidity: 7, uidnext: 4, highest_modseq: 12 } });
  check('search after reload', await call(page, { Search: { key: inbox, query: SECRET } }), { Uids: [3] });

  // 4b. Offline: the service worker (controlling the page since the reload) kept the
  // worker's files when this page fetched them, so the store opens with no network at all.
  const kept = await page.evaluate(async () => {
    const cache = await caches.open('petrel-shell-v1');
    return (await cache.keys()).map((k) => new URL(k.url).pathname).filter((p) => p.includes('store-worker'));
  });
  check('worker files in the service worker cache', kept.sort(), ['/petrel-store-worker.js', '/petrel-store-worker_bg.wasm', '/petrel-store-worker_loader.js']);
  await context.setOffline(true);
  await openApp(page);
  const offline = await page.evaluate(() => window.store.start());
  check('the worker started offline', offline.result, { Ok: null });
  check('last account offline', await call(page, 'LastAccount'), { LastAccount: last });
  console.log(`offline: worker start → Started: ${offline.ms.toFixed(0)} ms, the store read back`);
  await context.setOffline(false);

  // 5. A second tab: its worker cannot have the store, and says why.
  const second = await context.newPage();
  second.setDefaultTimeout(TIMEOUT);
  await openApp(second);
  const other = await second.evaluate(async () => {
    const { result } = await window.store.start();
    return { result, answer: await window.store.call({ Count: { key: { account: 'a', folder: 'INBOX', uidvalidity: 1 } } }) };
  });
  check('second tab', other, { result: { Err: 'OtherTab' }, answer: { Err: { Unavailable: 'OtherTab' } } });
  console.log('second tab: OtherTab, and its calls fail with Unavailable(OtherTab)');
  await second.close();

  // 6. Sign-out: nothing of the account is left, in the store or in its files.
  await call(page, { WipeAccount: { account } });
  check('last account after wipe', await call(page, 'LastAccount'), { LastAccount: null });
  check('folder list after wipe', await call(page, { Folders: { account } }), { Folders: [] });
  const gone = await page.evaluate((key) => window.store.call({ Count: { key } }), inbox);
  check('INBOX after wipe', gone, { Err: { Store: { UnknownFolder: { account, folder: 'INBOX' } } } });
  // Closing the tab ends its worker, which frees the pool's files for reading.
  const reader = await context.newPage();
  await page.close();
  await reader.goto(url);
  const found = await reader.evaluate(async (secret) => {
    const root = await navigator.storage.getDirectory();
    const needle = new TextEncoder().encode(secret);
    const report = { files: 0, bytes: 0, hits: [] };
    async function walk(dir, path) {
      for await (const [name, handle] of dir.entries()) {
        if (handle.kind === 'directory') {
          await walk(handle, `${path}${name}/`);
          continue;
        }
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        report.files += 1;
        report.bytes += bytes.length;
        outer: for (let i = 0; i + needle.length <= bytes.length; i += 1) {
          for (let j = 0; j < needle.length; j += 1) {
            if (bytes[i + j] !== needle[j]) continue outer;
          }
          report.hits.push(`${path}${name}@${i}`);
          break;
        }
      }
    }
    await walk(root, '/');
    return report;
  }, SECRET);
  console.log(`after the wipe: ${found.files} OPFS files, ${found.bytes} bytes, searched for "${SECRET}"`);
  if (found.files === 0) throw new Error('no OPFS files found: the store did not persist');
  if (found.hits.length > 0) throw new Error(`wiped text is still in ${found.hits.join(', ')}`);
  if (log.some((line) => line.startsWith('page error'))) throw new Error('the page reported errors');
} catch (error) {
  failure = error;
  if (page && !page.isClosed()) await saveScreenshot(page, screenshot, log);
} finally {
  await close();
}

exitOnFailure(failure, log);
