// One person's tile: video (or their initials when the camera is off), name,
// mute badge, connection state, a ring while they speak (call/speaker.js
// says who), full screen and a connection-details panel.
import { h, icon, initials, hueOf } from './dom.js';
import { StatsSampler } from '../stats.js';
import { removeButton } from './knocks.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {Pick<import('../engine.js').Engine, 'canvasFor'>} VideoEngine  the part of the engine
 *   a view uses: which tracks it shows as a canvas
 * @typedef {import('../call.js').PeerView} PeerView
 * @typedef {import('../stats.js').StatsSummary} StatsSummary
 * @typedef {{ name: string, state: string, mic: boolean, cam: boolean, stream: MediaStream | null, sas?: string,
 *   sasState?: import('../verify.js').SasState, removable?: boolean, hand?: number, speaking?: boolean }} TileState
 *   removable: we host the call and may remove this person; hand: since when their hand is up (0: down);
 *   speaking: they hold the speaker's ring
 */

export class Tile {
  /** @type {TileState} */
  state = { name: '', state: 'connecting', mic: true, cam: true, stream: null };
  #sampler = new StatsSampler();
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #statsTimer;
  /** Remote video of the native engine, shown as its canvas (see #attach). @type {HTMLCanvasElement | null} */
  #canvas = null;

  /**
   * @param {object} o
   * @param {string} o.id
   * @param {boolean} o.local
   * @param {I18n} o.i18n
   * @param {VideoEngine | null} [o.engine]  the call's engine, for tracks it draws into a canvas
   * @param {() => Promise<RTCStatsReport | null>} [o.stats]
   * @param {(video: HTMLVideoElement) => void} [o.onBlocked]  autoplay with sound was refused
   * @param {(id: string, name: string) => void} [o.onRemove]  a host's Remove, when the state says removable
   */
  constructor({ id, local, i18n, engine = null, stats, onBlocked, onRemove }) {
    this.id = id;
    this.local = local;
    this.i18n = i18n;
    this.engine = engine;
    this.statsSource = stats;
    this.onBlocked = onBlocked;
    this.video = h('video', { autoplay: true, playsinline: true });
    this.video.muted = local; // never hear yourself
    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' });
    this.pill = h('span', { class: 'pill state', role: 'status' });
    this.handBadge = h('span', { class: 'pill hand', hidden: true }, icon('hand'));
    this.nameText = h('span');
    this.muteIcon = icon('mic-off');
    this.statsBtn = h('button', { type: 'button', class: 'tile-btn', 'aria-expanded': 'false', onclick: () => this.toggleStats() }, icon('stats'));
    this.fullBtn = h('button', { type: 'button', class: 'tile-btn', onclick: () => this.fullscreen() }, icon('full'));
    this.removeBtn = removeButton('', () => onRemove?.(this.id, this.state.name));
    this.panel = h('div', { class: 'stats-panel', hidden: true });
    this.el = h('figure', { class: `tile${local ? ' local' : ''}`, tabindex: '0', dataset: { peer: id } },
      this.video,
      this.avatar,
      h('div', { class: 'tile-top' }, this.pill, this.handBadge, h('span', { class: 'spacer' }), local ? null : this.removeBtn, local ? null : this.statsBtn, this.fullBtn),
      h('figcaption', { class: 'tile-bar' }, h('span', { class: 'tile-name' }, this.muteIcon, this.nameText)),
      this.panel);
    this.el.addEventListener('dblclick', () => this.fullscreen());
    this.render();
  }

