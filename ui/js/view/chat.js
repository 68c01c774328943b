// The chat panel: messages from the data channels, an input, and an unread
// count while the panel is closed.
import { byId, h } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../call.js').ChatMessage} ChatMessage
 */

/** Lines kept in the log: older ones go, so a long call (or a flood) never grows the page without end. */
const KEEP = 500;

export class ChatView {
  unread = 0;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(text: string) => void} o.onSend
   * @param {(unread: number, open: boolean) => void} o.onChange
   */
  constructor({ i18n, onSend, onChange }) {
    this.i18n = i18n;
    this.onChange = onChange;
    this.panel = byId('chat');
    this.log = byId('chat-log');
    this.input = /** @type {HTMLInputElement} */ (byId('chat-input'));
    byId('chat-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value;
      if (!text.trim()) return;
      onSend(text);
      this.input.value = '';
    });
    byId('chat-close').addEventListener('click', () => this.setOpen(false));
  }

  get open() { return !this.panel.hidden; }

  /** @param {boolean} open */
  setOpen(open) {
    this.panel.hidden = !open;
    if (open) {
      this.unread = 0;
      this.input.focus();
      this.log.scrollTop = this.log.scrollHeight;
    }
    this.onChange(this.unread, open);
  }

  toggle() { this.setOpen(!this.open); }

  /** @param {ChatMessage} m */
  add(m) {
    const t = this.i18n.t.bind(this.i18n);
    const time = new Date(m.ts).toLocaleTimeString(this.i18n.lang, { hour: '2-digit', minute: '2-digit' });
    const who = m.self ? t('chat.you') : (m.name || t('tile.someone'));
    this.log.append(h('li', { class: `msg${m.self ? ' self' : ''}`, dataset: { from: m.self ? 'self' : m.from } },
      h('span', { class: 'who' }, h('b', { text: who }), time),
      h('span', { class: 'body', text: m.text }),
      m.cut ? h('span', { class: 'cut', text: t('chat.cut') }) : null));
    this.#trim();
    this.log.scrollTop = this.log.scrollHeight;
    if (!this.open && !m.self) {
      this.unread += 1;
      this.onChange(this.unread, false);
    }
  }

  /** A line from lancall itself, e.g. "Ana joined". */
  note(/** @type {string} */ text) {
    this.log.append(h('li', { class: 'msg system', text }));
    this.#trim();
    this.log.scrollTop = this.log.scrollHeight;
  }

  #trim() {
    while (this.log.childElementCount > KEEP) this.log.firstElementChild?.remove();
  }

  clear() {
    this.log.replaceChildren();
    this.unread = 0;
    this.panel.hidden = true;
    this.onChange(0, false);
  }
}
