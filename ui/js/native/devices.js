// The native engine's camera and microphone, as a MediaDevices look-alike
// (getUserMedia, enumerateDevices) for LocalMedia: the engine captures, the
// page previews the engine's own encoded video (a VideoSink). No Tauri here:
// the engine passes its Bridge.
import { VideoSink } from './video-sink.js';

/**
 * @typedef {import('./engine.js').Bridge} Bridge
 * @typedef {import('./video-sink.js').Canvases} Canvases
 */

/**
 * The exact device id a getUserMedia constraint asks for, if any.
 * @param {boolean | MediaTrackConstraints | undefined} c
 * @returns {string}
 */
function exactId(c) {
  const d = typeof c === 'object' ? c.deviceId : undefined;
  const id = typeof d === 'object' && !Array.isArray(d) ? d.exact : d;
  return typeof id === 'string' ? id : '';
}

/**
 * The camera and microphone as the engine captures them, in the shape
 * LocalMedia uses: video is the engine's own encoded preview, decoded here,
 * so the camera is opened once, by the engine; audio is a silent track
 * (the engine sends the microphone itself). Devices are the engine's
 * (`native_devices`); asking for one by id switches the engine's capture,
 * mid-call too, and each track's settings name the device in use.
 */
export class NativeDevices {
  /** @type {AudioContext | null} */
  #audio = null;
  #bridge;
  #canvases;

  /**
   * @param {Bridge} bridge
   * @param {Canvases} canvases  the engine's registry of preview canvases
   */
  constructor(bridge, canvases) {
    this.#bridge = bridge;
    this.#canvases = canvases;
  }

  /** @param {MediaStreamConstraints} [constraints] */
  async getUserMedia(constraints = {}) {
    // Devices first, so an engine that starts now opens the ones asked for.
    for (const kind of /** @type {const} */ (['video', 'audio'])) {
      const id = constraints[kind] ? exactId(constraints[kind]) : '';
      if (!id) continue;
      try {
        await this.#bridge.invoke('native_use_device', { kind, device: id });
      } catch (e) {
        // The engine's {code, message}: the device is gone, busy or silent.
        throw new DOMException(/** @type {any} */ (e)?.message ?? String(e), 'NotFoundError');
      }
    }
    /** @type {MediaStreamTrack[]} */
    const tracks = [];
    if (constraints.video) {
      const sink = new VideoSink(this.#canvases);
      const channel = this.#bridge.channel((b) => { if (sink.track.readyState === 'live') sink.push(b); });
      try {
        await this.#bridge.invoke('native_preview', { channel });
      } catch (e) {
        sink.close();
        throw new DOMException(/** @type {any} */ (e)?.message ?? 'the engine has no camera', 'NotFoundError');
      }
      tracks.push(sink.track);
    }
    if (constraints.audio) {
      this.#audio ??= new AudioContext();
      tracks.push(...this.#audio.createMediaStreamDestination().stream.getAudioTracks());
    }
    /** @type {Partial<import('../types/native').CurrentDevices>} */
    const current = await this.#bridge.invoke('native_current_devices').catch(() => ({}));
    for (const track of tracks) {
      const deviceId = (track.kind === 'video' ? current.video : current.audio) ?? undefined;
      const settings = track.getSettings.bind(track);
      track.getSettings = () => ({ ...settings(), deviceId });
    }
    return new MediaStream(tracks);
  }

  /** @returns {Promise<MediaDeviceInfo[]>} */
  async enumerateDevices() {
    /** @type {unknown} */
    let list = [];
    try {
      list = await this.#bridge.invoke('native_devices');
    } catch (e) {
      console.warn('lancall: the engine listed no devices', e);
    }
    if (!Array.isArray(list)) return [];
    return list.filter((d) => d && typeof d.deviceId === 'string' && (d.kind === 'videoinput' || d.kind === 'audioinput'))
      .map((d) => {
        const info = { deviceId: d.deviceId, kind: d.kind, label: String(d.label ?? ''), groupId: '' };
        return /** @type {MediaDeviceInfo} */ ({ ...info, toJSON: () => info });
      });
  }
}
