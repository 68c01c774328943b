// The native engine as an Engine (engine.js): the app's GStreamer webrtcbin
// (src-tauri/src/app/native/) behind the part of RTCPeerConnection lancall
// uses, for webviews without one (Linux WebKitGTK). peer.js drives it
// exactly as it drives a browser's connection.
//
// Media: the engine captures and sends by itself (camera and microphone, or
// a test pattern), so transceivers only keep the bookkeeping peer.js expects
// (peer-connection.js). Remote video arrives as encoded VP8 frames on a
// channel, decoded with WebCodecs into a canvas whose captureStream() is the
// remote track (video-sink.js); the view shows that canvas itself, found
// through `canvasFor`. Remote audio plays in the engine. The preview comes
// from the engine too (devices.js).
//
// No Tauri here: platform.js passes `invoke` and a `channel` maker.
import { NativeDevices } from './devices.js';
import { NativePeerConnection } from './peer-connection.js';
import { NativeScreenShare } from './screen.js';

/**
 * @typedef {import('../engine.js').Engine} Engine
 * @typedef {import('../engine.js').PeerConnection} PeerConnection
 * @typedef {import('./video-sink.js').Canvases} Canvases
 * @typedef {(cmd: string, args?: Record<string, unknown>) => Promise<any>} Invoke
 * @typedef {object} Bridge
 * @property {Invoke} invoke
 * @property {(onMessage: (message: any) => void) => unknown} channel  a Tauri IPC channel to pass as an argument
 */

/**
 * The engine over the app's native commands.
 * @param {Bridge} bridge
 * @param {{ preview?: boolean }} [options]  preview: the page shows the
 *   engine's own video instead of opening the camera (see NativeDevices)
 * @returns {Engine}
 */
export function createNativeEngine(bridge, options = {}) {
  /** The canvas each of this engine's video tracks draws into. @type {Canvases} */
  const canvases = new WeakMap();
  return {
    name: 'native',
    mediaDevices: options.preview ? /** @type {MediaDevices} */ (/** @type {unknown} */ (new NativeDevices(bridge, canvases))) : undefined,
    createPeerConnection: (config) => /** @type {PeerConnection} */ (/** @type {unknown} */ (new NativePeerConnection(bridge, canvases, config))),
    // The engine's first connection starts its pipeline, which is slow;
    // one made and closed on the pre-join screen pays for that early.
    warmUp: () => new NativePeerConnection(bridge, canvases).close(),
    setSending: (mic, cam) => { bridge.invoke('native_set_media', { mic, cam }).catch(() => {}); },
    release: () => { bridge.invoke('native_engine_stop').catch(() => {}); },
    canvasFor: (track) => canvases.get(track) ?? null,
    screenShare: () => new NativeScreenShare(bridge),
  };
}
