// Wires what only the desktop app does to the views: hosting a call from
// this install, what the command line asked for (`lancall host|join`, a
// clicked lancall:// link, at start or while running), the menu, the window
// title, and opening the call in the system browser where this window can't
// exchange video. main.js wires the call itself; this
// module calls back into it for joining and leaving.
import { Hosting } from './hosting.js';
import { HostTray } from './tray.js';
import { autojoinLink, inviteLink } from './invite.js';
import { BrowserNotice, HostPanel, LobbyBar, SwitchDialog, WaitingRoomSwitch } from './view/app.js';
import { CloseDialog } from './view/close-dialog.js';
import { DiscoveredHosts } from './view/discovered.js';
import { byId } from './view/dom.js';
import { toast } from './view/banner.js';

/**
 * @typedef {import('./platform.js').AppBridge} AppBridge
 * @typedef {import('./platform.js').Launch} Launch
 * @typedef {import('./settings.js').SettingsStore} SettingsStore
 * @typedef {import('./i18n.js').I18n} I18n
 * @typedef {import('./call.js').Call} Call
 * @typedef {import('./call.js').Phase} Phase
 * @typedef {import('./view/lobby.js').Lobby} Lobby
 * @typedef {import('./view/lobby.js').LobbyValues} LobbyValues
 * @typedef {import('./view/grid.js').Grid} Grid
 * @typedef {import('./view/gate.js').GateState} GateState
 * @typedef {LobbyValues & { own: boolean }} Joined  own: on this app's server
 *
 * @typedef {object} Shell  what main.js lends this module
 * @property {() => Joined} joined        the call joined last
 * @property {(v: LobbyValues, own: boolean) => void} join
 * @property {(link: string) => Promise<void>} copy  copy a link, with a toast
 * @property {() => void} render          redraw after a change here
 */

export class Desktop {
  /** Why the window left a call this app hosts: shown in the lobby bar. @type {'left' | 'browser' | null} */
  away = null;
  /** A card shown instead of the lobby while hosting starts or failed. @type {GateState | null} */
  lobbyGate = null;
  #title = '';
  #panelShownFor = '';

  /**
   * @param {object} o
   * @param {AppBridge} o.app
   * @param {I18n} o.i18n
   * @param {Call} o.call
   * @param {Lobby} o.lobby
   * @param {Grid} o.grid
   * @param {SettingsStore} o.settings
   * @param {Shell} o.shell
   */
  constructor({ app, i18n, call, lobby, grid, settings, shell }) {
    this.app = app;
    this.i18n = i18n;
    this.call = call;
    this.lobby = lobby;
    this.grid = grid;
    this.settings = settings;
    this.shell = shell;
    this.hosting = new Hosting(app);
    this.hosting.on('change', () => shell.render());
    this.tray = new HostTray({ app, i18n, hosting: this.hosting });
    this.closeDialog = new CloseDialog(i18n);
    this.panel = new HostPanel({
      i18n,
      qr: (text) => app.inviteQr(text),
      onCopy: () => this.copyInvite(),
      onStop: () => this.stopHosting(),
      onToggle: () => this.render(),
    });
    this.bar = new LobbyBar();
    this.waitingRoom = new WaitingRoomSwitch();
    this.notice = new BrowserNotice({ i18n, onOpen: () => this.openInBrowser() });
    this.switchDialog = new SwitchDialog(i18n);
    lobby.useAppLayout();
    lobby.setRecentHosts(settings.value.recentHosts);
    this.nearby = new DiscoveredHosts({ i18n, onPick: (host) => this.#pickNearby(host) });
    byId('discovered-slot').append(this.nearby.el);
  }

  /** Listen for hosts on this network, for the join tab's list. */
  async #watchNearby() {
    const on = await this.app.discoveryStart((change) => {
      if (change.event === 'found') this.nearby.found(change);
      else if (change.event === 'lost' && typeof change.id === 'string') this.nearby.lost(change.id);
    });
    this.lobby.showNearby(on);
  }

  /**
   * A host picked from the list: its address (plain ws: this window needs
   * no secure origin, and the host speaks both on one port), its room if it
   * offers one; join at once when nothing is missing.
   * @param {import('./view/discovered.js').FoundHost} found
   */
  #pickNearby(found) {
    let host;
    try { host = new URL(found.url).host; } catch { return; }
    this.lobby.setTab('join');
    this.lobby.fill({ host, ...(found.room ? { room: found.room } : {}) });
    const v = this.lobby.values();
    if (v.name && v.room) this.shell.join(v, false);
    else this.lobby.focusFirst();
  }

