// The tiles of a call: ours first, then one per peer, reflowing for 1 to 6
// people; alone, an invite card takes the second place. While someone
// shares a screen, the grid is a stage: the latest screen large, the camera
// tiles (and any other screen) in a strip below; a click on a strip item
// puts it on the stage instead. Our own screen is never shown to us (it
// would show itself within itself).
//
// Whoever speaks (call/speaker.js) has a ring on their tile. In calls of
// FOLLOW_MIN or more, the person may have the grid follow the speaker: the
// last one of the others who spoke takes the stage, the rest the strip. A
// shared screen keeps the stage before any speaker.
import { h, icon } from './dom.js';
import { Tile } from './tile.js';
import { ScreenTile } from './screen-tile.js';

/**
 * @typedef {import('../i18n.js').I18n} I18n
 * @typedef {import('../call.js').PeerView} PeerView
 * @typedef {import('../call.js').LocalView} LocalView
 * @typedef {import('./tile.js').VideoEngine} VideoEngine
 */

/** People in a call (us included) from which following the speaker is offered: fewer all fit large. */
export const FOLLOW_MIN = 4;

export class Grid {
  /** @type {Map<string, Tile>} */
  #tiles = new Map();
  /** @type {Tile | null} */
  #local = null;
  #sinkId = '';
  /** Whether the invite card may show (not while the host panel does). */
  #inviteCard = true;
  /** Screens shared with us, by sharer, in the order they began. @type {Map<string, ScreenTile>} */
  #screens = new Map();
  /**
   * What the person put on the stage by clicking it in the strip; else the
   * latest screen is. Once removed from the page it no longer counts (#reflow).
   * @type {HTMLElement | null}
   */
  #pinned = null;
  /** Who holds the speaker's ring: a peer's id, 'local', or nobody. @type {string | null} */
  #speaker = null;
  /** The last of the others who held it: the stage while following the speaker. @type {string | null} */
  #spotlight = null;
  /** The person chose to follow the speaker (in calls of FOLLOW_MIN or more). */
  #follow = false;

