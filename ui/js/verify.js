// Verifying a call: the commit–reveal exchange over a peer's data channel
// that the words of sas.js are made from (docs/protocol.md, "Verifying a
// call"), in the manner of ZRTP's hash commitment (RFC 6189 §4.4.1).
//
// Each pair of fingerprint strings (one DTLS session) is a round. At its
// start each side draws a nonce and sends a commitment to it and to its own
// fingerprint string; it reveals the nonce only once it holds the other's
// commitment. So whoever sits in the middle commits toward each side before
// it learns that side's nonce, and can no longer steer the words: its one
// chance in 2^32 is a guess, not a search. A reveal that does not match its
// commitment, or a second, different commitment in one round, is a failure
// shown as such, never as words.
//
// Messages are said again when the channel opens anew (the Linux engine's
// rebuilt webrtcbin loses what was sent meanwhile) and those of a round
// not yet ours are kept for it, so the two ends need not start together.
// But a side that keeps speaking of another round than ours sees other
// fingerprints than we do, which is what a man in the middle who passes
// the messages on unchanged looks like: after MISMATCH_MS, a failure too.
// No DOM, no network: `send` is injected.
import { Emitter } from './emitter.js';
import { commitment, fromHex, makeNonce, roundOf, shortAuthString, toHex } from './sas.js';

/**
 * @typedef {'none' | 'verifying' | 'verified' | 'failed'} SasState
 *   none: no fingerprints yet (or a peer that cannot take part); verifying:
 *   the exchange is under way; verified: `words` are the words; failed:
 *   the other side's reveal or commitments did not hold
 * @typedef {{ t: 'sas-commit', r: string, c: string } | { t: 'sas-reveal', r: string, n: string }} SasMessage
 * @typedef {{ id: string, local: string, remote: string, nonce: Uint8Array, commit: string, theirs: string }} Round
 */

const ROUND = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{64}$/;

/** Commitments kept for rounds not yet ours: a few (an honest peer is at most one round ahead). */
const EARLY = 4;

/**
 * How long the other side may speak of another round than ours before
 * that is a failure: far longer than the two ends settling a new
 * description apart (well under a second), or a rebuilt engine's new
 * association opening.
 */
export const MISMATCH_MS = 8000;

/** @extends {Emitter<{ change: { state: SasState, words: string } }>} */
export class Verification extends Emitter {
  /** @type {SasState} */
  state = 'none';
  /** The words, once verified; '' otherwise. */
  words = '';
  /** @type {Round | null} */
  #round = null;
  /** Commitments that came for a round not yet ours, by round. @type {Map<string, string>} */
  #early = new Map();
  /** Runs out MISMATCH_MS after the other side spoke of another round. @type {ReturnType<typeof setTimeout> | undefined} */
  #mismatch;
  #mismatchMs;
  #send;

  /**
   * @param {(message: SasMessage) => void} send  over the data channel; lost if it is not open
   * @param {{ mismatchMs?: number }} [o]  tests shorten the wait
   */
  constructor(send, { mismatchMs = MISMATCH_MS } = {}) {
    super();
    this.#send = send;
    this.#mismatchMs = mismatchMs;
  }

  /**
   * The descriptions are settled; a new pair of fingerprint strings starts
   * a new round. Either empty: no round (no words yet).
   * @param {string} local  F(our description)
   * @param {string} remote  F(theirs)
   */
  describe(local, remote) {
    if (!local || !remote) return;
    const id = roundOf(local, remote);
    if (this.#round?.id === id && this.#round.local === local && this.#round.remote === remote) return;
    const nonce = makeNonce();
    this.#round = { id, local, remote, nonce, commit: commitment(nonce, local), theirs: '' };
    clearTimeout(this.#mismatch);
    this.#mismatch = undefined;
    this.#set('verifying', '');
    this.#say();
    // Rounds before this one never come back (each pair is a new DTLS session).
    const early = this.#early.get(id);
    this.#early.clear();
    if (early) this.#onCommit(early);
  }

  /** The data channel opened (again): say what this round has said so far. */
  opened() { this.#say(); }

  /**
   * A message of this exchange from the other side, as it came.
   * @param {string} text
   */
  receive(text) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    if (!m || typeof m.r !== 'string' || !ROUND.test(m.r)) return;
    if (m.t === 'sas-commit' && typeof m.c === 'string' && HEX32.test(m.c)) {
      if (m.r === this.#round?.id) {
        this.#onCommit(m.c);
      } else {
        this.#early.set(m.r, m.c);
        if (this.#early.size > EARLY) this.#early.delete(/** @type {string} */ (this.#early.keys().next().value));
        this.#suspect();
      }
    } else if (m.t === 'sas-reveal' && typeof m.n === 'string' && HEX32.test(m.n) && m.r === this.#round?.id) {
      this.#onReveal(m.n);
    }
  }

  /** The other side spoke of another round: unless ours is through in time, it failed. */
  #suspect() {
    if (!this.#round || this.#mismatch !== undefined || this.state !== 'verifying') return;
    const round = this.#round;
    this.#mismatch = setTimeout(() => {
      this.#mismatch = undefined;
      if (this.#round === round && this.state === 'verifying') this.#set('failed', '');
    }, this.#mismatchMs);
  }

  /** No more rounds (the connection closed). */
  close() {
    clearTimeout(this.#mismatch);
    this.#round = null;
  }

  /** Our commitment, and our nonce once theirs came. */
  #say() {
    const r = this.#round;
    if (!r) return;
    this.#send({ t: 'sas-commit', r: r.id, c: r.commit });
    if (r.theirs) this.#send({ t: 'sas-reveal', r: r.id, n: toHex(r.nonce) });
  }

  /** @param {string} c */
  #onCommit(c) {
    const r = /** @type {Round} */ (this.#round);
    if (r.theirs === c) return; // said again
    if (r.theirs) {
      // One nonce per round: a second commitment came after ours was
      // revealed, which only someone fitting its words to ours would send.
      this.#set('failed', '');
      return;
    }
    r.theirs = c;
    // Ours again too: the other side may have lost it to a channel changing.
    this.#say();
  }

  /** @param {string} n */
  #onReveal(n) {
    const r = /** @type {Round} */ (this.#round);
    if (!r.theirs || this.state === 'failed') return;
    const nonce = fromHex(n);
    if (commitment(nonce, r.remote) !== r.theirs) {
      this.#set('failed', '');
      return;
    }
    this.#set('verified', shortAuthString({ fingerprints: r.local, nonce: r.nonce }, { fingerprints: r.remote, nonce }));
  }

  /** @param {SasState} state @param {string} words */
  #set(state, words) {
    if (state === this.state && words === this.words) return;
    this.state = state;
    this.words = words;
    this.emit('change', { state, words });
  }
}