  /** Learn whether the app hosts already, listen to the menu, then do what the command line asked. */
  async start() {
    await this.hosting.refresh();
    this.app.onMenu((action) => this.#onMenu(action));
    this.#watchNearby();
    const launch = await this.app.launch();
    this.waitingRoom.set(launch.waitingRoom);
    await this.#apply(launch);
    // Later launches: a clicked lancall:// link, a second `lancall join|host`.
    await this.app.onLaunch(() => this.#next());
    // …and one that came before the page listened.
    await this.#next();
  }

  /** @param {Launch} launch  do what a launch asks, from the lobby */
  async #apply(launch) {
    const t = this.i18n.t.bind(this.i18n);
    const name = launch.name || this.settings.value.name;
    if (launch.mode === 'host') {
      this.lobby.setTab('host');
      // Hosting needs no typing: a made-up name if none is known.
      this.lobby.fill({ name: name || t('lobby.defaultName'), room: launch.room ?? '' });
      await this.lobby.suggestRoom();
      this.host(this.lobby.values());
    } else if (launch.mode === 'join') {
      this.lobby.setTab('join');
      this.lobby.fill({ name, host: launch.host ?? '', room: launch.room ?? '' });
      const v = this.lobby.values();
      if (v.name && v.host && v.room) this.shell.join(v, false);
      else this.lobby.focusFirst();
    } else {
      if (launch.mode === 'badlink') this.#badLink(launch);
      if (name) this.lobby.fill({ name });
      if (this.settings.value.lastHost) this.lobby.fill({ host: this.settings.value.lastHost });
      if (this.lobby.tab === 'host') await this.lobby.suggestRoom();
      this.lobby.focusFirst();
    }
  }

  /** A launch that came in while running: in a call, ask before leaving it. */
  async #next() {
    const launch = await this.app.launchNext();
    if (!launch || launch.mode === 'lobby') return;
    const t = this.i18n.t.bind(this.i18n);
    if (launch.mode === 'badlink') {
      this.#badLink(launch);
      return;
    }
    if (this.call.phase === 'idle') {
      this.lobbyGate = null;
      await this.#apply(launch);
      return;
    }
    const j = this.shell.joined();
    const to = launch.room ?? '';
    if (launch.mode === 'join' && to === j.room && !j.own && launch.host === j.host) {
      toast(t('link.already', { room: to }));
      return;
    }
    const hosting = this.hosting.state === 'on';
    const ask = { from: j.room, to: launch.mode === 'join' ? to : '', hosting: hosting ? this.hosting.room || j.room : '' };
    if (!(await this.switchDialog.ask(ask))) return;
    this.away = null;
    this.call.leave();
    await this.#apply(launch);
  }

