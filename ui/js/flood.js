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
