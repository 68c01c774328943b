// The lobby: name, room (or a generated one), host, optional passcode, Join,
// and a link to invite others. In the app it has two tabs: "Host a call"
// (this computer runs the call; no host to type) and "Join a call" (a host
// address or a pasted invite link, with the hosts joined before offered).
import { byId, h } from './dom.js';
import { looksLikeLink, parseInviteText, validRoom } from '../invite.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {{ name: string, room: string, host: string, passcode: string }} LobbyValues
 * @typedef {'host' | 'join'} Tab
 */

export class Lobby {
  /** @type {string | null} last error key shown */
  #errorKey = null;
  /** The app's tab; null in a browser (one form, as always). @type {Tab | null} */
  tab = null;
  #nearby = false;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(v: LobbyValues) => void} o.onJoin
   * @param {(v: LobbyValues) => void} o.onCopyInvite
   * @param {(v: LobbyValues) => void} [o.onHost]  the app's "Host a call"
   * @param {() => Promise<string>} o.newRoomName  a fresh room name ('' if none can be had)
   */
  constructor({ i18n, onJoin, onCopyInvite, onHost, newRoomName }) {
    this.i18n = i18n;
    this.newRoomName = newRoomName;
    this.root = byId('lobby');
    this.form = /** @type {HTMLFormElement} */ (byId('join-form'));
    this.name = /** @type {HTMLInputElement} */ (byId('name'));
    this.room = /** @type {HTMLInputElement} */ (byId('room'));
    this.host = /** @type {HTMLInputElement} */ (byId('host'));
    this.passcode = /** @type {HTMLInputElement} */ (byId('passcode'));
    this.error = byId('form-error');
    this.joinButton = /** @type {HTMLButtonElement} */ (byId('join'));
    this.copyButton = /** @type {HTMLButtonElement} */ (byId('copy-invite'));
    this.recent = byId('recent-hosts');
    byId('gen-room').addEventListener('click', async () => {
      const room = await this.newRoomName();
      if (room) this.room.value = room;
      this.room.removeAttribute('aria-invalid');
      this.room.focus();
    });
    this.copyButton.addEventListener('click', async () => {
      await this.suggestRoom();
      if (this.#check()) onCopyInvite(this.values());
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!this.#check()) return;
      if (this.tab === 'host' && onHost) onHost(this.values());
      else onJoin(this.values());
    });
    for (const input of [this.name, this.room, this.host]) {
      input.addEventListener('input', () => { input.removeAttribute('aria-invalid'); this.#showError(null); });
    }
    // A pasted invite link fills host and room (and the name, if empty).
    for (const input of [this.host, this.room]) {
      input.addEventListener('change', () => this.#takeLink(input));
      input.addEventListener('input', (e) => {
        if (/** @type {InputEvent} */ (e).inputType === 'insertFromPaste') this.#takeLink(input);
      });
    }
    const tabs = byId('lobby-tabs');
    for (const b of tabs.querySelectorAll('[role="tab"]')) {
      b.addEventListener('click', () => this.setTab(/** @type {Tab} */ (/** @type {HTMLElement} */ (b).dataset.tab)));
    }
    // Arrow keys move between the two tabs, as tab lists do.
    tabs.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      e.preventDefault();
      this.setTab(this.tab === 'host' ? 'join' : 'host');
      /** @type {HTMLElement} */ (tabs.querySelector('[aria-selected="true"]')).focus();
    });
    i18n.on('change', () => { this.#showError(this.#errorKey); this.#renderTab(); });
  }

  /** @returns {LobbyValues} */
  values() {
    return {
      name: this.name.value.trim(),
      room: this.room.value.trim(),
      host: this.tab === 'host' ? '' : this.host.value.trim(),
      passcode: this.passcode.value,
    };
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
    const was = !this.root.hidden;
    this.root.hidden = !shown;
    if (shown && !was) this.focusFirst();
  }

  /** Focus the first field still to fill, else the main button. */
  focusFirst() {
    const empty = [this.name, ...(this.tab === 'join' ? [this.host] : []), this.room].find((i) => !i.value.trim());
    (empty ?? this.joinButton).focus();
  }

  /** Join cannot work in this window (no engine). */
  disableJoin() { this.joinButton.disabled = true; }

  /**
   * The app's layout: the host field first in the form (it is what "Join a
   * call" is about), taking invite links, with the hosts joined before.
   */
  useAppLayout() {
    const field = byId('host-field');
    this.form.insertBefore(field, this.room.closest('.field'));
    byId('host-label').dataset.i18n = 'lobby.hostOrLink';
    byId('host-hint').dataset.i18n = 'lobby.hostOrLinkHint';
    this.host.setAttribute('list', 'recent-hosts-list');
    this.host.dataset.i18nAttr = 'placeholder:lobby.hostPlaceholder';
    /** @type {HTMLElement} */ (byId('more').querySelector('summary')).dataset.i18n = 'lobby.passcodeMore';
    byId('lobby-tabs').hidden = false;
    this.i18n.apply(this.root);
    this.setTab('host');
  }

  /** Show the hosts-on-this-network list on the join tab (the app found it can look). */
  showNearby(/** @type {boolean} */ on) {
    this.#nearby = on;
    this.#renderTab();
  }

  /** Fill the room with a fresh name if it is still empty when one comes. */
  async suggestRoom() {
    if (this.room.value.trim()) return;
    const room = await this.newRoomName();
    if (room && !this.room.value.trim()) this.room.value = room;
  }

  /** @param {Tab} tab */
  setTab(tab) {
    if (this.tab === tab) return;
    this.tab = tab;
    if (tab === 'host') void this.suggestRoom();
    this.#showError(null);
    this.#renderTab();
  }

  /**
   * Offer the hosts joined before, most recent first.
   * @param {string[]} hosts
   */
  setRecentHosts(hosts) {
    byId('recent-hosts-list').replaceChildren(...hosts.map((x) => h('option', { value: x })));
    const label = /** @type {Element} */ (this.recent.firstElementChild);
    this.recent.replaceChildren(label, ...hosts.map((x) => h('button', {
      type: 'button', class: 'chip', text: x,
      onclick: () => {
        this.host.value = x;
        this.host.removeAttribute('aria-invalid');
        this.#showError(null);
        this.focusFirst();
      },
    })));
    this.#renderTab();
  }

  #renderTab() {
    if (!this.tab) return;
    const t = this.i18n.t.bind(this.i18n);
    const hosting = this.tab === 'host';
    for (const b of byId('lobby-tabs').querySelectorAll('[role="tab"]')) {
      const selected = /** @type {HTMLElement} */ (b).dataset.tab === this.tab;
      b.setAttribute('aria-selected', String(selected));
      b.setAttribute('tabindex', selected ? '0' : '-1');
    }
    byId('host-field').hidden = hosting;
    byId('waiting-room-field').hidden = !hosting;
    byId('discovered-slot').hidden = hosting || !this.#nearby;
    this.recent.hidden = hosting || this.recent.children.length < 2;
    this.copyButton.hidden = hosting;
    // Through data-i18n, so a later i18n.apply keeps the right words.
    this.joinButton.dataset.i18n = hosting ? 'lobby.hostCall' : 'lobby.join';
    this.joinButton.textContent = t(this.joinButton.dataset.i18n);
  }

  /**
   * If `input` holds an invite link, spread it over the fields.
   * @param {HTMLInputElement} input
   */
  #takeLink(input) {
    if (!looksLikeLink(input.value)) return;
    const invite = parseInviteText(input.value);
    if (!invite) return;
    if (this.tab === 'host' && invite.host) this.setTab('join');
    this.host.value = invite.host;
    if (invite.room) this.room.value = invite.room;
    else if (input === this.room) this.room.value = '';
    if (invite.name && !this.name.value.trim()) this.name.value = invite.name;
    for (const i of [this.host, this.room]) i.removeAttribute('aria-invalid');
    this.#showError(null);
  }

  /** Validate the form; show the first problem. */
  #check() {
    for (const input of [this.host, this.room]) this.#takeLink(input);
    const v = this.values();
    if (!v.name) return this.#invalid(this.name, 'lobby.errName');
    if (this.tab === 'join' && !v.host) return this.#invalid(this.host, 'lobby.errHostApp');
    if (!validRoom(v.room)) return this.#invalid(this.room, 'lobby.errRoom');
    if (!v.host && this.tab !== 'host') {
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
