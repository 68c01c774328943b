// A hostile peer in a call of two honest ones: Mal runs lancall's page in
// Chromium but drives its data channels by hand (a script in his page keeps
// every channel and connection), over real WebRTC, and sends what no client
// would: a huge name full of control and bidi characters, HTML in chat, the
// biggest message the channel takes, malformed JSON, a channel with a label
// nobody knows, and a flood of 10,000 chat messages and 10,000 state
// messages as fast as the channel takes them. Each honest page stays
// responsive, its page grows by a bounded number of nodes, shows the
// offender's messages cut or dropped with a notice, and the honest call
// goes on: video both ways and chat between Ann and Ben.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { keepChannels, sendAll, sendGarbage } from './support/hostile.js';

/** @typedef {import('playwright-core').Page} Page */

/**
 * Longest the honest pages' main thread may be held up through the flood
 * (before: 10-15 s; now 0.4 s on a quiet machine, 0.9-1.8 s at a load
 * average of 18 and in CI). Three pages and their senders share a 2-core
 * machine here, so a timer can be late by a second or more with no fault of
 * the page's; the bound is for the failure this guards against, a page
 * frozen for as long as a flood lasts.
 */
const MAX_LAG_MS = 4000;
/** What the flood may add to an honest page's DOM (before: 40,000 nodes). */
const MAX_NEW_NODES = 3000;

/**
 * Start watching an honest page: the longest its main thread was held up
 * (a 50 ms timer's lateness) and its DOM size now.
 * @param {Page} page
 */
const watchLag = (page) => page.evaluate(() => {
  const w = /** @type {any} */ (window);
  clearInterval(w.__lagTimer);
  w.__lag = 0;
  w.__nodes = document.getElementsByTagName('*').length;
  let last = performance.now();
  w.__lagTimer = setInterval(() => {
    const now = performance.now();
    w.__lag = Math.max(w.__lag, now - last - 50);
    last = now;
  }, 50);
});

/** @param {Page} page */
const lagAndGrowth = (page) => page.evaluate(() => {
  const w = /** @type {any} */ (window);
  return { lag: Math.round(w.__lag), grown: document.getElementsByTagName('*').length - w.__nodes };
});

/** The chat lines an honest page shows. @param {Page} page */
const chatLines = (page) => page.$$eval('#chat-log > li', (lis) => lis.map((li) => li.textContent ?? ''));

