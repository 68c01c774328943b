// Sharing the screen from the native engine (the Linux app): the engine
// captures and encodes it once (src-tauri/src/media/capture/screen.rs) and
// each connection sends it on a sendonly video transceiver of its own,
// after the camera's, as a browser's share goes (peer-connection.js turns
// peer.js's addTransceiver and direction changes into native_screen_send).
// Where the system's ScreenCast portal answers, the person picks a monitor
// or window in its picker (cancelling it is a cancelled share, as in a
// browser), and the share ends when the system's own control stops it: the
// engine says so on the `ended` channel. Where no portal answers (a bare
// X11 session) the whole screen is shared, and the page says so (`whole`).
// No Tauri here: the engine passes its Bridge.
import { ScreenShare, ShareError } from '../screen.js';

/** @typedef {import('./engine.js').Bridge} Bridge */

export class NativeScreenShare extends ScreenShare {
  /** @type {import('../screen.js').ScreenTracks | null} */
  current = null;
  #bridge;
  #starting = false;

  /** @param {Bridge} bridge */
  constructor(bridge) {
    super();
    this.#bridge = bridge;
  }

  get available() { return true; }

  async start() {
    if (this.current) return this.current;
    if (this.#starting) throw new ShareError('cancelled', 'the screen is already starting');
    this.#starting = true;
    /** This share, once it started (what `ended` is about). @type {import('../screen.js').ScreenTracks | null} */
    let share = null;
    /** The system ended it before this page had it. */
    let over = false;
    try {
      // The system (the portal, the compositor) ended the share: stop it
      // here as the Stop sharing button does, so every peer is told.
      const ended = this.#bridge.channel(() => {
        over = true;
        if (share && this.current === share) this.stop();
      });
      /** @type {import('../types/native').ScreenShare} */
      const reply = await this.#bridge.invoke('native_screen_start', { ended });
      this.whole = Boolean(reply?.whole);
    } catch (e) {
      const err = /** @type {{ code?: string, message?: string } | undefined} */ (e);
      throw new ShareError(err?.code === 'cancelled' ? 'cancelled' : 'failed', String(err?.message ?? e));
    } finally {
      this.#starting = false;
    }
    // The engine sends its own capture: this track only stands for it in
    // peer.js's bookkeeping (the connection never reads it).
    const canvas = document.createElement('canvas');
    canvas.width = 2;
    canvas.height = 2;
    const stream = canvas.captureStream(0);
    const video = stream.getVideoTracks()[0];
    share = { stream, video, audio: null };
    this.current = share;
    this.emit('change', this.current);
    if (over) this.stop();
    return share;
  }

  stop() {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.whole = false;
    for (const t of c.stream.getTracks()) t.stop();
    this.#bridge.invoke('native_screen_stop').catch(() => {});
    this.emit('change', null);
  }
}
