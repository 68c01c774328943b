// The native engine: the app's GStreamer webrtcbin (src-tauri/src/app/
// native_engine.rs) behind the part of RTCPeerConnection lancall uses (see
// engine.js), for webviews without one (Linux WebKitGTK). peer.js drives it
// exactly as it drives a browser's connection.
//
// Media: the engine captures and sends by itself (camera and microphone, or
// a test pattern), so transceivers here only keep the bookkeeping peer.js
// expects. Remote video arrives as encoded VP8 frames on a channel, decoded
// with WebCodecs into a canvas whose captureStream() is the remote track, so
// the tiles set video.srcObject as usual. Remote audio plays in the engine.
//
// No Tauri here: platform.js passes `invoke` and a `channel` maker. No DOM
// beyond an off-screen canvas per remote video.

/**
 * @typedef {import('./engine.js').Engine} Engine
 * @typedef {import('./engine.js').PeerConnection} PeerConnection
 * @typedef {(cmd: string, args?: Record<string, unknown>) => Promise<any>} Invoke
 * @typedef {object} Bridge
 * @property {Invoke} invoke
 * @property {(onMessage: (message: any) => void) => unknown} channel  a Tauri IPC channel to pass as an argument
 */

/**
 * BT.601 limited-range YUV (I420 or NV12, planes as `layout` says) to RGBA.
 * @param {Uint8Array} src
 * @param {PlaneLayout[]} layout
 * @param {string} format
 * @param {number} w
 * @param {number} h
 * @param {Uint8ClampedArray} out
 */
function toRgba(src, layout, format, w, h, out) {
  const [yl, ul, vl] = layout;
  const nv12 = format === 'NV12';
  for (let y = 0; y < h; y += 1) {
    const yRow = yl.offset + y * yl.stride;
    const uRow = ul.offset + (y >> 1) * ul.stride;
    const vRow = nv12 ? uRow + 1 : vl.offset + (y >> 1) * vl.stride;
    let o = y * w * 4;
    for (let x = 0; x < w; x += 1) {
      const c = (src[yRow + x] - 16) * 298;
      const ci = nv12 ? (x >> 1) * 2 : x >> 1;
      const d = src[uRow + ci] - 128;
      const e = src[vRow + ci] - 128;
      out[o] = (c + 409 * e + 128) >> 8;
      out[o + 1] = (c - 100 * d - 208 * e + 128) >> 8;
      out[o + 2] = (c + 516 * d + 128) >> 8;
      out[o + 3] = 255;
      o += 4;
    }
  }
}

/** The canvas each remote track is captured from. @type {WeakMap<MediaStreamTrack, HTMLCanvasElement>} */
const canvases = new WeakMap();

/**
 * The canvas a native remote track draws into, for views that show it
 * directly (tile.js); null for any other track.
 * @param {MediaStreamTrack} track
 * @returns {HTMLCanvasElement | null}
 */
export function nativeCanvas(track) {
  return canvases.get(track) ?? null;
}

/** Remote video decoded into a canvas, offered as a MediaStream. */
class VideoSink {
  framesDecoded = 0;
  width = 0;
  height = 0;
  #needKey = true;
  /** @type {VideoDecoder | null} */
  #decoder = null;
  /** @type {ImageData | null} */
  #image = null;
  #askedAt = -Infinity;

  /**
   * @param {() => void} [askKey]  asks the sender for a key frame (remote
   *   video; our own encoder makes one every few seconds anyway)
   */
  constructor(askKey) {
    this.askKey = askKey;
    this.canvas = document.createElement('canvas');
    this.canvas.width = 640;
    this.canvas.height = 480;
    this.ctx = this.canvas.getContext('2d');
    // A first paint, so the stream has a frame before the first decode.
    this.ctx?.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.stream = this.canvas.captureStream(30);
    this.track = this.stream.getVideoTracks()[0];
    canvases.set(this.track, this.canvas);
  }

