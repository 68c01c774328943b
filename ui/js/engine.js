// The peer-connection interface. Everything above this module talks to a
// `PeerConnection` made by an `Engine`; the webview engine hands out the
// browser's own RTCPeerConnection. A native engine (Linux WebKitGTK has no
// RTCPeerConnection; lancall's Rust side will drive GStreamer's webrtcbin)
// plugs in by implementing the same small surface, without touching the rest.

/**
 * The part of RTCPeerConnection lancall uses; a native engine implements
 * exactly this (events through addEventListener).
 * @typedef {Pick<RTCPeerConnection,
 *   'addTransceiver' | 'getTransceivers' | 'createOffer' | 'createAnswer' | 'createDataChannel' | 'setLocalDescription' |
 *   'setRemoteDescription' | 'addIceCandidate' | 'restartIce' | 'getStats' | 'close' |
 *   'addEventListener' | 'removeEventListener' | 'connectionState' | 'iceConnectionState' |
 *   'signalingState' | 'localDescription' | 'remoteDescription'>} PeerConnection
 */

/**
 * @typedef {object} Engine
 * @property {string} name  'webview' or the native engine's name
 * @property {(config: RTCConfiguration) => PeerConnection} createPeerConnection
 * @property {() => void} [warmUp]  pay for the first connection early (before Join)
 * @property {(mic: boolean, cam: boolean) => void} [setSending]  an engine that captures by
 *   itself (the native one) turns its microphone and camera on and off here
 * @property {MediaDevices} [mediaDevices]  where such an engine's camera is to be
 *   previewed from, instead of the page's own getUserMedia
 * @property {() => void} [release]  such an engine stops capturing (out of a call)
 * @property {(track: MediaStreamTrack) => HTMLCanvasElement | null} [canvasFor]  the canvas one of
 *   this engine's video tracks is drawn into, for a view to show instead of a <video> (the native
 *   engine's: WebKitGTK garbles a canvas's captureStream() in <video>); null for any other track
 * @property {() => import('./screen.js').ScreenShare} [screenShare]  an engine that captures the
 *   screen by itself (the native one) shares it through this instead of getDisplayMedia
 */

/**
 * The engine backed by the page's RTCPeerConnection, or null if there is none.
 * @param {typeof globalThis} [scope]
 * @returns {Engine | null}
 */
export function webviewEngine(scope = globalThis) {
  const Ctor = scope.RTCPeerConnection;
  if (typeof Ctor !== 'function') return null;
  return {
    name: 'webview',
    createPeerConnection: (config) => new Ctor(config),
  };
}

/**
 * The engine to call with: the webview's own when it has one (picked by
 * feature, never by OS name), else a native one if the platform offers it.
 * @param {{ native?: () => Engine | null, scope?: typeof globalThis }} [options]
 * @returns {Engine | null}
 */
export function pickEngine(options = {}) {
  return webviewEngine(options.scope) ?? options.native?.() ?? null;
}

/**
 * ICE servers: none on a LAN (host candidates are enough); other networks
 * can pass `?ice=stun:host:3478,turn:user:pass@host:3478` or set them in the
 * platform settings.
 * @param {string} spec  comma-separated URLs, optionally with user:pass@
 * @returns {RTCIceServer[]}
 */
export function parseIceServers(spec) {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((url) => {
    const m = url.match(/^(stuns?|turns?):([^:@]+):([^@]+)@(.+)$/);
    return m ? { urls: `${m[1]}:${m[4]}`, username: m[2], credential: m[3] } : { urls: url };
  });
}
