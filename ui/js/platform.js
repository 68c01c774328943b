// The one module that knows about Tauri. In the app, the window's page comes
// from the app itself; the app can host a call (its in-process server), keeps
// the person's settings in the OS's config folder, makes QR codes, names the
// window and opens links in the system browser. In a browser, the host is
// whoever served the page (settings.js keeps settings in localStorage then). Everything else
// in ui/ runs the same in both.
//
// Every app call degrades: a command that fails (or does not exist in this
// build) is logged once and answered with a harmless value, so the client
// goes on.
//
// Size: past 450 lines, as the one module that knows about Tauri (every
// command's wrapper and the shapes it checks live here, by design).
import { validRoom } from './invite.js';
import { createNativeEngine } from './native/engine.js';

/**
 * @typedef {object} ServerInfo  where this app's own server listens
 * @property {number} port
 * @property {string} wsUrl       what this window connects to (loopback)
 * @property {string[]} lanUrls   http://ADDR:PORT/ pages others reach, best first; may be empty
 * @property {number | null} peers  people connected, if the app says
 * @property {string | null} fingerprint  SHA-256 of the host's HTTPS certificate, when it has one
 * @property {string | null} hostKey  makes this window's joins a host's (admit, remove, lock); only this window has it
 * @property {boolean | null} waitingRoom  rooms made on this server have a waiting room; null: the app doesn't say
 *
 * @typedef {object} Launch  what the command line (or a clicked lancall:// link) asked the window to do
 * @property {'lobby' | 'host' | 'join' | 'badlink'} mode
 * @property {string | null} room
 * @property {string | null} host  "host:port" (or "https://host:port") for join
 * @property {string | null} name
 * @property {boolean} waitingRoom  host with a waiting room (`lancall host --no-waiting-room`: false)
 * @property {LinkProblem | null} problem  why a link can't be used (mode 'badlink')
 *
 * @typedef {object} LinkProblem  src-tauri/src/app/deep_link.rs LinkError
 * @property {string} code  'too-long', 'not-lancall', 'unknown-action', 'no-host', 'bad-host', 'no-room', 'bad-room', 'bad-name'
 * @property {string} [action]
 * @property {string} [host]
 * @property {string} [room]
 * @property {number} [max]
 *
 * @typedef {(cmd: string, args?: Record<string, unknown>) => Promise<any>} Invoke
 */

/** @returns {Invoke | null} */
function tauriInvoke() {
  const w = /** @type {any} */ (globalThis);
  const invoke = w.__TAURI__?.core?.invoke ?? w.__TAURI_INTERNALS__?.invoke;
  return typeof invoke === 'function' ? invoke : null;
}

/** True inside the lancall app window. */
export function inApp() {
  return tauriInvoke() !== null;
}

/** @param {unknown} v */
const str = (v) => (typeof v === 'string' && v.trim() ? v : null);

/**
 * @param {any} raw  the app's `{ port, ws_url, lan_urls }`
 * @returns {ServerInfo | null}
 */
function serverInfoOf(raw) {
  if (!raw || typeof raw !== 'object' || typeof raw.ws_url !== 'string' || !Number.isInteger(raw.port)) return null;
  return {
    port: raw.port,
    wsUrl: raw.ws_url,
    lanUrls: Array.isArray(raw.lan_urls) ? raw.lan_urls.filter((/** @type {unknown} */ u) => typeof u === 'string') : [],
    peers: Number.isInteger(raw.peers) ? raw.peers : null,
    fingerprint: str(raw.tls_fingerprint),
    hostKey: str(raw.host_key),
    waitingRoom: typeof raw.waiting_room === 'boolean' ? raw.waiting_room : null,
  };
}

/**
 * A launch from the app's JSON (`mode` and snake_case), or null.
 * @param {any} v
 * @returns {Launch | null}
 */
