// Signs in to Petrel in a real headless Chromium and checks what a person would see.
//
// Run by tests/tests/browser.rs, which starts Dovecot and the proxy and passes, in the
// environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_USER        the user name to type
//   PETREL_PASSWORD    the password to type
//   PETREL_EXPECT      "messages": expect the message list with PETREL_SUBJECTS (a JSON
//                      array, newest first); "alert": expect a [role=alert] (wrong password);
//                      "reading": open messages from the list (click, Enter) and check the
//                      reading pane, including that a hostile HTML message runs no script
//                      and loads nothing from PETREL_TRACKER; "real-mail": open the
//                      "Real mail" folder's messages (named text parts, mixed plain and
//                      HTML, a forwarded message, a bounce) and check every part shows,
//                      in order, and the forwarded message saves as .eml
//                      "charsets": open the folder "Charsets" and check each message of
//                      PETREL_CHARSETS (a JSON array, newest first, of {charset, from, addr,
//                      subject, text}) in the list and in the reading pane, exactly and
//                      without U+FFFD
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
//   PETREL_CHROMIUM    the browser binary (default /usr/bin/chromium)
// Exits 0 when the page shows what was expected; otherwise prints why (with the page's
// console and errors) and exits 1.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { env, exitOnFailure, firstPage, launchFresh, listRow, rowExtras, saveScreenshot } from './common.mjs';

const url = env('PETREL_URL');
const user = env('PETREL_USER');
const password = env('PETREL_PASSWORD');
const expect = env('PETREL_EXPECT');
const subjects = JSON.parse(env('PETREL_SUBJECTS', '[]'));
const screenshot = env('PETREL_SCREENSHOT', '');
const tracker = env('PETREL_TRACKER', 'tracker.petrel.invalid');
const TIMEOUT = 30_000;

// The hostile message's remote image host resolves to this local server, which counts
// what reaches it: a leak would show up here, not only in the browser's own bookkeeping.
const trackerHits = [];
const trackerServer = createServer((req, res) => {
  trackerHits.push(req.url);
  res.writeHead(204).end();
});
await new Promise((resolve) => trackerServer.listen(0, '127.0.0.1', resolve));
const trackerPort = trackerServer.address().port;

const { context, close } = await launchFresh([
  `--host-resolver-rules=MAP ${tracker} 127.0.0.1:${trackerPort}`,
]);
const log = [];
// Requests the browser let out: Chromium reports a request that CSP blocked too, failed
// with "csp" before it reached the network, so those are left out.
const requests = [];
let dialogs = 0;
context.on('requestfinished', (r) => requests.push(r.url()));
context.on('requestfailed', (r) => {
  if (!/csp/i.test(r.failure()?.errorText ?? '')) requests.push(r.url());
});
let failure = null;
try {
  const page = await firstPage(context, log, TIMEOUT);
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('dialog', (d) => {
    dialogs += 1;
    d.dismiss().catch(() => {});
  });

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
    } else if (expect === 'reading') {
      await reading(page);
    } else if (expect === 'charsets') {
      await charsets(page, JSON.parse(env('PETREL_CHARSETS')));
    } else if (expect === 'real-mail') {
      await realMail(page);
    } else {
      throw new Error(`unknown PETREL_EXPECT ${expect}`);
    }
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  trackerServer.close();
  await close();
}

