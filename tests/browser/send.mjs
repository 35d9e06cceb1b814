// Sends a message from Petrel in a real headless Chromium and reads it as the recipient.
//
// Run by tests/tests/browser.rs, which starts Dovecot, Postfix and the proxy and passes, in
// the environment:
//   PETREL_URL         the app's URL (the proxy serving dist/)
//   PETREL_SCREENSHOT  where to save a screenshot if the check fails
//   PETREL_CHROMIUM    the browser binary (default /usr/bin/chromium)
// Signs in as alice, composes to bob@example.test, sends, sees the success status, signs
// out, signs in as bob and opens the message (subject in the list, body in the reader).
// Exits 0 when all of that happened; otherwise prints why and exits 1.

import { env, exitOnFailure, firstPage, launchFresh, saveScreenshot } from './common.mjs';

const url = env('PETREL_URL');
const screenshot = env('PETREL_SCREENSHOT', '');
const TIMEOUT = 30_000;
const subject = 'Sent from the browser';
const body = 'Hello Bob,\nthis went through Petrel.\n';

const { context, close } = await launchFresh();
const log = [];
let failure = null;
try {
  const page = await firstPage(context, log, TIMEOUT);
  const signIn = async (user, password) => {
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
  };
  try {
    await page.goto(url);
    await signIn('alice', 'correct horse');
    await page.getByRole('button', { name: 'Compose' }).click();
    const dialog = page.getByRole('dialog', { name: 'New message' });
    await dialog.locator('#compose-from').fill('alice@example.test');
    await dialog.locator('#compose-to').fill('bob@example.test');
    await dialog.locator('#compose-subject').fill(subject);
    await dialog.locator('#compose-body').fill(body);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Message sent.' }).waitFor({ state: 'visible' });
    console.log('alice: "Message sent." shown');
    await dialog.getByRole('status').filter({ hasText: 'A copy was saved in Sent.' }).waitFor({ state: 'visible' });
    console.log('alice: the copy was saved in Sent');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn('bob', 'battery staple');
    const list = page.locator('[role=list][aria-label=Messages]');
    const row = list.getByRole('button', { name: subject });
    // Delivery takes a moment: sign in again until the message is in the list.
    for (let attempt = 0; attempt < 10 && !(await row.isVisible()); attempt++) {
      await page.waitForTimeout(1000);
      if (await row.isVisible()) break;
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn('bob', 'battery staple');
    }
    await row.click();
    const text = await page.locator('section.reader .reader-text').innerText();
    if (!text.includes('this went through Petrel.')) throw new Error(`the reader shows: ${text}`);
    console.log('bob: the message is in the list and the reader shows its body');
  } catch (error) {
    failure = error;
    await saveScreenshot(page, screenshot, log);
  }
} finally {
  await close();
}

exitOnFailure(failure, log);
