// `cargo xtask bench client`: Petrel and Roundcube side by side in headless Chromium, in one
// run, against the same Dovecot and mailbox (issue 10, "Benchmark"). Here beside the npm
// packages it imports; started by bench/client (petrel-bench-client), which seeds Dovecot,
// starts Roundcube behind a private Apache and passes a JSON configuration file as the one
// argument: the apps' URLs, the release proxy's command line (started and restarted here),
// the user, the big folder's newest and oldest subjects, Dovecot's address and CA, and the
// process ids whose CPU time is read from /proc. Writes raw samples to `config.out`:
// { samples: { petrel: { measure: [value or null, ...] }, roundcube: {...} }, notes: [...] }.
//
// How a time is taken: an init script in every page records the page time of each
// mousedown (the input's own timestamp) and, on each animation frame, checks a condition
// set by this script (an element, optionally with a text, optionally inside a same-origin
// frame); the first frame where it holds is the moment the result is painted, and the page
// reports it through a binding. Page times are `performance.timeOrigin + now()`, so a
// sign-in that navigates (Roundcube's) is measured across the two documents. A measure that
// does not finish within its timeout is null, and the run goes on.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { launchFresh } from './common.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const RUNS = config.runs;
const TIMEOUT = config.timeoutMs;
/** Long-task entries arrive after the task: wait this long before reading them. */
const SETTLE_MS = 500;
/** Animation frames over which the big folder is scrolled from top to bottom. */
const SCROLL_FRAMES = 200;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const notes = [];
const samples = { petrel: {}, roundcube: {} };
const record = (app, key, value) => {
  (samples[app][key] ??= []).push(value ?? null);
  console.error(`  ${app} ${key}: ${value === null || value === undefined ? 'n/a' : Math.round(value * 100) / 100}`);
};
const note = (text) => {
  if (!notes.includes(text)) notes.push(text);
};

// ---------------------------------------------------------------------------------------
// The two apps: how to sign in, and what "rows", "this message's body" and "this row" are.

const rowText = (app, subject) => ({ sel: app.subjectSel, text: subject, exact: true });

const petrel = {
  name: 'petrel',
  url: config.petrel.url,
  rowsSel: '.message-list [role=listitem][data-uid]',
  signInSel: 'form.signin-form #user',
  subjectSel: '.message-list [role=listitem][data-uid] .subject',
  async signInForm(page) {
    await page.getByLabel('User name').fill(config.user);
    await page.getByLabel('Password').fill(config.password);
    return page.getByRole('button', { name: 'Sign in' });
  },
  folder: (page, name) => page.locator('nav.folders button.folder').filter({ hasText: new RegExp(`^${name}`) }).first(),
  inbox: (page) => page.locator('nav.folders button.folder.role-inbox'),
  row: (page, i) => page.locator(petrel.rowsSel).nth(i),
  async rowSubject(row) {
    return (await row.locator('.subject').innerText()).trim();
  },
  bodyWant: (subject) => ({
    sel: 'section.reader[aria-busy="false"] #reader-title',
    text: subject,
    exact: true,
  }),
  /** Drags the list's scrollbar to the bottom: the scroll container's scrollTop at its max. */
  async toOldest(page) {
    await page.evaluate((sel) => {
      const list = document.querySelector(sel);
      sessionStorage.setItem('bench.down', String(performance.timeOrigin + performance.now()));
      list.scrollTop = list.scrollHeight;
    }, '.message-list');
  },
};

const roundcube = {
  name: 'roundcube',
  url: config.roundcube.url,
  rowsSel: '#messagelist tbody tr',
  signInSel: '#rcmloginuser',
  subjectSel: '#messagelist tbody tr td.subject span.subject a',
  async signInForm(page) {
    await page.locator('#rcmloginuser').fill(config.user);
    await page.locator('#rcmloginpwd').fill(config.password);
    return page.locator('#rcmloginsubmit');
  },
  folder: (page, name) => page.locator(`#mailboxlist a[rel="${name}"]`),
  inbox: (page) => page.locator('#mailboxlist a[rel="INBOX"]'),
  row: (page, i) => page.locator(roundcube.rowsSel).nth(i),
  async rowSubject(row) {
    return (await row.locator('td.subject span.subject a').innerText()).trim();
  },
  // The preview frame shows the message whose UID its address names.
  bodyWant: (_subject, uid) => ({ frame: '#messagecontframe', frameUrl: `_uid=${uid}&`, sel: '#messagebody' }),
  /** Its last page: the pager's "last page" button. */
  async toOldest(page) {
    await page.locator('a.lastpage').first().click();
  },
};

