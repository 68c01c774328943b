// Local devices: the camera and microphone we send, the devices one can pick,
// and why getting them failed, in words the UI can act on. No DOM here.
import { Emitter } from './emitter.js';

/**
 * @typedef {'denied' | 'notfound' | 'busy' | 'insecure' | 'other'} MediaFailure
 * @typedef {import('./peer.js').LocalTracks} LocalTracks
 * @typedef {{ deviceId: string, label: string }} Device
 * @typedef {{ cameras: Device[], mics: Device[], speakers: Device[] }} Devices
 * @typedef {{ tracks: LocalTracks }} MediaEvents
 */

/** getUserMedia failed; `reason` says what the person can do about it. */
export class MediaError extends Error {
  /**
   * @param {MediaFailure} reason
   * @param {unknown} [cause]
   */
  constructor(reason, cause) {
    super(`media: ${reason}`);
    this.reason = reason;
    this.cause = cause;
  }
}

/**
 * @param {unknown} e
 * @returns {MediaFailure}
 */
function classify(e) {
  const name = e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException) ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'notfound';
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
  return 'other';
}

/** @extends {Emitter<MediaEvents>} */
export class LocalMedia extends Emitter {
  /** What we send; its tracks change as devices are switched. */
  stream = new MediaStream();
  /**
   * What our own tile and the pre-join preview play: the camera alone, in a
   * stream made anew whenever the camera changes and never changed in
   * place; a track leaves it only after the players have moved on. On
   * WebKitGTK a track stopped or removed under a playing <video> can
   * deadlock the page for good (its main thread waits for a GStreamer pad
   * lock that the video sink holds while it waits for the main thread): a
   * removed guest's app froze so, its sockets unanswered.
   */
  preview = new MediaStream();
  /** @type {MediaStreamTrack | null} */
  audio = null;
  /** @type {MediaStreamTrack | null} */
  video = null;
  micOn = true;
  camOn = true;
  /** Devices picked in this call: used exactly. */
  audioId = '';
  videoId = '';
  speakerId = '';
  /** Devices picked in an earlier run: used if they are still there. (An
   * `ideal` device id is not enough: Chromium keeps to its default camera.) */
  preferred = { audio: '', video: '' };

  /**
   * @param {{ mediaDevices?: MediaDevices, maxHeight?: number }} [options]
   *   maxHeight bounds the camera resolution (weak machines, big meshes)
   */
  constructor(options = {}) {
    super();
    this.devicesApi = options.mediaDevices ?? globalThis.navigator?.mediaDevices;
    this.maxHeight = options.maxHeight ?? 540;
  }

  /** @returns {LocalTracks} */
  tracks() {
    return { stream: this.stream, preview: this.preview, audio: this.audio, video: this.camOn ? this.video : null };
  }

  /** True if there is anything to send. */
  get hasAny() { return Boolean(this.audio || this.video); }

