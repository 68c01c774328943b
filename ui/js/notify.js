// Desktop notifications while the window is in the background: someone
// waiting to be let in (to a host, with a waiting room), someone joined, a
// chat message (its first line, as plain text), a raised hand (to a host,
// who also hears the chime). Never while the window has the focus: the
// person sees the page's own notices then. Each kind can be switched off in
// the settings.
//
// In the app, the system's notifications (platform.js asks the app), and a
// knock also asks the desktop to draw attention to the window. In a browser,
// the web Notification API, and only once the person allowed it for the
// page (a host whose call has a waiting room is asked once); otherwise
// nothing. No DOM besides the focus check.

/**
 * @typedef {import('./call.js').Call} Call
 * @typedef {import('./i18n.js').I18n} I18n
 * @typedef {import('./platform.js').AppBridge} AppBridge
 * @typedef {import('./settings.js').NotifyKinds} NotifyKinds
 * @typedef {keyof NotifyKinds} Kind
 */

/** Longest chat line shown: a notification is a glance, not the message. */
const MAX_BODY = 200;
/** A peer's hand bobbing up and down is said once in this long. */
const HAND_QUIET_MS = 10_000;

/** The person is looking at this page: its window has the focus and it is not hidden. */
export function pageFocused() {
  return !document.hidden && document.hasFocus();
}

/**
 * The first line of a chat message, trimmed and cut to a glance.
 * @param {string} text
 */
export function firstLine(text) {
  const line = text.trim().split(/\r\n|\r|\n/, 1)[0].trim();
  return line.length > MAX_BODY ? `${line.slice(0, MAX_BODY - 1)}…` : line;
}

export class Notifier {
  /** The browser's permission was asked for once in this page. */
  #asked = false;
  /** When each peer's raised hand was last said. @type {Map<string, number>} */
  #handTold = new Map();

  /**
   * Follows `call`; main.js tells it who joined (`joined`), as it decides
   * that once per person for its own notice.
   * @param {object} o
   * @param {Call} o.call
   * @param {I18n} o.i18n
   * @param {AppBridge | null} o.app
   * @param {() => NotifyKinds} o.kinds  what the person wants now
   * @param {() => string} o.room  the room's name
   * @param {() => boolean} [o.focused]  whether the person looks at the page
   */
  constructor({ call, i18n, app, kinds, room, focused = pageFocused }) {
    this.call = call;
    this.i18n = i18n;
    this.app = app;
    this.kinds = kinds;
    this.room = room;
    this.focused = focused;
    /** Notifications shown (or asked of the app), for the tests. */
    this.shown = 0;
    const t = i18n.t.bind(i18n);
    const who = (/** @type {string} */ name) => name || t('tile.someone');
    call.host.on('knock', (k) => {
      if (this.focused()) return;
      // The window asks for attention whatever the settings: the knock waits on the person.
      this.app?.requestAttention();
      this.#show('knock', t('knock.notifyTitle', { name: who(k.name) }), t('knock.notifyBody', { room: this.room() }));
    });
    call.host.on('change', () => { if (call.host.isHost && call.host.waitingRoom) this.#askBrowser(); });
    call.on('chat', (m) => {
      if (m.self) return;
      const body = firstLine(m.text);
      if (body) this.#show('chat', t('notify.chatTitle', { name: who(m.name) }), body);
    });
    call.on('hand', ({ id, name }) => {
      if (!call.host.isHost) return;
      const now = Date.now();
      if ((this.#handTold.get(id) ?? 0) > now - HAND_QUIET_MS) return;
      if (!this.#show('hand', t('notify.handTitle', { name: who(name) }), t('notify.inRoom', { room: this.room() }))) return;
      this.#handTold.set(id, now);
    });
    call.on('phase', (p) => { if (p.phase === 'idle') this.#handTold.clear(); });
  }

  /**
   * Someone joined the call.
   * @param {string} name
   */
  joined(name) {
    this.#show('joined', this.i18n.t('notify.joinedTitle', { name }), this.i18n.t('notify.inRoom', { room: this.room() }));
  }

  /**
   * The browser may show notifications only if the person allowed it: ask,
   * in answer to their click (browsers ignore asks that aren't).
   * @returns {Promise<NotificationPermission | null>}  null where there is no such API, or in the app
   */
  async allowInBrowser() {
    if (this.app || typeof Notification === 'undefined') return null;
    if (Notification.permission !== 'default') return Notification.permission;
    try { return await Notification.requestPermission(); } catch { return Notification.permission; }
  }

  /**
   * Show one notification if its kind is wanted and the person isn't looking.
   * @param {Kind} kind
   * @param {string} title
   * @param {string} body
   * @returns {boolean} whether it went out
   */
  #show(kind, title, body) {
    if (this.focused() || !this.kinds()[kind]) return false;
    if (this.app) {
      this.shown += 1;
      this.app.notify(title, body);
      return true;
    }
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
    this.shown += 1;
    const n = new Notification(title, { body, tag: `lancall-${kind}` });
    n.onclick = () => { window.focus(); n.close(); };
    return true;
  }

  /** A host of a call with a waiting room may want knocks to reach them when away. */
  #askBrowser() {
    if (this.#asked || this.app || typeof Notification === 'undefined' || Notification.permission !== 'default') return;
    this.#asked = true;
    Notification.requestPermission().catch(() => {});
  }
}