  /** @param {Launch} launch  a link that can't be used: say why, and stay where we are */
  #badLink(launch) {
    const t = this.i18n.t.bind(this.i18n);
    const p = launch.problem ?? { code: 'unknown' };
    const known = ['too-long', 'not-lancall', 'unknown-action', 'no-host', 'bad-host', 'no-room', 'bad-room', 'bad-name'];
    const reason = t(`link.${known.includes(p.code) ? p.code : 'unknown'}`, { action: p.action ?? '', host: p.host ?? '', room: p.room ?? '', max: p.max ?? 0 });
    // Longer than other notices: at start it may come while the window is still appearing.
    toast(t('link.bad', { reason }), 20_000);
  }

  /**
   * "Host a call": start the server, then join its room at once.
   * @param {LobbyValues} v
   */
  async host(v) {
    const t = this.i18n.t.bind(this.i18n);
    const back = () => { this.lobbyGate = null; this.shell.render(); };
    this.lobbyGate = {
      spinner: true, title: t('hosting.startingTitle'), text: t('hosting.startingText'),
      actions: [{ label: t('gate.cancel'), kind: 'ghost', run: back }],
    };
    this.shell.render();
    const ok = await this.hosting.start(v.name || null, this.waitingRoom.on);
    if (!this.lobbyGate) return; // gone back meanwhile
    if (!ok) {
      this.lobbyGate = {
        tone: 'error', icon: 'alert', title: t('hosting.failedTitle'),
        text: t('hosting.failedText', { error: this.hosting.error || t('hosting.noReason') }),
        actions: [
          { label: t('gate.retry'), kind: 'primary', run: () => this.host(v) },
          { label: t('gate.back'), kind: 'ghost', run: back },
        ],
      };
      this.shell.render();
      return;
    }
    this.lobbyGate = null;
    this.away = null;
    this.hosting.room = v.room;
    this.shell.join({ ...v, host: '' }, true);
  }

  /** The WebSocket this window uses for its own server's calls. */
  get ownWsUrl() { return this.hosting.info?.wsUrl ?? ''; }

  /** What makes this window a host of its own server's calls. */
  get hostKey() { return this.hosting.info?.hostKey ?? undefined; }

  /**
   * The page a call's invite links point at.
   * @param {Joined} v
   */
  baseFor(v) {
    if (v.own) return this.hosting.inviteBase;
    const host = v.host.trim();
    if (!host) return '';
    try { return /^https?:\/\//.test(host) ? new URL('/', host).href : new URL(`http://${host}/`).href; } catch { return ''; }
  }

  /** The invite link to what this window is in, or hosts; '' if none. */
  currentLink() {
    const j = this.shell.joined();
    if (this.call.phase !== 'idle' && j.room) return this.#link(this.baseFor(j), j.room);
    if (this.hosting.state === 'on' && this.hosting.room) return this.#link(this.hosting.inviteBase, this.hosting.room);
    if (this.lobby.tab === 'join') {
      const v = this.lobby.values();
      return v.room ? this.#link(this.baseFor({ ...v, own: false }), v.room) : '';
    }
    return '';
  }

  async copyInvite() {
    const link = this.currentLink();
    if (link) await this.shell.copy(link);
    else toast(this.i18n.t('toast.noInvite'));
  }

  /** Open the call in the system browser, and leave it here (this app keeps hosting it). */
  async openInBrowser() {
    const inCall = this.call.phase !== 'idle';
    const j = inCall ? this.shell.joined() : { ...this.shell.joined(), own: true, room: this.hosting.room };
    if (!j.room || (!inCall && this.hosting.state !== 'on')) {
      toast(this.i18n.t('toast.noInvite'));
      return;
    }
    const base = j.own ? this.hosting.localBase : this.baseFor(j);
    const name = j.name || this.settings.value.name;
    if (!base || !(await this.app.openExternal(autojoinLink(base, j.room, name)))) {
      toast(this.i18n.t('toast.browserFailed'), 6000);
      return;
    }
    this.away = 'browser';
    if (this.call.phase !== 'idle') this.call.leave();
    else this.shell.render();
  }

  /** Stop hosting: leave the call first if this window is in it. */
  async stopHosting() {
    if (this.call.phase !== 'idle' && this.shell.joined().own) {
      this.away = null;
      this.call.leave();
    }
    const ok = await this.hosting.stop();
    const t = this.i18n.t.bind(this.i18n);
    if (ok) {
      this.away = null;
      toast(t('toast.stoppedHosting'));
    } else {
      toast(t('toast.stopFailed', { error: this.hosting.error }), 6000);
    }
    this.shell.render();
  }

  /** The call's phase changed. @param {Phase} phase */
  onPhase(phase) {
    const j = this.shell.joined();
    if (phase === 'in-call') {
      this.away = null;
      if (!j.own) {
        this.settings.rememberHost(j.host).then(() => this.lobby.setRecentHosts(this.settings.value.recentHosts));
      } else if (this.#panelShownFor !== j.room) {
        // How others join, shown once per hosted call; the Invite button brings it back.
        this.#panelShownFor = j.room;
        this.panel.setOpen(true);
      }
    } else if (phase === 'idle') {
      if (j.own && this.away === null && this.hosting.state === 'on') this.away = 'left';
      this.#panelShownFor = '';
    }
  }

  /** The Invite button: copy the link and, when hosting, show how to join. */
  invite() {
    this.copyInvite();
    if (this.shell.joined().own) this.panel.setOpen(true);
  }

  /** Draw the app's parts for the call's phase. */
  render() {
    const phase = this.call.phase;
    const j = this.shell.joined();
    const inCall = phase === 'in-call';
    const hosted = inCall && j.own && this.hosting.state === 'on';
    this.panel.set(hosted ? {
      room: j.room, link: this.#link(this.hosting.inviteBase, j.room),
      addresses: this.hosting.addresses, port: this.hosting.info?.port ?? 0,
      fingerprint: this.hosting.info?.fingerprint ?? null, waitingRoom: this.hosting.info?.waitingRoom ?? null,
    } : null);
    this.grid.setInviteCard(!this.panel.open);
    this.notice.set(inCall && !this.call.engine, j.own);
    this.#renderBar(phase === 'idle' && !this.lobbyGate);
    this.#setTitle(inCall ? `${j.room} · lancall` : 'lancall');
  }

  /** @param {boolean} idle */
  #renderBar(idle) {
    const t = this.i18n.t.bind(this.i18n);
    const h = this.hosting;
    const j = this.shell.joined();
    const hostingNow = h.state === 'on' || h.state === 'stopping';
    this.hosting.watch(idle && hostingNow);
    if (!idle || (!hostingNow && !(this.away === 'browser' && !j.own))) {
      this.bar.hide();
      return;
    }
    if (!hostingNow) {
      this.bar.show({
        title: t('bar.browserTitle'), text: t('bar.browserRemote'),
        actions: [
          { label: t('bar.rejoin'), kind: 'primary', id: 'bar-rejoin', run: () => this.shell.join(j, false) },
          { label: t('bar.dismiss'), kind: 'ghost', run: () => { this.away = null; this.render(); } },
        ],
      });
      return;
    }
    const stopping = h.state === 'stopping';
    const room = h.room;
    const people = h.info?.peers != null ? ` ${t('bar.people', { n: h.info.peers })}` : '';
    const title = stopping ? t('bar.stopping')
      : this.away === 'browser' ? t('bar.browserTitle')
        : room ? t('bar.hostingRoom', { room }) : t('bar.hosting');
    const text = (this.away === 'browser' ? t('bar.browserText', { room }) : t('bar.hostingText')) + people;
    this.bar.show({
      title, text, busy: stopping,
      actions: [
        ...(room ? [
          { label: t('bar.rejoin'), kind: /** @type {const} */ ('primary'), id: 'bar-rejoin', disabled: stopping,
            run: () => this.shell.join({ ...j, room, host: '' }, true) },
          { label: t('lobby.copyInvite'), id: 'bar-copy', disabled: stopping, run: () => this.copyInvite() },
        ] : []),
        { label: t('bar.stop'), kind: 'danger', id: 'bar-stop', disabled: stopping, run: () => this.stopHosting() },
      ],
    });
  }

  /** @param {string} base @param {string} room */
  #link(base, room) {
    try { return base ? inviteLink(base, room) : ''; } catch { return ''; }
  }

  /** @param {string} title */
  #setTitle(title) {
    if (title === this.#title) return;
    this.#title = title;
    this.app.setWindowTitle(title);
  }

  /** @param {string} action */
  #onMenu(action) {
    if (action === 'copy-invite') this.copyInvite();
    else if (action === 'leave' && this.call.phase !== 'idle') this.call.leave();
    else if (action === 'open-in-browser') this.openInBrowser();
    else if (action === 'stop-hosting') this.stopHosting();
    else if (action === 'close-requested') this.#askClose();
  }

  /** The window was closed while hosting, with a tray icon up: keep hosting there, or quit. */
  async #askClose() {
    const choice = await this.closeDialog.ask(this.hosting.room);
    if (choice === 'quit') {
      await this.app.quit();
    } else if (choice === 'keep' && !(await this.app.keepHostingInTray())) {
      toast(this.i18n.t('toast.noTray'), 6000);
    }
  }
}
