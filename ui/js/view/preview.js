// The pre-join preview beside the lobby's form: the person's own camera
// before they join (a local Tile, so the native engine's canvas and the
// camera-off initials work as in the call), microphone and camera switches
// that carry into the call, the device picker, and — when the camera can't
// be had — why, with "Try again" (Join still goes ahead, to the call's own
// choices: retry, watch and listen, or back).
import { byId, setIcon } from './dom.js';
import { Tile } from './tile.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../call.js').LocalView} LocalView
 * @typedef {import('../call.js').Preview} PreviewState
 * @typedef {import('./tile.js').VideoEngine} VideoEngine
 */

export class Preview {
  /** @type {LocalView | null} */
  #local = null;
  /** @type {PreviewState | null} */
  #state = null;

  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {VideoEngine | null} o.engine
   * @param {() => string} o.name  the name typed in the lobby
   * @param {(on: boolean) => void} o.onMic
   * @param {(on: boolean) => void} o.onCam
   * @param {() => void} o.onDevices
   * @param {() => void} o.onRetry
   */
  constructor({ i18n, engine, name, onMic, onCam, onDevices, onRetry }) {
    this.i18n = i18n;
    this.name = name;
    this.root = byId('preview');
    this.stage = byId('preview-stage');
    this.status = byId('preview-status');
    this.mic = /** @type {HTMLButtonElement} */ (byId('preview-mic'));
    this.cam = /** @type {HTMLButtonElement} */ (byId('preview-cam'));
    // Not in the page until shown: tests and the call count `.tile.local`
    // as the call's own tile.
    this.tile = new Tile({ id: 'preview', local: true, i18n, engine });
    this.tile.el.removeAttribute('tabindex');
    this.mic.addEventListener('click', () => onMic(!(this.#local?.mic ?? true)));
    this.cam.addEventListener('click', () => onCam(!(this.#local?.cam ?? true)));
    byId('preview-devices').addEventListener('click', onDevices);
    byId('preview-retry').addEventListener('click', onRetry);
    i18n.on('change', () => this.render());
  }

  /** @param {boolean} shown  the lobby is on screen */
  show(shown) {
    this.root.hidden = !shown;
    if (shown && !this.tile.el.isConnected) this.stage.prepend(this.tile.el);
    else if (!shown) this.tile.el.remove();
    if (shown) this.render();
  }

  /** @param {LocalView} local */
  setLocal(local) {
    this.#local = local;
    this.render();
  }

  /** @param {PreviewState} state */
  setState(state) {
    this.#state = state;
    if (state.state !== 'on') this.#local = null;
    this.render();
  }

  /** Whether the camera (or microphone) is open and shown. */
  get on() { return this.#state?.state === 'on'; }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    const l = this.#local;
    const state = this.#state?.state ?? 'starting';
    this.root.dataset.state = state;
    this.tile.update({ name: this.name(), state: 'connected', mic: l?.mic ?? false, cam: Boolean(l?.cam),
      stream: l?.hasVideo ? l.stream : null });
    const failed = state === 'failed';
    const reason = this.#state?.reason ?? 'other';
    this.status.hidden = state === 'on';
    byId('preview-status-title').textContent = failed ? t(`media.${reason}.title`) : t('preview.starting');
    byId('preview-status-text').textContent = failed ? t(`media.${reason}.text`) : '';
    setIcon(byId('preview-status-icon'), failed ? (reason === 'denied' ? 'cam-off' : 'alert') : 'cam');
    byId('preview-retry').hidden = !failed;
    const micOff = !l?.mic || !l.hasAudio;
    this.mic.disabled = !l?.hasAudio;
    this.mic.setAttribute('aria-pressed', String(Boolean(l) && micOff));
    this.mic.dataset.off = String(micOff);
    setIcon(this.mic.querySelector('svg'), micOff ? 'mic-off' : 'mic');
    this.#label(this.mic, !l?.hasAudio ? t('controls.noMic') : micOff ? t('controls.unmute') : t('controls.mute'));
    const camOff = !l?.cam;
    this.cam.disabled = !l;
    this.cam.setAttribute('aria-pressed', String(Boolean(l) && camOff));
    this.cam.dataset.off = String(camOff);
    setIcon(this.cam.querySelector('svg'), camOff ? 'cam-off' : 'cam');
    this.#label(this.cam, camOff ? t('controls.camOn') : t('controls.camOff'));
    this.#label(/** @type {HTMLElement} */ (byId('preview-devices')), t('controls.devices'));
  }

  /**
   * @param {HTMLElement} button
   * @param {string} text
   */
  #label(button, text) {
    button.setAttribute('aria-label', text);
    button.title = text;
  }
}
