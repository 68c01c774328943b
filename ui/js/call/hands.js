// Raised hands. A person raises and lowers only their own hand; it rides
// on their `state` message, so a newcomer learns it from the hello like
// mic and camera. Each side keeps when it saw a hand go up, which orders
// the list the same way for everyone in a LAN's milliseconds, with no
// trust in anyone's clock. A host may lower someone else's hand with
// `lower_hand`, obeyed only when the server stamped its sender a host
// (call/host.js); the lowered person then says so in their own state.
// No DOM here.

/**
 * @typedef {{ id: string, name: string, since: number, me: boolean }} RaisedHand
 *   since: when this side saw it go up (Date.now())
 */

export class Hands {
  /** Since when our hand is up (Date.now()); 0 while down. */
  mine = 0;

  /**
   * @param {boolean} up
   * @returns {boolean} whether ours changed
   */
  setMine(up) {
    if (up === this.mine > 0) return false;
    this.mine = up ? Date.now() : 0;
    return true;
  }
}

/**
 * A peer's hand after its state message said `hand` (anything but a
 * boolean leaves it as it was: an older client says nothing of hands).
 * @param {number} since  what we had (0: down)
 * @param {unknown} hand
 * @returns {number}
 */
export function followHand(since, hand) {
  if (typeof hand !== 'boolean') return since;
  return hand ? since || Date.now() : 0;
}

/**
 * Is a `lower_hand` ours to obey: for us, from a member the server
 * stamped a host, while our hand is up?
 * @param {{ peer_id?: unknown }} message
 * @param {{ fromHost: boolean, me: string, raised: boolean }} at
 */
export function obeysLower(message, { fromHost, me, raised }) {
  return fromHost && raised && Boolean(me) && message.peer_id === me;
}

/**
 * First raised first; ties (the same millisecond) by id, so every list
 * built from the same hands reads the same.
 * @param {RaisedHand[]} hands
 */
export function inOrder(hands) {
  return [...hands].sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
