// The person's settings while the client runs: read once at start, changed
// by the views, written back through the platform after every change. Saves
// go one after another, so the last change is the one that stays. No DOM.
import { MAX_RECENT_HOSTS, loadSettings, saveSettings } from './platform.js';

/**
 * @typedef {import('./platform.js').Settings} Settings
 * @typedef {import('./platform.js').AppBridge} AppBridge
 */

export class SettingsStore {
  /** @type {Promise<void>} */
  #saving = Promise.resolve();

  /**
   * @param {AppBridge | null} app
   * @param {Settings} initial
   */
  constructor(app, initial) {
    this.app = app;
    /** @type {Readonly<Settings>} */
    this.value = Object.freeze({ ...initial, recentHosts: [...initial.recentHosts] });
  }

  /** @param {AppBridge | null} app */
  static async load(app) {
    return new SettingsStore(app, await loadSettings(app));
  }

  /**
   * Change some settings and keep them; unchanged settings are not written.
   * @param {Partial<Settings>} patch
   * @returns {Promise<void>}  resolves once written
   */
  update(patch) {
    const next = { ...this.value, ...patch };
    const changed = Object.keys(patch).some((k) =>
      JSON.stringify(next[/** @type {keyof Settings} */ (k)]) !== JSON.stringify(this.value[/** @type {keyof Settings} */ (k)]));
    if (!changed) return this.#saving;
    this.value = Object.freeze(next);
    const snapshot = this.value;
    this.#saving = this.#saving.then(() => saveSettings(this.app, snapshot)).catch((e) => {
      console.warn('lancall: settings not saved', e);
    });
    return this.#saving;
  }

  /**
   * A host joined: first among the recent ones, and the last host.
   * @param {string} host  "host:port"
   */
  rememberHost(host) {
    const h = host.trim();
    if (!h) return this.#saving;
    const recentHosts = [h, ...this.value.recentHosts.filter((x) => x !== h)].slice(0, MAX_RECENT_HOSTS);
    return this.update({ lastHost: h, recentHosts });
  }
}
