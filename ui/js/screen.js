// Sharing a screen or a window from a browser engine (Chromium, Edge and
// WebView2, Safari and WKWebView, Firefox): getDisplayMedia, whose picker
// is the browser's or the system's own. The video is marked as detail, so
// the encoder keeps text sharp and drops frames rather than resolution;
// system sound comes along where the browser offers it. A share ends when
// we stop it or when the browser's own "Stop sharing" or the shared window
// closing ends its video track.
import { Emitter } from './emitter.js';

/**
 * @typedef {'cancelled' | 'unsupported' | 'failed'} ShareFailure
 * @typedef {{ stream: MediaStream, video: MediaStreamTrack, audio: MediaStreamTrack | null }} ScreenTracks
 * @typedef {{ change: ScreenTracks | null }} ScreenEvents
 */

/** Why a share did not start: the person cancelled the picker or refused, there is no way to share here, or it failed. */
export class ShareError extends Error {
  /** @param {ShareFailure} reason @param {string} message */
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

/** @extends {Emitter<ScreenEvents>} */
export class ScreenShare extends Emitter {
  /** What is being shared now, or null. @type {ScreenTracks | null} */
  current = null;
  /** A picker is open: a second click does not open another. */
  #asking = false;

  /** Whether this browser can share a screen at all. */
  static get supported() {
    return typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  }

  /** Whether this share can start here (an engine's own share says so itself). */
  get available() { return ScreenShare.supported; }

  /** The whole screen is shared, with no picker (the native engine's ximagesrc). */
  whole = false;

  /**
   * Ask for a screen or window with the picker; resolves once sharing.
   * @returns {Promise<ScreenTracks>}
   */
  async start() {
    if (this.current) return this.current;
    if (!ScreenShare.supported) throw new ShareError('unsupported', 'this browser cannot share a screen');
    if (this.#asking) throw new ShareError('cancelled', 'the picker is already open');
    this.#asking = true;
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia(/** @type {DisplayMediaStreamOptions} */ ({
        // A size as well as a rate: asked for a rate only, Chromium captures
        // a 1080p screen at 1280×720, where small text is a blur (SSIM 0.70
        // against 0.995 at 1920×1080, docs/performance.md). A larger screen
        // comes down to 1080p, which is what a LAN link carries well.
        video: { frameRate: { ideal: 30, max: 30 }, width: { ideal: 1920, max: 1920 }, height: { ideal: 1080, max: 1080 } },
        // System or tab sound where the browser offers it; ignored elsewhere.
        audio: true,
        systemAudio: 'include',
        // Sharing this very window shows it within itself, smaller and smaller.
        selfBrowserSurface: 'exclude',
        surfaceSwitching: 'include',
      }));
    } catch (e) {
      const name = /** @type {{ name?: string }} */ (e)?.name;
      // Cancelling the picker and refusing permission are the same to a page.
      const reason = name === 'NotAllowedError' || name === 'AbortError' ? 'cancelled' : 'failed';
      throw new ShareError(reason, String(/** @type {Error} */ (e)?.message ?? e));
    } finally {
      this.#asking = false;
    }
    const video = stream.getVideoTracks()[0];
    if (!video) {
      for (const t of stream.getTracks()) t.stop();
      throw new ShareError('failed', 'the share had no picture');
    }
    video.contentHint = 'detail';
    const audio = stream.getAudioTracks()[0] ?? null;
    // Fired when the browser ends the track (its own stop control, the
    // window closed), never for our own stop().
    video.addEventListener('ended', () => { if (this.current?.video === video) this.stop(); });
    this.current = { stream, video, audio };
    this.emit('change', this.current);
    return this.current;
  }

  /** Stop sharing (idempotent). */
  stop() {
    const c = this.current;
    if (!c) return;
    this.current = null;
    for (const t of c.stream.getTracks()) t.stop();
    this.emit('change', null);
  }
}
