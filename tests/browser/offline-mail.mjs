// Mail kept on the device: after one session, a reload with the proxy stopped shows the
// stored INBOX at once, offline, and a message read before opens; the password takes the
// app online again; a second tab works without the store and says so; signing out leaves
// nothing for the next reload. Online on a slow network, a stored folder and a message read
// before show at once, before the server answers.
//
// Run by tests/tests/browser.rs, which starts Dovecot and the proxy and passes, in the
// environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_USER, PETREL_PASSWORD
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
// It prints `STOP-PROXY` and `START-PROXY` for the test to act on, and what it measured.

import { env, exitOnFailure, firstPage, launchFresh, listFilled, listRow, rowExtras, saveScreenshot, waitUntilDown } from './common.mjs';

const url = env('PETREL_URL');
const user = env('PETREL_USER');
const password = env('PETREL_PASSWORD');
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;

// How long the slow network holds back each server message.
const SLOW_MS = 3_000;

const { context, close } = await launchFresh();
const log = [];
let failure = null;
let page;
// While set, every message from the mail server reaches the page SLOW_MS late, in order.
let slow = false;
try {
  page = await firstPage(context, log, TIMEOUT);
  await page.routeWebSocket(/\/imap$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    let last = 0;
    server.onMessage((message) => {
      // Never earlier than the message before it: the IMAP stream keeps its order.
      last = Math.max(Date.now() + (slow ? SLOW_MS : 0), last);
      setTimeout(() => ws.send(message), last - Date.now());
    });
    // 1005 and 1006 say that no code was sent; they cannot be sent on.
    const passed = (code) => (code === 1005 || code === 1006 ? undefined : code);
    ws.onClose((code, reason) => server.close({ code: passed(code), reason }));
    server.onClose((code, reason) => ws.close({ code: passed(code), reason }));
  });
  try {
    await page.goto(url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await listFilled(page);
    const list = page.locator('[role=list][aria-label=Messages]');
    const total = Number(await list.getAttribute('data-total'));

    // Read the newest message: its body is kept.
    const first = await listRow(page, 0);
    const subject = (await first.locator('.subject').innerText()).trim();
    await first.getByRole('button').click();
    const reader = page.locator('section.reader');
    await reader.locator('#reader-title', { hasText: subject }).waitFor();
    const text = (await reader.innerText()).trim();
    // The device keeps at most 100 MB of messages read: a setting of the device.
    await page.locator('details.storage summary').click();
    await page.getByLabel('Keep messages read on this device, up to').selectOption({ label: '100 MB' });
    await page.locator('details.storage summary').click();
    // The store starts once a message is read: wait until its worker holds the store's
    // lock, then give it a moment to write what it was given.
    await page.waitForFunction(async () =>
      (await navigator.locks.query()).held.some((lock) => lock.name === 'petrel-store'),
    );
    await page.waitForTimeout(500);

    // A reload, online: the stored rows show before the app has signed in again.
    const online = Date.now();
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[role=list][aria-label=Messages] [role=listitem]'));
    console.log(`reload online → stored rows painted: ${Date.now() - online} ms`);
    await page.locator('form.go-online').waitFor();
    const kept = await page.locator('#keep-bodies').inputValue();
    if (kept !== '100000000') throw new Error(`the storage setting reads ${kept} after a reload`);

    console.log('STOP-PROXY');
    await waitUntilDown(url);
    const reloaded = Date.now();
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[role=list][aria-label=Messages] [role=listitem]'));
    console.log(`reload with the proxy stopped → stored rows painted: ${Date.now() - reloaded} ms`);
    await page.locator('#connection[data-state=offline]').waitFor();
    await page.locator('form.go-online').waitFor();
    const stored = Number(await list.getAttribute('data-total'));
    if (stored !== total) throw new Error(`${stored} messages stored, the folder has ${total}`);
    // The stored rows keep their attachment mark and preview.
    const marks = [await rowExtras(list, 'Photos from the trip'), await rowExtras(list, 'Welcome to Petrel')];
    if (!marks[0].attachment || marks[1].attachment || marks[0].preview !== 'Three photos attached.') {
      throw new Error(`stored rows show ${JSON.stringify(marks)}`);
    }

    // The message read before opens from the device.
    const opened = Date.now();
    await (await listRow(page, 0)).getByRole('button').click();
    await reader.locator('#reader-title', { hasText: subject }).waitFor();
    console.log(`offline, a message read before → body painted: ${Date.now() - opened} ms`);
    const again = (await reader.innerText()).trim();
    if (again !== text) throw new Error(`the stored message reads differently:\n${again}\n---\n${text}`);
    // One never opened says it is not kept.
    if (total > 1) {
      await (await listRow(page, 1)).getByRole('button').click();
      await reader.getByText('not kept on this device').waitFor();
    }

    // A second tab: the first one holds the store, so this one works from the network
    // alone and says so.
    console.log('START-PROXY');
    const second = await context.newPage();
    second.on('pageerror', (e) => log.push(`second tab page error: ${e.message}`));
    await second.goto(url);
    // The kept mail's owner is known, so this tab too asks only for the password.
    await second.locator('#go-online-password').fill(password);
    await second.getByRole('button', { name: 'Go online' }).click();
    await listFilled(second);
    await second.locator('.store-note', { hasText: 'another tab' }).waitFor();
    console.log('a second tab works without the store and says so');
    await second.close();

    // The password takes the first tab online.
    await page.locator('#go-online-password').fill(password);
    await page.getByRole('button', { name: 'Go online' }).click();
    await page.locator('#connection[data-state=online]').waitFor();
    await page.locator('form.go-online').waitFor({ state: 'detached' });
    await listFilled(page);

    // Online on a slow network: a folder and a message kept on the device show at once,
    // before the server's answers (held back SLOW_MS) could have arrived; then the
    // server's answers take over.
    const folders = page.getByRole('navigation', { name: 'Folders' });
    await folders.getByRole('button', { name: 'Real mail' }).click();
    await page.locator('#folder-title', { hasText: 'Real mail' }).waitFor();
    await listFilled(page);
    slow = true;
    const inboxAgain = Date.now();
    await page.locator('nav.folders button.folder.role-inbox').click();
    await page
      .locator('[role=list][aria-label=Messages] [role=listitem] .subject', { hasText: subject })
      .first()
      .waitFor();
    const inboxShown = Date.now() - inboxAgain;
    console.log(`online, slow server, a stored folder → rows painted: ${inboxShown} ms`);
    const readAgain = Date.now();
    await (await listRow(page, 0)).getByRole('button').click();
    await reader.locator('#reader-title', { hasText: subject }).waitFor();
    const readShown = Date.now() - readAgain;
    console.log(`online, slow server, a message read before → body painted: ${readShown} ms`);
    slow = false;
    if (inboxShown >= SLOW_MS || readShown >= SLOW_MS) {
      throw new Error(`stored mail waited for the server (${inboxShown} ms, ${readShown} ms)`);
    }
    await page.waitForTimeout(SLOW_MS);
    await page.locator('#connection[data-state=online]').waitFor();
    await listFilled(page);

    // Signing out wipes the device's copy: a reload shows the sign-in form, nothing else.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').waitFor();
    await page.waitForTimeout(500);
    await page.reload();
    await page.getByLabel('User name').waitFor();
    await page.waitForTimeout(1500);
    if (await page.locator('form.go-online').count()) throw new Error('mail was restored after signing out');
    console.log('after signing out, a reload restores nothing');
    if (log.some((line) => line.includes('page error'))) throw new Error('the page reported errors');
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  await close();
}
exitOnFailure(failure, log);
