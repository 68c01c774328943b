// Wires a host's powers (call/host.js) to the page: the knock notices with
// Admit / Deny / Admit all, Remove on the tiles of people who aren't hosts,
// the Lock button, and the "Locked" tag everyone sees beside the room's
// name. A knock while the window is in the background is notify.js's.
import { Knocks, RemoveDialog } from './view/knocks.js';
import { byId } from './view/dom.js';
import { toast } from './view/banner.js';

/**
 * @typedef {import('./call.js').Call} Call
 * @typedef {import('./i18n.js').I18n} I18n
 * @typedef {import('./view/grid.js').Grid} Grid
 * @typedef {import('./view/controls.js').Controls} Controls
 */

export class Moderation {
  /**
   * @param {object} o
   * @param {Call} o.call
   * @param {I18n} o.i18n
   * @param {Grid} o.grid
   * @param {Controls} o.controls
   */
  constructor({ call, i18n, grid, controls }) {
    this.call = call;
    this.i18n = i18n;
    this.controls = controls;
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
    });
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
}
