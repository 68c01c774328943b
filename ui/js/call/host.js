// What a room's hosts may do, and what everyone sees of it: who is a host,
// who waits to be let in (knocks, oldest first), and whether the room is
// locked. A host admits, turns away or removes people and locks the room
// through the signaling connection; the server decides who is a host and
// refuses the rest (docs/protocol.md, waiting room). No DOM here.
import { Emitter } from '../emitter.js';

/**
 * @typedef {import('../signaling.js').Signaling} Signaling
 * @typedef {import('../signaling.js').Welcome} Welcome
 * @typedef {{ id: string, name: string, since: number }} Knock  someone waiting, since when (Date.now())
 * @typedef {{ code: string, ref: string, message: string }} Refusal  the server refused a host's request
 *
 * @typedef {object} HostEvents
 * @property {void} change          host status, knocks or the lock changed
 * @property {Knock} knock          someone new waits to be let in
 * @property {Refusal} refused
 */

/** Requests only a host makes; errors answering them are the host's to see. */
const HOST_REFS = new Set(['admit', 'deny', 'remove', 'lock']);

/** @extends {Emitter<HostEvents>} */
export class HostControls extends Emitter {
  /** We are a host of the room we are in. */
  isHost = false;
  /** The room was made with a waiting room. */
  waitingRoom = false;
  locked = false;
  /** Peer ids of the room's hosts (ourselves included when we are one). @type {Set<string>} */
  #hosts = new Set();
  /** Who waits, by peer id, oldest first. @type {Map<string, Knock>} */
  #knocks = new Map();
  /** @type {() => Signaling | null} */
  #signaling;

  /** @param {() => Signaling | null} signaling  the connection in use */
  constructor(signaling) {
    super();
    this.#signaling = signaling;
  }

  /**
   * Follow what `s` hears; returns the unsubscribers.
   * @param {Signaling} s
   */
  listen(s) {
    return [
      s.on('welcome', (w) => this.#welcome(w)),
      s.on('join', (n) => {
        if (n.peer_id && n.host) { this.#hosts.add(n.peer_id); this.emit('change', undefined); }
      }),
      s.on('exit_room', (n) => { if (n.peer_id && this.#hosts.delete(n.peer_id)) this.emit('change', undefined); }),
      s.on('knock', (k) => {
        if (!k?.peer_id || this.#knocks.has(k.peer_id)) return;
        const knock = { id: k.peer_id, name: String(k.user_id ?? ''), since: Date.now() };
        this.#knocks.set(knock.id, knock);
        this.emit('knock', knock);
        this.emit('change', undefined);
      }),
      s.on('knock_end', (k) => { if (this.#knocks.delete(k?.peer_id)) this.emit('change', undefined); }),
      s.on('locked', (l) => {
        this.locked = l?.locked === true;
        this.emit('change', undefined);
      }),
      s.on('error', (e) => {
        if (e.ref && HOST_REFS.has(e.ref)) this.emit('refused', { code: e.code, ref: e.ref, message: e.message });
      }),
    ];
  }

  /** Who waits, oldest first. @returns {Knock[]} */
  get knocks() { return [...this.#knocks.values()]; }

  /** @param {string} id  whether that member is a host (they can't be removed) */
  hostIs(id) { return this.#hosts.has(id); }

  /** @param {string} id */
  admit(id) { this.#send({ event: 'admit', data: { peer_id: id } }); }

  admitAll() { this.#send({ event: 'admit', data: { all: true } }); }

  /** @param {string} id */
  deny(id) { this.#send({ event: 'deny', data: { peer_id: id } }); }

  /** @param {string} id */
  remove(id) { this.#send({ event: 'remove', data: { peer_id: id } }); }

  /** @param {boolean} locked */
  lock(locked) { this.#send({ event: 'lock', data: { locked } }); }

  /** We left the room: nothing of it holds any more. */
  clear() {
    this.isHost = false;
    this.waitingRoom = false;
    this.locked = false;
    this.#hosts.clear();
    this.#knocks.clear();
    this.emit('change', undefined);
  }

  /** @param {Welcome} w */
  #welcome(w) {
    // A server without hosts (an older lancall, the seed's) says none of this.
    const members = w.members ?? [];
    this.isHost = w.host === true;
    this.waitingRoom = w.waiting_room === true;
    this.locked = w.locked === true;
    this.#hosts = new Set(members.filter((m) => m.host === true).map((m) => m.peer_id));
    if (this.isHost) this.#hosts.add(w.peer_id);
    // A fresh welcome is a fresh session: knocks come again from the server.
    if (!w.resumed) this.#knocks.clear();
    this.emit('change', undefined);
  }

  /** @param {import('../signaling.js').HostEvent} message */
  #send(message) {
    if (this.isHost) this.#signaling()?.send(message);
  }
}