  /** @returns {MediaTrackConstraints} */
  #videoConstraints() {
    const h = this.maxHeight;
    /** @type {MediaTrackConstraints} */
    const c = { height: { ideal: h }, width: { ideal: Math.round((h * 16) / 9) }, frameRate: { ideal: 30, max: 30 } };
    if (this.videoId) c.deviceId = { exact: this.videoId };
    else if (this.preferred.video) c.deviceId = { exact: this.preferred.video };
    return c;
  }

  /** @returns {MediaTrackConstraints | boolean} */
  #audioConstraints() {
    /** @type {MediaTrackConstraints} */
    const c = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (this.audioId) c.deviceId = { exact: this.audioId };
    else if (this.preferred.audio) c.deviceId = { exact: this.preferred.audio };
    return c;
  }

  /**
   * Ask for camera and microphone. With one of them missing, go on with the
   * other; throws a MediaError if neither can be had.
   * @returns {Promise<void>}
   */
  async open() {
    const api = this.devicesApi;
    if (!api?.getUserMedia) {
      throw new MediaError(globalThis.isSecureContext === false ? 'insecure' : 'notfound');
    }
    /** @type {MediaStream | null} */
    let got = null;
    try {
      got = await api.getUserMedia({ audio: this.#audioConstraints(), video: this.#videoConstraints() });
    } catch (e) {
      const reason = classify(e);
      if (reason === 'denied') throw new MediaError('denied', e);
      if (reason === 'notfound' && (this.preferred.audio || this.preferred.video)) {
        // A device from an earlier run is gone: the defaults will do.
        this.preferred = { audio: '', video: '' };
        return this.open();
      }
      // One device may be missing or busy: try each on its own.
      const [a, v] = await Promise.allSettled([
        api.getUserMedia({ audio: this.#audioConstraints() }),
        api.getUserMedia({ video: this.#videoConstraints() }),
      ]);
      const tracks = [a, v].flatMap((r) => (r.status === 'fulfilled' ? r.value.getTracks() : []));
      if (!tracks.length) throw new MediaError(reason, e);
      got = new MediaStream(tracks);
    }
    const ending = [...this.stream.getTracks(), this.audio, this.video];
    this.audio = got.getAudioTracks()[0] ?? null;
    this.video = got.getVideoTracks()[0] ?? null;
    if (this.audio) this.audio.enabled = this.micOn;
    this.camOn = this.camOn && Boolean(this.video);
    if (this.video && !this.camOn) { this.video.stop(); this.video = null; }
    this.#rebuild(ending);
  }

  /** @param {boolean} on */
  setMic(on) {
    this.micOn = on;
    if (this.audio) this.audio.enabled = on;
  }

  /**
   * Camera off stops the camera (its light goes out); on asks for it again.
   * @param {boolean} on
   */
  async setCam(on) {
    if (on === this.camOn && (!on || this.video)) return;
    if (!on) {
      const old = this.video;
      this.camOn = false;
      this.video = null;
      this.#rebuild([old]);
      return;
    }
    const api = this.devicesApi;
    if (!api?.getUserMedia) throw new MediaError('notfound');
    try {
      const s = await api.getUserMedia({ video: this.#videoConstraints() });
      this.video = s.getVideoTracks()[0] ?? null;
      this.camOn = Boolean(this.video);
    } catch (e) {
      throw new MediaError(classify(e), e);
    }
    this.#rebuild();
  }

  /**
   * Switch to another camera or microphone by device id.
   * @param {'audio' | 'video'} kind
   * @param {string} deviceId
   */
  async use(kind, deviceId) {
    const api = this.devicesApi;
    if (!api?.getUserMedia) return;
    // A device that fails leaves the one in use (and its id) as they were.
    /** @type {MediaStreamTrack | null} the track the new one replaces */
    let ending = null;
    if (kind === 'video') {
      const before = this.videoId;
      this.videoId = deviceId;
      if (!this.camOn) return;
      try {
        const s = await api.getUserMedia({ video: this.#videoConstraints() });
        ending = this.video;
        this.video = s.getVideoTracks()[0] ?? null;
      } catch (e) {
        this.videoId = before;
        throw new MediaError(classify(e), e);
      }
    } else {
      const before = this.audioId;
      this.audioId = deviceId;
      try {
        const s = await api.getUserMedia({ audio: this.#audioConstraints() });
        ending = this.audio;
        this.audio = s.getAudioTracks()[0] ?? null;
        if (this.audio) this.audio.enabled = this.micOn;
      } catch (e) {
        this.audioId = before;
        throw new MediaError(classify(e), e);
      }
    }
    this.#rebuild([ending]);
  }

  /** @returns {Promise<Devices>} */
  async devices() {
    const list = (await this.devicesApi?.enumerateDevices?.()) ?? [];
    /** @param {MediaDeviceKind} kind */
    const of = (kind) => list.filter((d) => d.kind === kind && d.deviceId)
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    return { cameras: of('videoinput'), mics: of('audioinput'), speakers: of('audiooutput') };
  }

  /** The device a track comes from, for the pickers. */
  currentId(/** @type {'audio' | 'video'} */ kind) {
    const track = kind === 'audio' ? this.audio : this.video;
    return track?.getSettings().deviceId ?? (kind === 'audio' ? this.audioId : this.videoId);
  }

  /** Stop every track. */
  close() {
    const ending = [...this.stream.getTracks(), this.audio, this.video];
    this.audio = null;
    this.video = null;
    this.#rebuild(ending);
  }

  /**
   * Bring the streams up to date with `audio` and `video`, tell the
   * listeners, and only then stop the tracks left behind (`ending`).
   * @param {(MediaStreamTrack | null)[]} [ending]
   */
  #rebuild(ending = []) {
    const shown = this.camOn ? this.video : null;
    if ((this.preview.getVideoTracks()[0] ?? null) !== shown) this.preview = new MediaStream(shown ? [shown] : []);
    for (const t of this.stream.getTracks()) {
      if (t !== this.audio && t !== this.video) this.stream.removeTrack(t);
    }
    for (const t of [this.audio, this.video]) {
      if (t && !this.stream.getTracks().includes(t)) this.stream.addTrack(t);
    }
    this.emit('tracks', this.tracks());
    for (const t of new Set(ending)) if (t && t !== this.audio && t !== this.video) t.stop();
  }
}
