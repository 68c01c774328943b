// The tray icon while this app hosts (the app's side: src-tauri/src/app/
// tray.rs). It shows "Hosting “room” — N people" with Show, Copy invite
// link and Stop hosting, and lets the person close the window while the call
// goes on for their guests. This module only words it and keeps it current;
// its Copy and Stop come back as menu actions (desktop.js). No DOM here.
/**
 * @typedef {import('./platform.js').AppBridge} AppBridge
 * @typedef {import('./hosting.js').Hosting} Hosting
 * @typedef {import('./i18n.js').I18n} I18n
 */

/** How often the count of people is asked for while the icon is up. */
const REFRESH_MS = 3000;

export class HostTray {
  /** The icon is up (the app made it): the window may close into it. */
  up = false;
  #last = '';
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #refresh;

  /** @param {{ app: AppBridge, i18n: I18n, hosting: Hosting }} o */
  constructor({ app, i18n, hosting }) {
    this.app = app;
    this.i18n = i18n;
    this.hosting = hosting;
    hosting.on('change', () => this.update());
    i18n.on('change', () => this.update());
  }

  /** The words for now, or null when nothing is hosted. */
  text() {
    const h = this.hosting;
    if (h.state !== 'on' && h.state !== 'stopping') return null;
    const t = this.i18n.t.bind(this.i18n);
    const n = h.info?.peers ?? null;
    const room = h.room;
    const status = !room ? t('tray.statusAny')
      : n === null ? t('tray.statusRoom', { room })
        : t(n === 1 ? 'tray.statusOne' : 'tray.status', { room, n });
    return { status, show: t('tray.show'), copy: t('lobby.copyInvite'), stop: t('bar.stop') };
  }

  /** Show, change or take down the icon to match the hosting. */
  async update() {
    const text = this.text();
    const key = JSON.stringify(text);
    if (key === this.#last) return;
    this.#last = key;
    if (text) {
      this.up = await this.app.traySet(text);
      // Keep the count true while the window may be hidden.
      this.#refresh ??= setInterval(() => { this.hosting.refresh(); }, REFRESH_MS);
    } else {
      clearInterval(this.#refresh);
      this.#refresh = undefined;
      this.up = false;
      await this.app.trayClear();
    }
  }
}
