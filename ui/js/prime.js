// A connection made before its peer is known, so that the next one to
// join gets an offer at once (docs/performance.md); peer.js takes it over.
import { lanSdp } from './lan-sdp.js';

/**
 * @typedef {import('./engine.js').Engine} Engine
 * @typedef {import('./engine.js').PeerConnection} PeerConnection
 * @typedef {import('./peer.js').MediaKind} MediaKind
 * @typedef {import('./peer.js').LocalTracks} LocalTracks
 */

/**
 * @typedef {object} Primed  a connection made before its peer is known (see prime)
 * @property {PeerConnection} pc
 * @property {Record<MediaKind, RTCRtpTransceiver>} slots
 * @property {RTCDataChannel} channel
 */

/**
 * A connection made ahead of the next peer: our transceivers and data
 * channel added, the offer made and applied, candidates gathering. Someone
 * who joins then gets this offer the moment the host says so, instead of
 * after a connection, an offer and the first candidates are made (half the
 * time of a LAN call's set-up, docs/performance.md).
 * @param {Engine} engine
 * @param {RTCConfiguration} config
 * @param {LocalTracks} local
 * @param {PeerConnection | null} [blank]  a bare connection to use, else a new one
 * @returns {Promise<Primed>}
 */
export async function prime(engine, config, local, blank = null) {
  const pc = blank ?? engine.createPeerConnection(config);
  try {
    /** @type {Record<MediaKind, RTCRtpTransceiver>} */
    const slots = {
      audio: pc.addTransceiver(local.audio ?? 'audio', { direction: 'sendrecv', streams: [local.stream] }),
      video: pc.addTransceiver(local.video ?? 'video', { direction: 'sendrecv', streams: [local.stream] }),
    };
    const channel = pc.createDataChannel('lancall');
    const created = await pc.createOffer();
    await pc.setLocalDescription({ type: created.type, sdp: lanSdp(created.sdp ?? '') });
    return { pc, slots, channel };
  } catch (e) {
    pc.close();
    throw e;
  }
}
