// A screen someone shares: its picture fitted whole (letterboxed, never
// cropped: it is text), its sound where the sharer sent some, the sharer's
// name and a full-screen button. The grid (grid.js) puts it on the stage or
// in the strip.
import { h, icon } from './dom.js';

/** @typedef {import('../i18n.js').I18n} I18n */

export class ScreenTile {
  /** @type {MediaStream | null} */
  #stream = null;
  #name = '';

  /**
   * @param {object} o
   * @param {string} o.id      the sharer's peer id
   * @param {I18n} o.i18n
   */
  constructor({ id, i18n }) {
    this.i18n = i18n;
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
    if (this.#stream !== stream || this.video.srcObject !== stream) {
      this.#stream = stream;
      this.video.srcObject = stream;
    }
    // Its sound plays where it has some; a page not yet clicked may refuse
    // sound, and then the picture still plays.
    const sound = stream.getAudioTracks().length > 0;
    if (this.video.muted === sound) this.video.muted = !sound;
    this.video.play().catch(() => {
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
    this.video.srcObject = null;
    this.el.remove();
  }
}
