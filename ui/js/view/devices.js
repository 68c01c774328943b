// The device picker: camera, microphone and (where the browser can choose)
// speaker.
import { byId, h } from './dom.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../media.js').LocalMedia} LocalMedia
 */

export class DevicesDialog {
  /**
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {LocalMedia} o.media
   * @param {(kind: 'audio' | 'video', id: string) => Promise<void>} o.onPick
   * @param {(id: string) => Promise<void>} o.onSpeaker
   */
  constructor({ i18n, media, onPick, onSpeaker }) {
    this.i18n = i18n;
    this.media = media;
    this.dialog = /** @type {HTMLDialogElement} */ (byId('devices'));
    this.camera = /** @type {HTMLSelectElement} */ (byId('pick-camera'));
    this.mic = /** @type {HTMLSelectElement} */ (byId('pick-mic'));
    this.speaker = /** @type {HTMLSelectElement} */ (byId('pick-speaker'));
    this.canPickSpeaker = 'setSinkId' in HTMLMediaElement.prototype;
    byId('speaker-field').hidden = !this.canPickSpeaker;
    byId('devices-hint').hidden = this.canPickSpeaker;
    this.error = byId('devices-error');
    /**
     * A pick that fails says why and shows the device still in use.
     * @param {'audio' | 'video'} kind
     * @param {HTMLSelectElement} select
     */
    const pick = async (kind, select) => {
      this.error.hidden = true;
      select.disabled = true;
      try {
        await onPick(kind, select.value);
      } catch (e) {
        const cause = /** @type {any} */ (e)?.cause?.message ?? /** @type {any} */ (e)?.message ?? String(e);
        this.error.textContent = this.i18n.t('devices.failed', { error: cause });
        this.error.hidden = false;
        const current = this.media.currentId(kind);
        if (current) select.value = current;
      } finally {
        select.disabled = false;
      }
    };
    this.camera.addEventListener('change', () => { pick('video', this.camera); });
    this.mic.addEventListener('change', () => { pick('audio', this.mic); });
    this.speaker.addEventListener('change', () => {
      this.media.speakerId = this.speaker.value;
      onSpeaker(this.speaker.value).catch(() => {});
    });
  }

  async open() {
    this.error.hidden = true;
    const d = await this.media.devices();
    const t = this.i18n.t.bind(this.i18n);
    /**
     * @param {HTMLSelectElement} select
     * @param {import('../media.js').Device[]} list
     * @param {string} current
     */
    const fill = (select, list, current) => {
      select.replaceChildren(...(list.length ? list : [{ deviceId: '', label: t('devices.none') }])
        .map((x) => h('option', { value: x.deviceId, text: x.label })));
      select.disabled = !list.length;
      if (current) select.value = current;
    };
    fill(this.camera, d.cameras, this.media.currentId('video'));
    fill(this.mic, d.mics, this.media.currentId('audio'));
    fill(this.speaker, d.speakers, this.media.speakerId);
    if (!this.dialog.open) this.dialog.showModal();
  }
}
