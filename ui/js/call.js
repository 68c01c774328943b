// The call: from "Join" to "Leave". It owns the signaling connection, one
// Peer per remote member (a full mesh), the local media, chat and the
// mute/camera state each side shows of the other. It reports to the view
// through events and never touches the DOM.
//
// Who offers: the members already in the room offer to a newcomer when the
// host announces it (`join`), as the seed page does; the newcomer answers.
// Perfect negotiation (peer.js) makes any later offer from either side safe.
//
// Surviving a host restart: the peer connections do not need the host once
// up, so they stay while it is gone. A restarted host knows nobody, so
// everyone rejoins with a new peer id; each side tells the others its new id
// over the data channel ("rekey"), and the connection carries on under the
// new id instead of being torn down and built again.
//
// Without an engine (a webview with no RTCPeerConnection, and no native
// engine from the app) the call still joins: the room, its member list and the local
// preview work, no peer connection is made, and offers from the others are
// dropped without a word.
import { Emitter } from './emitter.js';
import { Peer } from './peer.js';
import { MediaError } from './media.js';

/**
 * @typedef {import('./engine.js').Engine} Engine
 * @typedef {import('./media.js').LocalMedia} LocalMedia
 * @typedef {import('./media.js').MediaFailure} MediaFailure
 * @typedef {import('./signaling.js').Signaling} Signaling
 * @typedef {import('./signaling.js').StateChange} SocketChange
 * @typedef {import('./signaling.js').Relayed} Relayed
 * @typedef {import('./peer.js').SignalKind} SignalKind
 *
 * @typedef {'idle' | 'media' | 'media-failed' | 'connecting' | 'unreachable' | 'rejected' | 'in-call' | 'ended'} Phase
 * @typedef {{ phase: Phase, reason?: MediaFailure, code?: string, message?: string }} PhaseChange
 * @typedef {'connecting' | 'connected' | 'reconnecting'} PeerState
 * @typedef {{ id: string, name: string, state: PeerState, mic: boolean, cam: boolean,
 *   stream: MediaStream | null, chat: boolean, sas: string }} PeerView
 * @typedef {{ id: string, from: string, name: string, text: string, ts: number, self: boolean }} ChatMessage
 * @typedef {{ stream: MediaStream, mic: boolean, cam: boolean, hasAudio: boolean, hasVideo: boolean }} LocalView
 * @typedef {{ name: string, room: string, wsUrl: string, passcode?: string }} JoinParams
 * @typedef {{ id: string, name: string }} Member
 */

/**
 * @typedef {object} CallEvents
 * @property {PhaseChange} phase
 * @property {SocketChange} socket      the host connection while in a call
 * @property {PeerView} peer            a peer appeared or changed
 * @property {{ id: string, name: string, reason: string }} left
 * @property {{ from: string, to: string }} rekey  a peer got a new id
 * @property {ChatMessage} chat
 * @property {LocalView} local
 * @property {Member[]} roster          who else is in the room, as the host says
 * @property {{ id: string, name: string, message: string }} problem  a peer's connection refused
 *   a signal or its engine failed; the call goes on
 */

/**
 * @typedef {object} Entry
 * @property {string} id         current peer id at the host
 * @property {string} name
 * @property {Peer} peer
 * @property {boolean} mic
 * @property {boolean} cam
 * @property {boolean} away      the host says its socket dropped
 * @property {boolean} stale     our host session changed and this id is from before
 * @property {boolean} rekeyed   its id was updated by a rekey since our last welcome
 */

/** How long a member may take to tell us its new id after a host restart. */
const REKEY_WAIT_MS = 2000;
/** Connections not claimed by anyone this long after a host restart go. */
const STALE_MS = 15000;
const SHOUT_TYPES = new Set(['hello', 'state', 'chat']);

/** @param {number} [n] */
function randomId(n = 8) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @extends {Emitter<CallEvents>} */
export class Call extends Emitter {
  /** @type {Phase} */
  phase = 'idle';
  myId = '';
  /** @type {Map<string, Entry>} */
  #entries = new Map();
  /** Names of members by peer id, as the host told us. @type {Map<string, string>} */
  #names = new Map();
  /** Who is in the room now, besides us (peer id to name). @type {Map<string, string>} */
  #roster = new Map();
  /** Joins we hold back while waiting for a rekey. @type {Map<string, ReturnType<typeof setTimeout>>} */
  #held = new Map();
  /** @type {Set<string>} */
  #seenChat = new Set();
  /** @type {Signaling | null} */
  #signaling = null;
  /** @type {(() => void)[]} */
  #unsubscribe = [];
  /** @type {JoinParams | null} */
  #params = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #staleTimer;

