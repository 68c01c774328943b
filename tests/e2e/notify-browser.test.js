// Desktop notifications from the page a browser is served, with two
// Chromium pages in a call through a real `lancall serve`. Ann's page has a
// stand-in for the browser's Notification (it records what the page shows)
// and for the window's focus. Ben's chat lines reach her as notifications
// only once she allowed them, never while her page has the focus, and not
// once she switched chat off in Settings, which her page keeps across a
// reload. The app's own (D-Bus) path is app-desktop.test.js's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

/** Records each notification; the focus is `window.__focused`. */
function standIn() {
  const w = /** @type {any} */ (window);
  w.__notes = [];
  w.__focused = false;
  Document.prototype.hasFocus = function hasFocus() { return w.__focused; };
  Object.defineProperty(Document.prototype, 'hidden', { get: () => false });
  class Recorded {
    static permission = 'default';
    static async requestPermission() { return Recorded.permission; }
    /** @param {string} title @param {{ body?: string }} [o] */
    constructor(title, o) { w.__notes.push({ title, body: o?.body ?? '' }); }
    close() {}
  }
  w.Notification = Recorded;
}

/** @param {Page} page @param {string} text */
async function say(page, text) {
  if (await page.isHidden('#chat')) await page.click('button[data-action="chat"]');
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
}

/** @param {Page} page @param {string} text  the page shows the line (so any notification of it was decided) */
const shows = (page, text) => waitFor(page, (t) => [...document.querySelectorAll('#chat-log > li')].some((li) => li.textContent?.includes(t)), { arg: text, what: `"${text}" shown` });

/** @param {Page} page */
const notes = (page) => page.evaluate(() => /** @type {any} */ (window).__notes);

describe('notifications in a browser', () => {
  const env = useServerAndBrowser();

  it('only once allowed, never while the page has the focus, and not for a kind switched off in Settings (kept across a reload)', async () => {
    const ann = await openClient(env.browser, env.server, 'ann');
    const ben = await openClient(env.browser, env.server, 'ben');
    try {
      await ann.addInitScript(standIn);
      await joinCall(ann, env.server, { name: 'Ann', room: 'notes' });
      await joinCall(ben, env.server, { name: 'Ben', room: 'notes' });
      await waitForRemoteVideo(ann, 1);

      await say(ben, 'not allowed yet');
      await shows(ann, 'not allowed yet');
      assert.deepEqual(await notes(ann), [], 'nothing before the person allows it');

      await ann.evaluate(() => { /** @type {any} */ (window).Notification.permission = 'granted'; });
      await say(ben, 'now allowed');
      await waitFor(ann, () => /** @type {any} */ (window).__notes.length === 1, { what: 'the notification' });
      assert.deepEqual(await notes(ann), [{ title: 'Ben in chat', body: 'now allowed' }]);

      await ann.evaluate(() => { /** @type {any} */ (window).__focused = true; });
      await say(ben, 'while looking');
      await shows(ann, 'while looking');
      assert.equal((await notes(ann)).length, 1, 'nothing while the page has the focus');
      await ann.evaluate(() => { /** @type {any} */ (window).__focused = false; });

      await ann.click('#open-settings');
      assert.equal(await ann.isChecked('#notify-chat'), true, 'on by default');
      assert.equal(await ann.isHidden('#settings-start'), true, 'no login item in a browser');
      assert.equal(await ann.isHidden('#settings-browser'), true, 'allowed: no hint');
      await ann.click('label:has(#notify-chat)');
      assert.equal(await ann.isChecked('#notify-chat'), false);
      await ann.click('#settings-done');
      await say(ben, 'chat switched off');
      await shows(ann, 'chat switched off');
      assert.equal((await notes(ann)).length, 1, 'no notification of a kind switched off');

      // Kept by the page: switched off after a reload too, the others still on.
      await ann.reload();
      await waitFor(ann, () => window.lancall?.ready(), { what: 'the page started again' });
      await ann.click('#open-settings');
      assert.equal(await ann.isChecked('#notify-chat'), false);
      assert.equal(await ann.isChecked('#notify-joined'), true);
      // Not allowed (the stand-in starts at 'default' again): Settings says so.
      assert.equal(await ann.locator('#settings-browser').innerText(), "This browser shows notifications only once you allow them for this page; switching one on asks.");
    } finally {
      await ann.close();
      await ben.close();
    }
  });
});
