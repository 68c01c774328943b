// The verification words (ui/js/sas.js, ui/js/verify.js) between real
// Chromium clients: both sides of a call show the same words once each has
// committed to a nonce and revealed it; with the fingerprints swapped by a
// relay (an attacker putting its own DTLS endpoint in between) no words
// ever show; a man in the middle who plays the exchange with each side
// (committing before it sees their nonces) passes every check, but the two
// sides see different words; a side that sees another fingerprint than the
// other has, or a reveal that does not match its commitment, shows a
// verification failure, never words. The Linux app's words: sas-app.test.js.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitUntil } from './support/call.js';
import { WORDS } from '../../ui/js/sas.js';
import { MISMATCH_MS } from '../../ui/js/verify.js';

/** @typedef {import('playwright-core').Page} Page */

/** The page's only peer's verification state, once it is `state`. @param {Page} page @param {string} state */
const sasState = (page, state, timeout = 30_000) => waitUntil(page, () => window.lancall.peers()[0]?.sasState ?? '',
  (s) => s === state, { what: `verification ${state}`, timeout });

/** The words the page's only peer shows, once verified. @param {Page} page */
async function wordsOf(page) {
  await sasState(page, 'verified');
  return page.evaluate(() => window.lancall.peers()[0]?.sas ?? '');
}

/** What the details panel of the page's only remote tile shows as the words. @param {Page} page @param {(t: string) => boolean} test */
async function panelSas(page, test) {
  await page.click('.tile:not(.local) .tile-btn[aria-expanded]');
  return waitUntil(page, () => {
    const dd = document.querySelector('.tile:not(.local) .stats-panel .sas');
    return dd ? `${dd.classList.contains('sas-failed') ? 'failed:' : ''}${dd.textContent}` : '';
  }, test, { what: 'the words in the details panel' });
}

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

/**
 * Runs in a page before its scripts: what the client reads of the remote
 * description carries another fingerprint (`fingerprint`) than the one
 * DTLS checks, as if someone in the middle had shown this side its own.
 * @param {string} fingerprint
 */
function seeAnotherFingerprint(fingerprint) {
  const desc = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'remoteDescription'));
  Object.defineProperty(RTCPeerConnection.prototype, 'remoteDescription', {
    configurable: true,
    get() {
      const d = desc.get?.call(this);
      if (!d) return d;
      return { type: d.type, sdp: d.sdp.replace(/^a=fingerprint:(\S+) \S+$/gm, `a=fingerprint:$1 ${fingerprint}`) };
    },
  });
}

/**
 * Runs in a page before its scripts: a man in the middle of this page's
 * connection, as far as this page can tell. The client reads the other
 * side's fingerprint as `fingerprint` (the one in the middle's own), and
 * the verification plays along with it: the other side's commitment and
 * reveal are replaced by the middle's own, to a nonce it drew before it
 * saw the other's, for the fingerprint this page sees; the rounds are
 * renamed both ways. Everything checks out on both ends; only the words
 * differ.
 * @param {string} fingerprint
 */