// ---------------------------------------------------------------------------------------
// In the page: input times, the condition checked on every frame, long tasks.

function pageProbe() {
  if (window !== window.top) return;
  const store = sessionStorage;
  const now = () => performance.timeOrigin + performance.now();
  addEventListener('mousedown', (e) => store.setItem('bench.down', String(performance.timeOrigin + e.timeStamp)), true);
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__longTasks.push({ start: performance.timeOrigin + entry.startTime, duration: entry.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
  const holds = (want) => {
    let doc = document;
    if (want.frame) {
      const frame = document.querySelector(want.frame);
      doc = frame?.contentDocument;
      if (!doc || (want.frameUrl && !String(doc.location.href).includes(want.frameUrl))) return false;
    }
    if (want.fresh && window.__benchOld) return false;
    if (want.also && !document.querySelector(want.also)) return false;
    for (const el of doc.querySelectorAll(want.sel)) {
      if (want.text === undefined) return true;
      const text = el.textContent.trim();
      if (want.exact ? text === want.text : text.includes(want.text)) return true;
    }
    return false;
  };
  let unlessSince = null;
  const frame = () => {
    const raw = store.getItem('bench.want');
    const want = raw && JSON.parse(raw);
    if (want && holds(want)) {
      store.removeItem('bench.want');
      const down = Number(store.getItem('bench.down')) || null;
      window.__benchSeen?.({ t: now(), down, sinceOrigin: performance.now() });
    } else if (want?.unless && !window.__benchOld && document.querySelector(want.unless)) {
      // What shows instead of the result (a sign-in form after a reload) and stays for
      // two seconds: no need to wait for the timeout.
      unlessSince ??= now();
      if (now() - unlessSince > 2000) {
        store.removeItem('bench.want');
        window.__benchSeen?.({ failed: true });
      }
    } else {
      unlessSince = null;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** One page with the probe, its CDP session and byte counters. */
async function preparePage(context) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  await page.addInitScript(pageProbe);
  const waiting = { resolve: null };
  await page.exposeBinding('__benchSeen', (source, payload) => {
    if (source.frame === page.mainFrame()) waiting.resolve?.(payload);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  const network = { requests: 0, bytes: 0 };
  cdp.on('Network.loadingFinished', (e) => {
    network.requests += 1;
    network.bytes += e.encodedDataLength;
  });
  const frame = (e) => {
    const { opcode, payloadData } = e.response;
    network.bytes += opcode === 2 ? Buffer.from(payloadData, 'base64').length : Buffer.byteLength(payloadData);
  };
  cdp.on('Network.webSocketFrameReceived', frame);
  cdp.on('Network.webSocketFrameSent', frame);
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  return { page, cdp, network, waiting };
}

/**
 * Sets `want`, runs `action`, and returns the milliseconds from the action's input to the
 * first frame where `want` holds (with `absolute`, that frame's epoch time in ms, for a
 * start the page does not see); null on timeout. `onSeen` runs at that moment (the byte
 * counters are read there).
 */
async function timed(p, want, action, { timeout = TIMEOUT, absolute = false, onSeen = () => {} } = {}) {
  let timer;
  const seen = new Promise((resolve) => {
    p.waiting.resolve = (payload) => {
      onSeen();
      resolve(payload);
    };
    timer = setTimeout(() => resolve(null), timeout);
  });
  await p.page.evaluate((w) => {
    sessionStorage.removeItem('bench.down');
    sessionStorage.setItem('bench.want', JSON.stringify(w));
  }, want);
  try {
    await action();
  } catch (error) {
    note(`an action failed: ${error.message.split('\n')[0]}`);
    clearTimeout(timer);
    p.waiting.resolve = null;
    await clearWant(p.page);
    return null;
  }
  const result = await seen;
  clearTimeout(timer);
  p.waiting.resolve = null;
  if (!result || result.failed) {
    await clearWant(p.page);
    return null;
  }
  if (absolute) return result.t;
  // A new document (a reload) counts from its own navigation start, on its own clock.
  if (want.fresh) return result.sinceOrigin;
  return result.down ? result.t - result.down : null;
}

async function clearWant(page) {
  await page.evaluate(() => sessionStorage.removeItem('bench.want')).catch(() => {});
}

// ---------------------------------------------------------------------------------------
// Processes: the proxy (started here, so that it can be restarted), CPU time from /proc.

let proxy = null;

async function startProxy() {
  const [program, ...args] = config.petrel.command;
  proxy = spawn(program, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
  proxy.on('exit', () => {
    proxy = null;
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(config.petrel.port))) {
    if (Date.now() > deadline || proxy === null) throw new Error('petrel-proxy did not start listening');
    await sleep(20);
  }
}

async function stopProxy() {
  if (!proxy) return;
  const stopped = new Promise((resolve) => proxy.once('exit', resolve));
  proxy.kill('SIGTERM');
  await stopped;
}

const accepts = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user + system, reaped children included) of the process tree under `root`. */
function treeCpu(root) {
  const procs = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), from field 3 (state) on.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  let ticks = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop();
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [child, p] of procs) if (p.ppid === pid) pending.push(child);
  }
  return ticks / CLOCK_TICKS;
}

const webTierPid = (app) => (app === petrel ? proxy?.pid : config.roundcube.pid);

// ---------------------------------------------------------------------------------------
// Another client: one APPEND over IMAPS, as a phone would deliver a change.

async function append(subject) {
  const socket = tls.connect({
    host: config.imaps.host,
    port: config.imaps.port,
    ca: readFileSync(config.imaps.ca),
    servername: 'localhost',
  });
  let buffer = '';
  let wake = () => {};
  socket.on('data', (d) => {
    buffer += d.toString('latin1');
    wake();
  });
  const expect = async (pattern) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const match = buffer.match(pattern);
      if (match) {
        buffer = buffer.slice(match.index + match[0].length);
        return match[0];
      }
      if (Date.now() > deadline) throw new Error(`IMAP: no ${pattern} in ${JSON.stringify(buffer)}`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  try {
    await expect(/^\* OK.*\r\n/m);
    socket.write(`a LOGIN ${config.user} "${config.password}"\r\n`);
    if (!(await expect(/^a (OK|NO|BAD).*\r\n/m)).startsWith('a OK')) throw new Error('IMAP LOGIN refused');
    const message =
      `From: "Phone" <phone@example.org>\r\nTo: Alice <alice@localhost>\r\nSubject: ${subject}\r\n` +
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: <${Date.now()}.bench@petrel.test>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSent from another client.\r\n`;
    socket.write(`b APPEND INBOX {${Buffer.byteLength(message)}}\r\n`);
    await expect(/^\+.*\r\n/m);
    socket.write(`${message}\r\n`);
    const done = await expect(/^b (OK|NO|BAD).*\r\n/m);
    const at = Date.now();
    if (!done.startsWith('b OK')) throw new Error(`IMAP APPEND: ${done.trim()}`);
    socket.write('c LOGOUT\r\n');
    return at;
  } finally {
    socket.end();
  }
}

// ---------------------------------------------------------------------------------------
// The runs.

/** One cold run of `app` in a fresh browser: every measure but the warm sign-in. */
async function coldRun(app, run) {
  const { context, close } = await launchFresh();
  try {
    const p = await preparePage(context);
    const { page } = p;
    const cpuWeb = treeCpu(webTierPid(app));
    const cpuDovecot = treeCpu(config.dovecotPid);

    await page.goto(app.url);
    const button = await app.signInForm(page);
    // A person takes seconds to type; let the page have its idle moment, as cold.mjs does.
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => resolve())));
    let atPaint = null;
    const signIn = await timed(p, { sel: app.rowsSel }, () => button.click(), {
      onSeen: () => {
        atPaint = { ...p.network };
      },
    });
    record(app.name, 'signin_cold', signIn);
    record(app.name, 'bytes_cold', atPaint?.bytes);
    record(app.name, 'requests_cold', atPaint?.requests);
    if (signIn === null) throw new Error(`${app.name}: no rows after signing in`);
    await sleep(300);

    // A message never opened, then another, then the first again.
    const [first, second] = [app.row(page, 2), app.row(page, 1)];
    const open = async (row) => {
      const subject = await app.rowSubject(row);
      // Roundcube's row ids are `rcmrow` and the UID in base64.
      const id = ((await row.getAttribute('id')) ?? '').replace('rcmrow', '');
      const uid = Buffer.from(id, 'base64').toString();
      return timed(p, app.bodyWant(subject, uid), () => row.click());
    };
    record(app.name, 'open_message', await open(first));
    await sleep(300);
    await open(second);
    await sleep(300);
    record(app.name, 'open_again', await open(first));
    await sleep(300);

    const big = app.folder(page, config.bigFolder);
    record(app.name, 'big_folder', await timed(p, rowText(app, config.newestSubject), () => big.click()));
    await sleep(300);
    record(app.name, 'oldest', await timed(p, rowText(app, config.oldestSubject), () => app.toOldest(page)));
    await sleep(300);

    // The servers' CPU over the journey both apps make; scrolling the whole big folder is
    // Petrel's alone (Roundcube pages), so its cost is reported apart.
    const dovecotJourney = treeCpu(config.dovecotPid);
    record(app.name, 'cpu_web', treeCpu(webTierPid(app)) - cpuWeb);
    record(app.name, 'cpu_dovecot', dovecotJourney - cpuDovecot);
    if (app === petrel) {
      record(app.name, 'long_tasks', await scrollTopToBottom(page));
      record(app.name, 'cpu_dovecot_scroll', treeCpu(config.dovecotPid) - dovecotJourney);
    }
    await p.cdp.send('HeapProfiler.collectGarbage');
    const metrics = (await p.cdp.send('Performance.getMetrics')).metrics;
    record(app.name, 'heap', metrics.find((m) => m.name === 'JSHeapUsedSize')?.value);

    // Live: back to INBOX, then another client appends.
    await timed(p, rowText(app, config.inboxNewest), () => app.inbox(page).click());
    const subject = `Delivered meanwhile (${app.name}, run ${run + 1})`;
    let appended = null;
    const live = await timed(p, rowText(app, subject), async () => {
      appended = await append(subject);
    }, { timeout: config.appendTimeoutMs, absolute: true });
    record(app.name, 'append', live === null || appended === null ? null : live - appended);

    if (app === petrel) record(app.name, 'proxy_restart', await proxyRestart(p, run));

    // A reload, signed in: the list again (from Petrel's store; Roundcube asks its server).
    // The rows must be the new document's (the old one shows them until it unloads), timed
    // from its navigation start: the old document is marked, and clocks are not compared
    // across documents that lived minutes apart. A sign-in form instead (Petrel today, with
    // no store) ends the wait.
    await page.evaluate(() => {
      window.__benchOld = true;
    });
    const reload = await timed(p, { sel: app.rowsSel, unless: app.signInSel, fresh: true }, () =>
      page.reload({ waitUntil: 'commit' }),
    );
    record(app.name, 'reload', reload);
    if (reload === null) {
      const form = (await page.locator(app.signInSel).count()) > 0;
      note(`${app.name}: a reload showed ${form ? 'its sign-in form' : 'no rows within the timeout'} (${page.url()})`);
    }
  } finally {
    await close();
  }
}

/**
 * Scrolls the big folder's list from top to bottom over SCROLL_FRAMES animation frames and
 * counts the long tasks (over 50 ms) meanwhile.
 */
async function scrollTopToBottom(page) {
  const result = await page.evaluate(async ({ frames, settle }) => {
    const list = document.querySelector('.message-list');
    list.scrollTop = 0;
    await new Promise((resolve) => setTimeout(resolve, settle));
    const start = performance.timeOrigin + performance.now();
    const height = list.scrollHeight - list.clientHeight;
    for (let i = 1; i <= frames; i += 1) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      list.scrollTop = (height * i) / frames;
    }
    await new Promise((resolve) => setTimeout(resolve, settle));
    const rows = list.querySelectorAll('[role=listitem]');
    return {
      tasks: window.__longTasks.filter((t) => t.start >= start && t.duration > 50).length,
      height,
      setsize: rows[0]?.getAttribute('aria-setsize') ?? null,
    };
  }, { frames: SCROLL_FRAMES, settle: SETTLE_MS });
  if (result.setsize === null) {
    note(`petrel: the list is not virtualised yet (no aria-setsize): the scroll covered ${result.height} px, not the whole folder`);
  }
  return result.tasks;
}

/**
 * Stops the proxy, appends a message while it is down, starts it again and times from its
 * listening again to the connection indicator back online with that message on screen.
 * Null when the app has no connection indicator (`#connection[data-state]`) yet.
 */
async function proxyRestart(p, run) {
  if ((await p.page.locator('#connection[data-state]').count()) === 0) {
    note('petrel: no #connection[data-state] indicator yet: proxy restart not measured');
    return null;
  }
  await stopProxy();
  await p.page.locator('#connection:not([data-state="online"])').waitFor({ timeout: 10_000 }).catch(() => {});
  const subject = `Delivered while the proxy was down (run ${run + 1})`;
  await append(subject);
  const want = { ...rowText(petrel, subject), also: '#connection[data-state="online"]' };
  let restarted = 0;
  return timed(p, want, async () => {
    await startProxy();
    restarted = Date.now();
  }, { absolute: true }).then((t) => (t === null ? null : t - restarted));
}

/** Sign-ins in one browser whose caches (HTTP, service worker) were filled by a first visit. */
async function warmRuns() {
  const { context, close } = await launchFresh();
  try {
    for (let run = 0; run <= RUNS; run += 1) {
      for (const app of run % 2 === 0 ? [petrel, roundcube] : [roundcube, petrel]) {
        // A fresh session each time, keeping the caches: Roundcube would otherwise skip its
        // sign-in form (Petrel's is ended by signing out, below).
        await context.clearCookies();
        const p = await preparePage(context);
        await p.page.goto(app.url);
        const button = await app.signInForm(p.page);
        await p.page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => resolve())));
        const t = await timed(p, { sel: app.rowsSel }, () => button.click());
        // Run 0 only fills the caches.
        if (run > 0) record(app.name, 'signin_warm', t);
        // Petrel keeps the mail of whoever is signed in on the device, and shows it (asking
        // only for the password) on the next visit: signing out ends that, so the next
        // visit is a sign-in again.
        if (app === petrel) {
          await p.page.getByRole('button', { name: 'Sign out' }).click();
          await p.page.getByLabel('User name').waitFor();
        }
        await p.page.close();
      }
    }
  } finally {
    await close();
  }
}

/**
 * One sign-in to each app, not measured: a server in use has its caches warm (PHP's
 * opcache, Roundcube's database created, the files in the page cache), and the first
 * sign-in after starting would time those one-off costs.
 */
async function warmUp() {
  for (const app of [petrel, roundcube]) {
    const { context, close } = await launchFresh();
    try {
      const p = await preparePage(context);
      await p.page.goto(app.url);
      const button = await app.signInForm(p.page);
      await timed(p, { sel: app.rowsSel }, () => button.click());
    } finally {
      await close();
    }
  }
}

async function main() {
  await startProxy();
  try {
    console.error('warming up: one sign-in to each app');
    await warmUp();
    for (let run = 0; run < RUNS; run += 1) {
      // Alternate which app goes first, so neither always meets a Dovecot just used.
      for (const app of run % 2 === 0 ? [petrel, roundcube] : [roundcube, petrel]) {
        console.error(`cold run ${run + 1} of ${RUNS}: ${app.name}`);
        const began = Date.now();
        try {
          await coldRun(app, run);
        } catch (error) {
          note(`${app.name}, cold run ${run + 1}: ${error.message.split('\n')[0]}`);
        }
        console.error(`  (${((Date.now() - began) / 1000).toFixed(0)} s)`);
      }
    }
    console.error(`warm sign-ins (one browser, ${RUNS} each after a first visit)`);
    await warmRuns();
  } finally {
    await stopProxy();
  }
  writeFileSync(config.out, JSON.stringify({ samples, notes }, null, 1));
}

process.on('SIGINT', () => {
  proxy?.kill('SIGTERM');
  process.exit(130);
});
await main();
