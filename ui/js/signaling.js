// The signaling connection: one WebSocket to a lancall host (or anything that
// speaks the seed protocol), typed events out, reconnection with back-off and
// resume of the same peer id after a dropped socket. No DOM here.
import { Emitter } from './emitter.js';

/** Protocol version we speak; sent in `join` so the host grants resume. */
export const PROTOCOL_VERSION = 1;

/**
 * The wire types are generated from the server's own (ui/js/types/signal.d.ts,
 * `make types`). A seed-protocol server sends only the seed's fields of
 * `join` and `exit_room`, and no `from` on relays: those are optional here.
 * @typedef {import('./types/signal').MemberInfo} Member
 * @typedef {import('./types/signal').Welcome} Welcome
 * @typedef {Partial<import('./types/signal').JoinNotice> & { count: number }} JoinNotice
 * @typedef {Partial<import('./types/signal').ExitNotice> & { count: number }} ExitNotice
 * @typedef {Omit<import('./types/signal').Relayed, 'from' | 'room_id' | 'value'> & { from?: string, room_id?: string, value: any }} Relayed
 * @typedef {import('./types/signal').ServerError} ServerError
 * @typedef {import('./types/signal').RelayEvent['event']} RelayKind
 * @typedef {import('./types/signal').ClientEvent} ClientEvent
 * @typedef {'idle'|'connecting'|'open'|'reconnecting'|'closed'} SocketState
 * @typedef {{ state: SocketState, retryAt?: number, attempt?: number, code?: number }} StateChange
 * @typedef {Omit<import('./types/signal').Join, 'version' | 'resume'>} JoinRequest
 *   host_key: the key of an app's own server, which makes us a host there;
 *   waiting_room: asked for by whoever creates the room
 * @typedef {import('./types/signal').ServerData<'waiting'>} Waiting
 * @typedef {import('./types/signal').ServerData<'knock'>} Knock
 * @typedef {import('./types/signal').ServerData<'knock_end'>} KnockEnd
 * @typedef {Partial<import('./types/signal').ServerData<'locked'>> & { locked: boolean }} Locked
 * @typedef {Extract<ClientEvent, { event: 'admit' | 'deny' | 'remove' | 'lock' }>} HostEvent  what only a host may send
 */

/**
 * @typedef {object} SignalingEvents
 * @property {StateChange} state       the socket's state changed
 * @property {Welcome} welcome         we are in the room (again)
 * @property {JoinNotice} join         someone joined our room
 * @property {ExitNotice} exit_room    someone left our room
 * @property {Relayed} offer_sdp
 * @property {Relayed} answer_sdp
 * @property {Relayed} candidate
 * @property {Relayed} message
 * @property {{ peer_id: string }} peer_reconnecting
 * @property {{ peer_id: string }} peer_resumed
 * @property {ServerError} error
 * @property {Waiting} waiting         the room has a waiting room: we wait for a host to let us in
 * @property {Knock} knock             (hosts) someone waits to be let in
 * @property {KnockEnd} knock_end      (hosts) they were let in, turned away, or went
 * @property {{ room_id: string }} denied   a host did not let us in; the socket stays open
 * @property {{ room_id: string }} removed  a host removed us; nothing reconnects
 * @property {Locked} locked           a host locked or unlocked the room
 * @property {{ code: number }} unreachable  the first connection failed
 * @property {{ reason: string }} ended    the host ended the call (it quit or stopped
 *   hosting) and is not coming back: nothing reconnects
 */

/**
 * What a host says when it goes (close 1001) and its calls go with it: the
 * app hosting them quit or stopped hosting (docs/protocol.md, close codes).
 * Any other 1001 is a server that may come back, and we keep trying.
 */
const CALL_ENDED = 'host ended the call';

/** Errors after which joining again cannot help; we stop reconnecting. */
const FINAL_JOIN_ERRORS = new Set([
  'room_full', 'passcode_required', 'wrong_passcode', 'too_many_attempts', 'bad_room_id', 'bad_user_id', 'server_full',
  'room_locked', 'waiting_full', 'denied', 'removed',
]);

/** @extends {Emitter<SignalingEvents>} */
export class Signaling extends Emitter {
  /** @type {WebSocket | null} */
  #ws = null;
  /** @type {JoinRequest | null} */
  #join = null;
  #resumeToken = '';
  #attempt = 0;
  #everOpened = false;
  #joined = false;
  /** In a room's waiting room: a peer id, but not a member yet. */
  #waiting = false;
  #stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #beat;
  /** When the open socket last brought us anything (Date.now()). */
  #heardAt = 0;
  /** Relays made while the socket was down, sent if we resume. @type {string[]} */
  #outbox = [];
  /** @type {SocketState} */
  state = 'idle';

