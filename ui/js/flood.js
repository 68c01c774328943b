// What keeps one peer from drowning everyone else's page: a token bucket
// per peer for its app messages, and a clean-up of the names peers give
// themselves. A peer is anyone who reached the room; nothing it sends is
// trusted to be sized or paced kindly (a scripted peer sent 10,000 chat
// messages in a second, which froze honest pages for 10-15 s).

/** A token bucket: `rate` a second, up to `burst` at once. */
export class Bucket {
  #tokens;
  #at = 0;

  /** @param {number} rate @param {number} burst */
  constructor(rate, burst) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
  }

  /** Spend one token if there is one; false: over the limit. @param {number} [now] ms */
  take(now = performance.now()) {
    if (this.#at) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Data channel messages dropped in a row after which the channel is closed: a flood, not a client. */
export const CUT_OFF = 1000;

/**
 * Whether a data channel message is one of the verification's (verify.js):
 * looked at before any parse, so they keep a pace of their own.
 * @param {string} text
 */
export function isSasText(text) {
  return text.length < 256 && text.startsWith('{"t":"sas-');
}

/**
 * One peer's data channel messages, before any is parsed: app messages
 * 200 a second (bursts of 400), far above any client's; the verification's
 * few on a pace of their own (10 a second, bursts of 20), so a busy channel
 * never starves them. 'cut-off' once CUT_OFF in a row were dropped.
 */
export class Inbox {
  #app = new Bucket(200, 400);
  #sas = new Bucket(10, 20);
  #dropped = 0;

  /**
   * @param {string} text
   * @param {number} [now] ms
   * @returns {'app' | 'sas' | 'drop' | 'cut-off'}
   */
  take(text, now = performance.now()) {
    const sas = isSasText(text);
    if (sas && this.#sas.take(now)) return 'sas';
    if (!sas && this.#app.take(now)) {
      this.#dropped = 0;
      return 'app';
    }
    this.#dropped += 1;
    return this.#dropped === CUT_OFF ? 'cut-off' : 'drop';
  }
}

/** The longest name shown for a peer, in characters. */
export const MAX_NAME = 64;

/**
 * A name a peer gave itself, fit to show: control characters and the
 * invisible ones that reorder or hide text (bidi overrides and isolates,
 * zero-width joiners and marks) removed, spaces collapsed, and cut to
 * MAX_NAME characters (by code point, never inside a pair).
 * @param {string} name
 */
export function cleanName(name) {
  const text = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(text).slice(0, MAX_NAME).join('');
}