// Opens messages the way a person does and checks the reading pane.
async function reading(page) {
  const list = page.locator('[role=list][aria-label=Messages]');
  const row = (subject) => list.getByRole('button', { name: subject });
  await row('Welcome to Petrel').waitFor({ state: 'visible' });

  // The rows: a paperclip on the message with an attached file, none on a plain one; and
  // the start of each text as a preview (Dovecot offers PREVIEW, RFC 8970).
  const marks = {
    plain: await rowExtras(list, 'Welcome to Petrel'),
    attached: await rowExtras(list, 'Photos from the trip'),
  };
  const want = {
    plain: { attachment: false, preview: 'Hello Alice, your mailbox is ready. Ada' },
    attached: { attachment: true, preview: 'Three photos attached.' },
  };
  if (JSON.stringify(marks) !== JSON.stringify(want)) {
    throw new Error(`rows show ${JSON.stringify(marks)}, not ${JSON.stringify(want)}`);
  }
  console.log('the list marks the attachment and previews the text');

  // A click on a plain-text message: its headers and body, line breaks kept.
  await row('Welcome to Petrel').click();
  const reader = page.locator('section.reader');
  const title = reader.locator('#reader-title');
  await title.filter({ hasText: 'Welcome to Petrel' }).waitFor();
  const text = await reader.locator('.reader-text').innerText();
  if (!text.includes('your mailbox is ready')) throw new Error(`body not shown: ${JSON.stringify(text)}`);
  const meta = await reader.locator('.reader-meta').innerText();
  if (!meta.includes('Ada Lovelace')) throw new Error(`sender not shown: ${JSON.stringify(meta)}`);
  // Focus moved to the message, for keyboard and screen-reader users.
  // (Effects run after the render that showed the heading: wait for them, briefly.)
  const focusOn = (check, arg) =>
    page.waitForFunction(check, arg, { timeout: 5_000 }).then(() => true, () => false);
  if (!(await focusOn(() => document.activeElement?.id === 'reader-title'))) {
    const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
    throw new Error(`focus is on ${focused}, not the message heading`);
  }
  // Escape closes the pane and gives focus back to the row.
  await page.keyboard.press('Escape');
  await reader.waitFor({ state: 'detached' });
  if (!(await focusOn((s) => (document.activeElement?.textContent ?? '').includes(s), 'Welcome to Petrel'))) {
    const back = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
    throw new Error(`focus did not return to the row: ${back}`);
  }
  console.log('plain message opened by click, closed by Escape');

  // Enter on a row with an attachment: it is listed with its name and size.
  await row('Photos from the trip').focus();
  await page.keyboard.press('Enter');
  await title.filter({ hasText: 'Photos from the trip' }).waitFor();
  const attachments = await reader.getByRole('list', { name: 'Attachments' }).innerText();
  if (!attachments.includes('trip.png') || !attachments.includes('67 B')) {
    throw new Error(`attachment not listed: ${JSON.stringify(attachments)}`);
  }
  console.log('attachment message opened with Enter');

  // The hostile HTML message: shown in the sandboxed frame, nothing runs, nothing loads.
  await row('Hostile HTML').click();
  await title.filter({ hasText: 'Hostile HTML' }).waitFor();
  const frame = reader.locator('iframe.reader-html');
  await frame.waitFor();
  const sandbox = await frame.getAttribute('sandbox');
  if (sandbox === null || /allow-scripts|allow-same-origin/.test(sandbox)) {
    throw new Error(`the frame is not sandboxed: sandbox=${JSON.stringify(sandbox)}`);
  }
  const inside = page.frameLocator('iframe.reader-html');
  const shown = await inside.locator('#hostile').innerText();
  if (!shown.includes('Nothing to see here.')) throw new Error(`HTML body not shown: ${JSON.stringify(shown)}`);
  // Give an onerror handler, a script or an image every chance to fire.
  await page.waitForTimeout(1000);
  const pwned = await page.evaluate(() => window.__pwned);
  if (pwned !== undefined) throw new Error(`a script in the message ran: __pwned = ${JSON.stringify(pwned)}`);
  if (dialogs > 0) throw new Error(`the message opened ${dialogs} dialog(s)`);
  const leaked = requests.filter((u) => u.includes(tracker));
  if (leaked.length > 0) throw new Error(`requests left for the remote host: ${JSON.stringify(leaked)}`);
  if (trackerHits.length > 0) throw new Error(`the remote host was reached: ${JSON.stringify(trackerHits)}`);
  // The mail's own inline styles apply (the frame inherits the app's CSP, which must let
  // them through while blocking scripts and remote loads).
  const color = await inside.locator('p[style]').evaluate((p) => getComputedStyle(p).color);
  if (color !== 'rgb(1, 2, 3)') throw new Error(`the message's inline style was dropped: color ${color}`);
  console.log(`hostile HTML isolated: no script ran, no request to ${tracker}; inline styles kept`);

  // The message list knows the opened messages are read now.
  await list.locator('button.message.unread', { hasText: 'Hostile HTML' }).waitFor({ state: 'detached' });
  console.log('opened message marked read in the list');
}

