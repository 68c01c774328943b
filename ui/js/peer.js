// One connection to one remote peer, negotiated the "perfect negotiation"
// way (webrtc/samples, perfect-negotiation/js/peer.js): either side may offer
// at any time; on a collision the polite side rolls back and the impolite
// side ignores the other's offer, so simultaneous offers never deadlock.
// The transport is injected (`send`), so this module knows nothing of the
// WebSocket or the DOM; the connection comes from an Engine.
import { Emitter } from './emitter.js';
import { fingerprintsOf } from './sas.js';
import { Verification } from './verify.js';
import { lanSdp } from './lan-sdp.js';
import { IceRestarts } from './ice-restart.js';
import { CUT_OFF, Inbox } from './flood.js';

/**
 * @typedef {import('./engine.js').Engine} Engine
 * @typedef {import('./engine.js').PeerConnection} PeerConnection
 * @typedef {'offer' | 'answer' | 'candidate'} SignalKind
 * @typedef {'audio' | 'video'} MediaKind
 * @typedef {{ stream: MediaStream, preview?: MediaStream, audio: MediaStreamTrack | null, video: MediaStreamTrack | null }} LocalTracks
 *   stream: what we send (its id goes with our tracks); preview: what our own tile plays
 * @typedef {import('./screen.js').ScreenTracks} ScreenTracks
 * @typedef {import('./prime.js').Primed} Primed
 */

/**
 * @typedef {object} PeerEvents
 * @property {MediaStream} stream   remote media arrived or changed (the camera's or the screen's)
 * @property {RTCPeerConnectionState} state
 * @property {any} data             an app message from the data channel
 * @property {boolean} channel      the data channel opened (true) or closed (false)
 * @property {import('./verify.js').SasState} sas  the verification's state or words changed (verify.js)
 * @property {string} problem       a signal from the other side could not be applied, an offer
 *   could not be made, or the native engine failed for this peer; the call goes on
 */

const KINDS = /** @type {const} */ (['audio', 'video']);