describe('a hostile peer cannot break the honest pages', () => {
  const env = useServerAndBrowser();
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;
  /** @type {Page} */ let mal;
  let malId = '';

  it('Ann, Ben and Mal are in a call, Mal holding his data channels', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    ben = await openClient(env.browser, env.server, 'ben');
    mal = await openClient(env.browser, env.server, 'mal');
    await mal.addInitScript(keepChannels);
    await joinCall(ann, env.server, { name: 'Ann', room: 'hostile' });
    await joinCall(ben, env.server, { name: 'Ben', room: 'hostile' });
    await joinCall(mal, env.server, { name: 'Mal', room: 'hostile' });
    malId = await mal.evaluate(() => window.lancall.myId());
    await waitFor(mal, () => /** @type {any} */ (window).__channels.filter((c) => c.label === 'lancall' && c.readyState === 'open').length === 2,
      { what: "Mal's two data channels open" });
    for (const page of [ann, ben]) {
      await waitFor(page, (id) => window.lancall.peers().find((p) => p.id === id)?.chat === true, { what: 'a data channel to Mal', arg: malId });
      await page.getByRole('button', { name: 'Chat', exact: true }).click();
    }
    await waitForRemoteVideo(ann, 2, { what: "Ann's two remote videos" });
  });

  it('a 10,000-character name with control and bidi characters is shown cleaned and short; the layout holds', async () => {
    const width = await ann.$eval(`.tile[data-peer="${malId}"]`, (t) => t.getBoundingClientRect().width);
    const name = `\u202eM\u0007al\u200b${'x'.repeat(10_000)}`;
    await sendAll(mal, [JSON.stringify({ t: 'hello', name, mic: true, cam: true })]);
    for (const page of [ann, ben]) {
      const shown = await waitFor(page, (id) => {
        const n = window.lancall.peers().find((p) => p.id === id)?.name ?? '';
        return n.startsWith('Mal') && n.length > 3 && n;
      }, { what: "Mal's new name", arg: malId });
      assert.equal(Array.from(String(shown)).length, 64, 'cut to 64 characters');
      assert.doesNotMatch(String(shown), /[\u0000-\u001f\u200b-\u200f\u202a-\u202e]/, 'no control or bidi characters');
    }
    assert.equal(await ann.$eval(`.tile[data-peer="${malId}"]`, (t) => t.getBoundingClientRect().width), width, 'the tile keeps its size');
  });

  it('HTML and script in chat are shown as text', async () => {
    const html = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    await sendAll(mal, [JSON.stringify({ t: 'chat', id: 'html-1', text: html, ts: 0 })]);
    for (const page of [ann, ben]) {
      await waitFor(page, (text) => [...document.querySelectorAll('#chat-log .body')].some((b) => b.textContent === text), { what: 'the HTML shown as text', arg: html });
      assert.equal(await page.$$eval('#chat-log img, #chat-log script, #chat-log b:not(.who b)', (e) => e.length), 0, 'no elements made from it');
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined, 'nothing ran');
    }
  });

  it('the biggest message the channel takes is shown cut, with a word that it was', async () => {
    const size = await mal.evaluate(() => Math.min(1 << 20, /** @type {any} */ (window).__pcs.find((pc) => pc.sctp)?.sctp.maxMessageSize ?? 65536));
    console.log(`largest chat message Chromium lets Mal send: ${size} bytes`);
    const text = 'A'.repeat(size - 64);
    await sendAll(mal, [JSON.stringify({ t: 'chat', id: 'big-1', text, ts: 0 })]);
    for (const page of [ann, ben]) {
      const shown = await waitFor(page, () => {
        const li = [...document.querySelectorAll('#chat-log > li')].find((l) => l.querySelector('.body')?.textContent?.startsWith('AAAA'));
        return li && { length: li.querySelector('.body')?.textContent?.length, cut: li.querySelector('.cut')?.textContent };
      }, { what: 'the big message shown' });
      assert.equal(shown.length, 4000);
      assert.match(String(shown.cut), /cut/);
    }
  });

  it('malformed JSON and a channel of an unknown label are ignored', async () => {
    await sendGarbage(mal);
    await ben.getByLabel('Message', { exact: true }).fill('still here after the garbage');
    await ben.getByLabel('Message', { exact: true }).press('Enter');
    await waitFor(ann, () => [...document.querySelectorAll('#chat-log .body')].some((b) => b.textContent === 'still here after the garbage'),
      { what: "Ben's chat at Ann after the garbage" });
    for (const page of [ann, ben]) {
      const lines = await chatLines(page);
      assert.ok(!lines.some((l) => l.includes('long id') || l.includes('from an unknown channel')), `nothing of it shown: ${lines.join(' | ').slice(0, 300)}`);
      assert.equal(await page.evaluate(() => window.lancall.phase()), 'in-call');
    }
  });

  it('10,000 chat messages and 10,000 state messages at once: the honest pages stay responsive and bounded, and say so', async () => {
    for (const page of [ann, ben]) await watchLag(page);
    const started = Date.now();
    await sendAll(mal, { repeat: 10_000, make: JSON.stringify({ t: 'chat', id: 'flood-$i', text: 'flood $i', ts: 0 }) });
    await sendAll(mal, { repeat: 10_000, make: JSON.stringify({ t: 'state', mic: true, cam: true }) });
    console.log(`Mal's flood left his page in ${Date.now() - started} ms`);
    // Let it arrive and be handled, then a message of Ben's must still get through.
    await new Promise((r) => setTimeout(r, 3000));
    await ben.getByLabel('Message', { exact: true }).fill('after the flood');
    await ben.getByLabel('Message', { exact: true }).press('Enter');
    await waitFor(ann, () => [...document.querySelectorAll('#chat-log .body')].some((b) => b.textContent === 'after the flood'),
      { what: "Ben's chat at Ann after the flood" });
    for (const [who, page] of /** @type {[string, Page][]} */ ([['Ann', ann], ['Ben', ben]])) {
      const { lag, grown } = await lagAndGrowth(page);
      const lines = await chatLines(page);
      const flood = lines.filter((l) => l.includes('flood ')).length;
      console.log(`${who}: main thread held up at most ${lag} ms; ${grown} new nodes; ${flood} of Mal's 10,000 shown`);
      assert.ok(lag < MAX_LAG_MS, `${who}'s page stayed responsive: held up ${lag} ms`);
      assert.ok(grown < MAX_NEW_NODES, `${who}'s page grew by ${grown} nodes`);
      assert.ok(flood < 100, `${who} shows ${flood} of them`);
      assert.ok(lines.some((l) => l.includes('Mal') && l.includes('faster than anyone types')), `${who} is told some were not shown`);
    }
    // The honest call goes on.
    await waitForRemoteVideo(ann, 2, { what: "Ann's videos after the flood" });
    await waitForRemoteVideo(ben, 2, { what: "Ben's videos after the flood" });
    for (const page of [ann, ben, mal]) await page.close();
  });
});