// Opens the folder of mail in other charsets and checks every message's sender, subject
// and text, in the list and in the reading pane: exactly, and no U+FFFD anywhere.
async function charsets(page, messages) {
  const REPLACEMENT = '\uFFFD';
  await page.locator('nav[aria-label=Folders]').getByRole('button', { name: 'Charsets' }).click();
  await page.locator('#folder-title', { hasText: 'Charsets' }).waitFor();
  const list = page.locator('[role=list][aria-label=Messages]');
  await list.locator('[aria-posinset="1"]').waitFor({ state: 'visible' });
  const total = Number(await list.getAttribute('data-total'));
  if (total !== messages.length) {
    throw new Error(`${total} messages in the folder, not ${messages.length}`);
  }
  const problems = [];
  let listText = '';
  for (const [i, m] of messages.entries()) {
    const row = await listRow(page, i);
    const from = await row.locator('.from').innerText();
    const subject = await row.locator('.subject').innerText();
    listText += await row.innerText();
    if (from !== m.from) problems.push(`${m.charset} row sender ${JSON.stringify(from)}, not ${JSON.stringify(m.from)}`);
    if (subject !== m.subject) problems.push(`${m.charset} row subject ${JSON.stringify(subject)}, not ${JSON.stringify(m.subject)}`);
  }
  if (listText.includes(REPLACEMENT)) problems.push(`U+FFFD in the list: ${JSON.stringify(listText)}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  console.log(`the list shows ${messages.length} messages in other charsets, exactly`);

  const reader = page.locator('section.reader');
  for (const [i, m] of messages.entries()) {
    await (await listRow(page, i)).getByRole('button').click();
    const title = reader.locator('#reader-title');
    await title.filter({ hasText: m.subject }).waitFor();
    const subject = await title.innerText();
    const from = await reader.locator('.reader-meta dd').first().innerText();
    const text = await reader.locator('.reader-text').innerText();
    const expected = `${m.from} <${m.addr}>`;
    if (subject !== m.subject) problems.push(`${m.charset} subject ${JSON.stringify(subject)}, not ${JSON.stringify(m.subject)}`);
    if (from !== expected) problems.push(`${m.charset} sender ${JSON.stringify(from)}, not ${JSON.stringify(expected)}`);
    if (text.trimEnd() !== m.text.trimEnd()) problems.push(`${m.charset} text ${JSON.stringify(text)}, not ${JSON.stringify(m.text)}`);
    const all = await reader.innerText();
    if (all.includes(REPLACEMENT)) problems.push(`${m.charset}: U+FFFD in the reading pane: ${JSON.stringify(all)}`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  console.log(`each of them opens with its headers and text exact, no U+FFFD`);
}

// Messages with the MIME structures real mail carries: every part is visible, in order.
async function realMail(page) {
  await page
    .getByRole('navigation', { name: 'Folders' })
    .getByRole('button', { name: 'Real mail' })
    .click();
  const list = page.locator('[role=list][aria-label=Messages]');
  const row = (subject) => list.getByRole('button', { name: subject });
  const reader = page.locator('section.reader');
  const title = reader.locator('#reader-title');
  const open = async (subject) => {
    await row(subject).click();
    await title.filter({ hasText: subject }).waitFor();
  };
  // The texts appear in the pane in this order (the pane's own text, frames aside).
  const inOrder = async (what, texts) => {
    const shown = await reader.innerText();
    let from = 0;
    for (const text of texts) {
      const at = shown.indexOf(text, from);
      if (at < 0) throw new Error(`${what}: ${JSON.stringify(text)} not shown after position ${from} in ${JSON.stringify(shown)}`);
      from = at + text.length;
    }
    if (shown.includes('This message has no text')) throw new Error(`${what}: says it has no text`);
  };

  // Text parts named but without a disposition (older mailers) are text, both of them.
  await open('Minutes of the meeting');
  await inOrder('named text parts', ['Hello Alice, the minutes are below.', '1. Budget approved.']);
  if ((await reader.getByRole('list', { name: 'Attachments' }).count()) !== 0) {
    throw new Error('named text parts were listed as attachments');
  }
  console.log('named text parts shown as text');

  // multipart/mixed of plain, HTML, plain: all three, in order, the HTML in its own frame.
  await open('[dev] Release notes');
  const kinds = await reader.evaluate((pane) =>
    [...pane.querySelectorAll('.reader-text, iframe.reader-html')].map((e) =>
      e.tagName === 'IFRAME' ? `frame:${e.getAttribute('sandbox')}` : `text:${e.innerText.trim()}`));
  const frameKind = kinds[1] ?? '';
  if (kinds.length !== 3 || !kinds[0].includes('freeze starts Friday') || !frameKind.startsWith('frame:')
      || !kinds[2].includes('mailing list footer')) {
    throw new Error(`mixed parts not shown in order: ${JSON.stringify(kinds)}`);
  }
  if (/allow-scripts|allow-same-origin/.test(frameKind)) throw new Error(`the frame is not sandboxed: ${frameKind}`);
  const released = await page.frameLocator('iframe.reader-html').locator('p').innerText();
  if (!released.includes('Release 2.0 is out.')) throw new Error(`HTML part not shown: ${JSON.stringify(released)}`);
  console.log('mixed plain and HTML parts shown in order');

  // A forwarded message: inline with its own headers, and saved as .eml.
  await open('Fwd: Lunch');
  await inOrder('forwarded message', ['See below.', 'Lunch', 'Carol', 'Lunch at noon?']);
  const nested = reader.getByRole('article', { name: 'Attached message: Lunch' });
  const nestedMeta = await nested.locator('.reader-meta').innerText();
  if (!nestedMeta.includes('Carol <carol@example.net>') || !nestedMeta.includes('Bob')) {
    throw new Error(`the forwarded message's headers are not shown: ${JSON.stringify(nestedMeta)}`);
  }
  const attachments = await reader.getByRole('list', { name: 'Attachments' }).innerText();
  if (!attachments.includes('Lunch.eml')) throw new Error(`the forwarded message is not listed: ${JSON.stringify(attachments)}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    nested.getByRole('button', { name: 'Save as Lunch.eml' }).click(),
  ]);
  if (download.suggestedFilename() !== 'Lunch.eml') {
    throw new Error(`saved as ${JSON.stringify(download.suggestedFilename())}`);
  }
  const saved = await readFile(await download.path(), 'utf8');
  if (!saved.includes('Subject: Lunch') || !saved.includes('Lunch at noon?')) {
    throw new Error(`the saved .eml is not the message: ${JSON.stringify(saved)}`);
  }
  console.log('forwarded message shown inline with its headers and saved as Lunch.eml');

  // A bounce: why it bounced (the human part, the delivery status) and what bounced.
  await open('Undelivered Mail Returned to Sender');
  await inOrder('bounce', [
    'could not be delivered to nobody@example.net',
    'Delivery status',
    'Final-Recipient', 'nobody@example.net',
    'Status', '5.1.1',
    'Diagnostic-Code', '550 5.1.1 User unknown',
    'Hello?', 'Are you there?',
  ]);
  console.log('bounce shows its reason, delivery status and the returned message');
}

exitOnFailure(failure, log);
