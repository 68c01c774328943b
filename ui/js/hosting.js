// Hosting from the app: whether this install's call server runs, where
// others reach it, and which room this window hosts. It reports changes to
// whoever wires it to the view and never touches the DOM. Only the app has
// one (a browser page never hosts).
import { Emitter } from './emitter.js';

/**
 * @typedef {import('./platform.js').AppBridge} AppBridge
 * @typedef {import('./platform.js').ServerInfo} ServerInfo
 * @typedef {'off' | 'starting' | 'on' | 'stopping'} HostingState
 */

/** How often the count of people is asked for while someone looks at it. */
const WATCH_MS = 3000;

/** @extends {Emitter<{ change: HostingState }>} */
export class Hosting extends Emitter {
  /** @type {HostingState} */
  state = 'off';
  /** @type {ServerInfo | null} */
  info = null;
  /** The room this window hosts (the last one it joined on its own server). */
  room = '';
  /** Why the last start or stop failed, as the app said. */
  error = '';
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #watch;

  /** @param {AppBridge} app */
  constructor(app) {
    super();
    this.app = app;
  }

  /** Ask the app whether it hosts (it may have started before the window). */
  async refresh() {
    if (this.#busy()) return;
    const info = await this.app.serverInfo();
    if (this.#busy()) return; // a start or stop answers for itself
    const before = JSON.stringify([this.state, this.info]);
    this.info = info;
    this.state = info ? 'on' : 'off';
    if (!info) this.room = '';
    if (JSON.stringify([this.state, this.info]) !== before) this.emit('change', this.state);
  }

  /**
   * Start the server (or find it running).
   * @param {string | null} [name]  the host's name in others' lists of hosts
   * @param {boolean} [waitingRoom]  guests wait until a host lets them in
   * @returns {Promise<boolean>}
   */
  async start(name = null, waitingRoom = true) {
    if (this.state === 'on') return true;
    this.#set('starting');
    const r = await this.app.hostStart(null, name, waitingRoom);
    if ('error' in r) {
      this.error = r.error;
      this.#set('off');
      return false;
    }
    this.info = r.info;
    this.error = '';
    this.#set('on');
    return true;
  }

  /** Stop the server; everyone in its rooms is told. @returns {Promise<boolean>} */
  async stop() {
    if (this.state !== 'on') return this.state === 'off';
    this.#set('stopping');
    const r = await this.app.hostStop();
    if (!r.ok) {
      this.error = r.error ?? '';
      this.#set('on');
      return false;
    }
    this.info = null;
    this.room = '';
    this.#set('off');
    return true;
  }

  /**
   * Keep `info` fresh (the count of people, if the app gives it) while the
   * person can see it.
   * @param {boolean} on
   */
  watch(on) {
    if (on && !this.#watch && this.info?.peers != null) {
      this.#watch = setInterval(() => { this.refresh(); }, WATCH_MS);
    } else if (!on && this.#watch) {
      clearInterval(this.#watch);
      this.#watch = undefined;
    }
  }

  /** Base of invite links: the best LAN page, else this machine only. */
  get inviteBase() {
    return this.info?.lanUrls[0] ?? this.localBase;
  }

  /**
   * This machine's own page of the call, for its own browser: a loopback
   * address is a secure context, so that browser may use the camera (on a
   * LAN address over plain http it may not).
   */
  get localBase() {
    return `http://127.0.0.1:${this.info?.port ?? 8070}/`;
  }

  /** The LAN addresses others reach this host at ("192.168.1.5:8070"). */
  get addresses() {
    return (this.info?.lanUrls ?? []).map((u) => { try { return new URL(u).host; } catch { return u; } });
  }

  #busy() { return this.state === 'starting' || this.state === 'stopping'; }

  /** @param {HostingState} state */
  #set(state) {
    this.state = state;
    this.emit('change', state);
  }
}
