// Surviving a host restart. The peer connections do not need the host once
// up, so they stay while it is gone. A restarted host knows nobody, so
// everyone rejoins with a new peer id; each side tells the others its new
// id over the data channel ("rekey"), and the connection carries on under
// the new id instead of being torn down and built again. Meanwhile joins
// of ids that may be one of ours renamed are held back a little, and
// connections nobody claims go after a while.

/**
 * @typedef {import('./mesh.js').Mesh} Mesh
 * @typedef {import('./mesh.js').Entry} Entry
 */

/** How long a member may take to tell us its new id after a host restart. */
const REKEY_WAIT_MS = 2000;
/** Connections not claimed by anyone this long after a host restart go. */
const STALE_MS = 15000;

export class Rekey {
  /** Joins we hold back while waiting for a rekey. @type {Map<string, ReturnType<typeof setTimeout>>} */
  #held = new Map();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #staleTimer;
  #mesh;
  #inCall;

  /**
   * @param {Mesh} mesh
   * @param {() => boolean} inCall  whether held joins may still go ahead
   */
  constructor(mesh, inCall) {
    this.#mesh = mesh;
    this.#inCall = inCall;
  }

  /**
   * A new session at the host (it restarted, or our place ran out): tell
   * every peer our new id, and mark those it no longer lists as stale.
   * @param {string} myId  our new id
   * @param {Set<string>} members  the ids the host lists now
   */
  newSession(myId, members) {
    for (const e of this.#mesh.entries()) {
      if (members.has(e.id) && !e.rekeyed) {
        // It kept its id, so the host is the same and it already saw us
        // leave: start over with it.
        this.#mesh.drop(e, 'dropped', false);
        continue;
      }
      e.stale = !members.has(e.id);
      e.rekeyed = false;
      e.peer.polite = myId > e.id;
      e.peer.sendData({ t: 'rekey', peer_id: myId });
    }
    clearTimeout(this.#staleTimer);
    this.#staleTimer = setTimeout(() => {
      for (const e of this.#mesh.entries()) if (e.stale) this.#mesh.drop(e, 'dropped', true);
    }, STALE_MS);
  }

  /**
   * Run `create` for a new peer id now, or — while connections from before a
   * host restart wait to learn their new ids — once it is clear this id is
   * not one of them.
   * @param {string} id
   * @param {() => void} create
   */
  hold(id, create) {
    const waiting = this.#mesh.entries().some((e) => e.stale);
    if (!waiting) { create(); return; }
    clearTimeout(this.#held.get(id));
    this.#held.set(id, setTimeout(() => {
      this.#held.delete(id);
      if (!this.#mesh.has(id) && this.#inCall()) create();
    }, REKEY_WAIT_MS));
  }

  /** @param {string} id  no longer hold a join of this id back */
  release(id) {
    clearTimeout(this.#held.get(id));
    this.#held.delete(id);
  }

  /**
   * A peer tells us its new id after a host restart. Returns the change,
   * or null if there is none to show.
   * @param {Entry} e
   * @param {string} to
   * @param {string} myId
   * @returns {{ from: string, to: string } | null}
   */
  apply(e, to, myId) {
    if (to === e.id || !/^[0-9a-f]{16}$/.test(to)) return null;
    const from = e.id;
    const other = this.#mesh.get(to);
    if (other && other !== e) {
      // Both sides already built a new connection under the new id.
      this.#mesh.drop(e, 'silent', false);
      return null;
    }
    this.release(to);
    this.#mesh.move(e, to);
    e.peer.polite = myId > to;
    e.stale = false;
    e.rekeyed = true;
    return { from, to };
  }

  /** Out of the call: nothing held, nothing waited for. */
  clear() {
    for (const t of this.#held.values()) clearTimeout(t);
    this.#held.clear();
    clearTimeout(this.#staleTimer);
  }
}
