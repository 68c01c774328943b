// Wires a host's powers (call/host.js) to the page: the knock notices with
// Admit / Deny / Admit all, a system notification (or, in the app, the
// window asking for attention) when someone knocks while the window is in
// the background, Remove on the tiles of people who aren't hosts, the Lock
// button, and the "Locked" tag everyone sees beside the room's name.
import { Knocks, RemoveDialog } from './view/knocks.js';
import { byId } from './view/dom.js';
import { toast } from './view/banner.js';

/**
 * @typedef {import('./call.js').Call} Call
 * @typedef {import('./i18n.js').I18n} I18n
 * @typedef {import('./view/grid.js').Grid} Grid
 * @typedef {import('./view/controls.js').Controls} Controls
 * @typedef {import('./platform.js').AppBridge} AppBridge
 */

export class Moderation {
  /** Notification permission was asked for once in this page. */
  #asked = false;

  /**
   * @param {object} o
   * @param {Call} o.call
   * @param {I18n} o.i18n
   * @param {Grid} o.grid
   * @param {Controls} o.controls
   * @param {AppBridge | null} o.app  in the app, the window asks for attention instead of a notification
   * @param {() => string} o.room  the room's name, for the notification
   */
  constructor({ call, i18n, grid, controls, app, room }) {
    this.call = call;
    this.i18n = i18n;
    this.controls = controls;
    this.app = app;
    this.room = room;
    const host = call.host;
    this.knocks = new Knocks({
      i18n,
      onAdmit: (id) => host.admit(id),
      onDeny: (id) => host.deny(id),
      onAdmitAll: () => host.admitAll(),
    });
    const dialog = new RemoveDialog(i18n);
    this.removal = {
      can: (/** @type {string} */ id) => host.isHost && !host.hostIs(id),
      run: async (/** @type {string} */ id, /** @type {string} */ name) => { if (await dialog.ask(name)) host.remove(id); },
    };
    grid.setRemoval(this.removal);
    host.on('change', () => {
      this.render();
      grid.setRemoval(this.removal);
      if (host.isHost && host.waitingRoom) this.#askToNotify();
    });
    host.on('knock', (k) => this.#attention(k.name));
    host.on('refused', ({ code }) => {
      const t = i18n.t.bind(i18n);
      toast(t(code === 'room_full' ? 'knock.full' : code === 'not_host' ? 'knock.notHost' : 'knock.failed', { code }), 6000);
    });
    call.on('phase', () => this.render());
  }

  /** The Lock button: lock the call, or unlock it. */
  toggleLock() {
    const host = this.call.host;
    if (host.isHost) host.lock(!host.locked);
  }

  render() {
    const host = this.call.host;
    const inCall = this.call.phase === 'in-call';
    this.knocks.set(inCall && host.isHost ? host.knocks : []);
    this.controls.setLock({ host: inCall && host.isHost, locked: host.locked });
    byId('room-chip-locked').hidden = !(inCall && host.locked);
  }

  /**
   * Someone knocked: if the person may not see the notice (another tab or
   * window in front), tell the desktop too.
   * @param {string} name
   */
  #attention(name) {
    if (!document.hidden && document.hasFocus()) return;
    if (this.app) {
      this.app.requestAttention();
      return;
    }
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const t = this.i18n.t.bind(this.i18n);
    const who = name || t('tile.someone');
    const n = new Notification(t('knock.notifyTitle', { name: who }), { body: t('knock.notifyBody', { room: this.room() }), tag: 'lancall-knock' });
    n.onclick = () => { window.focus(); n.close(); };
  }

  /** A host of a call with a waiting room may want knocks to reach them when away. */
  #askToNotify() {
    if (this.#asked || this.app || typeof Notification === 'undefined' || Notification.permission !== 'default') return;
    this.#asked = true;
    Notification.requestPermission().catch(() => {});
  }
}
