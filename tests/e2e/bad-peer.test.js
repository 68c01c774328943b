// A peer that sends what no peer connection can apply: a malformed answer,
// and a candidate for an m-line that does not exist. The people it sent
// them to are told, in words, and their call with each other goes on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo, waitUntil } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

/** Text of the notices on screen. */
const toasts = (/** @type {Page} */ page) => page.$$eval('#toasts .toast', (els) => els.map((e) => e.textContent ?? ''));

describe('a peer that sends bad signals', () => {
  const env = useServerAndBrowser();

  it('is reported to the people it wronged, and their call goes on', async () => {
    const ann = await openClient(env.browser, env.server, 'ann');
    const ben = await openClient(env.browser, env.server, 'ben');
    await joinCall(ann, env.server, { name: 'Ann', room: 'bad-peer' });
    await joinCall(ben, env.server, { name: 'Ben', room: 'bad-peer' });
    await waitForRemoteVideo(ann, 1, { what: 'Ann seeing Ben' });

    // Mallory speaks the protocol from a bare page: members offer to a
    // newcomer, and she answers Ann with garbage; Ben she answers properly
    // (a real peer connection of her own), then sends him a candidate for
    // m-line 9 of a two-line session.
    const mallory = await env.browser.page(env.server.url.replace(/\/$/, ''));
    await mallory.goto(`${env.server.url}healthz`);
    const names = { ann: await ann.evaluate(() => window.lancall.myId()), ben: await ben.evaluate(() => window.lancall.myId()) };
    await mallory.evaluate(({ ws, names }) => new Promise((resolve, reject) => {
      const socket = new WebSocket(ws);
      const done = new Set();
      setTimeout(() => reject(new Error(`Mallory got offers from ${[...done]} only`)), 20_000);
      socket.onopen = () => socket.send(JSON.stringify({ event: 'join', data: { user_id: 'Mallory', room_id: 'bad-peer', version: 1 } }));
      socket.onmessage = async (m) => {
        const { event, data } = JSON.parse(m.data);
        if (event !== 'offer_sdp' || done.has(data.from)) return;
        done.add(data.from);
        const reply = (/** @type {string} */ e, /** @type {unknown} */ value) =>
          socket.send(JSON.stringify({ event: e, data: { to: data.from, value } }));
        if (data.from === names.ann) {
          reply('answer_sdp', { type: 'answer', sdp: 'v=0\r\nthis is not a session description\r\n' });
        } else {
          const pc = new RTCPeerConnection();
          await pc.setRemoteDescription(data.value);
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          reply('answer_sdp', { type: answer.type, sdp: answer.sdp });
          reply('candidate', { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: 'nine', sdpMLineIndex: 9 });
        }
        if (done.size === 2) resolve(undefined);
      };
    }), { ws: env.server.wsUrl, names });

    for (const [page, who] of /** @type {const} */ ([[ann, 'Ann'], [ben, 'Ben']])) {
      await waitFor(page, () => [...document.querySelectorAll('#toasts .toast')]
        .some((t) => /The call with Mallory hit a problem: \S/.test(t.textContent ?? '')), { what: `${who} told of Mallory's bad signal` });
    }
    assert.ok((await toasts(ann)).some((t) => t.includes('Mallory')), 'the notice names the peer');
    // Ann and Ben still see each other, and the page is whole.
    for (const [page, who] of /** @type {const} */ ([[ann, 'Ann'], [ben, 'Ben']])) {
      assert.equal(await page.evaluate(() => window.lancall.phase()), 'in-call', `${who} still in the call`);
      const stats = await page.evaluate(() => window.lancall.stats());
      const other = stats.find((s) => s.id === (who === 'Ann' ? names.ben : names.ann));
      assert.ok(other, `${who} still has the other's connection: ${JSON.stringify(stats)}`);
    }
    const first = await ann.evaluate((id) => window.lancall.stats().then((s) => s.find((p) => p.id === id)?.framesDecoded ?? 0), names.ben);
    await waitUntil(ann, (id) => window.lancall.stats().then((s) => s.find((p) => p.id === id)?.framesDecoded ?? 0),
      (frames) => frames > first + 10, { what: 'Ann still decoding Ben', arg: names.ben });
    await mallory.close();
    await ann.close();
    await ben.close();
  });
});
