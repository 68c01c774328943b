// What a host sees of the waiting room: a notice per person waiting ("Bao
// wants to join", Admit / Deny), "Admit all" once two or more wait, and the
// confirmation before removing someone from the call.
import { askModal, byId, h, hueOf, icon, initials } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {{ id: string, name: string }} Knock
 */

export class Knocks {
  /** @type {Knock[]} */
  #knocks = [];
  /**
   * Each notice drawn, by peer id, with what it was drawn for: a notice is
   * drawn once, so it doesn't flash (its entrance again) at every change.
   * @type {Map<string, { el: HTMLElement, key: string }>}
   */
  #cards = new Map();
  /** The "n people waiting / Admit all" row, and what it was drawn for. @type {{ el: HTMLElement, key: string } | null} */
  #head = null;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(id: string) => void} o.onAdmit
   * @param {(id: string) => void} o.onDeny
   * @param {() => void} o.onAdmitAll
   */
  constructor({ i18n, onAdmit, onDeny, onAdmitAll }) {
    this.i18n = i18n;
    this.onAdmit = onAdmit;
    this.onDeny = onDeny;
    this.onAdmitAll = onAdmitAll;
    this.root = byId('knocks');
    i18n.on('change', () => this.render());
  }

  /** @param {Knock[]} knocks  oldest first */
  set(knocks) {
    this.#knocks = knocks;
    this.render();
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    const knocks = this.#knocks;
    const lang = this.i18n.lang;
    this.root.hidden = knocks.length === 0;
    const headKey = knocks.length > 1 ? `${lang} ${knocks.length}` : '';
    if (this.#head?.key !== headKey) {
      this.#head = headKey ? {
        key: headKey,
        el: h('div', { class: 'knocks-head' },
          h('span', { text: t('knock.count', { n: knocks.length }) }),
          h('button', { type: 'button', class: 'btn primary', id: 'knock-admit-all', onclick: () => this.onAdmitAll(), text: t('knock.admitAll') })),
      } : null;
    }
    const cards = knocks.map((k) => {
      const key = `${lang} ${k.name}`;
      let card = this.#cards.get(k.id);
      if (card?.key !== key) this.#cards.set(k.id, card = { key, el: this.#card(k) });
      return card.el;
    });
    for (const id of [...this.#cards.keys()]) if (!knocks.some((k) => k.id === id)) this.#cards.delete(id);
    // Put the wanted nodes in order, moving only what is out of place.
    const wanted = [...(this.#head ? [this.#head.el] : []), ...cards];
    wanted.forEach((el, i) => { if (this.root.children[i] !== el) this.root.insertBefore(el, this.root.children[i] ?? null); });
    while (this.root.children.length > wanted.length) this.root.lastElementChild?.remove();
  }

  /** @param {Knock} k */
  #card(k) {
    const t = this.i18n.t.bind(this.i18n);
    const name = k.name || t('tile.someone');
    const avatar = h('span', { class: 'knock-avatar', 'aria-hidden': 'true', text: initials(name) });
    avatar.style.setProperty('--avatar', hueOf(name));
    return h('div', { class: 'knock', role: 'alert', dataset: { knock: k.id } },
      avatar,
      h('p', { class: 'knock-text' }, h('strong', { text: name }), h('span', { text: t('knock.wants') })),
      h('div', { class: 'knock-actions' },
        h('button', { type: 'button', class: 'btn ghost', dataset: { deny: k.id }, onclick: () => this.onDeny(k.id), text: t('knock.deny') }),
        h('button', { type: 'button', class: 'btn primary', dataset: { admit: k.id }, onclick: () => this.onAdmit(k.id), text: t('knock.admit') })));
  }
}

/** Asks the host to confirm a removal: one question at a time. */
export class RemoveDialog {
  /** @param {I18n} i18n */
  constructor(i18n) {
    this.i18n = i18n;
    this.dialog = /** @type {HTMLDialogElement} */ (byId('remove-dialog'));
  }

  /**
   * Resolves to true if the host confirmed removing `name`.
   * @param {string} name
   * @returns {Promise<boolean>}
   */
  ask(name) {
    const t = this.i18n.t.bind(this.i18n);
    byId('remove-title').textContent = t('remove.title', { name: name || t('tile.someone') });
    return askModal(this.dialog).then((v) => v === 'remove');
  }
}

/** The "Remove" button a tile shows to a host. @param {string} label @param {() => void} run */
export function removeButton(label, run) {
  return h('button', { type: 'button', class: 'tile-btn remove', title: label, 'aria-label': label, onclick: run }, icon('user-x'));
}
