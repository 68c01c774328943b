// The one module that knows about Tauri. In the app, the window's page comes
// from the app itself and the call host is the app's in-process server,
// asked for with invoke('server_info'); in a browser, the host is whoever
// served the page. Everything else in ui/ runs the same in both.

/**
 * @typedef {object} HostInfo
 * @property {boolean} inApp      running in the lancall window
 * @property {string} host        host:port the person joins by default
 * @property {string} pageBase    base of invite links, e.g. http://192.168.1.5:8070/
 */

/** @returns {((cmd: string, args?: Record<string, unknown>) => Promise<any>) | null} */
function tauriInvoke() {
  const w = /** @type {any} */ (globalThis);
  const invoke = w.__TAURI__?.core?.invoke ?? w.__TAURI_INTERNALS__?.invoke;
  return typeof invoke === 'function' ? invoke : null;
}

/** True inside the lancall app window. */
export function inApp() {
  return tauriInvoke() !== null;
}

/**
 * Where to call from this page.
 * @param {Location} [loc]
 * @returns {Promise<HostInfo>}
 */
export async function hostInfo(loc = globalThis.location) {
  const invoke = tauriInvoke();
  if (invoke) {
    try {
      /** @type {{ port: number, ws_url: string, lan_urls?: string[] }} */
      const info = await invoke('server_info');
      const lan = info.lan_urls?.[0];
      const host = new URL(info.ws_url).host;
      return { inApp: true, host, pageBase: lan ? new URL('/', lan).href : `http://${host}/` };
    } catch (e) {
      console.warn('lancall: server_info failed', e);
    }
  }
  const httpish = loc.protocol === 'http:' || loc.protocol === 'https:';
  const host = httpish ? loc.host : '127.0.0.1:8070';
  return { inApp: Boolean(invoke), host, pageBase: httpish ? `${loc.origin}${loc.pathname}` : `http://${host}/` };
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
 * A native peer-connection engine offered by the app, where the webview has
 * none (Linux WebKitGTK). Not there yet: null.
 * @returns {import('./engine.js').Engine | null}
 */
export function nativeEngine() {
  return null;
}

/** Remember a small setting across visits. */
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
