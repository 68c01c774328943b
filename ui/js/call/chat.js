// A call's chat: our messages given an id, the others' checked and shown
// once each (one may come over the data channel and through the host too).
// No DOM, no connections: the call sends and shows.

/**
 * @typedef {{ id: string, from: string, name: string, text: string, ts: number, self: boolean }} ChatMessage
 * @typedef {{ t: 'chat', id: string, text: string, ts: number }} ChatWire  a chat message as sent to peers
 */

/** How much of a peer's message is shown. */
const MAX_TEXT = 4000;

/** @param {number} [n] */
function randomId(n = 8) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Chat {
  /** Ids of the messages seen, ours and theirs. @type {Set<string>} */
  #seen = new Set();

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
    this.#seen.add(message.id);
    return message;
  }

  /**
   * A peer's chat message to show, or null if malformed or already shown.
   * @param {{ id: string, name: string }} from  the peer it came from
   * @param {any} m  the message (`t: 'chat'`)
   * @returns {ChatMessage | null}
   */
  receive(from, m) {
    if (typeof m.text !== 'string' || typeof m.id !== 'string' || this.#seen.has(m.id)) return null;
    this.#seen.add(m.id);
    return { id: m.id, from: from.id, name: from.name, text: m.text.slice(0, MAX_TEXT), ts: Date.now(), self: false };
  }

  /** Out of the call: forget what was seen. */
  clear() {
    this.#seen.clear();
  }
}