/** @extends {Emitter<PeerEvents>} */
export class Peer extends Emitter {
  /** @type {PeerConnection} */
  pc;
  /** The remote side's camera and microphone, for one <video>. */
  remoteStream = new MediaStream();
  /** The screen the remote side shares (its picture, and its sound where shared); no tracks while none. */
  remoteScreen = new MediaStream();
  /** Words both people should see for this connection (sas.js); '' until verified (verify.js). */
  get sas() { return this.#verification.words; }
  /** How far verifying the connection got (verify.js). */
  get sasState() { return this.#verification.state; }
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #claimed = false;
  #closed = false;
  /** @type {Record<MediaKind, RTCRtpTransceiver | null>} */
  #slots = { audio: null, video: null };
  /** @type {RTCDataChannel | null} */
  #channel = null;
  /** Our transceivers for the screen, once added; kept for the next share. @type {Record<MediaKind, RTCRtpTransceiver | null>} */
  #screenSlots = { audio: null, video: null };
  /** The pace of the data channel's messages (flood.js). */
  #inbox = new Inbox();
  /** The exchange behind the words (verify.js). */
  #verification;
  /** Whether this peer can take part in it (a seed client has no data channel). */
  #verifiable;
  /** Incoming signals, handled one at a time and in order. */
  #queue = Promise.resolve();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #offerTimer;
  /** @type {IceRestarts} */
  #restarts;
  #send;
  #local;

  /**
   * @param {object} o
   * @param {string} o.id          the remote peer's id (changes if the host restarts)
   * @param {boolean} o.polite     yields on offer collisions
   * @param {boolean} o.initiator  offers at once; the other side waits for an offer
   * @param {Engine} o.engine
   * @param {RTCConfiguration} [o.config]
   * @param {(kind: SignalKind, value: unknown) => void} o.send  the injected transport
   * @param {LocalTracks} o.local
   * @param {number} [o.offerWaitMs]  a waiting side offers itself after this long
   * @param {Primed | null} [o.primed]  an initiator's connection made ahead (see prime)
   * @param {PeerConnection | null} [o.blank]  a connection made ahead, nothing on it yet
   * @param {boolean} [o.verifiable]  the other side takes part in verifying (false: a seed client)
   */
  constructor({ id, polite, initiator, engine, config = {}, send, local, offerWaitMs = 4000, primed = null, blank = null, verifiable = true }) {
    super();
    this.#verifiable = verifiable;
    this.#verification = new Verification((m) => { this.sendData(m); });
    this.#verification.on('change', ({ state }) => this.emit('sas', state));
    this.id = id;
    this.polite = polite;
    this.#send = send;
    this.#local = { ...local };
    const pc = primed?.pc ?? blank ?? engine.createPeerConnection(config);
    this.pc = pc;
    this.#restarts = new IceRestarts(pc);
    // Every negotiationneeded makes an offer, as in webrtc/samples: the
    // connection fires it once per change that needs one, when stable (a
    // browser does; NativePeerConnection folds the engine's own, late
    // negotiationneeded into the same flag, so it never asks twice for one
    // change). Offers made while another is under way are kept out by the
    // connection, not here: #makingOffer only tells collisions apart.
    pc.addEventListener('negotiationneeded', () => this.#negotiate());
    pc.addEventListener('icecandidate', (e) => {
      const { candidate } = /** @type {RTCPeerConnectionIceEvent} */ (e);
      if (candidate && candidate.candidate) this.#send('candidate', candidate.toJSON());
    });
    pc.addEventListener('track', (e) => {
      const { track, transceiver } = /** @type {RTCTrackEvent} */ (e);
      // The camera and microphone are the first audio and video sections of
      // a connection (its first description has them, and nothing is ever
      // put before them); a screen comes later, in sections of its own. (By
      // stream id it can't be told: a GStreamer peer puts each track in a
      // stream of its own.)
      const first = pc.getTransceivers().find((t) => t.mid !== null && t.receiver.track.kind === track.kind);
      const screen = Boolean(transceiver && first) && transceiver !== first;
      const into = screen ? this.remoteScreen : this.remoteStream;
      if (!into.getTracks().includes(track)) {
        for (const old of into.getTracks()) {
          if (old.kind === track.kind) into.removeTrack(old);
        }
        into.addTrack(track);
      }
      performance.mark('lancall:track');
      this.emit('stream', this.remoteStream);
    });
    pc.addEventListener('datachannel', (e) => {
      const { channel } = /** @type {RTCDataChannelEvent} */ (e);
      // Only the client's own channel carries the call's messages: one of
      // another label (a hostile or confused peer) must not take its place.
      if (channel.label === 'lancall') this.#bind(channel);
      else channel.close();
    });
    pc.addEventListener('connectionstatechange', () => {
      this.#restarts.check();
      // Stage marks for bench/call-setup.mjs: ICE (below) and DTLS are done.
      if (pc.connectionState === 'connected') performance.mark('lancall:dtls-connected');
      this.emit('state', pc.connectionState);
    });
    // The native engine's own failures (ui/js/native/peer-connection.js); a browser's
    // RTCPeerConnection never sends this.
    pc.addEventListener('engineerror', (e) => {
      if (!this.#closed) this.emit('problem', String(/** @type {any} */ (e).message ?? 'engine error'));
    });
    pc.addEventListener('signalingstatechange', () => {
      this.#updateSas();
      this.#pruneScreen();
    });
    pc.addEventListener('iceconnectionstatechange', () => this.#watchIce());
    if (primed) this.#usePrimed(primed);
    else if (initiator) this.#claim();
    else this.#offerTimer = setTimeout(() => this.#claim(), offerWaitMs);
  }

  /**
   * Take over a connection made ahead: its offer is already applied, so it
   * leaves now; candidates gathered so far are in it, later ones trickle.
   * @param {Primed} primed
   */
  #usePrimed(primed) {
    this.#claimed = true;
    this.#slots = { ...primed.slots };
    this.#bind(primed.channel);
    if (primed.channel.readyState === 'open') {
      this.emit('channel', true);
      this.#verification.opened();
    }
    const offer = this.pc.localDescription;
    if (offer) {
      this.#send('offer', { type: offer.type, sdp: offer.sdp });
      performance.mark('lancall:offer-sent');
    }
    // The tracks may have changed since it was made.
    for (const kind of KINDS) {
      const { sender } = primed.slots[kind];
      if (sender.track !== this.#local[kind]) sender.replaceTrack(this.#local[kind]).catch(() => {});
    }
  }

  get connectionState() { return this.pc.connectionState; }

  /** True while the data channel can carry messages. */
  get channelOpen() { return this.#channel?.readyState === 'open'; }

  /**
   * A signal from the remote side, in arrival order.
   * @param {SignalKind} kind
   * @param {any} value  {type, sdp} for offers and answers; RTCIceCandidateInit
   */
  receive(kind, value) {
    if (kind !== 'candidate') performance.mark(`lancall:${kind}-received`);
    this.#queue = this.#queue.then(() => this.#handle(kind, value)).catch((e) => {
      if (this.#closed) return;
      console.warn(`lancall: signal from ${this.id} failed`, e);
      this.emit('problem', describe(e));
    });
    return this.#queue;
  }

  /**
   * Send `track` (or nothing) as our `kind`; no renegotiation when the slot
   * is already negotiated.
   * @param {MediaKind} kind
   * @param {MediaStreamTrack | null} track
   */
  async setTrack(kind, track) {
    this.#local[kind] = track;
    const slot = this.#slots[kind];
    if (slot) {
      await slot.sender.replaceTrack(track);
    } else if (track && this.#claimed) {
      this.#slots[kind] = this.pc.addTransceiver(track, { direction: 'sendrecv', streams: [this.#local.stream] });
    }
  }

  /**
   * Share `screen` with this peer as tracks of their own beside the camera
   * (a renegotiation), or stop sharing (null): the transceivers stay, sending
   * nothing, for the next share.
   * @param {ScreenTracks | null} screen
   */
  setScreen(screen) {
    if (this.#closed) return;
    for (const kind of KINDS) {
      const track = screen?.[kind] ?? null;
      const slot = this.#screenSlots[kind];
      if (track && screen) {
        if (slot) {
          slot.sender.setStreams?.(screen.stream);
          slot.direction = 'sendonly';
          slot.sender.replaceTrack(track).catch(() => {});
        } else {
          this.#screenSlots[kind] = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [screen.stream] });
        }
      } else if (slot && slot.direction !== 'inactive') {
        slot.direction = 'inactive';
        slot.sender.replaceTrack(null).catch(() => {});
      }
    }
  }

  /** Once a description is settled: a screen the other side no longer sends leaves remoteScreen. */
  #pruneScreen() {
    if (this.pc.signalingState !== 'stable' || !this.remoteScreen.getTracks().length) return;
    const receiving = new Set(this.pc.getTransceivers()
      .filter((t) => t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv')
      .map((t) => t.receiver.track));
    const gone = this.remoteScreen.getTracks().filter((t) => !receiving.has(t));
    for (const t of gone) this.remoteScreen.removeTrack(t);
    if (gone.length) this.emit('stream', this.remoteScreen);
  }

  /**
   * Send an app message over the data channel; false if it is not open.
   * @param {unknown} message
   */
  sendData(message) {
    if (!this.channelOpen) return false;
    this.#channel?.send(JSON.stringify(message));
    return true;
  }

  getStats() { return this.pc.getStats(); }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#offerTimer);
    this.#restarts.close();
    this.#verification.close();
    this.#channel?.close();
    this.pc.close();
    this.emit('state', 'closed');
  }

  /** Start sending: our transceivers and the data channel, which makes an offer. */
  #claim() {
    if (this.#claimed || this.#closed) return;
    this.#claimed = true;
    clearTimeout(this.#offerTimer);
    for (const kind of KINDS) {
      if (this.#slots[kind]) continue;
      this.#slots[kind] = this.pc.addTransceiver(this.#local[kind] ?? kind,
        { direction: 'sendrecv', streams: [this.#local.stream] });
    }
    if (!this.#channel) this.#bind(this.pc.createDataChannel('lancall'));
  }

  /**
   * After a remote offer: send our media on the transceivers it made (as
   * addTrack would), so the answer is sendrecv without another round. Also
   * after our own first offer was rolled back (glare, polite): its
   * transceivers lost their m-lines, and answering recvonly would need a
   * second offer that adds sections, which not every peer handles (aiortc
   * never played video sent on them). The native engine's transceivers
   * carry no mid, so this only ever moves a browser's.
   */
  #adopt() {
    const orphaned = KINDS.filter((k) => this.#slots[k] && this.#slots[k]?.mid === null
      && this.pc.getTransceivers().some((t) => t.mid !== null && t.receiver.track.kind === k && !t.sender.track));
    if (this.#claimed && !orphaned.length) return;
    this.#claimed = true;
    clearTimeout(this.#offerTimer);
    for (const k of orphaned) {
      this.#slots[k]?.stop();
      this.#slots[k] = null;
    }
    for (const t of this.pc.getTransceivers()) {
      const kind = /** @type {MediaKind} */ (t.receiver.track.kind);
      if (!KINDS.includes(kind) || this.#slots[kind] || t.currentDirection === 'stopped' || t.direction === 'stopped') continue;
      this.#slots[kind] = t;
      t.direction = 'sendrecv';
      t.sender.setStreams?.(this.#local.stream);
      t.sender.replaceTrack(this.#local[kind]).catch(() => {});
    }
  }

  async #negotiate() {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      // The offer leaves before it is applied here: the other side starts on
      // it while we apply ours (saves a round of local work on call set-up).
      // Should a remote offer win meanwhile, ours fails to apply and the
      // impolite side ignores it anyway; negotiationneeded fires again.
      const created = await this.pc.createOffer();
      if (this.pc.signalingState !== 'stable' || this.#closed) return;
      const offer = { type: created.type, sdp: lanSdp(created.sdp ?? '') };
      this.#send('offer', { type: offer.type, sdp: offer.sdp });
      performance.mark('lancall:offer-sent');
      await this.pc.setLocalDescription(offer);
    } catch (e) {
      console.warn(`lancall: offer to ${this.id} failed`, e);
      if (!this.#closed) this.emit('problem', describe(e));
    } finally {
      this.#makingOffer = false;
    }
  }

  /**
   * @param {SignalKind} kind
   * @param {any} value
   */
  async #handle(kind, value) {
    if (this.#closed) return;
    const pc = this.pc;
    if (kind === 'candidate') {
      try {
        await pc.addIceCandidate(value);
      } catch (e) {
        if (!this.#ignoreOffer) throw e;
      }
      return;
    }
    /** @type {RTCSessionDescriptionInit} */
    const description = { type: value?.type ?? (kind === 'offer' ? 'offer' : 'answer'), sdp: value?.sdp };
    const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = description.type === 'answer';
    try {
      await pc.setRemoteDescription(description); // rolls back our offer if needed
    } finally {
      this.#settingRemoteAnswer = false;
    }
    performance.mark(`lancall:${description.type}-applied`);
    if (description.type !== 'offer') return;
    this.#adopt();
    const created = await pc.createAnswer();
    const answer = { type: created.type, sdp: lanSdp(created.sdp ?? '') };
    this.#send('answer', { type: answer.type, sdp: answer.sdp });
    performance.mark('lancall:answer-sent');
    await pc.setLocalDescription(answer);
    // The offer may have lacked a kind we send (an audio-only caller): add it.
    for (const kind of KINDS) {
      if (!this.#slots[kind] && this.#local[kind]) await this.setTrack(kind, this.#local[kind]);
    }
  }

  /** Once an offer and its answer are both applied, verify the fingerprints they carry (a new pair: a new round). */
  #updateSas() {
    if (this.pc.signalingState !== 'stable' || !this.#verifiable) return;
    this.#verification.describe(fingerprintsOf(this.pc.localDescription?.sdp ?? ''), fingerprintsOf(this.pc.remoteDescription?.sdp ?? ''));
  }

  /** Stage mark for bench/call-setup.mjs; a lost connection's restarts (ice-restart.js). */
  #watchIce() {
    if (this.pc.iceConnectionState === 'connected') performance.mark('lancall:ice-connected');
    this.#restarts.check();
  }

  /** @param {RTCDataChannel} channel */
  #bind(channel) {
    this.#channel = channel;
    channel.addEventListener('open', () => {
      this.emit('channel', true);
      if (this.#channel === channel) this.#verification.opened();
    });
    channel.addEventListener('close', () => { if (this.#channel === channel) this.emit('channel', false); });
    channel.addEventListener('message', (e) => {
      const text = String(/** @type {MessageEvent} */ (e).data);
      // A flood is dropped before it costs a parse (flood.js says why); one
      // that goes on is cut off at the source: the channel is closed, so the
      // rest never reaches this page (app messages then go through the
      // host, which has its own limit).
      const take = this.#inbox.take(text);
      if (take === 'cut-off' && this.#channel === channel) {
        channel.close();
        this.emit('problem', `sent over ${CUT_OFF} messages faster than any client; its data channel was closed`);
      } else if (take === 'sas') {
        if (this.#verifiable) this.#verification.receive(text);
      } else if (take === 'app') {
        try {
          this.emit('data', JSON.parse(text));
        } catch {
          // not ours; ignore
        }
      }
    });
  }
}

/**
 * Words for an error from RTCPeerConnection or the engine, short enough
 * for a notice.
 * @param {unknown} e
 */
function describe(e) {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
