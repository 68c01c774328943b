// The verification words' building blocks in plain Node: ui/js/sas.js's own
// SHA-256 (kept in JS for guests on plain http, who have no crypto.subtle)
// against Node's, the test vectors docs/protocol.md publishes, and the
// commit–reveal exchange of ui/js/verify.js between two ends wired
// together, honest and tampered with.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { commitment, fingerprintsOf, fromHex, roundOf, sha256, shortAuthString, toHex, WORDS } from '../../ui/js/sas.js';
import { Verification } from '../../ui/js/verify.js';
import { CUT_OFF, Inbox } from '../../ui/js/flood.js';

/** @param {Uint8Array} bytes */
const nodeSha = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('SHA-256 in JS', () => {
  it('matches the FIPS 180-2 examples', () => {
    assert.equal(toHex(sha256(new Uint8Array())), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(toHex(sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it("matches Node's at the padding's edges (55, 56, 63, 64, 65 bytes) and around them", () => {
    for (const n of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
      const bytes = new Uint8Array(randomBytes(n));
      assert.equal(toHex(sha256(bytes)), nodeSha(bytes), `${n} bytes`);
    }
  });

  it("matches Node's on 1 MB", () => {
    const bytes = new Uint8Array(randomBytes(1_000_000));
    assert.equal(toHex(sha256(bytes)), nodeSha(bytes));
    const mib = new Uint8Array(1 << 20).fill(0x61);
    assert.equal(toHex(sha256(mib)), nodeSha(mib));
  });
});

describe("docs/protocol.md's test vectors", () => {
  /** The `key = value` lines of the doc's test vector block. */
  async function vectors() {
    const doc = await readFile(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const block = doc.split('### Test vectors')[1]?.match(/```\n([\s\S]*?)```/)?.[1];
    assert.ok(block, 'the doc has a test vector block');
    return Object.fromEntries(block.trim().split('\n').map((l) => l.split(/ += +/)));
  }

  it('commitments, round and words come out as published', async () => {
    const v = await vectors();
    const a = { fingerprints: v['F(A)'], nonce: fromHex(v['n(A)']) };
    const b = { fingerprints: v['F(B)'], nonce: fromHex(v['n(B)']) };
    assert.equal(commitment(a.nonce, a.fingerprints), v['c(A)']);
    assert.equal(commitment(b.nonce, b.fingerprints), v['c(B)']);
    assert.equal(roundOf(a.fingerprints, b.fingerprints), v.round);
    assert.equal(roundOf(b.fingerprints, a.fingerprints), v.round);
    assert.equal(shortAuthString(a, b), v.words);
    assert.equal(shortAuthString(b, a), v.words, 'both ends agree');
    // The commitment is SHA-256 over tag, raw nonce and F, as the doc says.
    const raw = createHash('sha256').update('lancall-sas-v2-commit\n').update(a.nonce).update(a.fingerprints).digest('hex');
    assert.equal(raw, v['c(A)']);
    const changed = { ...b, nonce: fromHex(`${v['n(B)'].slice(0, 62)}00`) };
    assert.equal(shortAuthString(a, changed), 'bucket harp cotton ruby');
    assert.notEqual(shortAuthString({ ...a, fingerprints: a.fingerprints.replace('03:', '04:') }, b), v.words);
  });

  it('fingerprint strings ignore case and repeats, and sort', () => {
    const sdp = 'v=0\r\na=fingerprint:SHA-256 0a:1b\r\nm=audio 9 x\r\na=fingerprint:sha-256 0A:1B\r\na=fingerprint:sha-1 ff:00\r\n';
    assert.equal(fingerprintsOf(sdp), 'sha-1 FF:00,sha-256 0A:1B');
    assert.equal(fingerprintsOf('v=0\r\n'), '');
    assert.equal(new Set(WORDS).size, 256);
  });
});

describe('the commit–reveal exchange (verify.js)', () => {
  const FA = 'sha-256 AA:01';
  const FB = 'sha-256 BB:02';

  /**
   * Two ends whose messages go through `wire` (which may hold or change
   * them); returns them and the messages each sent.
   * @param {(from: 'a' | 'b', text: string) => string | null} [wire]
   */
  function pair(wire = (_, t) => t) {
    /** @type {Record<'a' | 'b', any[]>} */
    const sent = { a: [], b: [] };
    /** @type {Record<'a' | 'b', Verification>} */
    const ends = /** @type {any} */ ({});
    for (const [me, other] of /** @type {const} */ ([['a', 'b'], ['b', 'a']])) {
      ends[me] = new Verification((m) => {
        sent[me].push(m);
        const text = wire(me, JSON.stringify(m));
        if (text !== null) queueMicrotask(() => ends[other].receive(text));
      }, { mismatchMs: 50 });
    }
    return { ...ends, sent };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('both ends get the same words; no one reveals before it holds a commitment', async () => {
    const p = pair();
    p.a.describe(FA, FB);
    assert.equal(p.a.state, 'verifying');
    assert.deepEqual(p.sent.a.map((m) => m.t), ['sas-commit'], 'a commits, and waits');
    p.b.describe(FB, FA);
    await settle();
    assert.equal(p.a.state, 'verified');
    assert.equal(p.b.state, 'verified');
    assert.equal(p.a.words, p.b.words);
    assert.equal(p.a.words.split(' ').length, 4);
    for (const side of /** @type {const} */ (['a', 'b'])) {
      const first = p.sent[side].findIndex((m) => m.t === 'sas-reveal');
      assert.ok(first > 0 && p.sent[side].slice(0, first).some((m) => m.t === 'sas-commit'), `${side} committed before it revealed`);
    }
  });

  it('a new pair of fingerprints is a new round with new words; an old round\'s messages are ignored', async () => {
    const p = pair();
    p.a.describe(FA, FB);
    p.b.describe(FB, FA);
    await settle();
    const before = p.a.words;
    p.a.describe('sha-256 AA:03', FB);
    assert.equal(p.a.state, 'verifying');
    await settle();
    assert.equal(p.a.state, 'verifying', 'the other end has not reached the round yet');
    p.b.describe(FB, 'sha-256 AA:03');
    await settle();
    assert.equal(p.a.state, 'verified');
    assert.equal(p.a.words, p.b.words);
    assert.notEqual(p.a.words, before, 'fresh nonces');
  });

  it('messages lost to a channel changing are said again when it opens', async () => {
    let open = false;
    const p = pair((_, t) => (open ? t : null));
    p.a.describe(FA, FB);
    p.b.describe(FB, FA);
    await settle();
    assert.equal(p.a.state, 'verifying');
    open = true;
    p.a.opened();
    p.b.opened();
    await settle();
    assert.equal(p.a.state, 'verified');
    assert.equal(p.a.words, p.b.words);
  });

  it('a reveal that does not match its commitment is a failure, not words', async () => {
    const p = pair((from, t) => {
      const m = JSON.parse(t);
      if (from === 'b' && m.t === 'sas-reveal') m.n = `${m.n.slice(0, 63)}${m.n[63] === '0' ? '1' : '0'}`;
      return JSON.stringify(m);
    });
    p.a.describe(FA, FB);
    p.b.describe(FB, FA);
    await settle();
    assert.equal(p.a.state, 'failed');
    assert.equal(p.a.words, '');
    assert.equal(p.b.state, 'verified', "b's check of a's honest reveal holds");
  });

  it('a commitment to another fingerprint than the one seen fails', async () => {
    const p = pair();
    p.a.describe(FA, 'sha-256 CC:09'); // a sees someone else's certificate
    p.b.describe(FB, FA);
    // The rounds differ by name: a MITM would rename them; do so by hand.
    const round = roundOf(FA, 'sha-256 CC:09');
    const nonce = fromHex('11'.repeat(32));
    p.a.receive(JSON.stringify({ t: 'sas-commit', r: round, c: commitment(nonce, FB) }));
    await settle();
    p.a.receive(JSON.stringify({ t: 'sas-reveal', r: round, n: toHex(nonce) }));
    assert.equal(p.a.state, 'failed');
  });

  it('a second, different commitment in one round is a failure', async () => {
    const p = pair((from) => (from === 'a' ? null : ''));
    p.a.describe(FA, FB);
    const round = roundOf(FA, FB);
    p.a.receive(JSON.stringify({ t: 'sas-commit', r: round, c: '1'.repeat(64) }));
    assert.ok(p.sent.a.some((m) => m.t === 'sas-reveal'), 'a revealed to the first');
    p.a.receive(JSON.stringify({ t: 'sas-commit', r: round, c: '2'.repeat(64) }));
    assert.equal(p.a.state, 'failed');
  });

  it('a side that keeps speaking of another round (other fingerprints) is a failure after a while', async () => {
    const p = pair();
    p.a.describe(FA, 'sha-256 CC:09'); // a sees a certificate b does not have
    p.b.describe(FB, FA);
    await settle();
    assert.equal(p.a.state, 'verifying', 'not at once: the other may be a round ahead');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.a.state, 'failed');
    assert.equal(p.b.state, 'failed');
    assert.equal(p.a.words + p.b.words, '');
  });

  it('malformed messages change nothing', () => {
    const p = pair(() => null);
    p.a.describe(FA, FB);
    for (const text of ['', 'x', '{"t":"sas-commit"}', '{"t":"sas-commit","r":"zz","c":"00"}', '{"t":"sas-reveal","r":"0000000000000000","n":"00"}']) {
      p.a.receive(text);
    }
    assert.equal(p.a.state, 'verifying');
  });
});

describe("the data channel's pace (flood.js Inbox)", () => {
  it('a channel full of app messages never starves the verification, and its own flood is dropped', () => {
    const inbox = new Inbox();
    const commit = JSON.stringify({ t: 'sas-commit', r: '0'.repeat(16), c: '0'.repeat(64) });
    const app = JSON.stringify({ t: 'chat', id: 'x', text: 'hi', ts: 0 });
    const takes = Array.from({ length: 1000 }, () => inbox.take(app, 1000));
    assert.equal(takes.filter((t) => t === 'app').length, 400, 'a burst of app messages, then none');
    assert.equal(inbox.take(commit, 1000), 'sas', 'the verification still gets through');
    const sas = Array.from({ length: 100 }, () => inbox.take(commit, 1000));
    assert.ok(sas.filter((t) => t === 'sas').length < 20, 'but only a few of its own');
    const more = Array.from({ length: CUT_OFF }, () => inbox.take(app, 1000));
    assert.ok(more.includes('cut-off'), 'a flood is still cut off');
  });
});
