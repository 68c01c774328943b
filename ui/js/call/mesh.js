// The mesh of a call: one Peer (peer.js) per remote member, by the peer id
// the host gave it, and what the view is shown of each. Adding a peer wires
// its connection's events; dropping one closes it. Signals and messages to
// a peer go through the injected `relay` (the host connection), so this
// module knows nothing of the WebSocket or the DOM.
import { Emitter } from '../emitter.js';
import { Peer } from '../peer.js';
import { prime } from '../prime.js';

/**
 * @typedef {import('../engine.js').Engine} Engine
 * @typedef {import('../media.js').LocalMedia} LocalMedia
 * @typedef {import('../peer.js').SignalKind} SignalKind
 * @typedef {import('../peer.js').LocalTracks} LocalTracks
 * @typedef {import('../signaling.js').RelayKind} RelayKind
 *
 * @typedef {'connecting' | 'connected' | 'reconnecting'} PeerState
 * @typedef {{ id: string, name: string, state: PeerState, mic: boolean, cam: boolean,
 *   stream: MediaStream | null, chat: boolean, sas: string, sasState: import('../verify.js').SasState,
 *   screen: MediaStream | null, hand: number }} PeerView  hand: since when its hand is up (0: down)
 */

/**
 * @typedef {object} Entry
 * @property {string} id         current peer id at the host
 * @property {string} name
 * @property {Peer} peer
 * @property {boolean} mic
 * @property {boolean} cam
 * @property {boolean} screens   it said it can show a shared screen (a browser engine's client)
 * @property {boolean} sharing   it says it shares its screen
 * @property {boolean} away      the host says its socket dropped
 * @property {boolean} stale     our host session changed and this id is from before
 * @property {boolean} rekeyed   its id was updated by a rekey since our last welcome
 * @property {number} hand       since when its hand is up (Date.now() here), 0 while down (call/hands.js)
 */

/**
 * @typedef {object} MeshEvents
 * @property {PeerView} peer   a peer appeared or changed
 * @property {{ id: string, name: string, reason: string }} left
 * @property {{ id: string, name: string, message: string }} problem
 * @property {{ entry: Entry, message: any }} data  an app message over a peer's data channel
 */

/** How long after a connection is up the next one is made ahead (see prime). */
const PRIME_AFTER_MS = 2000;

/** App messages that go to everyone (see shout). */
const SHOUT_TYPES = new Set(['hello', 'state', 'chat', 'lower_hand', 'react']);

/** @extends {Emitter<MeshEvents>} */
export class Mesh extends Emitter {
  /** @type {Map<string, Entry>} */
  #entries = new Map();
  #o;
  /** The next initiator's connection, made ahead (peer.js prime); null while none is ready. @type {import('../prime.js').Primed | null} */
  #spare = null;
  /** A spare is being made. */
  #priming = false;
  /**
   * A bare connection made on the pre-join screen for the first peer we
   * answer: a page's first RTCPeerConnection starts the browser's WebRTC
   * machinery, tens of ms a newcomer would otherwise spend between the
   * host's welcome and the member's offer. @type {import('../peer.js').PeerConnection | null}
   */
  #blank = null;
  /** The spare being made is to be closed when ready (we left meanwhile). */
  #unprimed = false;
  /** What we share, or null. @type {import('../screen.js').ScreenTracks | null} */
  #screen = null;

  /**
   * @param {object} o
   * @param {Engine} o.engine
   * @param {() => LocalTracks} o.tracks  what we send a new peer
   * @param {RTCIceServer[]} o.iceServers
   * @param {() => string} o.myId   our own peer id (who is polite)
   * @param {(id: string) => boolean} o.seed  whether a peer speaks only the seed protocol
   * @param {() => Record<string, unknown>} o.hello  what a peer is told when the data channel opens
   * @param {(kind: RelayKind, value: unknown, to: string) => void} o.relay  through the host
   */
  constructor(o) {
    super();
    this.#o = o;
  }

