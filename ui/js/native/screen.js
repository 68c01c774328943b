// Sharing the screen from the native engine (the Linux app): the engine
// captures and encodes it once (src-tauri/src/media/capture/screen.rs) and
// each connection sends it on a sendonly video transceiver of its own,
// after the camera's, as a browser's share goes (peer-connection.js turns
// peer.js's addTransceiver and direction changes into native_screen_send).
// Where no portal picker answers (a bare X11 session) the whole screen is
// shared, and the page says so (`whole`). No Tauri here: the engine passes
// its Bridge.
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
    try {
      /** @type {import('../types/native').ScreenShare} */
      const share = await this.#bridge.invoke('native_screen_start');
      this.whole = Boolean(share?.whole);
    } catch (e) {
      throw new ShareError('failed', String(/** @type {any} */ (e)?.message ?? e));
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
    this.current = { stream, video, audio: null };
    this.emit('change', this.current);
    return this.current;
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
