// Size: over 450 lines because coordinating the pieces below (which event
// moves which phase, and who hears of it) reads best in one place; each
// piece with a state of its own is already a module of call/.
//
// The call: from "Join" to "Leave". It owns the signaling connection, one
// Peer per remote member (a full mesh), the local media, chat and the
// mute/camera state each side shows of the other. It reports to the view
// through events and never touches the DOM.
//
// Who offers: the members already in the room offer to a newcomer when the
// host announces it (`join`), as the seed page does; the newcomer answers.
// Perfect negotiation (peer.js) makes any later offer from either side safe.
//
// Before Join (`prepare`, the pre-join screen): the camera and microphone
// open for the preview and the socket to the host opens, so that Join only
// sends the join; the members already in the room have an offer made ahead
// for the newcomer (call/mesh.js, peer.js prime). docs/performance.md says
// what each of these saves.
//
// The pieces: the peers (call/mesh.js), surviving a host restart with the
// connections kept (call/rekey.js), the chat (call/chat.js) and the
// pre-join media (call/prejoin.js), a host's controls and the waiting room
// (call/host.js). This module coordinates them: the
// phases, the host connection, the room's members and the app messages
// peers exchange.

//
// Without an engine (a webview with no RTCPeerConnection, and no native
// engine from the app) the call still joins: the room, its member list and the local
// preview work, no peer connection is made, and offers from the others are
// dropped without a word.
import { Emitter } from './emitter.js';
import { MediaError } from './media.js';
import { Mesh } from './call/mesh.js';
import { Rekey } from './call/rekey.js';
import { Chat } from './call/chat.js';
import { Prejoin } from './call/prejoin.js';
import { ScreenShare } from './screen.js';
import { Bucket, cleanName } from './flood.js';
import { HostControls } from './call/host.js';
import { Hands, followHand, inOrder, obeysLower } from './call/hands.js';
import { ReactionPace, reactionOf } from './reactions.js';

/**
 * @typedef {import('./engine.js').Engine} Engine
 * @typedef {import('./media.js').LocalMedia} LocalMedia
 * @typedef {import('./media.js').MediaFailure} MediaFailure
 * @typedef {import('./signaling.js').Signaling} Signaling
 * @typedef {import('./signaling.js').StateChange} SocketChange
 * @typedef {import('./signaling.js').Relayed} Relayed
 * @typedef {import('./peer.js').SignalKind} SignalKind
 * @typedef {import('./call/mesh.js').Entry} Entry
 * @typedef {import('./call/mesh.js').PeerState} PeerState
 * @typedef {import('./call/mesh.js').PeerView} PeerView
 * @typedef {import('./call/chat.js').ChatMessage} ChatMessage
 * @typedef {import('./call/hands.js').RaisedHand} RaisedHand
 *
 * @typedef {'idle' | 'media' | 'media-failed' | 'connecting' | 'waiting' | 'unreachable' | 'rejected' | 'in-call' | 'ended'} Phase
 * @typedef {{ phase: Phase, reason?: MediaFailure, code?: string, message?: string, hosts?: number }} PhaseChange
 *   hosts: while waiting, how many hosts are there to let us in
 * @typedef {{ stream: MediaStream, mic: boolean, cam: boolean, hasAudio: boolean, hasVideo: boolean, sharing: boolean,
 *   sharingWhole: boolean, hand: number }} LocalView  sharingWhole: the whole screen goes out, not a window picked;
 *   hand: since when our hand is up (0: down)
 * @typedef {{ name: string, room: string, wsUrl: string, passcode?: string, hostKey?: string }} JoinParams
 *   hostKey: the app's own server's key, which makes us a host there
 * @typedef {{ id: string, name: string }} Member
 * @typedef {import('./call/prejoin.js').Preview} Preview
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
 * @property {Preview} preview          camera and microphone opening, open, or failed (and why)
 * @property {Member[]} roster          who else is in the room, as the host says
 * @property {{ id: string, name: string, message: string }} problem  a peer's connection refused
 *   a signal or its engine failed; the call goes on
 * @property {{ id: string, name: string }} flood  a peer sends messages faster than anyone types;
 *   some were dropped (said at most every FLOOD_NOTICE_MS per peer)
 * @property {{ id: string, name: string }} hand  a peer raised its hand
 * @property {{ name: string }} handLowered  a host lowered our hand
 * @property {{ id: string, emoji: string }} reaction  someone reacted (id 'local': we did)
 */