  /**
   * One frame from the engine: [flags u8][timestamp µs u64 LE][VP8 frame].
   * @param {ArrayBuffer} buffer
   */
  push(buffer) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 10) return;
    const view = new DataView(buffer);
    const key = (view.getUint8(0) & 1) === 1;
    if (this.#needKey && !key) {
      this.#askKey();
      return;
    }
    const decoder = this.#decoder ?? this.#open();
    if (!decoder) return;
    if (decoder.decodeQueueSize > 8) {
      // Falling behind (a busy machine): skip to the next key frame.
      this.#reset();
      this.#askKey();
      return;
    }
    this.#needKey = false;
    const timestamp = Number(view.getBigUint64(1, true));
    try {
      decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp, data: new Uint8Array(buffer, 9) }));
    } catch {
      this.#reset();
    }
  }

  #open() {
    if (typeof VideoDecoder !== 'function') return null;
    const decoder = new VideoDecoder({
      output: (frame) => { this.#draw(frame).finally(() => frame.close()); },
      error: () => this.#reset(),
    });
    decoder.configure({ codec: 'vp8' });
    this.#decoder = decoder;
    return decoder;
  }

  /**
   * Paint a decoded frame. WebKitGTK's drawImage(VideoFrame) scrambles I420
   * frames (rows of half width, measured under Xvfb), so planar frames are
   * copied out and converted to RGBA here; others are drawn as they are.
   * @param {VideoFrame} frame
   */
  async #draw(frame) {
    const w = frame.visibleRect?.width ?? frame.displayWidth;
    const h = frame.visibleRect?.height ?? frame.displayHeight;
    if (w !== this.canvas.width || h !== this.canvas.height) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.#image = null;
    }
    this.width = w;
    this.height = h;
    const ctx = this.ctx;
    if (!ctx) return;
    if (frame.format === 'I420' || frame.format === 'NV12') {
      const buf = new Uint8Array(frame.allocationSize());
      const layout = await frame.copyTo(buf);
      if (!this.#image) this.#image = ctx.createImageData(w, h);
      toRgba(buf, layout, frame.format, w, h, this.#image.data);
      ctx.putImageData(this.#image, 0, 0);
    } else {
      ctx.drawImage(frame, 0, 0, w, h);
    }
    this.framesDecoded += 1;
  }

  /** At most once a second: a key frame comes within a round trip. */
  #askKey() {
    const now = performance.now();
    if (!this.askKey || now - this.#askedAt < 1000) return;
    this.#askedAt = now;
    this.askKey();
  }

  /** After a decoding error: start again at the next key frame. */
  #reset() {
    try { this.#decoder?.close(); } catch { /* already closed */ }
    this.#decoder = null;
    this.#needKey = true;
  }

  close() {
    this.#reset();
    this.track.stop();
  }
}

/** The data channel, over the engine's. */
class NativeDataChannel extends EventTarget {
  /** @type {RTCDataChannelState} */
  readyState = 'connecting';

  /**
   * @param {string} label
   * @param {(text: string) => void} send
   */
  constructor(label, send) {
    super();
    this.label = label;
    this.sendText = send;
  }

  /** @param {string} text */
  send(text) {
    if (this.readyState !== 'open') throw new DOMException('the data channel is not open', 'InvalidStateError');
    this.sendText(String(text));
  }

  close() { this.setState(false); }

  /** @param {boolean} open */
  setState(open) {
    const state = open ? 'open' : 'closed';
    if (this.readyState === state) return;
    this.readyState = state;
    this.dispatchEvent(new Event(state === 'open' ? 'open' : 'close'));
  }
}

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
class NativeDevices {
  /** @type {AudioContext | null} */
  #audio = null;
  #bridge;

  /** @param {Bridge} bridge */
  constructor(bridge) {
    this.#bridge = bridge;
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
      const sink = new VideoSink();
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
    /** @type {{ video?: string | null, audio?: string | null }} */
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

/**
 * @param {string} sdp
 * @returns {('audio' | 'video')[]}
 */
function mediaKinds(sdp) {
  return [...sdp.matchAll(/^m=(audio|video) (\d+)/gm)].filter((m) => m[2] !== '0')
    .map((m) => /** @type {'audio' | 'video'} */ (m[1]));
}

/**
 * @param {string} type
 * @param {Record<string, unknown>} [fields]
 */
function event(type, fields = {}) {
  return Object.assign(new Event(type), fields);
}

/** One connection, backed by a webrtcbin in the app. */
export class NativePeerConnection extends EventTarget {
  /** @type {RTCPeerConnectionState} */
  connectionState = 'new';
  /** @type {RTCIceConnectionState} */
  iceConnectionState = 'new';
  /** @type {RTCSignalingState} */
  signalingState = 'stable';
  /** @type {RTCSessionDescriptionInit | null} */
  localDescription = null;
  /** @type {RTCSessionDescriptionInit | null} */
  remoteDescription = null;
  /** @type {any[]} */
  #transceivers = [];
  /** @type {NativeDataChannel | null} */
  #channel = null;
  /** @type {VideoSink | null} */
  #video = null;
  #closed = false;
  #negotiationQueued = false;
  /** Calls to the engine, one at a time and in order (async commands may otherwise overtake). */
  #chain = Promise.resolve();
  #bridge;
  /** @type {Promise<string>} */
  #id;

  /** @param {Bridge} bridge */
  constructor(bridge) {
    super();
    this.#bridge = bridge;
    const events = bridge.channel((m) => this.#onEvent(m));
    const video = bridge.channel((b) => this.#onFrame(b));
    this.#id = bridge.invoke('native_peer_create', { events, video }).then((id) => String(id));
    this.#id.catch((e) => console.warn('lancall: the native engine made no connection', e));
  }

  /**
   * @param {string} cmd
   * @param {Record<string, unknown>} [args]
   * @returns {Promise<any>}
   */
  #call(cmd, args = {}) {
    const run = async () => {
      const id = await this.#id;
      try {
        return await this.#bridge.invoke(cmd, { id, ...args });
      } catch (e) {
        // The engine's {code, message}, as an Error for the caller.
        const err = /** @type {any} */ (e);
        throw Object.assign(new Error(err?.message ?? String(e)), { code: err?.code ?? 'native' });
      }
    };
    const result = this.#chain.then(run, run);
    this.#chain = result.then(() => {}, () => {});
    return result;
  }

  /**
   * @param {MediaStreamTrack | string} trackOrKind
   * @param {RTCRtpTransceiverInit} [init]
   */
  addTransceiver(trackOrKind, init = {}) {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const t = this.#transceiver(kind, init.direction ?? 'sendrecv');
    this.#queueNegotiation();
    return t;
  }

  getTransceivers() { return [...this.#transceivers]; }

  /** @param {string} label */
  createDataChannel(label) {
    const channel = new NativeDataChannel(label, (text) => { this.#call('native_send', { text }).catch(() => {}); });
    this.#channel = channel;
    this.#call('native_create_data_channel', { label }).catch((e) => console.warn('lancall: no data channel', e));
    this.#queueNegotiation();
    return channel;
  }

  async createOffer() {
    return /** @type {RTCSessionDescriptionInit} */ (await this.#call('native_create_offer'));
  }

  async createAnswer() {
    return /** @type {RTCSessionDescriptionInit} */ (await this.#call('native_create_answer'));
  }

  /** @param {RTCSessionDescriptionInit} description */
  async setLocalDescription(description) {
    const d = { type: description.type, sdp: description.sdp ?? '' };
    this.#setSignaling(await this.#call('native_set_local_description', { description: d }));
    this.localDescription = d;
    this.#settle();
  }

  /** @param {RTCSessionDescriptionInit} description */
  async setRemoteDescription(description) {
    const d = { type: description.type, sdp: description.sdp ?? '' };
    if (d.type === 'offer' && this.signalingState === 'have-local-offer') {
      // A browser rolls back its own offer implicitly; webrtcbin is told.
      this.#setSignaling(await this.#call('native_set_remote_description', { description: { type: 'rollback', sdp: '' } }));
    }
    this.#setSignaling(await this.#call('native_set_remote_description', { description: d }));
    this.remoteDescription = d;
    if (d.type === 'offer') {
      for (const kind of mediaKinds(d.sdp)) {
        if (!this.#transceivers.some((t) => t.receiver.track.kind === kind)) this.#transceiver(kind, 'recvonly');
      }
    }
    this.#settle();
  }

  /** @param {RTCIceCandidateInit} candidate */
  async addIceCandidate(candidate) {
    if (!candidate?.candidate) return;
    await this.#call('native_add_ice_candidate', {
      candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null },
    });
  }

  /** GStreamer 1.22 cannot restart ICE itself: a new negotiation re-checks the pairs. */
  restartIce() {
    this.#call('native_restart_ice').catch(() => {});
    this.#negotiationQueued = false;
    this.#queueNegotiation();
  }

  /** An RTCStatsReport-like map: what the page decoded and what the engine counted. */
  async getStats() {
    /** @type {Map<string, any>} */
    const report = new Map();
    const v = this.#video;
    /** @type {any} */
    let native = null;
    try { native = await this.#call('native_stats'); } catch { /* closed */ }
    const counters = native?.counters ?? {};
    report.set('native-codec-vp8', { id: 'native-codec-vp8', type: 'codec', mimeType: 'video/VP8' });
    report.set('native-inbound-video', {
      id: 'native-inbound-video', type: 'inbound-rtp', kind: 'video', codecId: 'native-codec-vp8',
      framesReceived: counters.video_frames_received ?? 0,
      framesDecoded: v?.framesDecoded ?? 0,
      frameWidth: v?.width || undefined,
      frameHeight: v?.height || undefined,
    });
    report.set('native-inbound-audio', {
      id: 'native-inbound-audio', type: 'inbound-rtp', kind: 'audio', packetsReceived: counters.audio_frames_decoded ?? 0,
    });
    return report;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#channel?.setState(false);
    this.#call('native_peer_close').catch(() => {});
    this.connectionState = 'closed';
    this.signalingState = 'closed';
  }

  /**
   * @param {string} kind
   * @param {RTCRtpTransceiverDirection} direction
   */
  #transceiver(kind, direction) {
    const t = {
      mid: null,
      direction,
      currentDirection: null,
      receiver: { track: { kind } },
      sender: {
        track: null,
        /** The engine sends its own capture to every peer: camera and microphone follow
         * Engine.setSending, the device picked follows getUserMedia's deviceId (NativeDevices). */
        replaceTrack: async () => {},
        setStreams: () => {},
      },
      stop() { t.direction = 'stopped'; },
    };
    this.#transceivers.push(t);
    return t;
  }

  /** As a browser does after addTransceiver: once, when stable, in a task of its own. */
  #queueNegotiation() {
    if (this.#negotiationQueued || this.#closed) return;
    this.#negotiationQueued = true;
    setTimeout(() => {
      this.#negotiationQueued = false;
      if (!this.#closed && this.signalingState === 'stable') this.dispatchEvent(event('negotiationneeded'));
    }, 0);
  }

  /** After a description is applied: transceivers take their direction. */
  #settle() {
    if (this.signalingState !== 'stable') return;
    for (const t of this.#transceivers) if (t.direction !== 'stopped') t.currentDirection = t.direction;
  }

  /** @param {unknown} state */
  #setSignaling(state) {
    const s = /** @type {RTCSignalingState} */ (typeof state === 'string' ? state : this.signalingState);
    if (s === this.signalingState || this.#closed) return;
    this.signalingState = s;
    this.dispatchEvent(event('signalingstatechange'));
  }

  /** @param {any} m  an engine event (native_engine.rs `event_json`) */
  #onEvent(m) {
    if (this.#closed || !m || typeof m !== 'object') return;
    switch (m.type) {
      case 'icecandidate': {
        const c = m.candidate ?? {};
        const init = { candidate: String(c.candidate ?? ''), sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
        this.dispatchEvent(event('icecandidate', { candidate: { ...init, toJSON: () => init } }));
        break;
      }
      case 'connectionstatechange':
        this.connectionState = m.state;
        this.dispatchEvent(event('connectionstatechange'));
        break;
      case 'iceconnectionstatechange':
        this.iceConnectionState = m.state;
        this.dispatchEvent(event('iceconnectionstatechange'));
        break;
      case 'track':
        if (m.kind === 'video') this.#remoteVideo();
        break;
      case 'channel':
        if (!this.#channel && m.open) {
          // The other side opened it: like RTCPeerConnection's 'datachannel'.
          this.#channel = new NativeDataChannel('lancall', (text) => { this.#call('native_send', { text }).catch(() => {}); });
          this.dispatchEvent(event('datachannel', { channel: this.#channel }));
        }
        this.#channel?.setState(Boolean(m.open));
        break;
      case 'message':
        this.#channel?.dispatchEvent(new MessageEvent('message', { data: m.data }));
        break;
      case 'error':
        console.warn('lancall: native engine:', m.message);
        this.dispatchEvent(event('engineerror', { message: String(m.message ?? '') }));
        break;
      default:
        // negotiationneeded comes from our own bookkeeping (see #queueNegotiation);
        // signaling states from the commands that change them.
        break;
    }
  }

  /** @param {unknown} buffer */
  #onFrame(buffer) {
    if (this.#closed) return;
    if (!this.#video) this.#remoteVideo();
    this.#video?.push(/** @type {ArrayBuffer} */ (buffer));
  }

  #remoteVideo() {
    if (this.#video) return;
    const sink = new VideoSink(() => { this.#call('native_request_keyframe').catch(() => {}); });
    this.#video = sink;
    const transceiver = this.#transceivers.find((t) => t.receiver.track.kind === 'video') ?? null;
    this.dispatchEvent(event('track', { track: sink.track, streams: [sink.stream], receiver: { track: sink.track }, transceiver }));
  }
}

/**
 * The engine over the app's native commands.
 * @param {Bridge} bridge
 * @param {{ preview?: boolean }} [options]  preview: the page shows the
 *   engine's own video instead of opening the camera (see NativeDevices)
 * @returns {Engine}
 */
export function createNativeEngine(bridge, options = {}) {
  return {
    name: 'native',
    mediaDevices: options.preview ? /** @type {MediaDevices} */ (/** @type {unknown} */ (new NativeDevices(bridge))) : undefined,
    createPeerConnection: () => /** @type {PeerConnection} */ (/** @type {unknown} */ (new NativePeerConnection(bridge))),
    setSending: (mic, cam) => { bridge.invoke('native_set_media', { mic, cam }).catch(() => {}); },
    release: () => { bridge.invoke('native_engine_stop').catch(() => {}); },
  };
}
