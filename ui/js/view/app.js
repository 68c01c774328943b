// What only the desktop app shows: the host panel beside a call this window
// hosts (how others join: link, QR code, this computer's addresses), the bar
// over the lobby while the app hosts without being in its call, and the
// notice in a call when this window can't exchange video, and the question
// before a clicked link takes the window out of its call.
import { askModal, byId, h } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {{ room: string, link: string, addresses: string[], port: number, fingerprint: string | null, waitingRoom: boolean | null }} HostFacts
 * @typedef {{ label: string, run: () => void, kind?: 'primary' | 'ghost' | 'danger', id?: string, disabled?: boolean }} BarAction
 * @typedef {{ title: string, text: string, actions: BarAction[], busy?: boolean }} BarState
 */

/**
 * An <img> source for SVG markup, or null if it isn't an SVG document. An
 * SVG shown as an image runs no scripts and loads nothing, whatever it holds.
 * @param {string} markup
 */
export function svgImageSource(markup) {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || root.namespaceURI !== 'http://www.w3.org/2000/svg' || doc.querySelector('parsererror')) {
    return null;
  }
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(root))}`;
}

export class HostPanel {
  /** @type {HostFacts | null} */
  #facts = null;
  /** The link whose QR code is shown or coming. */
  #qrFor = '';
  /** Shown when there is something to show. */
  #wanted = false;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(text: string) => Promise<string | null>} o.qr  SVG of a QR code
   * @param {() => void} o.onCopy
   * @param {() => void} o.onStop
   * @param {() => void} o.onToggle  the panel opened or closed
   */
  constructor({ i18n, qr, onCopy, onStop, onToggle }) {
    this.i18n = i18n;
    this.qr = qr;
    this.onToggle = onToggle;
    this.root = byId('host-panel');
    this.img = /** @type {HTMLImageElement} */ (byId('host-panel-qr'));
    byId('host-panel-copy').addEventListener('click', onCopy);
    byId('host-panel-stop').addEventListener('click', onStop);
    byId('host-panel-close').addEventListener('click', () => this.setOpen(false));
    i18n.on('change', () => this.render());
  }

  get open() { return !this.root.hidden; }

  /** @param {boolean} open */
  setOpen(open) {
    if (open === this.#wanted) return;
    this.#wanted = open;
    this.root.hidden = !open || !this.#facts;
    this.onToggle();
  }

  /** @param {HostFacts | null} facts  null: not hosting this call */
  set(facts) {
    this.#facts = facts;
    this.root.hidden = !facts || !this.#wanted;
    if (!facts) return;
    this.render();
    if (facts.link !== this.#qrFor) this.#loadQr(facts.link);
  }

  render() {
    const f = this.#facts;
    if (!f) return;
    const t = this.i18n.t.bind(this.i18n);
    byId('host-panel-room').textContent = f.room;
    byId('host-panel-link').textContent = f.link;
    // Guests' browsers warn about the self-signed certificate; this is what
    // they compare the warning's fingerprint with.
    byId('host-panel-cert').textContent = f.fingerprint ?? '';
    byId('host-panel-cert').hidden = !f.fingerprint;
    byId('host-panel-cert-label').hidden = !f.fingerprint;
    const addresses = byId('host-panel-addresses');
    addresses.replaceChildren(...(f.addresses.length
      ? f.addresses.map((a) => h('span', { class: 'address', text: a }))
      : [h('span', { class: 'address', text: t('hostPanel.onlyHere', { port: f.port }) })]));
    byId('host-panel-nolan').hidden = f.addresses.length > 0;
    byId('host-panel-waiting').textContent = f.waitingRoom ? t('host.waitingOn') : t('host.waitingOff');
    byId('host-panel-waiting').hidden = f.waitingRoom === null;
    byId('host-panel-waiting-label').hidden = f.waitingRoom === null;
    this.img.alt = t('hostPanel.qrAlt', { link: f.link });
  }

  /** @param {string} link */
  async #loadQr(link) {
    this.#qrFor = link;
    this.img.hidden = true;
    const svg = await this.qr(link);
    if (this.#qrFor !== link) return;
    const src = svg ? svgImageSource(svg) : null;
    if (src) this.img.src = src;
    this.img.hidden = !src;
  }
}

/** The lobby's "Waiting room" switch, on the Host tab: asked before hosting starts. */
export class WaitingRoomSwitch {
  constructor() {
    this.input = /** @type {HTMLInputElement} */ (byId('waiting-room'));
  }

  get on() { return this.input.checked; }

  /** @param {boolean} on */
  set(on) { this.input.checked = on; }
}

/** The bar over the lobby: hosting in the background, or the call opened in the browser. */
export class LobbyBar {
  constructor() {
    this.root = byId('lobby-bar');
    this.title = byId('lobby-bar-title');
    this.text = byId('lobby-bar-text');
    this.actions = byId('lobby-bar-actions');
  }

  /** @param {BarState} s */
  show(s) {
    this.title.textContent = s.title;
    this.text.textContent = s.text;
    this.root.setAttribute('aria-busy', String(Boolean(s.busy)));
    this.actions.replaceChildren(...s.actions.map((a) => h('button', {
      type: 'button', class: `btn ${a.kind ?? ''}`.trim(), id: a.id, onclick: a.run, text: a.label, disabled: a.disabled,
    })));
    this.root.hidden = false;
  }

  hide() { this.root.hidden = true; }
}

/** In a call, where this window has no peer-connection engine. */
export class BrowserNotice {
  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {() => void} o.onOpen
   */
  constructor({ i18n, onOpen }) {
    this.i18n = i18n;
    this.root = byId('no-rtc');
    this.hosting = false;
    byId('no-rtc-open').addEventListener('click', onOpen);
    i18n.on('change', () => this.render());
  }

  /**
   * @param {boolean} shown
   * @param {boolean} hosting  this app hosts the call (and keeps hosting it)
   */
  set(shown, hosting) {
    this.hosting = hosting;
    this.root.hidden = !shown;
    if (shown) this.render();
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    byId('no-rtc-text').textContent = `${t('noRtc.text')} ${t(this.hosting ? 'noRtc.hosting' : 'noRtc.joined')}`;
  }
}

/**
 * Asks before a clicked lancall:// link (or a second `lancall join|host`)
 * takes this window out of the call it is in, saying what becomes of a call
 * this app hosts.
 */
export class SwitchDialog {
  /** @param {I18n} i18n */
  constructor(i18n) {
    this.i18n = i18n;
    this.dialog = /** @type {HTMLDialogElement} */ (byId('switch-dialog'));
  }

  /**
   * Resolves to true if the person chose to leave.
   * @param {{ from: string, to: string, hosting: string }} o  hosting: the room this app hosts, '' if none
   * @returns {Promise<boolean>}
   */
  ask({ from, to, hosting }) {
    const t = this.i18n.t.bind(this.i18n);
    byId('switch-title').textContent = to ? t('switch.title', { room: to }) : t('switch.titleHost');
    const text = [t('switch.text', { room: from })];
    if (hosting) text.push(t('switch.hosting', { room: hosting }));
    byId('switch-text').textContent = text.join(' ');
    return askModal(this.dialog).then((v) => v === 'switch');
  }
}
