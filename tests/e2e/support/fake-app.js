// A stand-in for the desktop app's side of the IPC, so the client's app mode
// can be driven in Chromium: `window.__TAURI_INTERNALS__` answering the
// app's commands against a real `lancall serve`, recording every call, with
// settings kept in sessionStorage (they survive a reload, as the app's file
// does) and menu events fired on demand.

/**
 * @typedef {object} FakeAppConfig
 * @property {number} port                 the real server's port
 * @property {string[]} [lanUrls]          default: [http://127.0.0.1:PORT/]
 * @property {{ mode: string, room?: string | null, host?: string | null, name?: string | null }} [launch]
 * @property {Record<string, unknown>} [settings]  what settings_load first answers
 * @property {boolean} [hosting]           the app hosts already at start
 * @property {boolean} [noRtc]             the webview has no RTCPeerConnection (Linux WebKitGTK)
 * @property {{ text: string, svg: string }} [qr]  a real QR code for one text
 * @property {boolean} [nearby]            the app may look for hosts (mDNS on)
 */

/**
 * Runs in the page before its scripts (page.addInitScript).
 * @param {FakeAppConfig} cfg
 */
function install(cfg) {
  const w = /** @type {any} */ (window);
  if (cfg.noRtc) delete w.RTCPeerConnection;
  const KEY = 'fake-app-settings';
  const saved = sessionStorage.getItem(KEY);
  let settings = saved ? JSON.parse(saved) : {
    name: '', language: null, last_host: null, recent_hosts: [], camera: null, microphone: null, speaker: null,
    ...(cfg.settings ?? {}),
  };
  let hosting = sessionStorage.getItem('fake-app-hosting') === '1' || Boolean(cfg.hosting);
  const info = () => ({
    port: cfg.port,
    ws_url: `ws://127.0.0.1:${cfg.port}/ws`,
    lan_urls: cfg.lanUrls ?? [`http://127.0.0.1:${cfg.port}/`],
  });
  /** @type {{ cmd: string, args: any }[]} */
  const calls = [];
  /** @type {Map<number, (e: unknown) => void>} */
  const callbacks = new Map();
  /** @type {{ event: string, handler: number }[]} */
  const listeners = [];
  let nextId = 1;
  const smallQr = '<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" width="140" height="140" viewBox="0 0 7 7">'
    + '<rect width="7" height="7" fill="#fff"/><path d="M0 0h3v3H0zM4 4h3v3H4zM4 0h1v1H4z"/></svg>';
  w.__TAURI_INTERNALS__ = {
    /** @param {(e: unknown) => void} cb */
    transformCallback(cb) {
      const id = nextId++;
      callbacks.set(id, cb);
      return id;
    },
    /** @param {string} cmd @param {any} [args] */
    async invoke(cmd, args = {}) {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      switch (cmd) {
        case 'launch': return cfg.launch ?? { mode: 'lobby', name: null };
        case 'host_start':
          hosting = true;
          sessionStorage.setItem('fake-app-hosting', '1');
          return info();
        case 'host_stop':
          hosting = false;
          sessionStorage.removeItem('fake-app-hosting');
          return null;
        case 'server_info': return hosting ? info() : null;
        case 'settings_load': return settings;
        case 'settings_save':
          settings = args.settings;
          sessionStorage.setItem(KEY, JSON.stringify(settings));
          return null;
        case 'invite_qr': return cfg.qr && cfg.qr.text === args.text ? cfg.qr.svg : smallQr;
        case 'set_window_title': return null;
        // The tray icon while hosting: up (the real app's is tested in app-tray.test.js).
        case 'tray_set': return null;
        case 'tray_clear': return null;
        case 'plugin:shell|open': return null;
        case 'discovery_start': return Boolean(cfg.nearby);
        case 'discovery_stop': return null;
        case 'plugin:event|listen':
          listeners.push({ event: args.event, handler: args.handler });
          return listeners.length;
        default: throw new Error(`fake app: no command ${cmd}`);
      }
    },
  };
  w.fakeApp = {
    calls,
    get settings() { return settings; },
    get hosting() { return hosting; },
    /** Fire an app event, as `app.emit(event, payload)` would. @param {string} event @param {unknown} payload */
    emit(event, payload) {
      for (const l of listeners) if (l.event === event) callbacks.get(l.handler)?.({ event, id: l.handler, payload });
    },
  };
}

/**
 * A page of the client as the app's window would run it.
 * @param {{ page(origin?: string): Promise<import('playwright-core').Page> }} browser
 * @param {{ url: string, port: number }} server
 * @param {Partial<FakeAppConfig>} [config]
 */
export async function openApp(browser, server, config = {}) {
  const page = await browser.page(server.url.replace(/\/$/, ''));
  page.on('pageerror', (e) => console.log(`[app] page error: ${e.message}`));
  if (process.env.LANCALL_E2E_LOG) page.on('console', (m) => console.log(`[app] ${m.type()}: ${m.text()}`));
  await page.addInitScript(install, { port: server.port, ...config });
  await page.goto(`${server.url}?video=240`);
  await page.waitForFunction(() => /** @type {any} */ (window).lancall?.ready?.());
  return page;
}

/**
 * The app commands the page called so far.
 * @param {import('playwright-core').Page} page
 * @param {string} [cmd]  only this one
 * @returns {Promise<{ cmd: string, args: any }[]>}
 */
export function appCalls(page, cmd) {
  return page.evaluate((c) => /** @type {any} */ (window).fakeApp.calls.filter((/** @type {any} */ x) => !c || x.cmd === c), cmd);
}

/** The settings the page last saved (as the app's file would hold them). */
export function appSettings(/** @type {import('playwright-core').Page} */ page) {
  return page.evaluate(() => /** @type {any} */ (window).fakeApp.settings);
}

/**
 * A menu click in the app: the event the app emits.
 * @param {import('playwright-core').Page} page
 * @param {'copy-invite' | 'leave' | 'open-in-browser'} action
 */
export function menu(page, action) {
  return page.evaluate((a) => /** @type {any} */ (window).fakeApp.emit('menu', a), action);
}
