// Generated from the Rust types by `make types` (ts-rs); do not edit.
// The native engine's bridge (src-tauri/src/app/native/bridge.rs): the events
// of each peer's channel and what the native_* commands take and answer.

/**
 * `{"type": "offer", "sdp": "v=0\r\n…"}`, as ui/js/peer.js relays it.
 */
export type SessionDescription = { type: SdpType, sdp: string, };

/**
 * What kind of description: the `type` of an `RTCSessionDescriptionInit`.
 */
export type SdpType = "offer" | "answer" | "pranswer" | "rollback";

/**
 * `RTCIceCandidateInit` as `RTCIceCandidate.toJSON()` gives it. An empty
 * `candidate` is the end-of-candidates marker.
 */
export type IceCandidate = { candidate: string, sdpMid?: string | null, sdpMLineIndex?: number | null, usernameFragment?: string | null, };

/**
 * One URL or several, as RTCIceServer has them.
 */
export type Urls = string | Array<string>;

/**
 * One RTCIceServer.
 */
export type IceServer = { urls: Urls, username?: string, credential?: string, };

/**
 * RTCIceTransportPolicy.
 */
export type IcePolicy = "all" | "relay";

/**
 * The part of RTCConfiguration about ICE, as the page passes it.
 */
export type IceConfig = { iceServers: Array<IceServer>, iceTransportPolicy?: IcePolicy, };

/**
 * Which stream: a camera gives video, a microphone audio.
 */
export type Kind = "audio" | "video";

/**
 * Frames that went through this peer's decoders so far.
 */
export type Counters = { 
/**
 * Encoded video frames received (after depayloading).
 */
video_frames_received: number, 
/**
 * Encoded frames of a screen the other side shares, received.
 */
screen_frames_received: number, 
/**
 * Video frames decoded (only with `Config::decode_video`).
 */
video_frames_decoded: number, 
/**
 * Opus frames decoded.
 */
audio_frames_decoded: number, 
/**
 * Decoded audio buffers handed to the engine's playback mixer.
 */
audio_frames_played: number, };

/**
 * One stream's loudness so far, as getStats fields.
 */
export type AudioLevel = { 
/**
 * The last interval's peak, linear (1 is full scale): `audioLevel`.
 */
level: number, 
/**
 * Sum of the squared RMS times each interval's length: `totalAudioEnergy`.
 */
energy: number, 
/**
 * Seconds of audio measured: `totalSamplesDuration`.
 */
duration: number, };

/**
 * One event of one peer, named and shaped as RTCPeerConnection's, which
 * `NativePeerConnection` re-dispatches to the client.
 */
export type NativeEvent = { "type": "negotiationneeded" } | { "type": "icecandidate", candidate: IceCandidate, } | { "type": "connectionstatechange", state: RTCPeerConnectionState, } | { "type": "iceconnectionstatechange", state: RTCIceConnectionState, } | { "type": "signalingstatechange", state: RTCSignalingState, } | { "type": "track", kind: 'audio' | 'video' | 'screen', } | { "type": "channel", open: boolean, } | { "type": "message", data: string, } | { "type": "error", message: string, };

/**
 * `native_engine_check`: the engine can run here.
 */
export type EngineCheck = { 
/**
 * Whether the page previews the engine's own video (else it opens the
 * camera itself: WebKitGTK's mock camera in tests).
 */
preview: boolean, };

/**
 * `native_stats`: the engine's frame counters and webrtcbin's statistics.
 */
export type PeerStats = { counters: Counters, 
/**
 * webrtcbin's `get-stats` structure, as JSON (null when not asked for).
 */
report: Record<string, unknown> | null, connection: RTCPeerConnectionState, 
/**
 * Remote video frames dropped on their way to the page because it fell
 * behind (`native::frames`).
 */
video_frames_dropped: number, 
/**
 * How loud the peer's audio has been: getStats' inbound audio fields.
 */
audio_in: AudioLevel, 
/**
 * How loud our microphone has been (silence while muted): getStats' media-source.
 */
audio_out: AudioLevel, };

/**
 * A camera or microphone in the shape of `MediaDeviceInfo`, whose id is
 * the engine's device string.
 */
export type DeviceInfo = { deviceId: string, kind: 'videoinput' | 'audioinput', label: string, groupId: string, };

/**
 * `native_current_devices`: the device strings captured now (or to be
 * opened when the engine starts); none is the default.
 */
export type CurrentDevices = { video: string | null, audio: string | null, };

/**
 * `native_screen_start`: what is shared.
 */
export type ScreenShare = { 
/**
 * The whole screen goes out (`ximagesrc`), not a window or a monitor
 * the person picked: the page says so while sharing.
 */
whole: boolean, };

/**
 * Sent on `native_screen_start`'s `ended` channel when the share ended by
 * itself (never for `native_screen_stop`).
 */
export type ScreenEnded = { 
/**
 * Why, for the log.
 */
reason: string, };
