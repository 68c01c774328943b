// Reactions on screen: the call bar's React button opens a row of emoji
// (each a button with its name for screen readers; Escape or a click
// elsewhere closes it), and each reaction, ours or a peer's, floats up
// over that person's tile for a few seconds. A tile holds a few at once:
// the oldest goes first.
import { byId, h } from './dom.js';
import { REACTIONS, SHOWN_MS } from '../reactions.js';

/** @typedef {import('../i18n.js').I18n} I18n */

/** Reactions floating over one tile at once, at most. */
const PER_TILE = 6;

export class ReactionsView {
  /** Reactions shown so far: where the next one goes across its tile. */
  #shown = 0;
  /**
   * Follows `call`'s reactions, ours and the peers'.
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {import('../call.js').Call} o.call
   * @param {(id: string) => HTMLElement | null} o.tileOf  the tile of a peer id ('local': ours)
   */
  constructor({ i18n, call, tileOf }) {
    this.i18n = i18n;
    call.on('reaction', ({ id, emoji }) => {
      const tile = tileOf(id);
      if (tile) this.show(tile, emoji);
    });
    call.on('phase', () => this.toggle(false));
    const react = (/** @type {string} */ emoji) => call.react(emoji);
    this.picker = byId('reactions');
    this.button = /** @type {HTMLButtonElement} */ (document.querySelector('button[data-action="react"]'));
    this.picker.replaceChildren(...REACTIONS.map(([emoji, key]) => h('button', {
      type: 'button', class: 'reaction-pick', text: emoji, dataset: { emoji, key },
      onclick: () => react(emoji),
    })));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !this.picker.hidden) this.toggle(false); });
    document.addEventListener('pointerdown', (e) => {
      const target = /** @type {Node} */ (e.target);
      if (!this.picker.hidden && !this.picker.contains(target) && !this.button.contains(target)) this.toggle(false);
    });
    i18n.on('change', () => this.render());
    this.render();
  }

  /** Open or close the row of emoji. @param {boolean} [open] */
  toggle(open = Boolean(this.picker.hidden)) {
    this.picker.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) /** @type {HTMLElement | null} */ (this.picker.querySelector('button'))?.focus();
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    this.picker.setAttribute('aria-label', t('controls.react'));
    for (const b of this.picker.querySelectorAll('button')) {
      const name = t(/** @type {HTMLElement} */ (b).dataset.key ?? '');
      b.setAttribute('aria-label', name);
      b.setAttribute('title', name);
    }
  }

  /**
   * Float `emoji` over `tile` (the figure of a tile) for SHOWN_MS.
   * @param {HTMLElement} tile @param {string} emoji
   */
  show(tile, emoji) {
    const floating = tile.querySelectorAll(':scope > .reaction');
    if (floating.length >= PER_TILE) floating[0].remove();
    const key = REACTIONS.find(([e]) => e === emoji)?.[1];
    const r = h('span', { class: 'reaction', role: 'img', 'aria-label': key ? this.i18n.t(key) : emoji, text: emoji });
    // Each a step apart from the one before, across the tile: side by
    // side rather than on top of each other.
    r.style.setProperty('--x', `${10 + ((this.#shown++ * 29) % 64)}%`);
    r.style.setProperty('--ms', `${SHOWN_MS}ms`);
    tile.append(r);
    setTimeout(() => r.remove(), SHOWN_MS);
  }
}
