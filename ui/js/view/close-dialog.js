// Closing the window while hosting: keep hosting in the tray, stop and quit,
// or stay. Asked by the app (tray.rs) only when a tray icon is up; without
// one, closing quits as it always did.
import { askModal, byId } from './dom.js';

/** @typedef {'keep' | 'quit' | 'cancel'} CloseChoice */

export class CloseDialog {
  /** @param {import('../i18n.js').I18n} i18n */
  constructor(i18n) {
    this.i18n = i18n;
    this.dialog = /** @type {HTMLDialogElement} */ (byId('close-dialog'));
  }

  /**
   * What the person chose for closing while hosting `room`.
   * @param {string} room
   * @returns {Promise<CloseChoice>}
   */
  ask(room) {
    const t = this.i18n.t.bind(this.i18n);
    byId('close-title').textContent = room ? t('close.titleRoom', { room }) : t('close.title');
    return askModal(this.dialog).then((v) => (v === 'keep' || v === 'quit' ? v : 'cancel'));
  }
}
