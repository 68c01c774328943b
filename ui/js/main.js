// Wires the pieces: the call (no DOM) to the views (DOM only); in the app,
// desktop.js adds hosting, the command line's wishes and the menu. Everything
// lives inside main(); there is no module-level mutable state.
// Size: past 450 lines, as the one place where every view meets the call;
// views that can follow the call on their own (hands, reactions) do.
import { Call } from './call.js';
import { SpeakerWatch } from './call/speaker.js';
import { LocalMedia } from './media.js';
import { Signaling } from './signaling.js';
import { parseIceServers, pickEngine, webviewEngine } from './engine.js';
import { I18n, fetchCatalog, pickLanguage } from './i18n.js';
import { appBridge, nativeEngine, pageHost, roomNamer, wsUrlFor } from './platform.js';
import { appLink, inviteLink, parseInvite, validRoom } from './invite.js';
import { SettingsStore } from './settings.js';
import { Desktop } from './desktop.js';
import { StatsSampler } from './stats.js';
import { byId, copyText, h } from './view/dom.js';
import { Lobby } from './view/lobby.js';
import { Preview } from './view/preview.js';
import { Gate } from './view/gate.js';
import { Grid } from './view/grid.js';
import { ChatView } from './view/chat.js';
import { Controls, shareProblem } from './view/controls.js';
import { HandsView } from './view/hands.js';
import { ReactionsView } from './view/reactions.js';
import { DevicesDialog } from './view/devices.js';
import { Banner, toast } from './view/banner.js';
import { refusedGate, waitingGate } from './view/refusals.js';
import { Moderation } from './moderation.js';
import { Notifier } from './notify.js';
import { SettingsDialog } from './view/settings.js';

/**
 * @typedef {import('./call.js').PhaseChange} PhaseChange
 * @typedef {import('./view/lobby.js').LobbyValues} LobbyValues
 * @typedef {import('./desktop.js').Joined} Joined
 */

