// The client in the desktop app's mode, in Chromium with the app's side of
// the IPC faked (support/fake-app.js) against a real `lancall serve`: host a
// call in one click and show how others join, join from a pasted invite
// link, say what to check when a host can't be reached, remember hosts and
// devices, obey the menu, and — in a window without RTCPeerConnection, as
// in Linux's WebKitGTK — join anyway and hand the call to the browser.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO, health } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { openClient, waitForRemoteVideo, waitUntil } from './support/call.js';
import { appCalls, appSettings, menu, openApp } from './support/fake-app.js';

/** @typedef {import('playwright-core').Page} Page */

const SHOTS = join(REPO, 'docs', 'screenshots');

/** @param {Page} page @param {string} what */
const inCall = (page, what) => waitFor(page, () => window.lancall?.phase() === 'in-call', { what });
/** @param {Page} page @param {string} what */
const inLobby = (page, what) => waitFor(page, () => document.getElementById('lobby')?.hidden === false, { what });

describe('the app window (fake IPC, real server)', () => {
  // Two fake cameras, so there is a camera to pick.
  const env = useServerAndBrowser({ launch: { args: ['--use-fake-device-for-media-stream=device-count=2'] } });

  before(async () => {
    await env.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url.replace(/\/$/, '') });
  });

  it('"Host a call" starts hosting, joins at once and shows the address, room, link and QR code; a guest joins by the link', async () => {
    const app = await openApp(env.browser, env.server);
    assert.equal(await app.getByRole('tab', { name: 'Host a call' }).getAttribute('aria-selected'), 'true');
    await app.getByLabel('Name', { exact: true }).fill('Ada');
    await app.getByLabel('Room', { exact: true }).fill('standup');
    await app.getByRole('button', { name: 'Host a call', exact: true }).click();
    await inCall(app, 'the host in its own room');
    assert.deepEqual((await appCalls(app, 'host_start')).map((c) => c.args), [{ port: null, name: 'Ada', waitingRoom: true }]);

    const link = `http://127.0.0.1:${env.server.port}/#room=standup`;
    await waitFor(app, () => document.getElementById('host-panel')?.hidden === false, { what: 'the host panel' });
    assert.equal(await app.textContent('#host-panel-link'), link);
    assert.equal(await app.textContent('#host-panel-room'), 'standup');
    assert.equal(await app.textContent('#host-panel-addresses'), `127.0.0.1:${env.server.port}`);
    await waitFor(app, () => {
      const img = /** @type {HTMLImageElement} */ (document.getElementById('host-panel-qr'));
      return !img.hidden && img.src.startsWith('data:image/svg+xml') && img.complete && img.naturalWidth > 0;
    }, { what: 'the QR code drawn' });
    assert.deepEqual((await appCalls(app, 'invite_qr')).map((c) => c.args.text), [link]);
    assert.equal((await appCalls(app, 'set_window_title')).at(-1)?.args.title, 'standup · lancall');
    assert.equal((await health(env.server.port)).peers, 1);

    const guest = await openClient(env.browser, env.server, 'guest');
    await guest.goto(`${link}&name=Guest&autojoin=1`);
    await inCall(guest, 'the guest in by the invite link');
    await waitForRemoteVideo(app, 1, { what: "the guest's video in the app" });
    await waitFor(app, () => document.getElementById('room-chip-count')?.textContent === '2 in call', { what: 'two in the call' });

    // Leaving keeps hosting, and says so with a way to stop.
    await app.getByRole('button', { name: 'Leave', exact: true }).click();
    await inLobby(app, 'back in the lobby');
    await waitFor(app, () => document.getElementById('lobby-bar-title')?.textContent === "You're still hosting “standup”", { what: 'the hosting bar' });
    assert.equal((await appCalls(app, 'set_window_title')).at(-1)?.args.title, 'lancall');
    assert.equal((await appCalls(app, 'host_stop')).length, 0);
    assert.equal(await guest.evaluate(() => window.lancall.phase()), 'in-call');
    await app.getByRole('button', { name: 'Stop hosting' }).click();
    await waitFor(app, () => document.getElementById('lobby-bar')?.hidden === true, { what: 'the bar gone after stopping' });
    assert.equal((await appCalls(app, 'host_stop')).length, 1);
    await waitFor(app, () => [...document.querySelectorAll('.toast')].some((t) => t.textContent === 'Stopped hosting; everyone was disconnected'),
      { what: 'the stopped-hosting toast' });
    await guest.close();
    await app.close();
  });

  it('a pasted invite link fills host and room; the host is offered next time; name and devices are saved', async () => {
    const app = await openApp(env.browser, env.server);
    await app.getByRole('tab', { name: 'Join a call' }).click();
    await app.getByLabel('Name', { exact: true }).fill('Bo');
    await app.getByLabel('Host or invite link').fill(`http://127.0.0.1:${env.server.port}/#room=book-club`);
    await app.getByLabel('Host or invite link').press('Tab');
    assert.equal(await app.getByLabel('Host or invite link').inputValue(), `127.0.0.1:${env.server.port}`);
    assert.equal(await app.getByLabel('Room', { exact: true }).inputValue(), 'book-club');
    await app.getByRole('button', { name: 'Join', exact: true }).click();
    await inCall(app, 'joined by the pasted link');
    assert.equal(await app.evaluate(() => document.getElementById('host-panel')?.hidden), true, 'no host panel for a call hosted elsewhere');
    const host = `127.0.0.1:${env.server.port}`;
    const saved = await waitUntil(app, () => /** @type {any} */ (window).fakeApp.settings, (s) => s.recent_hosts?.[0] === host, { what: 'the host remembered' });
    assert.equal(saved.last_host, host);
    assert.equal(saved.name, 'Bo');

    // Devices picked in the call are kept.
    await app.getByRole('button', { name: 'Devices' }).click();
    const camera = await app.$eval('#pick-camera', (s) => /** @type {HTMLSelectElement} */ (s).options[1].value);
    const mic = await app.$eval('#pick-mic', (s) => /** @type {HTMLSelectElement} */ (s).options[2].value);
    const speaker = await app.$eval('#pick-speaker', (s) => /** @type {HTMLSelectElement} */ (s).options[1].value);
    await app.selectOption('#pick-camera', camera);
    await app.selectOption('#pick-mic', mic);
    await app.selectOption('#pick-speaker', speaker);
    const devices = await waitUntil(app, () => /** @type {any} */ (window).fakeApp.settings,
      (s) => s.camera === camera && s.microphone === mic && s.speaker === speaker, { what: 'the devices saved' });
    assert.equal(devices.recent_hosts[0], host);

    // A camera that won't open: the dialog says why, the camera in use
    // stays picked, and nothing is saved.
    const broken = await app.$eval('#pick-camera', (s) => /** @type {HTMLSelectElement} */ (s).options[0].value);
    await app.evaluate((id) => {
      const api = navigator.mediaDevices;
      const open = api.getUserMedia.bind(api);
      api.getUserMedia = async (c) => {
        const v = c?.video;
        const asked = v && typeof v === 'object' && v.deviceId && typeof v.deviceId === 'object' && !Array.isArray(v.deviceId)
          ? v.deviceId.exact : undefined;
        if (asked === id) throw new DOMException('Could not start video source', 'NotReadableError');
        return open(c);
      };
    }, broken);
    await app.selectOption('#pick-camera', broken);
    const shown = await waitFor(app, () => {
      const e = document.getElementById('devices-error');
      return e && !e.hidden && e.textContent;
    }, { what: 'the failed switch shown' });
    assert.match(String(shown), /Couldn't switch to that device.*Could not start video source/);
    assert.equal(await app.$eval('#pick-camera', (s) => /** @type {HTMLSelectElement} */ (s).value), camera);
    assert.equal((await app.evaluate(() => /** @type {any} */ (window).fakeApp.settings)).camera, camera);
    await app.getByRole('button', { name: 'Done' }).click();
    await app.getByRole('button', { name: 'Leave', exact: true }).click();
    await inLobby(app, 'back in the lobby');

    // Next start: the name, the last host and the recent hosts come back,
    // and the saved camera is the one used.
    await app.reload();
    await waitFor(app, () => window.lancall?.ready(), { what: 'the app restarted' });
    assert.equal(await app.getByLabel('Name', { exact: true }).inputValue(), 'Bo');
    await app.getByRole('tab', { name: 'Join a call' }).click();
    assert.equal(await app.getByLabel('Host or invite link').inputValue(), host);
    assert.equal(await app.locator('#recent-hosts .chip').first().textContent(), host);
    assert.deepEqual(await app.$$eval('#recent-hosts-list option', (os) => os.map((o) => /** @type {HTMLOptionElement} */ (o).value)), [host]);
    await app.getByLabel('Host or invite link').fill('');
    await app.locator('#recent-hosts .chip').first().click();
    assert.equal(await app.getByLabel('Host or invite link').inputValue(), host);
    await app.getByLabel('Room', { exact: true }).fill('book-club');
    await app.getByRole('button', { name: 'Join', exact: true }).click();
    await inCall(app, 'joined again from a recent host');
    await waitFor(app, (id) => /** @type {HTMLVideoElement | null} */ (document.querySelector('.tile.local video'))?.srcObject
      instanceof MediaStream && /** @type {MediaStream} */ (/** @type {HTMLVideoElement} */ (document.querySelector('.tile.local video')).srcObject)
      .getVideoTracks()[0]?.getSettings().deviceId === id, { what: 'the saved camera in use', arg: camera });
    await app.close();
  });

  it("a host that can't be reached says what to check, and Change host goes back to the host field", async () => {
    const app = await openApp(env.browser, env.server, { settings: { name: 'Cy' } });
    await app.getByRole('tab', { name: 'Join a call' }).click();
    await app.getByLabel('Host or invite link').fill('127.0.0.1:9');
    await app.getByLabel('Room', { exact: true }).fill('nowhere');
    await app.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(app, () => document.getElementById('gate-title')?.textContent === "Can't reach the host", { what: 'the unreachable message' });
    const text = await app.textContent('#gate-card') ?? '';
    assert.match(text, /Nothing answered at 127\.0\.0\.1:9\./);
    assert.match(text, /same network/);
    assert.match(text, /firewall lets in TCP port 9\b/);
    assert.match(text, /lancall is hosting on that computer/);
    assert.equal((await appSettings(app)).recent_hosts.length, 0, 'an unreachable host is not remembered');
    await app.getByRole('button', { name: 'Change host' }).click();
    await waitFor(app, () => document.activeElement?.id === 'host', { what: 'the host field focused' });
    assert.equal(await app.getByRole('tab', { name: 'Join a call' }).getAttribute('aria-selected'), 'true');
    await app.close();
  });

  it('hosts found on the network are listed on the join tab, come and go live, and one click joins', async () => {
    const app = await openApp(env.browser, env.server, { nearby: true, settings: { name: 'Fei' } });
    assert.equal((await appCalls(app, 'discovery_start')).length, 1, 'the app is asked to look');
    await app.getByRole('tab', { name: 'Join a call' }).click();
    const found = { event: 'found', id: 'Lin._lancall._tcp.local.', name: "Lin's laptop", url: `http://127.0.0.1:${env.server.port}/`, addresses: ['127.0.0.1'], port: env.server.port, version: 1, tls: false, room: 'standup' };
    await app.evaluate((f) => /** @type {any} */ (window).fakeApp.emit('nearby', f), found);
    await app.evaluate((f) => /** @type {any} */ (window).fakeApp.emit('nearby', f), { ...found, id: 'Gone._lancall._tcp.local.', name: 'Gone soon' });
    await waitFor(app, () => document.querySelectorAll('#discovered-slot .discovered-host').length === 2, { what: 'two hosts listed' });
    await app.evaluate(() => /** @type {any} */ (window).fakeApp.emit('nearby', { event: 'lost', id: 'Gone._lancall._tcp.local.' }));
    await waitFor(app, () => document.querySelectorAll('#discovered-slot .discovered-host').length === 1, { what: 'the lost host gone' });
    // The host tab hides the list; the join tab shows it again.
    await app.getByRole('tab', { name: 'Host a call' }).click();
    assert.equal(await app.isVisible('#discovered-slot'), false);
    await app.getByRole('tab', { name: 'Join a call' }).click();
    await app.getByRole('button', { name: /Lin's laptop/ }).click();
    await waitFor(app, () => /** @type {any} */ (window).lancall.phase() === 'in-call', { what: 'in the call' });
    assert.equal((await health(env.server.port)).peers, 1);
    await app.close();
  });

  it('the menu copies the invite link and leaves; I copies too, and is in the shortcut list', async () => {
    const app = await openApp(env.browser, env.server, { settings: { name: 'Di' } });
    await app.getByLabel('Room', { exact: true }).fill('menu-room');
    await app.getByRole('button', { name: 'Host a call', exact: true }).click();
    await inCall(app, 'hosting');
    const link = `http://127.0.0.1:${env.server.port}/#room=menu-room`;
    await app.evaluate(() => navigator.clipboard.writeText(''));
    await menu(app, 'copy-invite');
    await waitUntil(app, () => navigator.clipboard.readText(), (t) => t === link, { what: 'the invite link on the clipboard' });
    await app.evaluate(() => navigator.clipboard.writeText(''));
    await app.locator('body').press('i');
    await waitUntil(app, () => navigator.clipboard.readText(), (t) => t === link, { what: 'I copying the link' });
    await app.locator('body').press('?');
    await waitFor(app, () => /** @type {HTMLDialogElement} */ (document.getElementById('help')).open, { what: 'the shortcut list' });
    assert.match(await app.textContent('#help .keys') ?? '', /ICopy the invite link/);
    await app.keyboard.press('Escape');
    await menu(app, 'leave');
    await inLobby(app, 'the menu leaving the call');
    assert.equal(await app.evaluate(() => window.lancall.phase()), 'idle');
    // In the lobby, still hosting: the menu copies the hosted call's link.
    await app.evaluate(() => navigator.clipboard.writeText(''));
    await menu(app, 'copy-invite');
    await waitUntil(app, () => navigator.clipboard.readText(), (t) => t === link, { what: "the hosted call's link from the lobby" });
    await app.getByRole('button', { name: 'Stop hosting' }).click();
    await waitFor(app, () => document.getElementById('lobby-bar')?.hidden === true, { what: 'hosting stopped' });
    await app.close();
  });

  it('without RTCPeerConnection the window joins, ignores offers, and "Open in browser" hands the call over while it keeps hosting', async () => {
    // A guest is in the room first, so it offers to the window when it arrives.
    const guest = await openClient(env.browser, env.server, 'guest');
    await guest.goto(`${env.server.url}?video=240#room=garden&name=Guest&autojoin=1`);
    await inCall(guest, 'the guest waiting');
    const app = await openApp(env.browser, env.server, { noRtc: true, settings: { name: 'Eve' } });
    /** @type {string[]} */
    const complaints = [];
    app.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') complaints.push(m.text()); });
    app.on('pageerror', (e) => complaints.push(e.message));
    assert.equal(await app.evaluate(() => typeof window.RTCPeerConnection), 'undefined');
    await app.getByLabel('Room', { exact: true }).fill('garden');
    await app.getByRole('button', { name: 'Host a call', exact: true }).click();
    await inCall(app, 'the window in the room without a peer connection');
    await waitFor(app, () => document.getElementById('no-rtc')?.hidden === false, { what: 'the notice' });
    assert.equal(await app.textContent('#no-rtc strong'), "This window can't exchange video yet");
    assert.match(await app.textContent('#no-rtc-text') ?? '', /This app keeps hosting the call\./);
    // The preview plays, the member list counts the guest, and the guest's offer is let be.
    await waitFor(app, () => (/** @type {HTMLVideoElement | null} */ (document.querySelector('.tile.local video'))?.videoWidth ?? 0) > 0, { what: 'the local preview' });
    await waitFor(app, () => window.lancall.roster().length === 1 && document.getElementById('room-chip-count')?.textContent === '2 in call', { what: 'the guest counted' });
    await waitFor(guest, () => window.lancall.peers().length === 1, { what: 'the guest offering to the window' });
    assert.equal(await app.evaluate(() => window.lancall.phase()), 'in-call');
    assert.deepEqual(complaints, [], 'no errors or warnings from ignored offers');

    await app.getByRole('button', { name: 'Open in browser' }).click();
    const expected = `http://127.0.0.1:${env.server.port}/#room=garden&name=Eve&autojoin=1`;
    const opened = await waitUntil(app, () => /** @type {any} */ (window).fakeApp.calls.filter((/** @type {any} */ c) => c.cmd === 'plugin:shell|open'),
      (c) => c.length === 1, { what: 'the browser asked to open the call' });
    assert.deepEqual(opened[0].args, { path: expected });
    await inLobby(app, 'the window out of the call');
    await waitFor(app, () => document.getElementById('lobby-bar-title')?.textContent === 'The call is open in your browser', { what: 'the open-in-browser bar' });
    assert.match(await app.textContent('#lobby-bar-text') ?? '', /This window keeps hosting “garden”\./);
    assert.equal(await app.getByRole('button', { name: 'Rejoin here' }).isVisible(), true);
    assert.equal(await app.getByRole('button', { name: 'Stop hosting' }).isVisible(), true);
    assert.equal((await appCalls(app, 'host_stop')).length, 0, 'still hosting');
    await waitFor(guest, () => window.lancall.peers().length === 0, { what: 'the window gone from the guest' });

    // What the system browser does with the link: it joins, and the guest sees it.
    const tab = await openClient(env.browser, env.server, 'browser-tab');
    await tab.goto(expected.replace('/#', '/?video=240#'));
    await inCall(tab, 'the browser tab joined by itself');
    await waitForRemoteVideo(guest, 1, { what: "the browser tab's video at the guest" });
    assert.deepEqual((await guest.evaluate(() => window.lancall.peers())).map((p) => p.name), ['Eve']);
    assert.deepEqual((await guest.evaluate(() => window.lancall.roster())).map((p) => p.name), ['Eve'], 'the window is out of the room');

    // And the window can come back.
    await app.getByRole('button', { name: 'Rejoin here' }).click();
    await inCall(app, 'rejoined here');
    await waitFor(app, () => window.lancall.roster().length === 2, { what: 'the window sees both in the room' });
    for (const p of [tab, guest, app]) await p.close();
  });

  it('`lancall host` joins its room at once; `lancall join` fills the form and joins, or asks for a name first', async () => {
    const hosting = await openApp(env.browser, env.server, { launch: { mode: 'host', room: 'cli-room', host: null, name: null }, hosting: true });
    await inCall(hosting, '`lancall host` in its room');
    assert.equal(await hosting.evaluate(() => window.lancall.hosting()?.room), 'cli-room');
    assert.equal(await hosting.textContent('.tile.local .tile-name'), 'Host (you)');
    assert.equal((await appCalls(hosting, 'set_window_title')).at(-1)?.args.title, 'cli-room · lancall');
    // The menu opens it in the browser too.
    await menu(hosting, 'open-in-browser');
    await waitUntil(hosting, () => /** @type {any} */ (window).fakeApp.calls.filter((/** @type {any} */ c) => c.cmd === 'plugin:shell|open'),
      (c) => c[0]?.args.path === `http://127.0.0.1:${env.server.port}/#room=cli-room&name=Host&autojoin=1`, { what: 'the menu opening the browser' });
    await inLobby(hosting, 'the window out of the call');

    const nameless = await openApp(env.browser, env.server, { launch: { mode: 'join', room: 'cli-room', host: `127.0.0.1:${env.server.port}`, name: null } });
    assert.equal(await nameless.evaluate(() => window.lancall.phase()), 'idle');
    assert.equal(await nameless.evaluate(() => document.activeElement?.id), 'name');
    assert.equal(await nameless.getByLabel('Host or invite link').inputValue(), `127.0.0.1:${env.server.port}`);
    assert.equal(await nameless.getByLabel('Room', { exact: true }).inputValue(), 'cli-room');
    const named = await openApp(env.browser, env.server, { launch: { mode: 'join', room: 'cli-room', host: `127.0.0.1:${env.server.port}`, name: 'Flo' } });
    await inCall(named, '`lancall join --name Flo` in the room');
    await hosting.getByRole('button', { name: 'Rejoin here' }).click();
    await waitFor(hosting, () => window.lancall.roster().map((m) => m.name).join() === 'Flo', { what: 'the host back, with Flo' });
    for (const p of [named, nameless, hosting]) await p.close();
  });

  it('the host panel as a person sees it, with LAN addresses and a real QR code (screenshot)', async () => {
    const room = 'calm-otter-42';
    const qr = { text: `http://192.168.1.20:8070/#room=${room}`, svg: await readFile(join(REPO, 'tests/e2e/fixtures/invite-qr.svg'), 'utf8') };
    const app = await openApp(env.browser, env.server, {
      settings: { name: 'Ada' },
      lanUrls: ['http://192.168.1.20:8070/', 'http://10.0.0.7:8070/'],
      qr,
    });
    const guest = await openClient(env.browser, env.server, 'guest');
    await guest.goto(`${env.server.url}?video=240#room=${room}&name=${encodeURIComponent('Lin 林')}&autojoin=1`);
    await inCall(guest, 'a guest in the room');
    await app.getByLabel('Room', { exact: true }).fill(room);
    await app.getByRole('button', { name: 'Host a call', exact: true }).click();
    await inCall(app, 'hosting');
    assert.equal(await app.textContent('#host-panel-link'), qr.text);
    assert.equal(await app.textContent('#host-panel-addresses'), '192.168.1.20:807010.0.0.7:8070');
    await waitFor(app, (svg) => /** @type {HTMLImageElement} */ (document.getElementById('host-panel-qr')).src.length > svg, { what: 'the real QR code', arg: 5000 });
    await waitForRemoteVideo(app, 1, { what: "the guest's video" });
    await app.mouse.move(0, 0);
    await app.evaluate(() => { for (const t of document.querySelectorAll('.toast')) t.remove(); });
    await mkdir(SHOTS, { recursive: true });
    await app.screenshot({ path: join(SHOTS, 'app-host-panel.png') });
    await guest.close();
    await app.close();
  });
});
