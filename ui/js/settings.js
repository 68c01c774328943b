// The person's settings while the client runs: read once at start, changed
// by the views, written back after every change: to the app's settings file
// in the app (through platform.js), to localStorage in a browser. Saves go
// one after another, so the last change is the one that stays. No DOM.

/**
 * @typedef {import('./platform.js').AppBridge} AppBridge
 *
 * @typedef {object} Settings  what the person chose, kept across runs
 * @property {string} name
 * @property {string | null} language
 * @property {string | null} lastHost
 * @property {string[]} recentHosts  most recent first, at most MAX_RECENT_HOSTS
 * @property {string | null} camera      device ids as the webview reports them
 * @property {string | null} microphone
 * @property {string | null} speaker
 * @property {NotifyKinds} notify  which desktop notifications are wanted while the window is in the background
 * @property {boolean} followSpeaker  in calls of four or more, the speaker takes the large spot (view/grid.js)
 *
 * @typedef {{ knock: boolean, joined: boolean, chat: boolean, hand: boolean }} NotifyKinds
 */

/** @param {unknown} v */
const str = (v) => (typeof v === 'string' && v.trim() ? v : null);

/** How many recent hosts are kept (the app's settings file keeps as many). */
export const MAX_RECENT_HOSTS = 8;

/** Every kind on: what a person who never chose gets. @type {Readonly<NotifyKinds>} */
export const NOTIFY_ALL = Object.freeze({ knock: true, joined: true, chat: true, hand: true });

/** @type {Settings} */
const DEFAULT_SETTINGS = Object.freeze({
  name: '', language: null, lastHost: null, recentHosts: [], camera: null, microphone: null, speaker: null, notify: NOTIFY_ALL, followSpeaker: false,
});

/**
 * Notification kinds from JSON: each kind on unless it says false.
 * @param {any} raw
 * @returns {NotifyKinds}
 */
export function notifyKindsOf(raw) {
  const v = raw && typeof raw === 'object' ? raw : {};
  return { knock: v.knock !== false, joined: v.joined !== false, chat: v.chat !== false, hand: v.hand !== false };
}

/**
 * Settings from the app's JSON shape (snake_case), bounded and typed.
 * @param {any} raw
 * @returns {Settings}
 */
function settingsOf(raw) {
  if (!raw || typeof raw !== 'object') return { ...DEFAULT_SETTINGS, recentHosts: [] };
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    language: str(raw.language),
    lastHost: str(raw.last_host),
    recentHosts: Array.isArray(raw.recent_hosts)
      ? raw.recent_hosts.filter((/** @type {unknown} */ h) => typeof h === 'string' && h.trim()).slice(0, MAX_RECENT_HOSTS) : [],
    camera: str(raw.camera),
    microphone: str(raw.microphone),
    speaker: str(raw.speaker),
    notify: notifyKindsOf(raw.notify),
    followSpeaker: raw.follow_speaker === true,
  };
}

/** @param {Settings} s */
function settingsJson(s) {
  return {
    name: s.name, language: s.language, last_host: s.lastHost, recent_hosts: s.recentHosts,
    camera: s.camera, microphone: s.microphone, speaker: s.speaker, notify: s.notify,
    follow_speaker: s.followSpeaker,
  };
}

/** Remember a small setting across visits (a browser's localStorage). */
export const prefs = {
  /** @param {string} key */
  get(key) {
    try { return globalThis.localStorage?.getItem(`lancall.${key}`) ?? null; } catch { return null; }
  },
  /** @param {string} key @param {string} value */
  set(key, value) {
    try { globalThis.localStorage?.setItem(`lancall.${key}`, value); } catch { /* private mode */ }
  },
};

/** localStorage key of the notification kinds (a JSON object). */
const NOTIFY_KEY = 'notify';
/** The localStorage key of the follow-the-speaker switch ('1' or '0'). */
const FOLLOW_KEY = 'followSpeaker';

/** localStorage keys of each setting, as the browser client always used them. */
const PREF_KEYS = /** @type {const} */ ({ name: 'name', language: 'lang', camera: 'camera', microphone: 'microphone', speaker: 'speaker' });

/**
 * The person's settings: the app's file in the app (localStorage if the app
 * can't read it), localStorage in a browser.
 * @param {AppBridge | null} app
 * @returns {Promise<Settings>}
 */
export async function loadSettings(app) {
  const fromApp = app ? await app.loadSettings() : null;
  if (fromApp) return settingsOf(fromApp);
  return {
    ...DEFAULT_SETTINGS,
    recentHosts: [],
    name: prefs.get(PREF_KEYS.name) ?? '',
    language: str(prefs.get(PREF_KEYS.language)),
    camera: str(prefs.get(PREF_KEYS.camera)),
    microphone: str(prefs.get(PREF_KEYS.microphone)),
    speaker: str(prefs.get(PREF_KEYS.speaker)),
    notify: notifyKindsOf(parseJson(prefs.get(NOTIFY_KEY))),
    followSpeaker: prefs.get(FOLLOW_KEY) === '1',
  };
}

/** @param {string | null} text */
function parseJson(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

/**
 * Keep `s`: in the app's file, or in localStorage.
 * @param {AppBridge | null} app
 * @param {Settings} s
 */
export async function saveSettings(app, s) {
  if (app && await app.saveSettings(settingsJson(s))) return;
  for (const [field, key] of Object.entries(PREF_KEYS)) {
    const v = s[/** @type {keyof typeof PREF_KEYS} */ (field)];
    if (v != null) prefs.set(key, v);
  }
  prefs.set(NOTIFY_KEY, JSON.stringify(s.notify));
  prefs.set(FOLLOW_KEY, s.followSpeaker ? '1' : '0');
}

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
