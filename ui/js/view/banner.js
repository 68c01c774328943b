// The banner over the call (host gone, retrying in N s) and short toasts.
import { byId, h } from './dom.js';

/**
 * @typedef {{ label: string, run: () => void, primary?: boolean }} BannerAction
 */

export class Banner {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;

  constructor() {
    this.root = byId('banner');
    this.text = byId('banner-text');
    this.actions = byId('banner-actions');
  }

  /**
   * Show `text(secondsLeft)`, ticking down to `until` (ms since epoch).
   * @param {(secondsLeft: number) => string} text
   * @param {number} until
   * @param {BannerAction[]} actions
   */
  countdown(text, until, actions) {
    clearInterval(this.#timer);
    const tick = () => { this.text.textContent = text(Math.max(0, Math.ceil((until - Date.now()) / 1000))); };
    tick();
    this.#timer = setInterval(tick, 250);
    this.#show(actions);
  }

  /**
   * @param {string} text
   * @param {BannerAction[]} actions
   */
  message(text, actions) {
    clearInterval(this.#timer);
    this.text.textContent = text;
    this.#show(actions);
  }

  hide() {
    clearInterval(this.#timer);
    this.root.hidden = true;
  }

  /** @param {BannerAction[]} actions */
  #show(actions) {
    this.actions.replaceChildren(...actions.map((a) =>
      h('button', { type: 'button', class: `btn${a.primary ? ' primary' : ''}`, onclick: a.run, text: a.label })));
    this.root.hidden = false;
  }
}

/**
 * A short message at the bottom that goes away by itself.
 * @param {string} text
 * @param {number} [ms]
 */
export function toast(text, ms = 3500) {
  const el = h('div', { class: 'toast', text });
  byId('toasts').append(el);
  setTimeout(() => el.remove(), ms);
}
