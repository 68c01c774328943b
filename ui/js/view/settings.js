// The settings dialog, opened by the gear in the top bar: which desktop
// notifications come while the window is in the background and, in the
// app, "Start hosting when I log in". DOM only: reading and keeping each
// choice is passed in.
import { byId } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../settings.js').NotifyKinds} NotifyKinds
 * @typedef {keyof NotifyKinds} Kind
 *
 * @typedef {object} Autostart  the app's login item
 * @property {() => Promise<boolean | null>} get  null: the app can't say
 * @property {(on: boolean) => Promise<{ ok: true } | { ok: false, error: string }>} set
 *
 * @typedef {object} BrowserPermission  the web Notification API's permission, in a browser
 * @property {() => NotificationPermission | null} state  null: no such API
 * @property {() => Promise<unknown>} ask
 */

const KINDS = /** @type {const} */ (['knock', 'joined', 'chat', 'hand']);

export class SettingsDialog {
  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {() => NotifyKinds} o.kinds
   * @param {(kinds: NotifyKinds) => void} o.onKinds
   * @param {Autostart | null} o.autostart  in the app only
   * @param {BrowserPermission | null} o.browser  in a browser only
   */
  constructor({ i18n, kinds, onKinds, autostart, browser }) {
    this.i18n = i18n;
    this.kinds = kinds;
    this.autostart = autostart;
    this.browser = browser;
    this.dialog = /** @type {HTMLDialogElement} */ (byId('settings'));
    this.startSwitch = /** @type {HTMLInputElement} */ (byId('autostart'));
    this.error = byId('settings-error');
    byId('open-settings').addEventListener('click', () => this.open());
    for (const kind of KINDS) {
      this.#box(kind).addEventListener('change', async () => {
        const next = { ...this.kinds(), [kind]: this.#box(kind).checked };
        onKinds(next);
        // A browser shows nothing until the person allows it: the click on a switch may ask.
        if (next[kind] && this.browser?.state() === 'default') await this.browser.ask();
        this.#renderBrowser();
      });
    }
    this.startSwitch.addEventListener('change', () => this.#setStart(this.startSwitch.checked));
    i18n.on('change', () => this.#renderBrowser());
  }

  async open() {
    const kinds = this.kinds();
    for (const kind of KINDS) this.#box(kind).checked = kinds[kind];
    this.error.hidden = true;
    this.#renderBrowser();
    byId('settings-start').hidden = !this.autostart;
    if (!this.dialog.open) this.dialog.showModal();
    if (this.autostart) {
      const on = await this.autostart.get();
      this.startSwitch.checked = on === true;
      this.startSwitch.disabled = on === null;
    }
  }

  /** @param {boolean} on */
  async #setStart(on) {
    if (!this.autostart) return;
    this.startSwitch.disabled = true;
    const r = await this.autostart.set(on);
    this.startSwitch.disabled = false;
    // What the OS has now, whatever was asked.
    const now = await this.autostart.get();
    this.startSwitch.checked = now ?? !on;
    this.error.hidden = r.ok;
    if (!r.ok) this.error.textContent = this.i18n.t('settings.startFailed', { error: r.error });
  }

  /** What a browser will show: nothing without the API, nothing until allowed. */
  #renderBrowser() {
    const hint = byId('settings-browser');
    const state = this.browser ? this.browser.state() : 'granted';
    hint.hidden = state === 'granted';
    const key = state === null ? 'settings.browserNone' : state === 'denied' ? 'settings.browserDenied' : 'settings.browserAsk';
    hint.textContent = this.i18n.t(key);
  }

  /** @param {Kind} kind */
  #box(kind) {
    return /** @type {HTMLInputElement} */ (byId(`notify-${kind}`));
  }
}
