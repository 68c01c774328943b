// The lobby: name, room (or a generated one), host, optional passcode, Join,
// and a link to invite others.
import { byId } from './dom.js';
import { randomRoom, validRoom } from '../invite.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {{ name: string, room: string, host: string, passcode: string }} LobbyValues
 */

export class Lobby {
  /** @type {string | null} last error key shown */
  #errorKey = null;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(v: LobbyValues) => void} o.onJoin
   * @param {(v: LobbyValues) => void} o.onCopyInvite
   */
  constructor({ i18n, onJoin, onCopyInvite }) {
    this.i18n = i18n;
    this.root = byId('lobby');
    this.form = /** @type {HTMLFormElement} */ (byId('join-form'));
    this.name = /** @type {HTMLInputElement} */ (byId('name'));
    this.room = /** @type {HTMLInputElement} */ (byId('room'));
    this.host = /** @type {HTMLInputElement} */ (byId('host'));
    this.passcode = /** @type {HTMLInputElement} */ (byId('passcode'));
    this.error = byId('form-error');
    this.joinButton = /** @type {HTMLButtonElement} */ (byId('join'));
    byId('gen-room').addEventListener('click', () => {
      this.room.value = randomRoom();
      this.room.removeAttribute('aria-invalid');
      this.room.focus();
    });
    byId('copy-invite').addEventListener('click', () => {
      if (!this.room.value.trim()) this.room.value = randomRoom();
      if (this.#check()) onCopyInvite(this.values());
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (this.#check()) onJoin(this.values());
    });
    for (const input of [this.name, this.room]) {
      input.addEventListener('input', () => { input.removeAttribute('aria-invalid'); this.#showError(null); });
    }
    i18n.on('change', () => this.#showError(this.#errorKey));
  }

  /** @returns {LobbyValues} */
  values() {
    return { name: this.name.value.trim(), room: this.room.value.trim(), host: this.host.value.trim(), passcode: this.passcode.value };
  }

  /** @param {Partial<LobbyValues>} v */
  fill(v) {
    if (v.name != null) this.name.value = v.name;
    if (v.room != null) this.room.value = v.room;
    if (v.host != null) this.host.value = v.host;
    if (v.passcode != null) this.passcode.value = v.passcode;
  }

  /** @param {boolean} shown */
  show(shown) {
    this.root.hidden = !shown;
    if (shown) (this.name.value ? (this.room.value ? this.joinButton : this.room) : this.name).focus();
  }

  /** Join cannot work in this window (no engine). */
  disableJoin() { this.joinButton.disabled = true; }

  /** Validate the form; show the first problem. */
  #check() {
    const v = this.values();
    if (!v.name) return this.#invalid(this.name, 'lobby.errName');
    if (!validRoom(v.room)) return this.#invalid(this.room, 'lobby.errRoom');
    if (!v.host) {
      /** @type {HTMLDetailsElement} */ (byId('more')).open = true;
      return this.#invalid(this.host, 'lobby.errHost');
    }
    return true;
  }

  /**
   * @param {HTMLInputElement} input
   * @param {string} key
   */
  #invalid(input, key) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    this.#showError(key);
    return false;
  }

  /** @param {string | null} key */
  #showError(key) {
    this.#errorKey = key;
    this.error.hidden = !key;
    this.error.textContent = key ? this.i18n.t(key) : '';
  }
}