  /**
   * @param {object} o
   * @param {Engine | null} o.engine
   * @param {LocalMedia} o.media
   * @param {(url: string) => Signaling} o.connect
   * @param {RTCIceServer[]} [o.iceServers]
   */
  constructor({ engine, media, connect, iceServers = [] }) {
    super();
    this.engine = engine;
    this.media = media;
    this.connect = connect;
    this.iceServers = iceServers;
    media.on('tracks', (tracks) => {
      for (const e of this.#entries.values()) {
        e.peer.setTrack('audio', tracks.audio).catch(() => {});
        e.peer.setTrack('video', tracks.video).catch(() => {});
      }
      this.#emitLocal();
    });
  }

  /** The people in the call besides us. */
  get peers() { return [...this.#entries.values()].map((e) => this.#view(e)); }

  /** Who else is in the room, connected to us or not. @returns {Member[]} */
  get roster() { return [...this.#roster].map(([id, name]) => ({ id, name })); }

  /**
   * Join: ask for camera and microphone, then the host.
   * @param {JoinParams} params
   */
  async start(params) {
    this.#params = params;
    // Everything that can start at once does: the camera, the socket to the
    // host, and the WebRTC engine (its first connection is slow to make).
    const opening = this.media.open();
    this.#openSignaling();
    this.engine?.createPeerConnection({}).close();
    this.#setPhase({ phase: 'media' });
    try {
      await opening;
    } catch (e) {
      if (this.phase !== 'media') return; // left meanwhile
      const reason = e instanceof MediaError ? e.reason : 'other';
      this.#setPhase({ phase: 'media-failed', reason });
      return;
    }
    if (this.phase !== 'media') return;
    this.#emitLocal();
    this.#join();
  }

  /** Ask for the devices again (after the person fixed permissions). */
  retryMedia() {
    if (this.#params) this.start(this.#params);
  }

  /** Join anyway, to see and hear the others. */
  joinWithoutMedia() {
    if (!this.#params) return;
    this.#emitLocal();
    this.#join();
  }

  /** After "host unreachable" or a refused join: try again. */
  retryJoin(/** @type {Partial<JoinParams>} */ changes = {}) {
    if (!this.#params) return;
    this.#params = { ...this.#params, ...changes };
    this.#signaling?.leave();
    this.#teardownSignaling();
    this.#openSignaling();
    this.#join();
  }

  /** Skip the back-off wait while the host is gone. */
  reconnectNow() { this.#signaling?.retryNow(); }

  /** Leave the room, close every connection, stop the camera. */
  leave() {
    if (this.phase === 'idle') return;
    this.#close();
    this.#setPhase({ phase: 'idle' });
  }

  /**
   * The host ended the call (it quit or stopped hosting): close everything
   * as on leaving, and say so. The connections to the others go too: the
   * call was the host's, and nobody could join it or rejoin any more.
   */
  #end() {
    if (this.phase === 'idle' || this.phase === 'ended') return;
    this.#close();
    this.#setPhase({ phase: 'ended' });
  }

  #close() {
    this.#signaling?.leave();
    this.#teardownSignaling();
    for (const e of [...this.#entries.values()]) this.#drop(e, 'left', false);
    for (const t of this.#held.values()) clearTimeout(t);
    this.#held.clear();
    clearTimeout(this.#staleTimer);
    this.#names.clear();
    this.#setRoster(null);
    this.#seenChat.clear();
    this.media.close();
    this.myId = '';
  }

  /** @param {boolean} on */
  setMic(on) {
    this.media.setMic(on);
    this.#shout({ t: 'state', ...this.#sending() });
    this.#emitLocal();
  }

  /** @param {boolean} on */
  async setCam(on) {
    try {
      await this.media.setCam(on);
    } finally {
      this.#shout({ t: 'state', ...this.#sending() });
      this.#emitLocal();
    }
  }

  /**
   * Switch a device while in the call; the peers get the new track.
   * @param {'audio' | 'video'} kind
   * @param {string} deviceId
   */
  async useDevice(kind, deviceId) {
    await this.media.use(kind, deviceId);
  }

  /** @param {string} text */
  sendChat(text) {
    const body = text.trim();
    if (!body) return;
    const message = { t: 'chat', id: randomId(), text: body, ts: Date.now() };
    this.#seenChat.add(message.id);
    this.#shout(message);
    this.emit('chat', { id: message.id, from: this.myId, name: this.#params?.name ?? '', text: body, ts: message.ts, self: true });
  }

  /**
   * Raw stats of the connection to one peer.
   * @param {string} id
   */
  async stats(id) {
    const e = this.#entries.get(id);
    return e ? e.peer.getStats() : null;
  }

  // --- the host connection -------------------------------------------------

  #join() {
    const params = this.#params;
    if (!params) return;
    if (!this.#signaling) this.#openSignaling();
    const s = /** @type {Signaling} */ (this.#signaling);
    if (s.state === 'closed') {
      // It already failed to reach the host while the camera started.
      this.#setPhase({ phase: 'unreachable' });
      return;
    }
    this.#setPhase({ phase: 'connecting' });
    s.join({ user_id: params.name, room_id: params.room, passcode: params.passcode });
  }

  /** Make the signaling connection and start opening it (no join yet). */
  #openSignaling() {
    const params = this.#params;
    if (!params) return;
    this.#signaling?.leave();
    this.#teardownSignaling();
    const s = this.connect(params.wsUrl);
    this.#signaling = s;
    this.#unsubscribe = [
      s.on('state', (c) => { if (this.phase === 'in-call') this.emit('socket', c); }),
      s.on('unreachable', () => { if (this.phase === 'connecting') this.#setPhase({ phase: 'unreachable' }); }),
      s.on('ended', () => this.#end()),
      s.on('welcome', (w) => this.#onWelcome(w)),
      s.on('join', (n) => this.#onJoin(n.peer_id, n.user_id)),
      s.on('exit_room', (n) => this.#onExit(n.peer_id, n.user_id, n.reason)),
      s.on('peer_reconnecting', (n) => this.#setAway(n.peer_id, true)),
      s.on('peer_resumed', (n) => this.#setAway(n.peer_id, false)),
      s.on('offer_sdp', (r) => this.#onSignal('offer', r)),
      s.on('answer_sdp', (r) => this.#onSignal('answer', r)),
      s.on('candidate', (r) => this.#onSignal('candidate', r)),
      s.on('message', (r) => { const e = r.from ? this.#entries.get(r.from) : null; if (e) this.#onApp(e, r.value, false); }),
      s.on('error', (err) => {
        if (err.ref === 'join' || err.code === 'server_full') {
          if (this.phase === 'connecting' || err.code === 'room_full') {
            this.#signaling?.leave();
            this.#setPhase({ phase: 'rejected', code: err.code, message: err.message });
          }
        } else {
          console.warn('lancall: host says', err);
        }
      }),
    ];
    s.open();
  }

  #teardownSignaling() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#signaling = null;
  }

  /** @param {import('./signaling.js').Welcome} w */
  #onWelcome(w) {
    const before = this.myId;
    this.myId = w.peer_id;
    for (const m of w.members ?? []) this.#names.set(m.peer_id, m.user_id);
    this.#setRoster(w.members ?? []);
    if (this.phase !== 'in-call') this.#setPhase({ phase: 'in-call' });
    this.emit('socket', { state: 'open' });
    // Same id, same room: nothing changed for anyone. No engine: no peers.
    if (w.resumed || !this.engine) return;
    const members = new Set((w.members ?? []).map((m) => m.peer_id));
    if (before && before !== w.peer_id) {
      // A new session at the host (it restarted, or our place ran out).
      for (const e of [...this.#entries.values()]) {
        if (members.has(e.id) && !e.rekeyed) {
          // It kept its id, so the host is the same and it already saw us
          // leave: start over with it.
          this.#drop(e, 'dropped', false);
          continue;
        }
        e.stale = !members.has(e.id);
        e.rekeyed = false;
        e.peer.polite = this.myId > e.id;
        e.peer.sendData({ t: 'rekey', peer_id: this.myId });
      }
      clearTimeout(this.#staleTimer);
      this.#staleTimer = setTimeout(() => {
        for (const e of [...this.#entries.values()]) if (e.stale) this.#drop(e, 'dropped', true);
      }, STALE_MS);
    }
    for (const m of w.members ?? []) {
      if (this.#entries.has(m.peer_id)) continue;
      // We are the newcomer: they offer. Show the tile now.
      this.#hold(m.peer_id, () => this.#add(m.peer_id, m.user_id, false));
    }
  }

  /**
   * @param {string | undefined} id
   * @param {string | undefined} name
   */
  #onJoin(id, name) {
    if (!id || id === this.myId) return;
    if (name) this.#names.set(id, name);
    this.#roster.set(id, name ?? this.#names.get(id) ?? '');
    this.emit('roster', this.roster);
    if (this.#entries.has(id) || !this.engine) return;
    this.#hold(id, () => this.#add(id, name ?? '', true));
  }

  /**
   * Run `create` for a new peer id now, or — while connections from before a
   * host restart wait to learn their new ids — once it is clear this id is
   * not one of them.
   * @param {string} id
   * @param {() => void} create
   */
  #hold(id, create) {
    const waiting = [...this.#entries.values()].some((e) => e.stale);
    if (!waiting) { create(); return; }
    clearTimeout(this.#held.get(id));
    this.#held.set(id, setTimeout(() => {
      this.#held.delete(id);
      if (!this.#entries.has(id) && this.phase === 'in-call') create();
    }, REKEY_WAIT_MS));
  }

  /**
   * @param {string | undefined} id
   * @param {string | undefined} name
   * @param {string | undefined} reason
   */
  #onExit(id, name, reason) {
    // A host shutting down says everyone left; the media does not care.
    if (!id || reason === 'shutdown') return;
    if (this.#roster.delete(id)) this.emit('roster', this.roster);
    clearTimeout(this.#held.get(id));
    this.#held.delete(id);
    const e = this.#entries.get(id);
    if (e) this.#drop(e, reason ?? 'left', true);
    else if (name) this.emit('left', { id, name, reason: reason ?? 'left' });
  }

  /**
   * @param {string | undefined} id
   * @param {boolean} away
   */
  #setAway(id, away) {
    const e = id ? this.#entries.get(id) : null;
    if (!e) return;
    e.away = away;
    this.emit('peer', this.#view(e));
  }

  /**
   * @param {SignalKind} kind
   * @param {Relayed} r
   */
  #onSignal(kind, r) {
    if (!this.engine) return; // nothing here can answer; the sender's tile waits
    // The seed page stamps nothing, but lancall hosts stamp `from`; without
    // it, the only peer in a two-person room is the sender.
    const from = r.from ?? (this.#entries.size === 1 ? [...this.#entries.keys()][0] : '');
    if (!from) return;
    let e = this.#entries.get(from);
    if (!e) {
      if (kind !== 'offer') return;
      clearTimeout(this.#held.get(from));
      this.#held.delete(from);
      e = this.#add(from, this.#names.get(from) ?? '', false);
    }
    e.peer.receive(kind, r.value);
  }

  // --- peers ---------------------------------------------------------------

  /**
   * @param {string} id
   * @param {string} name
   * @param {boolean} initiator
   * @returns {Entry}
   */
  #add(id, name, initiator) {
    const engine = /** @type {Engine} */ (this.engine);
    /** @type {Entry} */
    const e = {
      id, name: name || this.#names.get(id) || '', mic: true, cam: true, away: false, stale: false, rekeyed: false,
      peer: new Peer({
        id,
        polite: this.myId > id,
        initiator,
        engine,
        config: { iceServers: this.iceServers },
        local: this.media.tracks(),
        send: (kind, value) => this.#sendSignal(e, kind, value),
      }),
    };
    this.#entries.set(id, e);
    const p = e.peer;
    // Events of a connection we already dropped must not bring its tile back.
    const current = () => this.#entries.get(e.id) === e;
    p.on('stream', () => { if (current()) this.emit('peer', this.#view(e)); });
    p.on('state', () => { if (current()) this.emit('peer', this.#view(e)); });
    p.on('sas', () => { if (current()) this.emit('peer', this.#view(e)); });
    p.on('channel', (open) => {
      if (!current()) return;
      if (open) p.sendData({ t: 'hello', name: this.#params?.name, ...this.#sending() });
      this.emit('peer', this.#view(e));
    });
    p.on('data', (m) => { if (current()) this.#onApp(e, m, true); });
    p.on('problem', (message) => { if (current()) this.emit('problem', { id: e.id, name: e.name, message }); });
    this.emit('peer', this.#view(e));
    return e;
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
    this.#signaling?.relay(event, value, e.id);
  }

  /**
   * @param {Entry} e
   * @param {string} reason
   * @param {boolean} announce
   */
  #drop(e, reason, announce) {
    if (this.#entries.get(e.id) === e) this.#entries.delete(e.id);
    e.peer.close();
    if (announce) this.emit('left', { id: e.id, name: e.name, reason });
    else this.emit('left', { id: e.id, name: e.name, reason: 'silent' });
  }

  /**
   * An app message from a peer, over the data channel or relayed by the host.
   * @param {Entry} e
   * @param {any} m
   * @param {boolean} direct  came over the data channel
   */
  #onApp(e, m, direct) {
    if (!m || typeof m !== 'object') return;
    switch (m.t) {
      case 'hello':
      case 'state':
        if (this.#entries.get(e.id) !== e) return;
        if (typeof m.mic === 'boolean') e.mic = m.mic;
        if (typeof m.cam === 'boolean') e.cam = m.cam;
        if (typeof m.name === 'string' && m.name) e.name = m.name;
        this.emit('peer', this.#view(e));
        break;
      case 'chat':
        if (typeof m.text !== 'string' || typeof m.id !== 'string' || this.#seenChat.has(m.id)) return;
        this.#seenChat.add(m.id);
        this.emit('chat', { id: m.id, from: e.id, name: e.name, text: m.text.slice(0, 4000), ts: Date.now(), self: false });
        break;
      case 'rekey':
        if (direct && typeof m.peer_id === 'string') this.#rekey(e, m.peer_id);
        break;
      default:
        break;
    }
  }

  /**
   * A peer tells us its new id after a host restart.
   * @param {Entry} e
   * @param {string} to
   */
  #rekey(e, to) {
    if (to === e.id || !/^[0-9a-f]{16}$/.test(to)) return;
    const from = e.id;
    const other = this.#entries.get(to);
    if (other && other !== e) {
      // Both sides already built a new connection under the new id.
      this.#drop(e, 'silent', false);
      return;
    }
    clearTimeout(this.#held.get(to));
    this.#held.delete(to);
    if (this.#entries.get(from) === e) this.#entries.delete(from);
    e.id = to;
    e.peer.id = to;
    e.peer.polite = this.myId > to;
    e.stale = false;
    e.rekeyed = true;
    this.#entries.set(to, e);
    this.emit('rekey', { from, to });
    this.emit('peer', this.#view(e));
  }

  /**
   * To everyone: over the data channel where open, else through the host.
   * @param {{ t: string } & Record<string, unknown>} message
   */
  #shout(message) {
    if (!SHOUT_TYPES.has(message.t)) return;
    for (const e of this.#entries.values()) {
      if (!e.peer.sendData(message) && !e.stale) this.#signaling?.relay('message', message, e.id);
    }
  }

  /**
   * @param {Entry} e
   * @returns {PeerView}
   */
  #view(e) {
    const s = e.peer.connectionState;
    /** @type {PeerState} */
    const state = e.away || s === 'disconnected' || s === 'failed' ? 'reconnecting'
      : s === 'connected' ? 'connected' : 'connecting';
    const stream = e.peer.remoteStream.getTracks().length ? e.peer.remoteStream : null;
    return { id: e.id, name: e.name, state, mic: e.mic, cam: e.cam, stream, chat: e.peer.channelOpen, sas: e.peer.sas };
  }

  /** What others should show of us: is sound and video coming? */
  #sending() {
    const m = this.media;
    return { mic: m.micOn && Boolean(m.audio), cam: m.camOn && Boolean(m.video) };
  }

  #emitLocal() {
    const m = this.media;
    this.emit('local', { stream: m.stream, mic: m.micOn, cam: m.camOn && Boolean(m.video), hasAudio: Boolean(m.audio), hasVideo: Boolean(m.video) });
  }

  /**
   * The room's members as a welcome lists them; null: nobody (we left).
   * @param {import('./signaling.js').Member[] | null} members
   */
  #setRoster(members) {
    this.#roster = new Map((members ?? []).filter((m) => m.peer_id !== this.myId).map((m) => [m.peer_id, m.user_id]));
    this.emit('roster', this.roster);
  }

  /** @param {PhaseChange} change */
  #setPhase(change) {
    this.phase = change.phase;
    this.emit('phase', change);
  }
}
