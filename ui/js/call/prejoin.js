// The pre-join screen's part of a call: the camera and microphone, opened
// once for the preview and then sent in the call, and how opening them went
// (for the preview and the call's phases). A failed attempt is forgotten,
// so the next one asks again.
import { Emitter } from '../emitter.js';
import { MediaError } from '../media.js';

/**
 * @typedef {import('../media.js').LocalMedia} LocalMedia
 * @typedef {import('../media.js').MediaFailure} MediaFailure
 * @typedef {{ state: 'starting' | 'on' | 'failed', reason?: MediaFailure }} Preview
 */

/** @extends {Emitter<{ preview: Preview }>} */
export class Prejoin extends Emitter {
  /** Camera and microphone being opened, or open. @type {Promise<void> | null} */
  #opening = null;
  /** How opening went; null: not asked yet. @type {Preview | null} */
  state = null;

  /** @param {LocalMedia} media */
  constructor(media) {
    super();
    this.media = media;
  }

  /** Open camera and microphone, unless open or opening; rejects with a MediaError. */
  open() {
    if (this.#opening) return this.#opening;
    this.#set({ state: 'starting' });
    const opening = this.media.open().then(() => {
      if (this.#opening === opening) this.#set({ state: 'on' });
    }, (e) => {
      if (this.#opening === opening) {
        this.#opening = null;
        this.#set({ state: 'failed', reason: e instanceof MediaError ? e.reason : 'other' });
      }
      throw e;
    });
    this.#opening = opening;
    return opening;
  }

  /** Ask again on the next open (the media was closed, or the person fixed a permission). */
  forget() {
    this.#opening = null;
    this.state = null;
  }

  /** @param {Preview} p */
  #set(p) {
    this.state = p;
    this.emit('preview', p);
  }
}