  get size() { return this.#entries.size; }

  /** @param {string} id */
  get(id) { return this.#entries.get(id); }

  /** @param {string} id */
  has(id) { return this.#entries.has(id); }

  /** The peers, in the order they came. */
  entries() { return [...this.#entries.values()]; }

  /** What the view is shown of each. */
  views() { return this.entries().map((e) => this.view(e)); }

  /** Their ids, in the same order. */
  ids() { return [...this.#entries.keys()]; }

  /** @param {Entry} e  whether `e` is still the peer under its id */
  current(e) { return this.#entries.get(e.id) === e; }

  /**
   * @param {string} id
   * @param {string} name
   * @param {boolean} initiator
   * @returns {Entry}
   */
  add(id, name, initiator) {
    // The next spare is made once this connection is up (see 'state' below),
    // not now: making one costs the page what this call's start needs.
    const primed = initiator ? this.#spare : null;
    if (primed) this.#spare = null;
    const blank = primed ? null : this.#blank;
    this.#blank = null;
    /** @type {Entry} */
    const e = {
      id, name, mic: true, cam: true, screens: false, sharing: false, away: false, stale: false, rekeyed: false, hand: 0,
      peer: /** @type {Peer} */ (/** @type {unknown} */ (null)),
    };
    // Filed before its Peer exists: a primed Peer sends its offer at once.
    this.#entries.set(id, e);
    e.peer = new Peer({
      id,
      // Between lancall clients the greater id yields. A seed client knows
      // no ids and always yields (the seed page answers any offer, and its
      // browser rolls its own back): yielding too, we would each answer
      // the other's offer and hold different sessions, so we never do.
      polite: !this.#o.seed(id) && this.#o.myId() > id,
      initiator,
      engine: this.#o.engine,
      config: { iceServers: this.#o.iceServers },
      local: this.#o.tracks(),
      send: (kind, value) => this.#sendSignal(e, kind, value),
      primed,
      blank,
      // A seed client has no data channel to verify over.
      verifiable: !this.#o.seed(id),
    });
    const p = e.peer;
    // Events of a connection we already dropped must not bring its tile back.
    const current = () => this.current(e);
    p.on('stream', () => { if (current()) this.changed(e); });
    p.on('state', (s) => {
      if (!current()) return;
      this.changed(e);
      // Ready for the next one to join (see prime), once this one is up and
      // its first frames are through: making a connection costs the page a
      // few busy milliseconds it should not spend on a call starting.
      // (No peers left by then: we left the call; nothing to make.)
      if (s === 'connected') setTimeout(() => { if (this.#entries.size) this.prime(); }, PRIME_AFTER_MS);
    });
    p.on('sas', () => { if (current()) this.changed(e); });
    p.on('channel', (open) => {
      if (!current()) return;
      if (open) p.sendData({ t: 'hello', ...this.#o.hello() });
      this.changed(e);
    });
    p.on('data', (m) => { if (current()) this.emit('data', { entry: e, message: m }); });
    p.on('problem', (message) => { if (current()) this.emit('problem', { id: e.id, name: e.name, message }); });
    this.changed(e);
    return e;
  }

  /**
   * Make a connection ahead for the next one who joins (see peer.js prime),
   * if there is none. Not with the native engine: each of its connections
   * holds a pipeline of its own in the app, which a spare would keep busy
   * unused.
   */
  prime() {
    if (this.#spare || this.#priming || this.#o.engine.name === 'native') return;
    this.#priming = true;
    const blank = this.#blank;
    this.#blank = null;
    prime(this.#o.engine, { iceServers: this.#o.iceServers }, this.#o.tracks(), blank).then((p) => {
      this.#priming = false;
      if (this.#unprimed) { this.#unprimed = false; p.pc.close(); return; }
      this.#spare = p;
    }, (e) => {
      this.#priming = false;
      this.#unprimed = false;
      console.warn('lancall: no connection made ahead', e);
    });
  }

  /** Make the bare connection for the first peer (see #blank); browsers only, as prime. */
  makeBlank() {
    if (this.#blank || this.#o.engine.name === 'native') return;
    this.#blank = this.#o.engine.createPeerConnection({ iceServers: this.#o.iceServers });
  }

  /** Close the connections made ahead (we left the call). */
  unprime() {
    this.#blank?.close();
    this.#blank = null;
    this.#spare?.pc.close();
    this.#spare = null;
    if (this.#priming) this.#unprimed = true;
  }

  /**
   * Close a peer's connection; `announce`: say it left (else silently).
   * @param {Entry} e
   * @param {string} reason
   * @param {boolean} announce
   */
  drop(e, reason, announce) {
    if (this.#entries.get(e.id) === e) this.#entries.delete(e.id);
    e.peer.close();
    this.emit('left', { id: e.id, name: e.name, reason: announce ? reason : 'silent' });
  }

  /**
   * File `e` under a new id (a rekey); false if another peer has it.
   * @param {Entry} e
   * @param {string} to
   */
  move(e, to) {
    const other = this.#entries.get(to);
    if (other && other !== e) return false;
    if (this.#entries.get(e.id) === e) this.#entries.delete(e.id);
    e.id = to;
    e.peer.id = to;
    this.#entries.set(to, e);
    return true;
  }

  /** @param {Entry} e  tell the view */
  changed(e) {
    this.emit('peer', this.view(e));
  }

  /**
   * @param {string | undefined} id
   * @param {boolean} away
   */
  setAway(id, away) {
    const e = id ? this.#entries.get(id) : null;
    if (!e) return;
    e.away = away;
    this.changed(e);
  }

  /** @param {{ audio: MediaStreamTrack | null, video: MediaStreamTrack | null }} tracks */
  setTracks(tracks) {
    for (const [kind, t] of /** @type {const} */ ([['audio', tracks.audio], ['video', tracks.video]])) {
      this.#spare?.slots[kind].sender.replaceTrack(t).catch(() => {});
    }
    for (const e of this.#entries.values()) {
      e.peer.setTrack('audio', tracks.audio).catch(() => {});
      e.peer.setTrack('video', tracks.video).catch(() => {});
    }
  }

  /**
   * Share a screen with every peer that can show one, and with those that
   * say so later (`canShow`); null stops sharing.
   * @param {import('../screen.js').ScreenTracks | null} screen
   */
  setScreen(screen) {
    this.#screen = screen;
    for (const e of this.#entries.values()) if (e.screens) e.peer.setScreen(screen);
  }

  /**
   * `e` said it can show a shared screen (its hello): it gets ours, if any.
   * Seed clients never say so, and get none.
   * @param {Entry} e
   */
  canShow(e) {
    if (e.screens) return;
    e.screens = true;
    if (this.#screen) e.peer.setScreen(this.#screen);
  }

  /**
   * To everyone: over the data channel where open, else through the host.
   * @param {{ t: string } & Record<string, unknown>} message
   */
  shout(message) {
    if (!SHOUT_TYPES.has(message.t)) return;
    for (const e of this.#entries.values()) {
      if (!e.peer.sendData(message) && !e.stale) this.#o.relay('message', message, e.id);
    }
  }

  /**
   * @param {Entry} e
   * @returns {PeerView}
   */
  view(e) {
    const s = e.peer.connectionState;
    /** @type {PeerState} */
    const state = e.away || s === 'disconnected' || s === 'failed' ? 'reconnecting'
      : s === 'connected' ? 'connected' : 'connecting';
    const stream = e.peer.remoteStream.getTracks().length ? e.peer.remoteStream : null;
    const screen = e.sharing && e.peer.remoteScreen.getVideoTracks().length ? e.peer.remoteScreen : null;
    return { id: e.id, name: e.name, state, mic: e.mic, cam: e.cam, stream, chat: e.peer.channelOpen, sas: e.peer.sas, sasState: e.peer.sasState, screen, hand: e.hand };
  }

  /**
   * @param {Entry} e
   * @param {SignalKind} kind
   * @param {unknown} value
   */
  #sendSignal(e, kind, value) {
    // The host no longer knows a stale id; the connection is up anyway.
    if (e.stale || this.#entries.get(e.id) !== e) return;
    const event = kind === 'offer' ? 'offer_sdp' : kind === 'answer' ? 'answer_sdp' : 'candidate';
    this.#o.relay(event, value, e.id);
  }
}
