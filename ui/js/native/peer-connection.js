// Size: one class, RTCPeerConnection's surface over the engine, kept whole;
// its data channel and the screen it receives are modules of their own.
// NativePeerConnection: one connection backed by a webrtcbin in the app,
// with the RTCPeerConnection surface peer.js uses (engine.js PeerConnection)
// over the engine's commands (`native_*`) and its per-peer event channel
// (src-tauri/src/app/native/bridge.rs NativeEvent). Also its data channel.
// No Tauri here: the engine passes its Bridge. No DOM beyond the canvas of
// the remote video's VideoSink.
import { NativeDataChannel } from './data-channel.js';
import { RemoteScreen, match } from './remote-screen.js';
import { VideoSink } from './video-sink.js';

/**
 * @typedef {import('./engine.js').Bridge} Bridge
 * @typedef {import('./video-sink.js').Canvases} Canvases
 * @typedef {import('../types/native').NativeEvent} NativeEvent
 */

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

/**
 * One connection, backed by a webrtcbin in the app.
 *
 * `negotiationneeded` works as a browser's: a change that needs an offer
 * (addTransceiver, createDataChannel, restartIce) raises the
 * negotiation-needed flag, and the event fires once, in a task of its own,
 * when the signaling state is stable, no description is being made or
 * applied and an offer is still owed; applying our offer clears the flag,
 * rolling it back raises it again. The engine sends `negotiationneeded`
 * too (webrtcbin's on-negotiation-needed, and native_restart_ice), but for
 * the very changes counted here (the data channel, the senders createOffer
 * attaches, an ICE restart) and late, over IPC, often after peer.js has
 * already offered for them: dispatched as it comes, peer.js (which offers
 * on every negotiationneeded, as a browser fires it once per need) would
 * offer twice. So the engine's event only has the flag checked again.
 * The engine's `signalingstatechange` updates signalingState between our
 * own description calls; during one, the call's answer is the state.
 */
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
  /** The screen the peer shares. @type {RemoteScreen} */
  #screenIn;
  #closed = false;
  /** A new webrtcbin is being made and connected (restartIce). */
  #rebuilding = false;
  #negotiationQueued = false;
  /** Changes that need an offer so far (the negotiation-needed flag is #changes > #negotiated). */
  #changes = 0;
  /** How many of them the local offer in force carries… */
  #negotiated = 0;
  /** …and the one before it, for when that offer is rolled back. */
  #negotiatedBefore = 0;
  /** How many of them the last offer made carries. */
  #offered = 0;
  /** The #changes negotiationneeded last fired for (reset back in stable, or when an offer is rolled back: owed again). */
  #firedFor = -1;
  /** Description calls under way (createOffer, createAnswer, setLocal/RemoteDescription). */
  #describing = 0;
  /** Calls to the engine, one at a time and in order (async commands may otherwise overtake). */
  #chain = Promise.resolve();
  #bridge;
  #canvases;
  /** @type {Promise<string>} */
  #id;

  /**
   * @param {Bridge} bridge
   * @param {Canvases} canvases  the engine's registry of video canvases
   * @param {RTCConfiguration} [config]  its STUN/TURN servers and policy go to webrtcbin
   */
  constructor(bridge, canvases, config = {}) {
    super();
    this.#bridge = bridge;
    this.#canvases = canvases;
    const events = bridge.channel((m) => this.#onEvent(m));
    const video = bridge.channel((b) => this.#onFrame(b));
    const screen = bridge.channel((b) => this.#onScreenFrame(b));
    this.#screenIn = new RemoteScreen(canvases, () => { this.#call('native_request_keyframe', { screen: true }).catch(() => {}); });
    /** @type {import('../types/native').IceConfig} */
    const ice = { iceServers: (config.iceServers ?? []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })) };
    if (config.iceTransportPolicy) ice.iceTransportPolicy = config.iceTransportPolicy;
    this.#id = bridge.invoke('native_peer_create', { events, video, screen, config: ice }).then((id) => String(id));
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
   * A description call: while it runs, the engine's own signaling states
   * and negotiationneeded wait (see the class comment).
   * @param {string} cmd
   * @param {Record<string, unknown>} [args]
   */
  async #describe(cmd, args) {
    this.#describing += 1;
    try {
      return await this.#call(cmd, args);
    } finally {
      this.#describing -= 1;
      this.#queueNegotiation();
    }
  }

  /**
   * @param {MediaStreamTrack | string} trackOrKind
   * @param {RTCRtpTransceiverInit} [init]
   */
  addTransceiver(trackOrKind, init = {}) {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const direction = init.direction ?? 'sendrecv';
    const t = this.#transceiver(kind, direction);
    // A sendonly video after the camera's: our shared screen (peer.js setScreen).
    if (kind === 'video' && direction === 'sendonly') this.#screenSender(t);
    this.#needOffer();
    return t;
  }

  /**
   * Our screen's transceiver: the engine sends its screen on one of its own
   * while it is sendonly; a direction set later (peer.js stops a share with
   * 'inactive') goes to the engine and needs an offer, as in a browser.
   * @param {any} t
   */
  #screenSender(t) {
    let direction = t.direction;
    const send = () => this.#call('native_screen_send', { on: direction === 'sendonly' })
      .catch((e) => console.warn('lancall: the native engine could not send the screen', e));
    Object.defineProperty(t, 'direction', {
      enumerable: true,
      get: () => direction,
      set: (/** @type {RTCRtpTransceiverDirection} */ d) => {
        if (d === direction) return;
        direction = d;
        send();
        this.#needOffer();
      },
    });
    send();
  }

  getTransceivers() { return [...this.#transceivers]; }

  /** @param {string} label */
  createDataChannel(label) {
    const channel = new NativeDataChannel(label, (text) => { this.#call('native_send', { text }).catch(() => {}); });
    this.#channel = channel;
    this.#call('native_create_data_channel', { label }).catch((e) => console.warn('lancall: no data channel', e));
    this.#needOffer();
    return channel;
  }

  async createOffer() {
    this.#offered = this.#changes;
    return /** @type {RTCSessionDescriptionInit} */ (await this.#describe('native_create_offer'));
  }

  async createAnswer() {
    return /** @type {RTCSessionDescriptionInit} */ (await this.#describe('native_create_answer'));
  }

  /** @param {RTCSessionDescriptionInit} description */
  async setLocalDescription(description) {
    /** @type {import('../types/native').SessionDescription} */
    const d = { type: description.type, sdp: description.sdp ?? '' };
    const state = await this.#describe('native_set_local_description', { description: d });
    if (d.type === 'rollback') {
      this.#negotiated = this.#negotiatedBefore;
      this.#firedFor = -1;
      this.#setSignaling(state);
      return;
    }
    if (d.type === 'offer') {
      this.#negotiatedBefore = this.#negotiated;
      this.#negotiated = this.#offered;
    }
    // Set before the state's event, as a browser does: its listeners read it.
    this.localDescription = d;
    match(this.#transceivers, d.sdp, false);
    this.#setSignaling(state);
    this.#settle();
  }

  /** @param {RTCSessionDescriptionInit} description */
  async setRemoteDescription(description) {
    /** @type {import('../types/native').SessionDescription} */
    const d = { type: description.type, sdp: description.sdp ?? '' };
    if (d.type === 'offer' && this.signalingState === 'have-local-offer') {
      // A browser rolls back its own offer implicitly; webrtcbin is told.
      const state = await this.#describe('native_set_remote_description', { description: { type: 'rollback', sdp: '' } });
      this.#negotiated = this.#negotiatedBefore;
      this.#firedFor = -1;
      this.#setSignaling(state);
    }
    const state = await this.#describe('native_set_remote_description', { description: d });
    // The description and the transceivers it makes come before the state's
    // event, as in a browser: its listeners read them.
    this.remoteDescription = d;
    if (d.type === 'offer') {
      // A transceiver for each section (a shared screen is a second video one).
      for (const kind of /** @type {const} */ (['audio', 'video'])) {
        const want = mediaKinds(d.sdp).filter((k) => k === kind).length;
        const have = this.#transceivers.filter((t) => t.receiver.track.kind === kind).length;
        for (let i = have; i < want; i += 1) {
          const t = this.#transceiver(kind, 'recvonly');
          t.screenIn = kind === 'video' && i > 0;
        }
      }
    }
    const before = this.#screenReceiving();
    match(this.#transceivers, d.sdp, d.type === 'offer');
    this.#setSignaling(state);
    this.#settle();
    // Shared again after a stop: the track comes back, as in a browser.
    if (!before && this.#screenReceiving() && this.#screenIn.sink) this.#screenTrack();
  }

  /** Whether a received screen's transceiver receives now. */
  #screenReceiving() {
    return this.#transceivers.some((t) => t.screenIn && t.currentDirection === 'recvonly');
  }

  /** @param {unknown} buffer */
  #onScreenFrame(buffer) {
    if (this.#closed) return;
    if (this.#screenIn.push(/** @type {ArrayBuffer} */ (buffer))) this.#screenTrack();
  }

  /** The screen's track, on its transceiver (a second video one), as a browser's 'track'. */
  #screenTrack() {
    const sink = this.#screenIn.sink;
    const transceiver = this.#transceivers.find((t) => t.screenIn);
    if (!sink || !transceiver) return;
    transceiver.receiver = { track: sink.track };
    this.dispatchEvent(event('track', { track: sink.track, streams: [sink.stream], receiver: transceiver.receiver, transceiver }));
  }

  /** @param {RTCIceCandidateInit} candidate */
  async addIceCandidate(candidate) {
    if (!candidate?.candidate) return;
    /** @type {import('../types/native').IceCandidate} */
    const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
    await this.#call('native_add_ice_candidate', { candidate: init });
  }

  /**
   * GStreamer 1.22's webrtcbin cannot restart ICE: the engine puts a new one
   * in its place, given the session so far (media::peer::handle), and the
   * offer owed from now carries its new ICE credentials, as a browser's
   * restartIce() offer does. The remote video keeps its sink: the new
   * webrtcbin's frames come on the same channel. Until the new one
   * connects, the connection says "disconnected" (the tile: reconnecting).
   */
  restartIce() {
    if (this.#closed) return;
    this.#rebuilding = true;
    this.#setConnection('disconnected');
    this.#describe('native_restart_ice').then((state) => {
      this.#setSignaling(state);
      this.#needOffer();
    }, (e) => {
      this.#rebuilding = false;
      console.warn('lancall: the native engine could not restart ICE', e);
      this.dispatchEvent(event('engineerror', { message: String(e?.message ?? e) }));
    });
  }

  /**
   * An RTCStatsReport-like map: what the page decoded and what the engine
   * counted, and how loud the peer's audio and our microphone were (the
   * engine's `level` elements, media::meter) in a browser's fields, so
   * call/speaker.js reads both engines alike.
   */
  async getStats() {
    /** @type {Map<string, any>} */
    const report = new Map();
    const v = this.#video;
    /** @type {import('../types/native').PeerStats | null} */
    let native = null;
    // Without webrtcbin's own report (nothing here reads it): this runs a
    // few times a second for the speaker's ring (call/speaker.js).
    try { native = await this.#call('native_stats', { report: false }); } catch { /* closed */ }
    /** @type {Partial<import('../types/native').Counters>} */
    const counters = native?.counters ?? {};
    report.set('native-codec-vp8', { id: 'native-codec-vp8', type: 'codec', mimeType: 'video/VP8' });
    report.set('native-inbound-video', {
      id: 'native-inbound-video', type: 'inbound-rtp', kind: 'video', codecId: 'native-codec-vp8',
      framesReceived: counters.video_frames_received ?? 0,
      framesDecoded: v?.framesDecoded ?? 0,
      framesDropped: native?.video_frames_dropped ?? 0, // by the engine's queue, the page behind
      frameWidth: v?.width || undefined, frameHeight: v?.height || undefined,
    });
    /** @param {import('../types/native').AudioLevel | undefined} l */
    const loudness = (l) => (l ? { audioLevel: l.level, totalAudioEnergy: l.energy, totalSamplesDuration: l.duration } : {});
    report.set('native-inbound-audio', {
      id: 'native-inbound-audio', type: 'inbound-rtp', kind: 'audio', packetsReceived: counters.audio_frames_decoded ?? 0,
      ...loudness(native?.audio_in),
    });
    if (native?.audio_out) {
      report.set('native-source-audio', { id: 'native-source-audio', type: 'media-source', kind: 'audio', ...loudness(native.audio_out) });
    }
    return report;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#screenIn.close();
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
      mid: /** @type {string | null} */ (null),
      /** It receives the screen the peer shares (a video section after the camera's). */
      screenIn: false,
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

  /** A change that needs an offer: raise the flag. */
  #needOffer() {
    this.#changes += 1;
    this.#queueNegotiation();
  }

  /** As a browser does: once, when stable and an offer is owed, in a task of its own. */
  #queueNegotiation() {
    if (this.#negotiationQueued || this.#closed) return;
    this.#negotiationQueued = true;
    setTimeout(() => {
      this.#negotiationQueued = false;
      if (this.#closed || this.signalingState !== 'stable' || this.#describing > 0) return;
      if (this.#changes <= this.#negotiated || this.#changes === this.#firedFor) return;
      // Once per need, as a browser: an offer that failed to be made is not
      // asked for again until something changes (the engine's own
      // negotiationneeded and state events would otherwise ask at once,
      // over and over, while the cause stays).
      this.#firedFor = this.#changes;
      this.dispatchEvent(event('negotiationneeded'));
    }, 0);
  }

  /** After a description is applied: transceivers take their direction. */
  #settle() {
    if (this.signalingState !== 'stable') return;
    for (const t of this.#transceivers) if (t.direction !== 'stopped') t.currentDirection = t.direction;
  }

  /** @param {RTCPeerConnectionState} state */
  #setConnection(state) {
    if (state === this.connectionState || this.#closed) return;
    this.connectionState = state;
    this.dispatchEvent(event('connectionstatechange'));
  }

  /** @param {unknown} state */
  #setSignaling(state) {
    const s = /** @type {RTCSignalingState} */ (typeof state === 'string' ? state : this.signalingState);
    if (s === this.signalingState || this.#closed) return;
    this.signalingState = s;
    this.dispatchEvent(event('signalingstatechange'));
    // Back to stable with an offer still owed (ours was rolled back, or a
    // change came meanwhile): a browser fires negotiationneeded now.
    if (s === 'stable') {
      this.#firedFor = -1;
      this.#queueNegotiation();
    }
  }

  /** @param {NativeEvent | null | undefined} m  an engine event (bridge.rs NativeEvent) */
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
        // A new webrtcbin starts at "new": still reconnecting, to the person.
        if (this.#rebuilding && m.state !== 'connected') break;
        this.#rebuilding = false;
        this.#setConnection(m.state);
        break;
      case 'iceconnectionstatechange':
        this.iceConnectionState = m.state;
        this.dispatchEvent(event('iceconnectionstatechange'));
        break;
      case 'signalingstatechange':
        // During a description call its answer is the state; the event
        // may come before or after it (see the class comment).
        if (this.#describing === 0) this.#setSignaling(m.state);
        break;
      case 'negotiationneeded':
        // Only the flag decides (see the class comment).
        this.#queueNegotiation();
        break;
      case 'track':
        if (m.kind === 'video') this.#remoteVideo();
        break;
      case 'channel':
        if (!this.#channel && m.open) {
          // The other side opened it: like RTCPeerConnection's 'datachannel'.
          this.#channel = new NativeDataChannel('lancall', (text) => { this.#call('native_send', { text }).catch(() => {}); });
          this.dispatchEvent(event('datachannel', { channel: this.#channel }));
        } else if (m.open && this.#channel?.readyState === 'open') {
          // Opened again while open: a rebuilt webrtcbin's new association
          // (the old one closed without a word). Say so, as a browser's new
          // channel would: what was sent in between is lost (verify.js says
          // its messages again).
          this.#channel.setState(false);
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
    const sink = new VideoSink(this.#canvases, () => { this.#call('native_request_keyframe').catch(() => {}); });
    this.#video = sink;
    const transceiver = this.#transceivers.find((t) => t.receiver.track.kind === 'video') ?? null;
    this.dispatchEvent(event('track', { track: sink.track, streams: [sink.stream], receiver: { track: sink.track }, transceiver }));
  }
}