export function launchOf(v) {
  if (!v || typeof v !== 'object') return null;
  const mode = v.mode === 'host' || v.mode === 'join' || v.mode === 'badlink' ? v.mode : 'lobby';
  const p = v.problem;
  const problem = mode === 'badlink' ? {
    code: typeof p?.code === 'string' ? p.code : 'unknown',
    ...(typeof p?.action === 'string' ? { action: p.action } : {}),
    ...(typeof p?.host === 'string' ? { host: p.host } : {}),
    ...(typeof p?.room === 'string' ? { room: p.room } : {}),
    ...(Number.isInteger(p?.max) ? { max: p.max } : {}),
  } : null;
  return { mode, room: str(v.room), host: str(v.host), name: str(v.name), waitingRoom: v.waiting_room !== false, problem };
}

/**
 * The app's commands, each answering something usable even when it fails.
 * Made only inside the app window (see `appBridge`).
 */
export class AppBridge {
  /** Commands that already failed once; later failures stay quiet. @type {Set<string>} */
  #warned = new Set();
  /** The menu handler, if any. @type {((action: string) => void) | null} */
  #onMenu = null;
  /** The nearby-hosts handler, if any. @type {((change: any) => void) | null} */
  #onNearby = null;
  #nearbyListening = false;

  /** @param {Invoke} invoke */
  constructor(invoke) {
    this.invoke = invoke;
  }

