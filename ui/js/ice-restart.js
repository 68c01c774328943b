// Bringing a lost connection back: ICE restarts until it is back. A
// connection that was lost (ICE "disconnected" or "failed") restarts ICE
// after RESTART_FIRST ("failed" at once), and again, each pause twice the
// one before, while it still is not connected. One restart is not always
// enough: when a link comes back just as both sides restart, one side's
// offer or candidates can land on the session they replace, and nothing
// would try again (the ICE state may never change from "disconnected").
// No DOM, no signaling: restartIce() raises negotiationneeded, and the
// peer's perfect negotiation does the rest.

/** The first restart waits this long (ms), about as long as a browser takes to call a connection lost… */
export const RESTART_FIRST = 4000;
/** …and the pause between restarts that bring nothing back doubles up to this. */
export const RESTART_MAX = 16_000;
/** Up to this much (ms) is added to each pause: two sides that lost the link together should not keep offering into each other. */
const RESTART_JITTER = 1000;

/**
 * @typedef {Pick<RTCPeerConnection, 'iceConnectionState' | 'connectionState' | 'restartIce'>} Restartable
 */

export class IceRestarts {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;
  #closed = false;
  #pc;

  /** @param {Restartable} pc */
  constructor(pc) {
    this.#pc = pc;
  }

  /** Look at the connection again; call on every ICE and connection state change. */
  check() {
    if (this.#closed) return;
    const ice = this.#pc.iceConnectionState;
    if (this.#pc.connectionState === 'connected' && (ice === 'connected' || ice === 'completed')) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined) return;
    const states = [ice, this.#pc.connectionState];
    if (states.includes('failed')) {
      this.#pc.restartIce();
      this.#after(RESTART_FIRST * 2);
    } else if (states.includes('disconnected')) {
      this.#after(RESTART_FIRST);
    }
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** @param {number} wait  ms until the next restart, unless the connection is back by then */
  #after(wait) {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed || this.#pc.connectionState === 'connected') return;
      this.#pc.restartIce();
      this.#after(Math.min(wait * 2, RESTART_MAX));
    }, wait + Math.random() * RESTART_JITTER);
  }
}
