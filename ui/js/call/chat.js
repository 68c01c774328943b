// A call's chat: our messages given an id, the others' checked and shown
// once each (one may come over the data channel and through the host too),
// paced per peer and cut to a size a page can show (flood.js says why).
// No DOM, no connections: the call sends and shows.
import { Bucket } from '../flood.js';

/**
 * @typedef {{ id: string, from: string, name: string, text: string, ts: number, self: boolean, cut?: boolean }} ChatMessage
 * @typedef {{ t: 'chat', id: string, text: string, ts: number }} ChatWire  a chat message as sent to peers
 */

/** How much of a peer's message is shown. */
const MAX_TEXT = 4000;
/** A peer's messages shown a second, and at once: far above anyone typing. */
const RATE = 5;
const BURST = 20;
/** Ids remembered to drop repeats (a message may come both ways): the latest this many. */
const SEEN = 2048;
/** Longer ids are not ours: the message is dropped. */
const MAX_ID = 64;

/** @param {number} [n] */
function randomId(n = 8) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Chat {
  /** Ids of the messages seen, ours and theirs, oldest first. @type {Set<string>} */
  #seen = new Set();
  /** Each peer's pace, by peer id. @type {Map<string, Bucket>} */
  #pace = new Map();

  /**
   * Our message to send, or null if there is nothing to say.
   * @param {string} text
   * @returns {ChatWire | null}
   */
  compose(text) {
    const body = text.trim();
    if (!body) return null;
    /** @type {ChatWire} */
    const message = { t: 'chat', id: randomId(), text: body, ts: Date.now() };
    this.#remember(message.id);
    return message;
  }

  /**
   * A peer's chat message to show; null if malformed or already shown;
   * 'flood' if the peer sends faster than anyone types (dropped).
   * @param {{ id: string, name: string }} from  the peer it came from
   * @param {any} m  the message (`t: 'chat'`)
   * @returns {ChatMessage | 'flood' | null}
   */
  receive(from, m) {
    if (typeof m.text !== 'string' || typeof m.id !== 'string' || m.id.length > MAX_ID || this.#seen.has(m.id)) return null;
    let pace = this.#pace.get(from.id);
    if (!pace) this.#pace.set(from.id, pace = new Bucket(RATE, BURST));
    if (!pace.take()) return 'flood';
    this.#remember(m.id);
    const cut = m.text.length > MAX_TEXT;
    return { id: m.id, from: from.id, name: from.name, text: m.text.slice(0, MAX_TEXT), ts: Date.now(), self: false, cut };
  }

  /** Out of the call: forget what was seen. */
  clear() {
    this.#seen.clear();
    this.#pace.clear();
  }

  /** @param {string} id */
  #remember(id) {
    this.#seen.add(id);
    if (this.#seen.size > SEEN) this.#seen.delete(/** @type {string} */ (this.#seen.values().next().value));
  }
}
