// A screen someone shares: its picture fitted whole (letterboxed, never
// cropped: it is text), its sound where the sharer sent some, the sharer's
// name and a full-screen button. The grid (grid.js) puts it on the stage or
// in the strip.
import { h, icon } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('./tile.js').VideoEngine} VideoEngine
 */

export class ScreenTile {
  /** @type {MediaStream | null} */
  #stream = null;
  #name = '';
  /** The native engine's screen, shown as its canvas (as tile.js shows its camera). @type {HTMLCanvasElement | null} */
  #canvas = null;

  /**
   * @param {object} o
   * @param {string} o.id      the sharer's peer id
   * @param {I18n} o.i18n
   * @param {VideoEngine | null} [o.engine]  the call's engine, for a screen it draws into a canvas
   */
  constructor({ id, i18n, engine = null }) {
    this.i18n = i18n;
    this.engine = engine;
    this.video = /** @type {HTMLVideoElement} */ (h('video', { autoplay: true, playsinline: true }));
    this.nameText = h('span');
    this.fullBtn = h('button', { type: 'button', class: 'tile-btn', onclick: () => this.fullscreen() }, icon('full'));
    this.el = h('figure', { class: 'screen', tabindex: '0', dataset: { peer: id } },
      this.video,
      h('div', { class: 'tile-top' }, h('span', { class: 'spacer' }), this.fullBtn),
      h('figcaption', { class: 'tile-bar' }, h('span', { class: 'tile-name' }, icon('monitor'), this.nameText)));
    this.el.addEventListener('dblclick', () => this.fullscreen());
  }

  /** @param {MediaStream} stream @param {string} name */
  update(stream, name) {
    this.#name = name;
    // WebKitGTK garbles a canvas's captureStream() in <video>: the native
    // engine's screen is shown as its canvas, fitted whole, and the <video>
    // plays nothing (see Tile's #attach).
    const canvas = stream.getVideoTracks().map((t) => this.engine?.canvasFor?.(t)).find(Boolean) ?? null;
    const played = canvas ? null : stream;
    if (this.#stream !== stream || this.video.srcObject !== played) {
      this.#stream = stream;
      this.video.srcObject = played;
    }
    if (canvas !== this.#canvas) {
      this.#canvas?.remove();
      this.#canvas = canvas;
      if (canvas) {
        canvas.className = 'native-video';
        Object.assign(canvas.style, { position: 'absolute', inset: '0', width: '100%', height: '100%', objectFit: 'contain' });
        this.video.after(canvas);
      }
      this.video.hidden = Boolean(canvas);
    }
    // Its sound plays where it has some; a page not yet clicked may refuse
    // sound, and then the picture still plays.
    const sound = stream.getAudioTracks().length > 0;
    if (this.video.muted === sound) this.video.muted = !sound;
    if (played) this.video.play().catch(() => {
      if (this.video.muted) return;
      this.video.muted = true;
      this.video.play().catch(() => {});
    });
    this.render();
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    this.nameText.textContent = t('screen.of', { name: this.#name || t('tile.someone') });
    this.fullBtn.title = t('tile.fullscreen');
    this.fullBtn.setAttribute('aria-label', t('tile.fullscreen'));
  }

  fullscreen() {
    if (document.fullscreenElement === this.el) document.exitFullscreen().catch(() => {});
    else this.el.requestFullscreen?.().catch(() => {});
  }

  remove() {
    this.#canvas?.remove();
    this.video.srcObject = null;
    this.el.remove();
  }
}
