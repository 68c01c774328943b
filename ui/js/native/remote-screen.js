// A screen a peer shares with the native engine: the engine forwards the
// second video section's frames on a channel of their own (src-tauri
// media::peer::receive), decoded here as the camera's are (video-sink.js).
// Also what peer.js needs to tell it from the camera, as in a browser: each
// transceiver's mid from the descriptions, in section order, and a received
// screen's direction from the other side's offer (inactive once it stops),
// so peer.js's #pruneScreen takes the screen off the stage. No Tauri here.
import { VideoSink } from './video-sink.js';

/**
 * @typedef {import('./video-sink.js').Canvases} Canvases
 * @typedef {{ kind: string, mid: string | null, direction: string }} Section
 */

/**
 * The media sections of `sdp`, in order.
 * @param {string} sdp
 * @returns {Section[]}
 */
export function sections(sdp) {
  return sdp.split(/\r?\nm=/).slice(1).map((text) => ({
    kind: text.split(' ')[0],
    mid: /\r?\na=mid:(\S+)/.exec(text)?.[1] ?? null,
    direction: /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(text)?.[1] ?? 'sendrecv',
  }));
}

/**
 * Give each transceiver the mid of its section (the n-th of its kind is
 * the n-th section of that kind, as both are made in the same order), and
 * each received screen the direction the other side's offer gives it.
 * @param {any[]} transceivers
 * @param {string} sdp
 * @param {boolean} theirOffer
 */
export function match(transceivers, sdp, theirOffer) {
  const all = sections(sdp);
  for (const kind of ['audio', 'video']) {
    const of = all.filter((s) => s.kind === kind);
    const ours = transceivers.filter((t) => t.receiver.track.kind === kind);
    ours.forEach((t, i) => {
      const s = of[i];
      if (!s) return;
      t.mid = s.mid;
      if (theirOffer && t.screenIn) t.direction = s.direction === 'sendonly' || s.direction === 'sendrecv' ? 'recvonly' : 'inactive';
    });
  }
}

/** The screen a peer shares, decoded into a canvas like its camera. */
export class RemoteScreen {
  /** @type {VideoSink | null} */
  sink = null;

  /**
   * @param {Canvases} canvases
   * @param {() => void} askKey  asks the sharer for a key frame
   */
  constructor(canvases, askKey) {
    this.canvases = canvases;
    this.askKey = askKey;
  }

  /**
   * One frame from the engine; true when it made the sink (a new track).
   * @param {ArrayBuffer} buffer
   */
  push(buffer) {
    const made = !this.sink;
    if (!this.sink) this.sink = new VideoSink(this.canvases, this.askKey);
    this.sink.push(buffer);
    return made;
  }

  close() { this.sink?.close(); }
}