function manInTheMiddle(fingerprint) {
  const w = /** @type {any} */ (window);
  const desc = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'remoteDescription'));
  const fake = (/** @type {string} */ sdp) => sdp.replace(/^a=fingerprint:(\S+) \S+$/gm, `a=fingerprint:$1 ${fingerprint}`);
  Object.defineProperty(RTCPeerConnection.prototype, 'remoteDescription', {
    configurable: true,
    get() {
      w.__pc = this;
      const d = desc.get?.call(this);
      return d && { type: d.type, sdp: fake(d.sdp) };
    },
  });
  /** @type {any} */ let sas = null;
  import('/js/sas.js').then((m) => { sas = m; });
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  /** The rounds as the other side and as this page name them. */
  const rounds = () => {
    const local = sas.fingerprintsOf(w.__pc.localDescription.sdp);
    const real = sas.fingerprintsOf(desc.get?.call(w.__pc).sdp);
    return { theirs: sas.roundOf(local, real), ours: sas.roundOf(local, sas.fingerprintsOf(fake(desc.get?.call(w.__pc).sdp))), seen: sas.fingerprintsOf(fake(desc.get?.call(w.__pc).sdp)) };
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (/** @type {any} */ data) {
    if (typeof data === 'string' && data.startsWith('{"t":"sas-')) {
      const m = JSON.parse(data);
      m.r = rounds().theirs;
      data = JSON.stringify(m);
    }
    return send.call(this, data);
  };
  const listen = RTCDataChannel.prototype.addEventListener;
  RTCDataChannel.prototype.addEventListener = function (/** @type {string} */ type, /** @type {any} */ fn, /** @type {any} */ o) {
    if (type !== 'message') return listen.call(this, type, fn, o);
    return listen.call(this, type, (/** @type {MessageEvent} */ e) => {
      if (typeof e.data !== 'string' || !e.data.startsWith('{"t":"sas-')) return fn(e);
      const m = JSON.parse(e.data);
      const r = rounds();
      w.__middle = (w.__middle ?? 0) + 1;
      const ours = m.t === 'sas-commit' ? { t: m.t, r: r.ours, c: sas.commitment(nonce, r.seen) } : { t: m.t, r: r.ours, n: sas.toHex(nonce) };
      return fn(new MessageEvent('message', { data: JSON.stringify(ours) }));
    }, o);
  };
}

/**
 * Runs in a page before its scripts: its data channels change what they
 * send of the verification: 'tamper' flips a bit of the nonce it reveals,
 * 'hold' never reveals.
 * @param {'tamper' | 'hold'} how
 */
function changeReveals(how) {
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (/** @type {any} */ data) {
    if (typeof data === 'string' && data.startsWith('{"t":"sas-reveal"')) {
      if (how === 'hold') return;
      const m = JSON.parse(data);
      m.n = `${m.n.slice(0, 63)}${m.n[63] === '0' ? '1' : '0'}`;
      data = JSON.stringify(m);
    }
    return send.call(this, data);
  };
}

/**
 * Two clients in `room`, `bobInit` run in Bob's page first.
 * @param {any} env @param {string} room @param {[Function, unknown]} [bobInit]
 */
async function twoInACall(env, room, bobInit) {
  const alice = await openClient(env.browser, env.server, `alice-${room}`);
  const bob = await openClient(env.browser, env.server, `bob-${room}`);
  if (bobInit) await bob.addInitScript(/** @type {any} */ (bobInit[0]), bobInit[1]);
  await joinCall(alice, env.server, { name: 'Alice', room });
  await joinCall(bob, env.server, { name: 'Bob', room });
  for (const page of [alice, bob]) {
    await waitUntil(page, () => window.lancall.peers()[0]?.chat, (c) => c === true, { what: 'the data channel open' });
  }
  return { alice, bob };
}

