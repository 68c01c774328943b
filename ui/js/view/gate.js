// Full-card states around joining: asking for the camera, permission denied,
// connecting, host unreachable, room full, wrong passcode. Each has a way out.
import { byId, h, icon } from './dom.js';

/**
 * @typedef {{ label: string, run: () => void, kind?: 'primary' | 'ghost' | 'danger', id?: string }} GateAction
 * @typedef {{ tone?: 'info' | 'warn' | 'error', icon?: string, spinner?: boolean, title: string, text: string,
 *   actions?: GateAction[], extra?: Node | null }} GateState
 */

export class Gate {
  constructor() {
    this.root = byId('gate');
    this.card = byId('gate-card');
    this.iconBox = byId('gate-icon');
    this.title = byId('gate-title');
    this.text = byId('gate-text');
    this.extra = byId('gate-extra');
    this.actions = byId('gate-actions');
  }

  /** @param {GateState} s */
  show(s) {
    this.card.dataset.tone = s.tone ?? 'info';
    this.card.setAttribute('role', s.tone === 'error' || s.tone === 'warn' ? 'alert' : 'status');
    this.iconBox.replaceChildren(s.spinner ? h('div', { class: 'spinner' }) : icon(s.icon ?? 'alert'));
    this.title.textContent = s.title;
    this.text.textContent = s.text;
    this.extra.replaceChildren(...(s.extra ? [s.extra] : []));
    this.actions.replaceChildren(...(s.actions ?? []).map((a) =>
      h('button', { type: 'button', class: `btn ${a.kind ?? ''}`.trim(), id: a.id, onclick: a.run, text: a.label })));
    this.root.hidden = false;
    const first = /** @type {HTMLElement | null} */ (this.extra.querySelector('input') ?? this.actions.querySelector('.primary'));
    first?.focus();
  }

  hide() { this.root.hidden = true; }
}