async function main() {
  performance.mark('lancall:boot');
  const query = new URLSearchParams(location.search);
  const app = appBridge();
  const settings = await SettingsStore.load(app);
  const i18n = new I18n(fetchCatalog);
  // The words load while the camera starts (below): neither waits for the other.
  const words = i18n.use(pickLanguage(navigator.languages ?? [navigator.language], settings.value.language));
  const page = pageHost();
  // The app's native engine is asked for only where the webview has none.
  const native = webviewEngine() ? null : await nativeEngine();
  const engine = pickEngine({ native: () => native });
  const media = new LocalMedia({ mediaDevices: engine?.mediaDevices, maxHeight: Number(query.get('video')) || 540 });
  media.preferred = { audio: settings.value.microphone ?? '', video: settings.value.camera ?? '' };
  media.speakerId = settings.value.speaker ?? '';
  const call = new Call({
    engine,
    media,
    connect: (url) => new Signaling(url),
    iceServers: parseIceServers(query.get('ice') ?? ''),
  });
  // The pre-join screen's head start, before any view is built: the camera
  // for the preview and, in a browser, the socket to the host the page (or
  // its invite link) names. prepare() below does the same once the lobby
  // can be changed.
  const early = app ? null : parseInvite(location.hash);
  if (engine) call.prepare({ wsUrl: early ? wsUrlFor(early.host || page.host) : undefined });
  await words;
  performance.mark('lancall:i18n');
  // An engine that captures by itself follows the microphone and camera buttons.
  if (engine?.setSending) call.on('local', (v) => engine.setSending?.(v.mic, v.cam));
  // …and lets the camera go when the call ends.
  if (engine?.release) call.on('phase', (p) => { if (p.phase === 'idle') engine.release?.(); });
  const t = i18n.t.bind(i18n);

  /** @type {Joined} */
  let joined = { name: '', room: '', host: app ? '' : page.host, passcode: '', own: false };
  /** @type {PhaseChange} */
  let phase = { phase: 'idle' };
  /** Peers we have announced, to say "joined" once. */
  const announced = new Set();

  /** The invite link for the room and host in use. */
  const linkFor = (/** @type {LobbyValues & { own?: boolean }} */ v) => {
    if (desktop) {
      const base = desktop.baseFor({ ...v, own: v.own ?? false });
      return base ? inviteLink(base, v.room) : '';
    }
    return inviteLink(v.host && v.host !== page.host ? `http://${v.host}/` : page.pageBase, v.room);
  };
  const copy = async (/** @type {string} */ link) => {
    toast(t((await copyText(link)) ? 'toast.copied' : 'toast.copyFailed'));
  };
  const copyInvite = (/** @type {LobbyValues} */ v) => copy(linkFor(v));

  const lobby = new Lobby({
    i18n, onJoin: (v) => join(v), onCopyInvite: copyInvite, onHost: (v) => desktop?.host(v), newRoomName: roomNamer(app),
  });
  const gate = new Gate();
  const banner = new Banner();
  const grid = new Grid(byId('grid'), {
    i18n,
    engine,
    stats: (id) => call.stats(id),
    inviteLink: () => linkFor(joined),
    onCopyInvite: () => copyInvite(joined),
    onBlocked: () => banner.message(t('banner.soundBlocked'), [
      { label: t('banner.soundOn'), primary: true, run: () => { grid.unmuteAll(); banner.hide(); } },
    ]),
  });
  const controls = new Controls({ i18n, onAction: (a) => act(a), active: () => phase.phase === 'in-call' });
  // Who speaks, from the connections' own audio levels: a ring on their
  // tile and, if the person follows the speaker, the stage.
  // The native engine answers getStats over IPC, from a webview that also
  // decodes the video: half the rate there.
  const speaker = new SpeakerWatch({ call, every: native ? 500 : undefined });
  speaker.on('speaker', (id) => grid.setSpeaker(id));
  grid.setFollow(settings.value.followSpeaker);
  const chat = new ChatView({ i18n, onSend: (text) => call.sendChat(text), onChange: (n, open) => controls.setChat(n, open) });
  const devices = new DevicesDialog({
    i18n, media,
    onPick: async (kind, id) => {
      await call.useDevice(kind, id);
      settings.update(kind === 'video' ? { camera: id } : { microphone: id });
    },
    onSpeaker: async (id) => {
      settings.update({ speaker: id });
      await grid.setSink(id);
    },
  });
  if (media.speakerId) grid.setSink(media.speakerId);
  const desktop = app ? new Desktop({
    app, i18n, call, lobby, grid, settings,
    shell: { joined: () => joined, join: (v, own) => join(v, own), copy, render: () => render() },
  }) : null;
  const hands = new HandsView({ i18n, call, toast });
  const reactions = new ReactionsView({ i18n, call, tileOf: (id) => grid.tileEl(id) });
  const moderation = new Moderation({ call, i18n, grid, controls });
  const notifier = new Notifier({ call, i18n, app, kinds: () => settings.value.notify, room: () => joined.room });
  new SettingsDialog({
    i18n, kinds: () => settings.value.notify, onKinds: (notify) => settings.update({ notify }),
    autostart: app ? { get: () => app.autostartEnabled(), set: (on) => app.setAutostart(on) } : null,
    browser: app ? null : {
      state: () => (typeof Notification === 'undefined' ? null : Notification.permission), ask: () => notifier.allowInBrowser(),
    },
  });
  const help = /** @type {HTMLDialogElement} */ (byId('help'));
  // The pre-join preview, wherever there is an engine to call with.
  const preview = engine ? new Preview({
    i18n, engine,
    name: () => lobby.values().name,
    onMic: (on) => call.setMic(on),
    onCam: (on) => { call.setCam(on).catch(() => toast(t('toast.camFailed'))); },
    onDevices: () => devices.open(),
    onRetry: () => prepare(),
  }) : null;
  if (preview) {
    byId('lobby-card').classList.add('with-preview');
    lobby.name.addEventListener('input', () => preview.render());
    call.on('preview', (p) => preview.setState(p));
    // The camera may have opened while the words loaded.
    if (call.previewState) preview.setState(call.previewState);
    if (call.previewState?.state === 'on') preview.setLocal(call.local);
  }

  // --- lobby and the language switch ---------------------------------------
  // The app's window is not a page of the call: its links come from the app.
  const invite = app ? parseInvite('') : parseInvite(location.hash);
  lobby.fill({ name: invite.name || settings.value.name, room: invite.room, host: invite.host || (app ? '' : page.host) });
  if (!app) {
    // "Open in the app": the same host and room as a lancall:// link, for
    // people who have the app installed (the OS hands it the link).
    const openInApp = /** @type {HTMLAnchorElement} */ (byId('open-in-app'));
    const showAppLink = () => {
      const v = lobby.values();
      const host = location.protocol === 'https:' && !/^https?:\/\//.test(v.host) ? `https://${v.host}` : v.host;
      openInApp.hidden = !(v.host && validRoom(v.room));
      openInApp.href = appLink(host, v.room, v.name);
    };
    showAppLink();
    for (const el of [lobby.name, lobby.room, lobby.host]) el.addEventListener('input', showAppLink);
    // Values filled in by code (a made-up room) fire no input event.
    for (const type of ['pointerdown', 'focus']) openInApp.addEventListener(type, showAppLink);
    lobby.room.addEventListener('change', showAppLink);
  }
  const langSelect = /** @type {HTMLSelectElement} */ (byId('lang'));
  langSelect.value = i18n.lang;
  langSelect.addEventListener('change', async () => {
    const lang = /** @type {import('./i18n.js').Language} */ (langSelect.value);
    settings.update({ language: lang });
    await i18n.use(lang);
  });
  i18n.on('change', (lang) => {
    document.documentElement.lang = lang;
    i18n.apply(document);
    render();
  });
  document.documentElement.lang = i18n.lang;
  i18n.apply(document);

  if (!engine && !app) {
    // A browser without RTCPeerConnection: the call needs another browser.
    // (The app's window joins anyway and offers the system browser.)
    byId('unsupported').hidden = false;
    const showLink = () => { byId('unsupported-link').textContent = linkFor(lobby.values()); };
    showLink();
    lobby.room.addEventListener('input', showLink);
    byId('unsupported-copy').addEventListener('click', () => copyInvite(lobby.values()));
    lobby.disableJoin();
  }

  // --- the call --------------------------------------------------------------
  /**
   * The pre-join screen's head start: camera and microphone for the
   * preview, and (in a browser, where the host is known) the socket to the
   * host, so that Join only has to signal.
   */
  function prepare() {
    if (!engine || call.phase !== 'idle') return;
    const host = lobby.values().host;
    call.prepare({ wsUrl: !app && host ? wsUrlFor(host) : undefined });
  }

  /**
   * @param {LobbyValues} v
   * @param {boolean} [own]  the room is on this app's own server
   */
  function join(v, own = false) {
    const wsUrl = own && desktop ? desktop.ownWsUrl : wsUrlFor(v.host);
    // Own calls name this machine's loopback address, for the gate's words.
    joined = { ...v, host: own && wsUrl ? new URL(wsUrl).host : v.host, own };
    if (v.name !== t('lobby.defaultName')) settings.update({ name: v.name });
    if (!app) history.replaceState(null, '', `#room=${encodeURIComponent(v.room)}`);
    call.start({ name: v.name, room: v.room, passcode: v.passcode || undefined, wsUrl, hostKey: own ? desktop?.hostKey : undefined });
  }

  call.on('phase', (p) => {
    phase = p;
    desktop?.onPhase(p.phase);
    if (p.phase === 'idle' || p.phase === 'ended') {
      grid.clear();
      chat.clear();
      banner.hide();
      announced.clear();
    }
    render();
    // Back on the pre-join screen: its preview again.
    if (p.phase === 'idle') prepare();
  });
  call.on('local', (l) => {
    preview?.setLocal(l);
    grid.setLocal(l, joined.name);
    controls.set({ mic: l.mic, cam: l.cam, hasAudio: l.hasAudio, hasVideo: l.hasVideo, sharing: l.sharing, sharingWhole: l.sharingWhole, canShare: call.canShare,
      hand: l.hand > 0 });
  });
  /** Peers whose failed verification was said (see below). */
  const sasWarned = new Set();
  call.on('peer', (p) => {
    grid.upsert(p);
    if (!announced.has(p.id) && p.name) {
      announced.add(p.id);
      if (p.state !== 'connected') {
        toast(t('toast.joined', { name: p.name }));
        notifier.joined(p.name);
      }
    }
    // A failed verification is said where it shows, once per round, not only in the details.
    if (p.sasState === 'failed' && !sasWarned.has(p.id)) {
      sasWarned.add(p.id);
      toast(t('toast.sasFailed', { name: p.name || t('tile.someone') }), 10_000);
    } else if (p.sasState !== 'failed') {
      sasWarned.delete(p.id);
    }
    renderChip();
  });
  call.on('rekey', ({ from, to }) => {
    grid.rekey(from, to);
    if (announced.delete(from)) announced.add(to);
  });
  call.on('left', ({ id, name, reason }) => {
    grid.remove(id);
    announced.delete(id);
    if (reason !== 'silent' && phase.phase === 'in-call') {
      toast(t(reason === 'left' || reason === 'removed' ? `toast.${reason}` : 'toast.dropped', { name: name || t('tile.someone') }));
    }
    renderChip();
  });
  call.on('roster', () => renderChip());
  // One notice per peer and message a few seconds: a failing engine may
  // report the same thing for every packet.
  /** @type {Map<string, number>} */
  const problemsShown = new Map();
  call.on('problem', ({ id, name, message }) => {
    const key = `${id} ${message}`;
    const now = Date.now();
    if ((problemsShown.get(key) ?? 0) > now - 10_000) return;
    problemsShown.set(key, now);
    toast(t('toast.peerProblem', { name: name || t('tile.someone'), message }), 8000);
  });
  call.on('chat', (m) => chat.add(m));
  call.on('flood', ({ name }) => chat.note(t('chat.flood', { name: name || t('tile.someone') })));
  /** @type {string | null} the signaling socket's last state in the call, for the diagnostics */
  let socketState = null;
  call.on('socket', (s) => {
    socketState = s.state;
    if (s.state === 'open') banner.hide();
    else if (s.state === 'reconnecting' && s.retryAt) {
      banner.countdown((n) => t('banner.hostGone', { n }), s.retryAt, [
        { label: t('banner.retryNow'), primary: true, run: () => call.reconnectNow() },
        { label: t('controls.leave'), run: () => call.leave() },
      ]);
    } else if (s.state === 'connecting') {
      banner.message(t('banner.reconnecting'), [{ label: t('controls.leave'), run: () => call.leave() }]);
    }
  });

  /** @param {import('./view/controls.js').Action} a */
  function act(a) {
    switch (a) {
      case 'mic': call.setMic(!media.micOn); break;
      case 'cam':
        call.setCam(!(media.camOn && media.video)).catch(() => toast(t('toast.camFailed')));
        break;
      case 'devices': devices.open(); break;
      case 'screen':
        if (call.local.sharing) call.stopScreen();
        else if (call.canShare) call.shareScreen().catch((e) => toast(shareProblem(i18n, e)));
        break;
      case 'hand': call.raiseHand(!call.local.hand); break;
      case 'react': reactions.toggle(); break;
      case 'chat': chat.toggle(); break;
      case 'invite': if (desktop) desktop.invite(); else copyInvite(joined); break;
      case 'help': if (!help.open) help.showModal(); break;
      case 'leave': call.leave(); break;
      case 'lock': moderation.toggleLock(); break;
      case 'fullscreen': grid.fullscreenFocused(); break;
      case 'follow':
        settings.update({ followSpeaker: !settings.value.followSpeaker });
        grid.setFollow(settings.value.followSpeaker);
        renderChip();
        break;
    }
  }

  // --- what is on screen -----------------------------------------------------
  function renderChip() {
    const inCall = phase.phase === 'in-call';
    byId('room-chip').hidden = !inCall;
    controls.setFollow({ canFollow: inCall && grid.canFollow, follow: settings.value.followSpeaker });
    if (!inCall) return;
    byId('room-chip-name').textContent = joined.room;
    // Without an engine there are no tiles; the host's member list counts.
    const others = engine ? grid.size : call.roster.length;
    byId('room-chip-count').textContent = t('chip.people', { n: others + 1 });
  }

  function render() {
    const p = phase;
    const inCall = p.phase === 'in-call';
    const idle = p.phase === 'idle';
    const lobbyGate = idle ? desktop?.lobbyGate ?? null : null;
    lobby.show(idle && !lobbyGate);
    preview?.show(idle && !lobbyGate);
    byId('call').hidden = !inCall;
    if (lobbyGate) gate.show(lobbyGate);
    else if (inCall || idle) gate.hide();
    document.title = inCall ? `${joined.room} · lancall` : 'lancall';
    desktop?.render();
    renderChip();
    controls.render();
    grid.render();
    const back = { label: t('gate.back'), kind: /** @type {const} */ ('ghost'), run: () => call.leave() };
    const host = joined.host;
    switch (p.phase) {
      case 'media':
        gate.show({ spinner: true, title: t('gate.askingTitle'), text: t('gate.askingText'), actions: [{ ...back, label: t('gate.cancel') }] });
        break;
      case 'media-failed': {
        const reason = p.reason ?? 'other';
        gate.show({
          tone: 'warn', icon: reason === 'denied' ? 'cam-off' : 'alert',
          title: t(`media.${reason}.title`), text: t(`media.${reason}.text`),
          actions: [
            { label: t('gate.retry'), kind: 'primary', run: () => call.retryMedia(), id: 'retry-media' },
            { label: t('gate.receiveOnly'), run: () => call.joinWithoutMedia(), id: 'receive-only' },
            back,
          ],
        });
        break;
      }
      case 'connecting':
        gate.show({ spinner: true, title: t('gate.connectingTitle'), text: t('gate.connectingText', { host }), actions: [{ ...back, label: t('gate.cancel') }] });
        break;
      case 'unreachable':
        gate.show({
          tone: 'error', icon: 'offline', title: t('gate.unreachableTitle'), text: t('gate.unreachableText', { host }),
          extra: checklist(host),
          actions: [
            { label: t('gate.retry'), kind: 'primary', run: () => call.retryJoin() },
            { label: t('gate.changeHost'), kind: 'ghost', run: changeHost },
          ],
        });
        break;
      case 'waiting':
        gate.show(waitingGate(i18n, { room: joined.room, hosts: p.hosts ?? 0, leave: () => call.leave() }));
        break;
      case 'rejected':
        gate.show(refusedGate(i18n, { code: p.code ?? '', message: p.message ?? '', room: joined.room },
          { leave: () => call.leave(), retry: (passcode) => call.retryJoin(passcode === undefined ? {} : { passcode }), back }));
        break;
      case 'ended':
        gate.show({
          tone: 'info', icon: 'leave', title: t('gate.endedTitle'), text: t('gate.endedText', { host }),
          actions: [
            { label: t('gate.backToLobby'), kind: 'primary', run: () => call.leave() },
            { label: t('gate.joinAgain'), kind: 'ghost', run: () => call.retryMedia() },
          ],
        });
        break;
      default:
        break;
    }
  }

  /** What to check when a host can't be reached. @param {string} host */
  function checklist(host) {
    const port = host.match(/:(\d+)$/)?.[1] ?? (host.startsWith('https://') ? '443' : '80');
    return h('div', { class: 'checklist' },
      h('p', { text: t('gate.checkTitle') }),
      h('ul', {},
        h('li', { text: t('gate.checkNetwork') }),
        h('li', { text: t('gate.checkRunning') }),
        h('li', { text: t('gate.checkFirewall', { port }) }),
        h('li', { text: t('gate.checkAddress', { host }) })));
  }

  function changeHost() {
    call.leave();
    if (lobby.tab) lobby.setTab('join');
    else /** @type {HTMLDetailsElement} */ (byId('more')).open = true;
    lobby.host.focus();
  }

  window.addEventListener('pagehide', () => { if (call.phase !== 'idle') call.leave(); });
  window.addEventListener('hashchange', () => {
    const inv = parseInvite(location.hash);
    if (!app && phase.phase === 'idle' && inv.room) lobby.fill({ room: inv.room });
  });

  // Read-only diagnostics for the console and the browser tests.
  let ready = false;
  const samplers = new Map();
  Object.defineProperty(window, 'lancall', {
    value: Object.freeze({
      /** The client has started (and done what the app's command line asked). */
      ready: () => ready,
      phase: () => call.phase,
      /** The pre-join preview shows the camera (or microphone). */
      previewing: () => call.previewState?.state === 'on',
      myId: () => call.myId,
      /** The signaling socket's last state in the call (open, reconnecting, connecting…). */
      socket: () => ({ state: socketState, ...call.socketHealth }),
      peers: () => call.peers.map((p) => ({ id: p.id, name: p.name, state: p.state, mic: p.mic, cam: p.cam, chat: p.chat, sas: p.sas, sasState: p.sasState, screen: Boolean(p.screen) })),
      /** Everyone else in the room, as the host lists them (with or without a connection). */
      roster: () => call.roster,
      /** Who holds the speaker's ring: a peer's id, 'local', or null. */
      speaker: () => speaker.speaker,
      /** Raised hands in order (ours with me: true), and the chimes a host heard. */
      hands: () => ({ list: call.hands.map((x) => ({ id: x.id, me: x.me, name: x.name })), chimes: hands.chimes }),
      hosting: () => (desktop ? { state: desktop.hosting.state, room: desktop.hosting.room } : null),
      /** Desktop notifications sent so far (or asked of the app). */
      notified: () => notifier.shown,
      /** Stats per peer: frames decoded, audio packets, bitrate… */
      stats: async () => Promise.all(call.peers.map(async (p) => {
        const report = await call.stats(p.id);
        if (!samplers.has(p.id)) samplers.set(p.id, new StatsSampler());
        /** @type {{ mid: string, track: string, frames: number, size: string }[]} */
        const video = [];
        report?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') video.push({ mid: s.mid, track: s.trackIdentifier, frames: s.framesDecoded ?? 0, size: `${s.frameWidth ?? 0}×${s.frameHeight ?? 0}` }); });
        return { id: p.id, name: p.name, video, screenTrack: p.screen?.getVideoTracks()[0]?.id ?? null, ...(report ? samplers.get(p.id).sample(report, Date.now(), p.screen?.getVideoTracks()[0]?.id) : {}) };
      })),
    }),
  });

  // Join works from here on (a click before would have submitted the form
  // as a page load).
  if (engine || app) lobby.joinButton.disabled = false;
  render();
  prepare();
  if (desktop) {
    await desktop.start();
  } else if (invite.autojoin && engine) {
    const v = lobby.values();
    if (v.name && v.room) join(v);
  } else {
    lobby.focusFirst();
  }
  ready = true;
  performance.mark('lancall:ready');
}

main().catch((e) => {
  // The locales may be what failed to load, so this last resort is English.
  console.error('lancall: failed to start', e);
  document.body.append(h('p', { class: 'form-error', role: 'alert', text: `lancall failed to start: ${e?.message ?? e}` }));
});
