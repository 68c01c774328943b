// The control bar and the keyboard: M mute, V camera, S share the screen,
// H raise or lower a hand, C chat, I copy the invite link, L leave, F full
// screen, ? help. In calls big enough, a switch to follow the speaker.
import { byId, setIcon } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {'mic' | 'cam' | 'screen' | 'hand' | 'react' | 'devices' | 'chat' | 'invite' | 'help' | 'leave' | 'fullscreen' | 'lock' | 'follow'} Action
 */

/** Keys to actions; letters in either case. */
const KEYS = /** @type {Record<string, Action>} */ ({ m: 'mic', v: 'cam', s: 'screen', h: 'hand', c: 'chat', i: 'invite', l: 'leave', f: 'fullscreen', '?': 'help' });

export class Controls {
  mic = true;
  cam = true;
  hasAudio = true;
  hasVideo = true;
  /** We share our screen now. */
  sharing = false;
  /** …all of it (no picker: the native engine's whole X11 screen). */
  sharingWhole = false;
  /** Our hand is up. */
  hand = false;
  /** This window can share a screen at all (else the button is hidden). */
  canShare = false;
  /** We host the call (the Lock button shows), and whether it is locked. */
  host = false;
  locked = false;
  /** The call is big enough to follow the speaker (else the switch is hidden), and whether we do. */
  canFollow = false;
  follow = false;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {(action: Action) => void} o.onAction
   * @param {() => boolean} o.active  shortcuts work only in a call
   */
  constructor({ i18n, onAction, active }) {
    this.i18n = i18n;
    this.root = byId('controls');
    // The sharer's notice, above the grid, has its own Stop.
    byId('share-stop').addEventListener('click', () => onAction('screen'));
    for (const b of this.root.querySelectorAll('button[data-action]')) {
      b.addEventListener('click', () => onAction(/** @type {Action} */ (/** @type {HTMLElement} */ (b).dataset.action)));
    }
    document.addEventListener('keydown', (e) => {
      if (!active() || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const target = /** @type {HTMLElement | null} */ (e.target);
      if (target?.closest('input, textarea, select, [contenteditable], dialog[open]')) return;
      const action = KEYS[e.key.toLowerCase()] ?? KEYS[e.key];
      if (!action) return;
      e.preventDefault();
      onAction(action);
    });
    i18n.on('change', () => this.render());
  }

  /**
   * @param {{ mic: boolean, cam: boolean, hasAudio: boolean, hasVideo: boolean, sharing?: boolean, sharingWhole?: boolean, canShare?: boolean,
   *   hand?: boolean }} s
   */
  set(s) {
    Object.assign(this, s);
    this.render();
  }

  /** @param {{ host: boolean, locked: boolean }} s */
  setLock(s) {
    Object.assign(this, s);
    this.render();
  }

  /** @param {{ canFollow: boolean, follow: boolean }} s */
  setFollow(s) {
    if (s.canFollow === this.canFollow && s.follow === this.follow) return;
    Object.assign(this, s);
    this.render();
  }

  /** @param {number} unread @param {boolean} open */
  setChat(unread, open) {
    const badge = byId('unread');
    badge.hidden = unread === 0;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    const b = this.#button('chat');
    b.setAttribute('aria-pressed', String(open));
    const t = this.i18n.t.bind(this.i18n);
    b.setAttribute('aria-label', unread ? t('controls.chatUnread', { n: unread }) : t('controls.chat'));
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    const mic = this.#button('mic');
    const micOff = !this.mic || !this.hasAudio;
    mic.dataset.off = String(micOff);
    mic.setAttribute('aria-pressed', String(micOff));
    mic.disabled = !this.hasAudio;
    setIcon(mic.querySelector('svg'), micOff ? 'mic-off' : 'mic');
    /** @type {HTMLElement} */ (mic.querySelector('span')).textContent = !this.hasAudio ? t('controls.noMic') : micOff ? t('controls.unmute') : t('controls.mute');
    mic.title = `${micOff ? t('controls.unmute') : t('controls.mute')} (M)`;
    const cam = this.#button('cam');
    const camOff = !this.cam || !this.hasVideo;
    cam.dataset.off = String(camOff);
    cam.setAttribute('aria-pressed', String(camOff));
    setIcon(cam.querySelector('svg'), camOff ? 'cam-off' : 'cam');
    /** @type {HTMLElement} */ (cam.querySelector('span')).textContent = camOff ? t('controls.camOn') : t('controls.camOff');
    cam.title = `${camOff ? t('controls.camOn') : t('controls.camOff')} (V)`;
    const screen = this.#button('screen');
    screen.hidden = !this.canShare;
    byId('share-notice').hidden = !this.sharing;
    // The native engine without a picker shares everything on the screen: said plainly.
    const notice = /** @type {HTMLElement} */ (byId('share-notice').querySelector('span'));
    notice.textContent = this.sharingWhole ? t('screen.noticeWhole') : t('screen.notice');
    screen.setAttribute('aria-pressed', String(this.sharing));
    screen.dataset.on = String(this.sharing);
    const share = this.sharing ? t('controls.stopShare') : t('controls.share');
    /** @type {HTMLElement} */ (screen.querySelector('span')).textContent = share;
    screen.title = `${share} (S)`;
    const hand = this.#button('hand');
    hand.setAttribute('aria-pressed', String(this.hand));
    hand.dataset.on = String(this.hand);
    const raise = this.hand ? t('controls.lowerHand') : t('controls.raiseHand');
    /** @type {HTMLElement} */ (hand.querySelector('span')).textContent = raise;
    hand.title = `${raise} (H)`;
    this.#button('react').title = t('controls.react');
    const lock = this.#button('lock');
    lock.hidden = !this.host;
    lock.setAttribute('aria-pressed', String(this.locked));
    lock.dataset.on = String(this.locked);
    setIcon(lock.querySelector('svg'), this.locked ? 'lock' : 'unlock');
    /** @type {HTMLElement} */ (lock.querySelector('span')).textContent = this.locked ? t('controls.unlock') : t('controls.lock');
    lock.title = this.locked ? t('controls.unlockTitle') : t('controls.lockTitle');
    const follow = this.#button('follow');
    follow.hidden = !this.canFollow;
    follow.setAttribute('aria-pressed', String(this.follow));
    follow.dataset.on = String(this.follow);
    follow.title = t('controls.followTitle');
    this.#button('chat').title = `${t('controls.chat')} (C)`;
    this.#button('leave').title = `${t('controls.leave')} (L)`;
    this.#button('invite').title = `${t('controls.inviteTitle')} (I)`;
    this.#button('help').title = `${t('controls.help')} (?)`;
  }

  /** @param {Action} action */
  #button(action) {
    return /** @type {HTMLButtonElement} */ (this.root.querySelector(`button[data-action="${action}"]`));
  }
}

/**
 * Words for a share that did not start (screen.js ShareError): cancelling
 * the picker is a short notice, not an error.
 * @param {I18n} i18n
 * @param {unknown} e
 */
export function shareProblem(i18n, e) {
  const reason = /** @type {{ reason?: string }} */ (e)?.reason;
  if (reason === 'cancelled') return i18n.t('screen.cancelled');
  if (reason === 'unsupported') return i18n.t('screen.unsupported');
  return i18n.t('screen.failed', { message: String(/** @type {Error} */ (e)?.message ?? e) });
}