/** A peer's app messages other than chat handled a second, and at once (flood.js). */
const APP_RATE = 20;
const APP_BURST = 50;
/** How often a flooding peer is said to flood. */
const FLOOD_NOTICE_MS = 10_000;

/** @extends {Emitter<CallEvents>} */
export class Call extends Emitter {
  /** @type {Phase} */
  phase = 'idle';
  myId = '';
  /** The peers, or null without an engine. @type {Mesh | null} */
  #mesh = null;
  /** @type {Rekey | null} */
  #rekey = null;
  #chat = new Chat();
  #hands = new Hands();
  #reactions = new ReactionPace();
  /** Our own key in #reactions. */
  #me = {};
  /** Names of members by peer id, as the host told us. @type {Map<string, string>} */
  #names = new Map();
  /** Who is in the room now, besides us (peer id to name). @type {Map<string, string>} */
  #roster = new Map();
  /** Members that joined with no protocol version: seed clients. @type {Set<string>} */
  #seed = new Set();
  /** @type {Signaling | null} */
  #signaling = null;
  /** @type {(() => void)[]} */
  #unsubscribe = [];
  /** @type {JoinParams | null} */
  #params = null;
  #prejoin;
  /** Our screen, shared with every peer that can show it (the engine's own share, where it has one). @type {ScreenShare} */
  #screen;
  /** Who is a host, who waits to be let in, the lock; what a host may do. */
  host = new HostControls(() => this.#signaling);
  /** Each peer's pace of app messages, and when it was last said to flood. @type {WeakMap<Entry, { pace: Bucket, said: number }>} */
  #flood = new WeakMap();

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
    this.#prejoin = new Prejoin(media);
    this.#screen = engine?.screenShare?.() ?? new ScreenShare();
    this.#prejoin.on('preview', (p) => {
      this.emit('preview', p);
      if (p.state === 'on') this.#emitLocal();
    });
    if (engine) {
      const mesh = new Mesh({
        engine,
        tracks: () => this.media.tracks(),
        iceServers,
        myId: () => this.myId,
        seed: (id) => this.#seed.has(id),
        // Both engines show a shared screen (the native one through its
        // engine's screen channel, native/remote-screen.js).
        hello: () => ({ name: this.#params?.name, screens: true, ...this.#sending() }),
        relay: (kind, value, to) => this.#signaling?.relay(kind, value, to),
      });
      mesh.on('peer', (v) => this.emit('peer', v));
      mesh.on('left', (l) => this.emit('left', l));
      mesh.on('problem', (p) => this.emit('problem', p));
      mesh.on('data', ({ entry, message }) => this.#onApp(entry, message, true));
      this.#mesh = mesh;
      this.#rekey = new Rekey(mesh, () => this.phase === 'in-call');
    }
    this.#screen.on('change', (screen) => {
      this.#mesh?.setScreen(screen);
      this.#mesh?.shout({ t: 'state', ...this.#sending() });
      this.#emitLocal();
    });
    media.on('tracks', (tracks) => {
      this.#mesh?.setTracks(tracks);
      this.#emitLocal();
    });
  }

  /** The people in the call besides us. */
  get peers() { return this.#mesh?.views() ?? []; }

  /** For diagnostics: the signaling socket's ready state and silence. */
  get socketHealth() { return this.#signaling?.health() ?? null; }

  /** Who else is in the room, connected to us or not. @returns {Member[]} */
  get roster() { return [...this.#roster].map(([id, name]) => ({ id, name })); }

  /**
   * Before joining, on the pre-join screen: the camera and microphone for
   * the preview, and the socket to the host (opened, not joined), so that
   * Join only has to say "join". Both are kept for the call; `leave` closes
   * them.
   * @param {{ wsUrl?: string }} [o]  wsUrl: the host, if already known
   */
  prepare({ wsUrl } = {}) {
    if (this.phase !== 'idle') return;
    this.#prejoin.open().catch(() => {}); // the 'preview' event says how it went
    if (wsUrl && !this.#socketFor(wsUrl)) this.#openSignaling(wsUrl);
    // The first connection's start-up costs, paid while the person looks
    // at the preview: a browser makes the connection its first peer will
    // use (the warm-up that was here made one and closed it unused); the
    // native engine makes one and closes it, which starts its pipeline.
    this.#mesh?.makeBlank();
    this.engine?.warmUp?.();
  }

  /** The preview's media is open (or failed); null: not asked for yet. */
  get previewState() { return this.#prejoin.state; }

  /**
   * Join: camera and microphone (already open after `prepare`), then the
   * host (already connected after `prepare`): on a prepared screen this
   * sends the join at once, in the click's own task.
   * @param {JoinParams} params
   */
  async start(params) {
    this.#params = params;
    performance.mark('lancall:start');
    const opening = this.#prejoin.open();
    if (!this.#socketFor(params.wsUrl)) this.#openSignaling(params.wsUrl);
    if (this.#prejoin.state?.state === 'on') {
      performance.mark('lancall:media');
      this.#join();
      this.#emitLocal(); // the call's own tile, with the name joined under
      return;
    }
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
    performance.mark('lancall:media');
    this.#join();
  }

  /**
   * The signaling connection to `wsUrl`, if one is open or opening.
   * @param {string} wsUrl
   */
  #socketFor(wsUrl) {
    const s = this.#signaling;
    return s && s.url === wsUrl && (s.state === 'open' || s.state === 'connecting') ? s : null;
  }

  /** Ask for the devices again (after the person fixed permissions). */
  retryMedia() {
    this.#prejoin.forget();
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
    this.#openSignaling(this.#params.wsUrl);
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
    for (const e of this.#mesh?.entries() ?? []) this.#mesh?.drop(e, 'left', false);
    this.#mesh?.unprime();
    this.#rekey?.clear();
    this.#names.clear();
    this.#seed.clear();
    this.#setRoster(null);
    this.#chat.clear();
    this.host.clear();
    this.#screen.stop();
    this.media.close();
    this.#prejoin.forget();
    this.#hands.setMine(false);
    this.myId = '';
  }

  /** @param {boolean} on */
  setMic(on) {
    this.media.setMic(on);
    this.#mesh?.shout({ t: 'state', ...this.#sending() });
    this.#emitLocal();
  }

  /** @param {boolean} on */
  async setCam(on) {
    try {
      await this.media.setCam(on);
    } finally {
      this.#mesh?.shout({ t: 'state', ...this.#sending() });
      this.#emitLocal();
    }
  }

  /**
   * Raise or lower our hand.
   * @param {boolean} up
   */
  raiseHand(up) {
    if (!this.#hands.setMine(up)) return;
    this.#mesh?.shout({ t: 'state', ...this.#sending() });
    this.#emitLocal();
  }

  /**
   * Lower someone's hand: ours, or, as a host, anyone's (they obey only a
   * member the server stamped host).
   * @param {string} id
   */
  lowerHand(id) {
    if (id === this.myId) this.raiseHand(false);
    else if (this.host.isHost) this.#mesh?.shout({ t: 'lower_hand', peer_id: id });
  }

  /**
   * Send a reaction to everyone (one of call/reactions.js's), at the pace
   * the others hold us to; false: too fast, dropped.
   * @param {string} emoji
   */
  react(emoji) {
    const e = reactionOf({ e: emoji });
    if (!e || this.phase !== 'in-call' || !this.#reactions.take(this.#me)) return false;
    this.#mesh?.shout({ t: 'react', e });
    this.emit('reaction', { id: 'local', emoji: e });
    return true;
  }

  /** Raised hands, ours included, first raised first. @returns {RaisedHand[]} */
  get hands() {
    /** @type {RaisedHand[]} */
    const hands = (this.#mesh?.entries() ?? []).filter((e) => e.hand)
      .map((e) => ({ id: e.id, name: e.name, since: e.hand, me: false }));
    if (this.#hands.mine) hands.push({ id: this.myId, name: '', since: this.#hands.mine, me: true });
    return inOrder(hands);
  }

  /**
   * Switch a device while in the call; the peers get the new track.
   * @param {'audio' | 'video'} kind
   * @param {string} deviceId
   */
  async useDevice(kind, deviceId) {
    await this.media.use(kind, deviceId);
  }

  /** Whether this window can share a screen (a browser's getDisplayMedia, or the engine's own capture). */
  get canShare() {
    return Boolean(this.engine) && this.#screen.available;
  }

  /**
   * Share a screen or window, picked in the browser's own picker; rejects
   * with a ShareError (screen.js) when cancelled or impossible.
   */
  async shareScreen() {
    if (this.phase !== 'in-call') return;
    await this.#screen.start();
    // Left while the picker was open.
    if (this.phase !== 'in-call') this.#screen.stop();
  }

  stopScreen() { this.#screen.stop(); }

  /** @param {string} text */
  sendChat(text) {
    const message = this.#chat.compose(text);
    if (!message) return;
    this.#mesh?.shout(message);
    this.emit('chat', { id: message.id, from: this.myId, name: this.#params?.name ?? '', text: message.text, ts: message.ts, self: true });
  }

  /**
   * Raw stats of the connection to one peer.
   * @param {string} id
   */
  async stats(id) {
    const e = this.#mesh?.get(id);
    return e ? e.peer.getStats() : null;
  }

  // --- the host connection -------------------------------------------------

  #join() {
    const params = this.#params;
    if (!params) return;
    if (!this.#signaling) this.#openSignaling(params.wsUrl);
    const s = /** @type {Signaling} */ (this.#signaling);
    if (s.state === 'closed') {
      // It already failed to reach the host while the camera started.
      this.#setPhase({ phase: 'unreachable' });
      return;
    }
    this.#setPhase({ phase: 'connecting' });
    performance.mark('lancall:join-sent');
    s.join({ user_id: params.name, room_id: params.room, passcode: params.passcode, host_key: params.hostKey });
  }

  /**
   * Make the signaling connection and start opening it (no join yet).
   * @param {string} wsUrl
   */
  #openSignaling(wsUrl) {
    this.#signaling?.leave();
    this.#teardownSignaling();
    const s = this.connect(wsUrl);
    this.#signaling = s;
    this.#unsubscribe = [
      s.on('state', (c) => { if (c.state === 'open') performance.mark('lancall:ws-open'); }),
      s.on('state', (c) => { if (this.phase === 'in-call') this.emit('socket', c); }),
      s.on('unreachable', () => { if (this.phase === 'connecting') this.#setPhase({ phase: 'unreachable' }); }),
      s.on('ended', () => this.#end()),
      s.on('welcome', (w) => this.#onWelcome(w)),
      s.on('join', (n) => this.#onJoin(n.peer_id, n.user_id, n.version)),
      s.on('exit_room', (n) => this.#onExit(n.peer_id, n.user_id, n.reason)),
      s.on('peer_reconnecting', (n) => this.#mesh?.setAway(n.peer_id, true)),
      s.on('peer_resumed', (n) => this.#mesh?.setAway(n.peer_id, false)),
      s.on('offer_sdp', (r) => this.#onSignal('offer', r)),
      s.on('answer_sdp', (r) => this.#onSignal('answer', r)),
      s.on('candidate', (r) => this.#onSignal('candidate', r)),
      s.on('message', (r) => { const e = r.from ? this.#mesh?.get(r.from) : null; if (e) this.#onApp(e, r.value, false); }),
      ...this.host.listen(s),
      s.on('waiting', (w) => this.#setPhase({ phase: 'waiting', hosts: w.hosts })),
      s.on('denied', () => this.#turnedAway('denied')),
      s.on('removed', () => this.#turnedAway('removed')),
      s.on('error', (err) => {
        if (err.code === 'removed') {
          this.#turnedAway('removed'); // our resume token is dead: we were removed while away
        } else if (err.ref === 'join' || err.code === 'server_full') {
          if (this.phase === 'connecting' || this.phase === 'waiting' || err.code === 'room_full') {
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

  /**
   * A host turned us away (`denied`) or removed us: every connection and
   * the camera close at once, and nothing reconnects.
   * @param {string} code
   */
  #turnedAway(code) {
    if (this.phase === 'idle') return;
    this.#close();
    this.#setPhase({ phase: 'rejected', code });
  }

  #teardownSignaling() {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#signaling = null;
  }

  /** @param {import('./signaling.js').Welcome} w */
  #onWelcome(w) {
    performance.mark('lancall:welcome');
    const before = this.myId;
    this.myId = w.peer_id;
    for (const m of w.members ?? []) { this.#names.set(m.peer_id, m.user_id); if (!m.version) this.#seed.add(m.peer_id); }
    this.#setRoster(w.members ?? []);
    if (this.phase !== 'in-call') this.#setPhase({ phase: 'in-call' });
    this.emit('socket', { state: 'open' });
    // Same id, same room: nothing changed for anyone. No engine: no peers.
    const mesh = this.#mesh;
    const rekey = this.#rekey;
    if (w.resumed || !mesh || !rekey) return;
    // Alone in the room: make the offer for whoever comes next now. (With
    // others here, the mesh does it once a connection is up, so as not to
    // slow this one.)
    if (!(w.members ?? []).some((m) => m.peer_id !== w.peer_id)) mesh.prime();
    const members = new Set((w.members ?? []).map((m) => m.peer_id));
    if (before && before !== w.peer_id) rekey.newSession(this.myId, members);
    for (const m of w.members ?? []) {
      if (mesh.has(m.peer_id)) continue;
      // We are the newcomer: they offer. Show the tile now.
      rekey.hold(m.peer_id, () => this.#add(m.peer_id, m.user_id, false));
    }
  }

  /**
   * @param {string | undefined} id
   * @param {string | undefined} name
   * @param {number | undefined} version  absent: a seed client
   */
  #onJoin(id, name, version) {
    performance.mark('lancall:member-joined');
    if (!id || id === this.myId) return;
    if (!version) this.#seed.add(id);
    if (name) this.#names.set(id, name);
    this.#roster.set(id, name ?? this.#names.get(id) ?? '');
    // The offer first (a made-ahead one leaves at once), then the view.
    if (this.#mesh && !this.#mesh.has(id)) this.#rekey?.hold(id, () => this.#add(id, name ?? '', true));
    this.emit('roster', this.roster);
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
    this.#rekey?.release(id);
    const e = this.#mesh?.get(id);
    if (e) this.#mesh?.drop(e, reason ?? 'left', true);
    else if (name) this.emit('left', { id, name, reason: reason ?? 'left' });
  }

  /**
   * @param {SignalKind} kind
   * @param {Relayed} r
   */
  #onSignal(kind, r) {
    const mesh = this.#mesh;
    if (!mesh) return; // no engine: nothing here can answer; the sender's tile waits
    // The seed page stamps nothing, but lancall hosts stamp `from`; without
    // it, the only peer in a two-person room is the sender.
    const from = r.from ?? (mesh.size === 1 ? mesh.ids()[0] : '');
    if (!from) return;
    let e = mesh.get(from);
    if (!e) {
      if (kind !== 'offer') return;
      this.#rekey?.release(from);
      e = this.#add(from, this.#names.get(from) ?? '', false);
    }
    e.peer.receive(kind, r.value);
  }

  // --- peers ---------------------------------------------------------------

  /**
   * A peer, named by what it says or else by what the host told us.
   * @param {string} id
   * @param {string} name
   * @param {boolean} initiator
   * @returns {Entry}
   */
  #add(id, name, initiator) {
    return /** @type {Mesh} */ (this.#mesh).add(id, cleanName(name || this.#names.get(id) || ''), initiator);
  }

  /**
   * An app message from a peer, over the data channel or relayed by the host.
   * @param {Entry} e
   * @param {any} m
   * @param {boolean} direct  came over the data channel
   */
  #onApp(e, m, direct) {
    if (!m || typeof m !== 'object') return;
    let flood = this.#flood.get(e);
    if (!flood) this.#flood.set(e, flood = { pace: new Bucket(APP_RATE, APP_BURST), said: 0 });
    if (m.t !== 'chat' && !flood.pace.take()) { this.#flooding(e, flood); return; }
    switch (m.t) {
      case 'hello':
      case 'state': {
        if (!this.#mesh?.current(e)) return;
        if (typeof m.mic === 'boolean') e.mic = m.mic;
        if (typeof m.cam === 'boolean') e.cam = m.cam;
        const name = typeof m.name === 'string' ? cleanName(m.name) : '';
        if (name) e.name = name;
        if (typeof m.screen === 'boolean') e.sharing = m.screen;
        const hand = followHand(e.hand, m.hand);
        if (hand && !e.hand) this.emit('hand', { id: e.id, name: e.name });
        e.hand = hand;
        if (m.screens === true) this.#mesh.canShow(e);
        this.#mesh.changed(e);
        break;
      }
      case 'chat': {
        const message = this.#chat.receive(e, m);
        if (message === 'flood') this.#flooding(e, flood);
        else if (message) this.emit('chat', message);
        break;
      }
      case 'react': {
        const emoji = reactionOf(m);
        if (emoji && this.#mesh?.current(e) && this.#reactions.take(e)) this.emit('reaction', { id: e.id, emoji });
        break;
      }
      case 'lower_hand': {
        if (obeysLower(m, { fromHost: this.host.hostIs(e.id), me: this.myId, raised: this.#hands.mine > 0 })) {
          this.raiseHand(false);
          this.emit('handLowered', { name: e.name });
        }
        break;
      }
      case 'rekey': {
        const change = direct && typeof m.peer_id === 'string' ? this.#rekey?.apply(e, m.peer_id, this.myId) : null;
        if (change) {
          this.emit('rekey', change);
          this.#mesh?.changed(e);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * `e` sent more than is shown: say so, now and then.
   * @param {Entry} e @param {{ said: number }} flood
   */
  #flooding(e, flood) {
    const now = Date.now();
    if (now - flood.said < FLOOD_NOTICE_MS) return;
    flood.said = now;
    this.emit('flood', { id: e.id, name: e.name });
  }

  /** What others should show of us: is sound and video coming? */
  #sending() {
    const m = this.media;
    return { mic: m.micOn && Boolean(m.audio), cam: m.camOn && Boolean(m.video), screen: Boolean(this.#screen.current), hand: this.#hands.mine > 0 };
  }

  /** What our own tile shows. @returns {LocalView} */
  get local() {
    const m = this.media;
    return {
      stream: m.preview, mic: m.micOn, cam: m.camOn && Boolean(m.video), hasAudio: Boolean(m.audio), hasVideo: Boolean(m.video),
      sharing: Boolean(this.#screen.current),
      sharingWhole: Boolean(this.#screen.current) && this.#screen.whole,
      hand: this.#hands.mine,
    };
  }

  #emitLocal() {
    this.emit('local', this.local);
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