  /**
   * @param {string} cmd
   * @param {Record<string, unknown>} [args]
   * @returns {Promise<{ ok: true, value: any } | { ok: false, error: string }>}
   */
  async #call(cmd, args) {
    try {
      return { ok: true, value: await this.invoke(cmd, args) };
    } catch (e) {
      const error = typeof e === 'string' ? e : (e instanceof Error ? e.message : String(e));
      if (!this.#warned.has(cmd)) {
        this.#warned.add(cmd);
        console.warn(`lancall: the app's ${cmd} failed:`, error);
      }
      return { ok: false, error };
    }
  }

  /** What the command line asked for; the lobby if the app can't say. @returns {Promise<Launch>} */
  async launch() {
    const r = await this.#call('launch');
    return launchOf(r.ok ? r.value : null)
      ?? { mode: 'lobby', room: null, host: null, name: null, waitingRoom: true, problem: null };
  }

  /**
   * A launch that came in while the app runs (a clicked lancall:// link, a
   * second `lancall join|host`), or null if none waits.
   * @returns {Promise<Launch | null>}
   */
  async launchNext() {
    const r = await this.#call('launch_next');
    return r.ok ? launchOf(r.value) : null;
  }

  /**
   * Call `handler` whenever a launch comes in (then take it with launchNext).
   * @param {() => void} handler
   */
  async onLaunch(handler) {
    const internals = /** @type {any} */ (globalThis).__TAURI_INTERNALS__;
    if (typeof internals?.transformCallback !== 'function') return;
    await this.#call('plugin:event|listen', {
      event: 'launch', target: { kind: 'Any' }, handler: internals.transformCallback(() => handler()),
    });
  }

  /**
   * Start hosting (or learn where the running server is).
   * @param {number | null} [port]
   * @param {string | null} [name]  how the LAN's host lists show this host
   * @param {boolean} [waitingRoom]  guests wait until a host lets them in
   * @returns {Promise<{ info: ServerInfo } | { error: string }>}
   */
  async hostStart(port = null, name = null, waitingRoom = true) {
    const r = await this.#call('host_start', { port, name, waitingRoom });
    if (!r.ok) return { error: r.error };
    const info = serverInfoOf(r.value);
    return info ? { info } : { error: 'the app gave no server address' };
  }

  /** Stop hosting; everyone connected is told. @returns {Promise<{ ok: boolean, error?: string }>} */
  async hostStop() {
    const r = await this.#call('host_stop');
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** Where the app's server listens, or null when it isn't hosting. */
  async serverInfo() {
    const r = await this.#call('server_info');
    return r.ok ? serverInfoOf(r.value) : null;
  }

  /** The settings file's JSON (settings.js reads it), or null if the app can't read it. @returns {Promise<any>} */
  async loadSettings() {
    const r = await this.#call('settings_load');
    return r.ok ? r.value : null;
  }

  /** @param {Record<string, unknown>} json  the settings file's JSON */
  async saveSettings(json) {
    return (await this.#call('settings_save', { settings: json })).ok;
  }

  /**
   * A QR code of `text`, as SVG markup, or null.
   * @param {string} text
   * @returns {Promise<string | null>}
   */
  async inviteQr(text) {
    const r = await this.#call('invite_qr', { text });
    return r.ok && typeof r.value === 'string' ? r.value : null;
  }

  /** A fresh room name from the app, or null. @returns {Promise<string | null>} */
  async roomName() {
    const r = await this.#call('room_name');
    return r.ok && typeof r.value === 'string' ? r.value : null;
  }

  /** Ask the desktop to draw the person to this window (a knock while it is in the background). */
  async requestAttention() {
    await this.#call('plugin:window|request_user_attention', { value: { type: 'Informational' } });
  }

  /**
   * A desktop notification (the system's: D-Bus on Linux, toasts on
   * Windows, Notification Center on macOS).
   * @param {string} title
   * @param {string} body
   */
  async notify(title, body) {
    return (await this.#call('plugin:notification|notify', { options: { title, body } })).ok;
  }

  /** Whether the app starts (and hosts) at login; null if it can't say. @returns {Promise<boolean | null>} */
  async autostartEnabled() {
    const r = await this.#call('plugin:autostart|is_enabled');
    return r.ok && typeof r.value === 'boolean' ? r.value : null;
  }

  /**
   * Register the app to start hosting at login, or not.
   * @param {boolean} on
   * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
   */
  async setAutostart(on) {
    const r = await this.#call(on ? 'plugin:autostart|enable' : 'plugin:autostart|disable');
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** @param {string} title */
  async setWindowTitle(title) {
    await this.#call('set_window_title', { title });
  }

  /** Show the tray icon while hosting with these words, or change them; false where there is no tray. @param {{ status: string, show: string, copy: string, stop: string }} text */
  async traySet(text) {
    return (await this.#call('tray_set', { text })).ok;
  }

  /** Take the tray icon down. */
  async trayClear() {
    await this.#call('tray_clear');
  }

  /** Hide the window, the tray icon to bring it back; false if there is none. */
  async keepHostingInTray() {
    return (await this.#call('keep_hosting_in_tray')).ok;
  }

  /** Quit the app (hosting stops, guests are told). */
  async quit() {
    await this.#call('quit');
  }

  /**
   * Open `url` in the system browser.
   * @param {string} url
   */
  async openExternal(url) {
    return (await this.#call('plugin:shell|open', { path: url })).ok;
  }

  /**
   * Call `handler` with each menu action the app sends ('copy-invite',
   * 'leave', 'open-in-browser'; from the tray 'copy-invite' and
   * 'stop-hosting'; 'close-requested' when the window is closed while
   * hosting with a tray icon up). Uses the event plugin as @tauri-apps/api's
   * `listen` does, without the npm package.
   * @param {(action: string) => void} handler
   */
  async onMenu(handler) {
    this.#onMenu = handler;
    const internals = /** @type {any} */ (globalThis).__TAURI_INTERNALS__;
    if (typeof internals?.transformCallback !== 'function') return;
    await this.#call('plugin:event|listen', {
      event: 'menu',
      target: { kind: 'Any' },
      handler: internals.transformCallback((/** @type {{ payload?: unknown }} */ e) => {
        if (typeof e?.payload === 'string') this.#onMenu?.(e.payload);
      }),
    });
  }

  /**
   * Listen for lancall hosts on this network (mDNS, in the app): `handler`
   * gets each change, `{ event: 'found', ...host }` or `{ event: 'lost', id }`.
   * Resolves to false when the app won't look (mDNS turned off, or failed).
   * @param {(change: any) => void} handler
   */
  async discoveryStart(handler) {
    this.#onNearby = handler;
    const internals = /** @type {any} */ (globalThis).__TAURI_INTERNALS__;
    if (!this.#nearbyListening && typeof internals?.transformCallback === 'function') {
      this.#nearbyListening = true;
      await this.#call('plugin:event|listen', {
        event: 'nearby',
        target: { kind: 'Any' },
        handler: internals.transformCallback((/** @type {{ payload?: unknown }} */ e) => {
          if (e?.payload && typeof e.payload === 'object') this.#onNearby?.(e.payload);
        }),
      });
    }
    const r = await this.#call('discovery_start');
    return r.ok && r.value === true;
  }

  /** Stop listening for hosts. */
  async discoveryStop() {
    this.#onNearby = null;
    await this.#call('discovery_stop');
  }
}

/**
 * Where fresh room names come from: lancall makes them in one place, its
 * server (signal::room_name), and the page asks for one: the app's own
 * `room_name` command in the window, else `/room-name` of the host that
 * served the page. Resolves to '' when neither answers (the person types a
 * room instead).
 * @param {AppBridge | null} app
 * @param {typeof fetch} [fetchImpl]
 * @returns {() => Promise<string>}
 */
export function roomNamer(app, fetchImpl = globalThis.fetch) {
  return async () => {
    const fromApp = app ? await app.roomName() : null;
    if (fromApp && validRoom(fromApp)) return fromApp;
    try {
      const res = await fetchImpl('/room-name', { cache: 'no-store' });
      const body = res.ok ? await res.json() : null;
      if (typeof body?.room === 'string' && validRoom(body.room)) return body.room;
    } catch {
      // not served by a lancall host
    }
    return '';
  };
}

/** The app's commands, or null in a plain browser. */
export function appBridge() {
  const invoke = tauriInvoke();
  return invoke ? new AppBridge(invoke) : null;
}

/**
 * Where the page itself came from, for a browser: the host to call and the
 * base of invite links.
 * @param {Location} [loc]
 */
export function pageHost(loc = globalThis.location) {
  const httpish = loc.protocol === 'http:' || loc.protocol === 'https:';
  const host = httpish ? loc.host : '127.0.0.1:8070';
  return { host, pageBase: httpish ? `${loc.origin}${loc.pathname}` : `http://${host}/` };
}

/**
 * The WebSocket address of a host typed as "host:port" (or a full URL).
 * @param {string} host
 * @param {Location} [loc]
 */
export function wsUrlFor(host, loc = globalThis.location) {
  const h = host.trim();
  if (/^wss?:\/\//.test(h)) return h;
  if (/^https?:\/\//.test(h)) {
    const u = new URL(h);
    return `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/ws`;
  }
  const secure = loc?.protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${h}/ws`;
}

/**
 * A Tauri IPC channel (as @tauri-apps/api's `Channel`, without the npm
 * package): messages reach `onMessage` in the order sent; pass the returned
 * object as a command argument.
 * @param {(message: any) => void} onMessage
 */
function tauriChannel(onMessage) {
  const internals = /** @type {any} */ (globalThis).__TAURI_INTERNALS__;
  /** @type {Map<number, unknown>} */
  const early = new Map();
  let next = 0;
  const id = internals.transformCallback((/** @type {{ index: number, message?: unknown, end?: boolean }} */ raw) => {
    if (!raw || 'end' in raw) return;
    early.set(raw.index, raw.message);
    while (early.has(next)) {
      const message = early.get(next);
      early.delete(next);
      next += 1;
      try { onMessage(message); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  });
  const token = `__CHANNEL__:${id}`;
  return { toJSON: () => token, __TAURI_TO_IPC_KEY__: () => token };
}

/**
 * A native peer-connection engine offered by the app, for a webview without
 * one (Linux WebKitGTK): GStreamer's webrtcbin in the app, remote video
 * decoded here with WebCodecs. Null in a browser, without WebCodecs, or when
 * the app has no usable engine (no such command, GStreamer plugins missing).
 * @returns {Promise<import('./engine.js').Engine | null>}
 */
export async function nativeEngine() {
  const invoke = tauriInvoke();
  const internals = /** @type {any} */ (globalThis).__TAURI_INTERNALS__;
  if (!invoke || typeof internals?.transformCallback !== 'function') return null;
  if (typeof globalThis.VideoDecoder !== 'function' || typeof HTMLCanvasElement === 'undefined'
    || typeof HTMLCanvasElement.prototype.captureStream !== 'function') return null;
  /** @type {import('./types/native').EngineCheck | undefined} */
  let check;
  try {
    check = await invoke('native_engine_check');
  } catch (e) {
    console.info('lancall: no native engine:', /** @type {any} */ (e)?.message ?? e);
    return null;
  }
  return createNativeEngine({ invoke, channel: tauriChannel }, { preview: check?.preview === true });
}