  /**
   * @param {string} url  ws:// or wss:// address of the host's /ws
   * @param {{ minDelay?: number, maxDelay?: number, connectTimeout?: number, heartbeat?: number, silentAfter?: number, WebSocketImpl?: typeof WebSocket }} [options]
   *   connectTimeout: how long an opening socket may stay silent; a LAN
   *   address nobody answers can otherwise hang for minutes.
   *   heartbeat, silentAfter: an open socket says "ping" every `heartbeat`
   *   ms (the host answers "pong"); one that has heard nothing for
   *   `silentAfter` ms is given up as lost (a pulled cable closes nothing,
   *   and a page cannot see WebSocket pings).
   */
  constructor(url, options = {}) {
    super();
    this.url = url;
    this.minDelay = options.minDelay ?? 250;
    this.maxDelay = options.maxDelay ?? 5000;
    this.connectTimeout = options.connectTimeout ?? 10_000;
    this.heartbeat = options.heartbeat ?? 5000;
    this.silentAfter = options.silentAfter ?? 20_000;
    this.WebSocketImpl = options.WebSocketImpl ?? WebSocket;
  }

  /** Our peer id in the room, once welcomed. */
  peerId = '';

  /** Open the socket (if not open) and join `room_id` as `user_id`. */
  join(/** @type {JoinRequest} */ join) {
    this.#join = join;
    this.#stopped = false;
    if (this.#ws && this.#ws.readyState === 1) this.#sendJoin();
    else if (!this.#ws) this.#open();
  }

  /** Open the socket ahead of joining (e.g. while the camera starts). */
  open() {
    if (!this.#ws && !this.#stopped && this.state !== 'closed') this.#open();
  }

  /** For diagnostics: the socket's ready state and how long since we last heard from the host. */
  health() {
    return { readyState: this.#ws?.readyState ?? null, heardAgo: this.#heardAt ? Date.now() - this.#heardAt : null };
  }

  /** Try now instead of waiting for the back-off timer. */
  retryNow() {
    if (this.#stopped || this.state === 'open' || this.state === 'connecting') return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  /**
   * Relay `value` to the others in the room, or only to peer `to`.
   * @param {RelayKind} kind
   * @param {unknown} value
   * @param {string} [to]
   */
  relay(kind, value, to) {
    /** @type {import('./types/signal').RelayData} */
    const data = { room_id: this.#join?.room_id, value };
    if (to) data.to = to;
    /** @type {ClientEvent} */
    const message = { event: kind, data };
    const text = JSON.stringify(message);
    if (this.#joined && this.#ws?.readyState === 1) this.#ws.send(text);
    else if (this.#outbox.length < 200) this.#outbox.push(text);
  }

  /**
   * A host's request (admit, deny, remove, lock); the server refuses it
   * (`not_host`) from anyone else. Dropped while the socket is down: a
   * host decides again on what it sees then.
   * @param {HostEvent} message
   */
  send(message) {
    if (this.#joined && this.#ws?.readyState === 1) this.#ws.send(JSON.stringify(message));
  }

  /** Leave the room and close the socket for good. */
  leave() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#beat);
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      if (ws.readyState === 1 && (this.#joined || this.#waiting)) ws.send(JSON.stringify({ event: 'exit' }));
      ws.close(1000, 'left');
    }
    this.#joined = false;
    this.#waiting = false;
    this.#setState({ state: 'closed' });
  }

  #open() {
    this.#setState({ state: 'connecting', attempt: this.#attempt });
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch {
      this.#lost(1006);
      return;
    }
    this.#ws = ws;
    // Closing a socket that is still connecting fails it (close code 1006).
    const timer = setTimeout(() => { if (ws.readyState === 0) ws.close(); }, this.connectTimeout);
    ws.onopen = () => {
      clearTimeout(timer);
      this.#attempt = 0;
      this.#everOpened = true;
      this.#setState({ state: 'open' });
      this.#listen(ws);
      if (this.#join) this.#sendJoin();
    };
    ws.onmessage = (e) => {
      this.#heardAt = Date.now();
      this.#receive(String(e.data));
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      if (this.#ws !== ws) return;
      clearInterval(this.#beat);
      this.#ws = null;
      this.#joined = false;
      this.#waiting = false;
      if (e.code === 1001 && e.reason === CALL_ENDED) this.#ended(e.reason);
      else this.#lost(e.code);
    };
  }

  /**
   * Ping the host now and then; give the socket up once it has heard
   * nothing for `silentAfter`, and reconnect (resuming our place) as if it
   * had closed.
   * @param {WebSocket} ws
   */
  #listen(ws) {
    this.#heardAt = Date.now();
    clearInterval(this.#beat);
    this.#beat = setInterval(() => {
      if (this.#ws !== ws) {
        clearInterval(this.#beat);
        return;
      }
      if (Date.now() - this.#heardAt <= this.silentAfter) {
        ws.send(JSON.stringify('ping'));
        return;
      }
      clearInterval(this.#beat);
      this.#ws = null;
      this.#joined = false;
      ws.onclose = null;
      ws.onmessage = null;
      try { ws.close(4000, 'silent'); } catch { /* closing anyway */ }
      this.#lost(4000);
    }, this.heartbeat);
  }

  /** @param {string} reason */
  #ended(reason) {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#setState({ state: 'closed', code: 1001 });
    this.emit('ended', { reason });
  }

  /** @param {number} code */
  #lost(code) {
    if (this.#stopped) return;
    if (!this.#everOpened) {
      this.#stopped = true;
      this.#setState({ state: 'closed', code });
      this.emit('unreachable', { code });
      return;
    }
    // 250 ms, 500 ms, 1 s, 2 s, 4 s, 5 s … with a little jitter so a room
    // that lost its host does not come back in lock-step.
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.#attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#attempt += 1;
    const retryAt = Date.now() + delay;
    this.#setState({ state: 'reconnecting', retryAt, attempt: this.#attempt, code });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #sendJoin() {
    if (!this.#join || !this.#ws) return;
    /** @type {import('./types/signal').Join} */
    const data = { ...this.#join, version: PROTOCOL_VERSION };
    if (!data.passcode) delete data.passcode;
    if (!data.host_key) delete data.host_key;
    if (!data.waiting_room) delete data.waiting_room;
    if (this.#resumeToken) data.resume = this.#resumeToken;
    /** @type {ClientEvent} */
    const message = { event: 'join', data };
    this.#ws.send(JSON.stringify(message));
  }

  /** @param {string} text */
  #receive(text) {
    if (text === '"pong"') return; // the answer to our heartbeat
    if (text === 'ping') {
      this.#ws?.send(JSON.stringify('pong'));
      return;
    }
    /** @type {{ event?: string, data?: any }} */
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const data = frame?.data ?? {};
    switch (frame?.event) {
      case 'welcome': {
        /** @type {Welcome} */
        const welcome = data;
        this.#joined = true;
        this.#waiting = false;
        this.#resumeToken = welcome.resume_token ?? '';
        this.peerId = welcome.peer_id ?? '';
        // What we said while away was meant for the peer ids of before; a
        // fresh (not resumed) session means those ids are gone.
        const pending = this.#outbox;
        this.#outbox = [];
        if (welcome.resumed) for (const t of pending) this.#ws?.send(t);
        this.emit('welcome', welcome);
        break;
      }
      case 'error': {
        /** @type {ServerError} */
        const error = data;
        if (error.ref === 'join' && FINAL_JOIN_ERRORS.has(error.code)) this.#stopped = true;
        if (error.code === 'server_full') this.#stopped = true;
        if (error.code === 'removed') this.#resumeToken = '';
        this.emit('error', error);
        break;
      }
      case 'waiting':
        this.#waiting = true;
        this.peerId = data.peer_id ?? '';
        this.emit('waiting', data);
        break;
      case 'denied':
        // Not let in: the socket stays, but a reconnect must not knock again.
        this.#waiting = false;
        this.#join = null;
        this.emit('denied', data);
        break;
      case 'removed':
        // The host closes the socket next (1008); we neither reconnect nor resume.
        this.#stopped = true;
        this.#resumeToken = '';
        this.#outbox = [];
        clearTimeout(this.#retryTimer);
        this.emit('removed', data);
        break;
      case 'knock':
      case 'knock_end':
      case 'locked':
        this.emit(frame.event, data);
        break;
      case 'join':
      case 'exit_room':
      case 'offer_sdp':
      case 'answer_sdp':
      case 'candidate':
      case 'message':
      case 'peer_reconnecting':
      case 'peer_resumed':
        this.emit(frame.event, data);
        break;
      default:
        break; // unknown events are ignored, as the protocol asks
    }
  }

  /** @param {StateChange} change */
  #setState(change) {
    this.state = change.state;
    this.emit('state', change);
  }
}
