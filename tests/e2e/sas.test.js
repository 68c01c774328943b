// The short authentication string (ui/js/sas.js): both sides of a call show
// the same words, derived from the two DTLS fingerprints; with a relay in the
// middle that swaps the fingerprints in the offers and answers it passes on
// (as an attacker putting its own DTLS endpoint in between would), each side
// derives its words from different fingerprints and the words differ.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitUntil } from './support/call.js';
import { WORDS, shortAuthString } from '../../ui/js/sas.js';

/** @typedef {import('playwright-core').Page} Page */

/** What the page's only peer shows. @param {Page} page */
const sasOf = (page) => waitUntil(page, () => window.lancall.peers()[0]?.sas ?? '', (s) => s !== '',
  { what: 'the verification words' });

/** A fingerprint of the attacker's own (any 32 bytes). */
const ATTACKER = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':');

/**
 * Put a man in the middle of `page`'s signaling socket: every offer and
 * answer passing through, either way, has its fingerprints replaced.
 * Returns the number of descriptions rewritten so far.
 * @param {Page} page
 */
async function relayRewritingFingerprints(page) {
  const rewritten = { count: 0 };
  /** @param {string | Buffer} message */
  const rewrite = (message) => {
    if (typeof message !== 'string') return message;
    let msg;
    try { msg = JSON.parse(message); } catch { return message; }
    const sdp = msg?.data?.value?.sdp;
    if ((msg.event !== 'offer_sdp' && msg.event !== 'answer_sdp') || typeof sdp !== 'string') return message;
    msg.data.value.sdp = sdp.replace(/^a=fingerprint:(\S+) \S+$/gm, `a=fingerprint:$1 ${ATTACKER}`);
    rewritten.count += 1;
    return JSON.stringify(msg);
  };
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(rewrite(m)));
    server.onMessage((m) => ws.send(rewrite(m)));
  });
  return () => rewritten.count;
}

describe('verification words (short authentication string)', () => {
  const env = useServerAndBrowser();

  it('the derivation is symmetric and versioned, and ignores case and repeats', () => {
    const a = 'v=0\r\na=fingerprint:sha-256 0A:1B\r\nm=audio 9 x\r\na=fingerprint:SHA-256 0a:1b\r\n';
    const b = 'v=0\r\nm=video 9 x\r\na=fingerprint:sha-256 FF:00\r\n';
    const words = shortAuthString(a, b);
    assert.equal(words, shortAuthString(b, a));
    assert.equal(words.split(' ').length, 4);
    assert.notEqual(words, shortAuthString(a, b.replace('FF:00', 'FF:01')));
    assert.equal(shortAuthString(a, 'v=0\r\n'), '', 'no words without both fingerprints');
    assert.equal(new Set(WORDS).size, 256);
  });

  it('both sides of a call show the same words, in the connection details too', async () => {
    const alice = await openClient(env.browser, env.server, 'alice');
    const bob = await openClient(env.browser, env.server, 'bob');
    await joinCall(alice, env.server, { name: 'Alice', room: 'sas' });
    await joinCall(bob, env.server, { name: 'Bob', room: 'sas' });
    for (const page of [alice, bob]) {
      await waitUntil(page, () => window.lancall.peers()[0]?.state, (s) => s === 'connected', { what: 'connected' });
    }
    const [a, b] = [await sasOf(alice), await sasOf(bob)];
    console.log(`words on both sides: "${a}"`);
    assert.equal(a, b);
    assert.equal(a.split(' ').length, 4);
    for (const w of a.split(' ')) assert.ok(WORDS.includes(w), `${w} is a listed word`);
    for (const page of [alice, bob]) {
      await page.click('.tile:not(.local) .tile-btn[aria-expanded]');
      const shown = await waitUntil(page, () => document.querySelector('.tile:not(.local) .stats-panel .sas')?.textContent ?? '',
        (t) => t !== '', { what: 'the words in the details panel' });
      assert.equal(shown, a);
    }
    await alice.close();
    await bob.close();
  });

  it('a relay that swaps the fingerprints leaves the two sides with different words', async () => {
    const carol = await openClient(env.browser, env.server, 'carol');
    const dave = await openClient(env.browser, env.server, 'dave');
    const rewritten = await relayRewritingFingerprints(dave);
    await joinCall(carol, env.server, { name: 'Carol', room: 'mitm' });
    await joinCall(dave, env.server, { name: 'Dave', room: 'mitm' });
    const [c, d] = [await sasOf(carol), await sasOf(dave)];
    console.log(`carol sees "${c}", dave sees "${d}" (${rewritten()} descriptions rewritten)`);
    assert.ok(rewritten() >= 2, 'the relay rewrote the offer and the answer');
    assert.notEqual(c, d);
    // The swapped fingerprints match no one's certificate: DTLS never completes.
    const states = await Promise.all([carol, dave].map((p) => p.evaluate(() => window.lancall.peers()[0]?.state)));
    assert.ok(states.every((s) => s !== 'connected'), `states: ${states}`);
    await carol.close();
    await dave.close();
  });
});