  /**
   * @param {HTMLElement} root
   * @param {object} o
   * @param {I18n} o.i18n
   * @param {VideoEngine | null} [o.engine]  the call's engine, handed to each tile (tile.js)
   * @param {(id: string) => Promise<RTCStatsReport | null>} o.stats
   * @param {() => string} o.inviteLink
   * @param {() => void} o.onCopyInvite
   * @param {() => void} o.onBlocked  a tile's sound needs a click to start
   */
  constructor(root, { i18n, engine = null, stats, inviteLink, onCopyInvite, onBlocked }) {
    /** Whether we may remove a peer (we host), and how; see setRemoval. @type {{ can: (id: string) => boolean, run: (id: string, name: string) => void } | null} */
    this.removal = null;
    this.root = root;
    this.i18n = i18n;
    this.engine = engine;
    this.stats = stats;
    this.inviteLink = inviteLink;
    this.onBlocked = onBlocked;
    this.waitingTitle = h('h2');
    this.waitingText = h('p');
    this.waitingLink = h('code');
    this.waitingCopy = h('span');
    this.waiting = h('div', { class: 'waiting', role: 'status' },
      h('div', {}, this.waitingTitle, this.waitingText,
        h('div', { class: 'link' }, this.waitingLink,
          h('button', { type: 'button', class: 'btn', onclick: onCopyInvite }, icon('copy'), this.waitingCopy))));
    i18n.on('change', () => this.render());
    new ResizeObserver(() => this.#layout()).observe(root);
    root.addEventListener('click', (e) => {
      const target = /** @type {HTMLElement} */ (e.target);
      if (!this.#screens.size || target.closest('button')) return;
      const item = /** @type {HTMLElement | null} */ (target.closest('.grid > .tile, .grid > .screen'));
      if (!item || item.classList.contains('on-stage')) return;
      this.#pinned = item;
      this.#reflow();
    });
  }

  /** @param {boolean} shown */
  setInviteCard(shown) {
    this.#inviteCard = shown;
    this.#reflow();
  }

  /**
   * Offer a host's Remove on the tiles `can` allows, run by `run`; call
   * again when who may be removed changed.
   * @param {{ can: (id: string) => boolean, run: (id: string, name: string) => void }} removal
   */
  setRemoval(removal) {
    this.removal = removal;
    for (const [id, tile] of this.#tiles) tile.update({ removable: removal.can(id) });
  }

  /**
   * The element of `id`'s tile ('local': ours), or null.
   * @param {string} id
   */
  tileEl(id) {
    return (id === 'local' ? this.#local : this.#tiles.get(id))?.el ?? null;
  }

  /** Number of remote tiles. */
  get size() { return this.#tiles.size; }

  /** @param {LocalView} local @param {string} name */
  setLocal(local, name) {
    if (!this.#local) {
      this.#local = new Tile({ id: 'local', local: true, i18n: this.i18n, engine: this.engine });
      this.root.prepend(this.#local.el);
    }
    this.#local.update({ name, state: 'connected', mic: local.mic, cam: local.cam, stream: local.hasVideo ? local.stream : null, hand: local.hand,
      speaking: this.#speaker === 'local' });
    this.#reflow();
  }

  /** @param {PeerView} p */
  upsert(p) {
    let tile = this.#tiles.get(p.id);
    if (!tile) {
      const id = p.id;
      tile = new Tile({ id, local: false, i18n: this.i18n, engine: this.engine, stats: () => this.stats(tile?.id ?? id), onBlocked: this.onBlocked,
        onRemove: (peer, name) => this.removal?.run(peer, name) });
      this.#tiles.set(id, tile);
      this.root.insertBefore(tile.el, this.waiting.isConnected ? this.waiting : null);
      if (this.#sinkId) tile.setSink(this.#sinkId);
    }
    tile.update({ name: p.name, state: p.state, mic: p.mic, cam: p.cam, stream: p.stream, sas: p.sas, sasState: p.sasState, removable: this.removal?.can(p.id) ?? false,
      hand: p.hand, speaking: this.#speaker === p.id });
    this.#setScreen(p.id, p.screen, p.name);
    this.#reflow();
  }

  /**
   * Ring the tile of whoever speaks now (`id`: a peer's, 'local' for ours;
   * null: nobody). One of the others who speaks becomes the spotlight, and
   * stays it until someone else speaks.
   * @param {string | null} id
   */
  setSpeaker(id) {
    if (id === this.#speaker) return;
    this.#speaker = id;
    this.#local?.update({ speaking: id === 'local' });
    for (const [peer, tile] of this.#tiles) tile.update({ speaking: id === peer });
    if (id && id !== 'local' && this.#tiles.has(id) && id !== this.#spotlight) {
      this.#spotlight = id;
      if (this.#follow) this.#reflow();
    }
  }

  /** Follow the speaker (or not), in calls of FOLLOW_MIN or more. @param {boolean} on */
  setFollow(on) {
    this.#follow = on;
    this.#reflow();
  }

  /** Whether the call is big enough to follow the speaker. */
  get canFollow() { return this.#tiles.size + 1 >= FOLLOW_MIN; }

  /**
   * Show `stream` as `id`'s shared screen, or no screen of theirs (null).
   * @param {string} id @param {MediaStream | null} stream @param {string} name
   */
  #setScreen(id, stream, name) {
    let screen = this.#screens.get(id);
    if (!stream) {
      if (!screen) return;
      this.#screens.delete(id);
      screen.remove();
      return;
    }
    if (!screen) {
      screen = new ScreenTile({ id, i18n: this.i18n, engine: this.engine });
      this.#screens.set(id, screen);
      this.root.prepend(screen.el);
      // A new share takes the stage, as the person sharing expects.
      this.#pinned = null;
    }
    screen.update(stream, name);
  }

  /** @param {string} id */
  remove(id) {
    const tile = this.#tiles.get(id);
    if (!tile) return;
    this.#tiles.delete(id);
    tile.remove();
    if (this.#spotlight === id) this.#spotlight = null;
    if (this.#speaker === id) this.#speaker = null;
    this.#setScreen(id, null, '');
    this.#reflow();
  }

  /** A peer got a new id: keep its tile. */
  rekey(/** @type {string} */ from, /** @type {string} */ to) {
    const tile = this.#tiles.get(from);
    if (!tile || this.#tiles.has(to)) return;
    this.#tiles.delete(from);
    tile.id = to;
    tile.el.dataset.peer = to;
    this.#tiles.set(to, tile);
    if (this.#spotlight === from) this.#spotlight = to;
    if (this.#speaker === from) this.#speaker = to;
    const screen = this.#screens.get(from);
    if (screen) {
      this.#screens.delete(from);
      screen.el.dataset.peer = to;
      this.#screens.set(to, screen);
    }
  }

  /** @param {string} deviceId */
  async setSink(deviceId) {
    this.#sinkId = deviceId;
    await Promise.all([...this.#tiles.values()].map((t) => t.setSink(deviceId)));
  }

  /** Sound on for every tile (after a click allowed it). */
  unmuteAll() {
    for (const t of this.#tiles.values()) {
      t.video.muted = false;
      t.video.play().catch(() => {});
    }
  }

  /** Full screen for the focused tile, or what is on the stage, or the first remote one. */
  fullscreenFocused() {
    const focused = document.activeElement?.closest?.('.tile, .screen');
    const screen = [...this.#screens.values()].find((s) => s.el === focused)
      ?? (!focused ? [...this.#screens.values()].find((s) => s.el.classList.contains('on-stage')) : undefined);
    if (screen) { screen.fullscreen(); return; }
    const tile = [...this.#tiles.values(), this.#local].find((t) => t && t.el === focused)
      ?? [...this.#tiles.values()][0] ?? this.#local;
    tile?.fullscreen();
  }

  clear() {
    for (const t of this.#tiles.values()) t.remove();
    this.#tiles.clear();
    for (const s of this.#screens.values()) s.remove();
    this.#screens.clear();
    this.#pinned = null;
    this.#speaker = null;
    this.#spotlight = null;
    this.#local?.remove();
    this.#local = null;
    this.waiting.remove();
    this.#reflow();
  }

  render() {
    const t = this.i18n.t.bind(this.i18n);
    this.waitingTitle.textContent = t('waiting.title');
    this.waitingText.textContent = t('waiting.text');
    this.waitingLink.textContent = this.inviteLink();
    this.waitingCopy.textContent = t('waiting.copy');
    for (const tile of this.#tiles.values()) tile.render();
    for (const screen of this.#screens.values()) screen.render();
    this.#local?.render();
  }

  #reflow() {
    const alone = this.#tiles.size === 0 && this.#local !== null && this.#inviteCard;
    if (alone && !this.waiting.isConnected) {
      this.root.append(this.waiting);
      this.render();
    } else if (!alone) {
      this.waiting.remove();
    }
    const cells = this.root.children.length;
    this.root.dataset.count = String(Math.max(1, Math.min(6, cells)));
    // The stage: what the person pinned, else the latest screen; without
    // a screen, the speaker, if followed.
    const latest = [...this.#screens.values()].at(-1)?.el ?? null;
    const pinned = this.#pinned?.isConnected ? this.#pinned : null;
    const speaker = this.#follow && this.canFollow && this.#spotlight ? this.#tiles.get(this.#spotlight)?.el ?? null : null;
    const staged = latest ? (pinned ?? latest) : speaker;
    if (staged) this.root.dataset.layout = 'stage';
    else delete this.root.dataset.layout;
    this.root.dataset.follow = String(Boolean(speaker) && staged === speaker);
    for (const el of this.root.children) el.classList.toggle('on-stage', el === staged);
    this.#layout();
  }

  /** Size the cells: the column count that gives the biggest 16:9 tiles. */
  #layout() {
    if (this.root.dataset.layout === 'stage') return; // sized by the stylesheet
    const n = Math.max(1, this.root.children.length);
    const { width, height } = this.root.getBoundingClientRect();
    if (!width || !height) return;
    const gap = 12;
    let best = { w: 0, h: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      let w = (width - gap * (cols - 1)) / cols;
      let h = (w * 9) / 16;
      const maxH = (height - gap * (rows - 1)) / rows;
      if (h > maxH) { h = maxH; w = (h * 16) / 9; }
      if (w > best.w) best = { w, h };
    }
    this.root.style.setProperty('--tile-w', `${Math.floor(best.w)}px`);
    this.root.style.setProperty('--tile-h', `${Math.floor(best.h)}px`);
  }
}