describe('verification words (short authentication string)', () => {
  const env = useServerAndBrowser();

  it('both sides of a call show the same words, in the connection details too', async () => {
    const { alice, bob } = await twoInACall(env, 'sas');
    const [a, b] = [await wordsOf(alice), await wordsOf(bob)];
    console.log(`words on both sides: "${a}"`);
    assert.equal(a, b);
    assert.equal(a.split(' ').length, 4);
    for (const w of a.split(' ')) assert.ok(WORDS.includes(w), `${w} is a listed word`);
    for (const page of [alice, bob]) assert.equal(await panelSas(page, (t) => t !== ''), a);
    await alice.close();
    await bob.close();
  });

  it('until the other side reveals, the details say "verifying…", not words', async () => {
    const { alice, bob } = await twoInACall(env, 'sas-held', [changeReveals, 'hold']);
    // Bob verifies Alice, who revealed; Alice waits for Bob's nonce.
    await sasState(bob, 'verified');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await alice.evaluate(() => window.lancall.peers()[0]?.sasState), 'verifying');
    assert.equal(await alice.evaluate(() => window.lancall.peers()[0]?.sas), '');
    assert.equal(await panelSas(alice, (t) => t !== '' && t !== '—'), 'verifying…');
    await alice.close();
    await bob.close();
  });

  it('a reveal that does not match its commitment shows a verification failure, not words', async () => {
    const { alice, bob } = await twoInACall(env, 'sas-tamper', [changeReveals, 'tamper']);
    await sasState(alice, 'failed');
    assert.equal(await alice.evaluate(() => window.lancall.peers()[0]?.sas), '');
    const notice = await waitUntil(alice, () => [...document.querySelectorAll('#toasts .toast')].map((t) => t.textContent).join(' | '),
      (t) => t.includes('Bob'), { what: 'a notice of the failure' });
    assert.match(notice, /Verification with Bob failed/);
    const shown = await panelSas(alice, (t) => t.startsWith('failed:'));
    console.log(`Alice's details: "${shown}"`);
    assert.equal(shown, 'failed:Verification failed');
    // Bob checked Alice's honest reveal: his words, which Alice does not show.
    await sasState(bob, 'verified');
    await alice.close();
    await bob.close();
  });

  it('a side shown another fingerprint than the other has fails verification; neither shows words', async () => {
    const { alice, bob } = await twoInACall(env, 'sas-seen', [seeAnotherFingerprint, ATTACKER]);
    // They speak of different rounds (different fingerprint pairs): after
    // MISMATCH_MS each side calls it a failure.
    const started = Date.now();
    await Promise.all([sasState(alice, 'failed', MISMATCH_MS + 20_000), sasState(bob, 'failed', MISMATCH_MS + 20_000)]);
    console.log(`both sides failed after ${Date.now() - started} ms`);
    for (const page of [alice, bob]) assert.equal(await page.evaluate(() => window.lancall.peers()[0]?.sas), '');
    assert.equal(await panelSas(bob, (t) => t.startsWith('failed:')), 'failed:Verification failed');
    await alice.close();
    await bob.close();
  });

  it('a man in the middle who commits before it sees the nonces passes every check, and the two sides see different words', async () => {
    const { alice, bob } = await twoInACall(env, 'sas-mitm', [manInTheMiddle, ATTACKER]);
    const [a, b] = [await wordsOf(alice), await wordsOf(bob)];
    const replaced = await bob.evaluate(() => /** @type {any} */ (window).__middle ?? 0);
    console.log(`Alice sees "${a}", Bob (in the middle's hands) sees "${b}"; ${replaced} messages replaced`);
    assert.ok(replaced >= 2, 'the middle replaced the commitment and the reveal');
    assert.notEqual(a, b);
    await alice.close();
    await bob.close();
  });

  it('a relay that swaps the fingerprints leaves the two sides without words (their DTLS never completes)', async () => {
    const carol = await openClient(env.browser, env.server, 'carol');
    const dave = await openClient(env.browser, env.server, 'dave');
    const rewritten = await relayRewritingFingerprints(dave);
    await joinCall(carol, env.server, { name: 'Carol', room: 'mitm' });
    await joinCall(dave, env.server, { name: 'Dave', room: 'mitm' });
    await Promise.all([sasState(carol, 'verifying'), sasState(dave, 'verifying')]);
    assert.ok(rewritten() >= 2, 'the relay rewrote the offer and the answer');
    await new Promise((r) => setTimeout(r, 5000));
    const seen = await Promise.all([carol, dave].map((p) => p.evaluate(() => window.lancall.peers()[0])));
    console.log(`after 5 s: ${seen.map((p) => `${p?.state}/${p?.sasState}`).join(', ')}`);
    for (const p of seen) {
      assert.equal(p?.sas, '', 'no words');
      assert.notEqual(p?.state, 'connected', 'the swapped fingerprints match no one\'s certificate');
    }
    await carol.close();
    await dave.close();
  });
});