  /** @param {Partial<TileState>} change */
  update(change) {
    const streamChanged = 'stream' in change && change.stream !== this.state.stream;
    Object.assign(this.state, change);
    if (streamChanged) this.#attach(this.state.stream);
    else if (this.state.stream && !this.#canvas && this.video.paused) this.#play();
    this.render();
  }

  /** Re-render texts (also after a language change). */
  render() {
    const { name, state, mic, cam, stream } = this.state;
    const t = this.i18n.t.bind(this.i18n);
    const shown = this.local ? t('tile.you', { name }) : name || t('tile.someone');
    const hasVideo = Boolean(stream?.getVideoTracks().some((tr) => tr.readyState === 'live'));
    this.el.dataset.state = this.local ? 'connected' : state;
    this.el.dataset.muted = String(!mic);
    this.el.dataset.cam = cam ? 'on' : 'off';
    this.el.dataset.video = hasVideo ? 'some' : 'none';
    this.nameText.textContent = shown;
    this.muteIcon.style.display = mic ? 'none' : '';
    if (this.#canvas) this.#canvas.hidden = !(cam && hasVideo);
    this.avatar.textContent = initials(name || '?');
    this.avatar.style.setProperty('--avatar', hueOf(name));
    this.pill.textContent = t(`peer.${state}`);
    const hand = Boolean(this.state.hand);
    this.el.dataset.hand = String(hand);
    this.handBadge.hidden = !hand;
    this.handBadge.title = t('tile.hand');
    // A muted person never rings, whatever a late poll said.
    const speaking = Boolean(this.state.speaking) && mic;
    this.el.dataset.speaking = String(speaking);
    this.el.setAttribute('aria-label', [shown, speaking ? t('tile.speaking') : '', mic ? '' : t('tile.muted'), cam ? '' : t('tile.camOff'),
      hand ? t('tile.hand') : '',
      this.local ? '' : t(`peer.${state}`)].filter(Boolean).join(', '));
    this.statsBtn.setAttribute('aria-label', t('tile.details'));
    this.statsBtn.title = t('tile.details');
    this.fullBtn.setAttribute('aria-label', t('tile.fullscreen'));
    this.fullBtn.title = t('tile.fullscreen');
    this.removeBtn.hidden = !this.state.removable;
    this.removeBtn.setAttribute('aria-label', t('remove.button', { name: shown }));
    this.removeBtn.title = this.removeBtn.getAttribute('aria-label') ?? '';
    if (!this.panel.hidden) this.#refreshStats();
  }

  /** Play through this speaker, where the browser can choose. */
  async setSink(/** @type {string} */ deviceId) {
    const v = /** @type {HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }} */ (this.video);
    if (!this.local && typeof v.setSinkId === 'function') await v.setSinkId(deviceId).catch(() => {});
  }

  fullscreen() {
    if (document.fullscreenElement === this.el) document.exitFullscreen().catch(() => {});
    else this.el.requestFullscreen?.().catch(() => {});
  }

  toggleStats() {
    const open = this.panel.hidden;
    this.panel.hidden = !open;
    this.statsBtn.setAttribute('aria-expanded', String(open));
    clearInterval(this.#statsTimer);
    if (open) {
      this.#refreshStats();
      this.#statsTimer = setInterval(() => this.#refreshStats(), 1000);
    }
  }

  remove() {
    clearInterval(this.#statsTimer);
    this.video.srcObject = null;
    this.#canvas?.remove();
    this.el.remove();
  }

  /** @param {MediaStream | null} stream */
  #attach(stream) {
    // WebKitGTK garbles a canvas's captureStream() in <video> (measured under
    // Xvfb), so the native engine's video is shown as its canvas, and the
    // <video> plays nothing: its player would only cost time, and one whose
    // track stops under it can deadlock the page (see LocalMedia.preview).
    const engine = this.engine;
    const canvas = stream?.getVideoTracks().map((track) => engine?.canvasFor?.(track)).find(Boolean) ?? null;
    this.video.srcObject = canvas ? null : stream;
    if (canvas !== this.#canvas) {
      this.#canvas?.remove();
      this.#canvas = canvas;
      if (canvas) {
        canvas.className = 'native-video';
        Object.assign(canvas.style, { position: 'absolute', inset: '0', width: '100%', height: '100%', objectFit: 'cover',
          transform: this.local ? 'scaleX(-1)' : '' });
        this.video.after(canvas);
      }
      this.video.hidden = Boolean(canvas);
    }
    if (stream) {
      // A stream gains its tracks one by one; re-render as they come.
      stream.addEventListener('addtrack', () => this.render());
      stream.addEventListener('removetrack', () => this.render());
      if (!canvas) this.#play();
    }
  }

  #play() {
    this.video.play().catch((e) => {
      if (e?.name === 'NotAllowedError' && !this.video.muted) {
        this.video.muted = true;
        this.video.play().catch(() => {});
        this.onBlocked?.(this.video);
      }
    });
  }

  async #refreshStats() {
    const report = await this.statsSource?.().catch(() => null);
    if (!report || this.panel.hidden) return;
    const s = this.#sampler.sample(report);
    const t = this.i18n.t.bind(this.i18n);
    const dash = '—';
    /** @type {[string, string][]} */
    const rows = [
      [t('stats.rtt'), s.rttMs == null ? dash : `${s.rttMs} ms`],
      [t('stats.in'), `${s.inKbps} kbit/s`],
      [t('stats.out'), `${s.outKbps} kbit/s`],
      [t('stats.loss'), s.lossPct == null ? dash : `${s.lossPct} %`],
      [t('stats.resolution'), s.resolution ? `${s.resolution}${s.fps != null ? ` @ ${s.fps}` : ''}` : dash],
      [t('stats.codec'), [s.videoCodec, s.audioCodec].filter(Boolean).join(' / ') || dash],
      [t('stats.route'), s.candidateType || dash],
    ];
    const dl = h('dl');
    for (const [k, v] of rows) dl.append(h('dt', { text: k }), h('dd', { text: v }));
    // The words both people compare aloud (sas.js), once the exchange that
    // makes them (verify.js) is through; a failed one is a warning, never words.
    const sas = this.state.sasState ?? 'none';
    const failed = sas === 'failed';
    dl.append(h('dt', { text: t('stats.sas'), title: t('stats.sasHint') }),
      h('dd', {
        class: failed ? 'sas sas-failed' : 'sas',
        role: failed ? 'alert' : undefined,
        text: sas === 'verified' ? this.state.sas || dash : sas === 'verifying' ? t('stats.sasVerifying') : failed ? t('stats.sasFailed') : dash,
        title: failed ? t('stats.sasFailedHint') : t('stats.sasHint'),
      }));
    this.panel.replaceChildren(dl);
  }
}
