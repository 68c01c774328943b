// The waiting room with the Linux app, in a real window under Xvfb:
// - the app hosts (`lancall host`, a waiting room by default); a Chromium
//   guest opens the invite link and waits; the app, in the background
//   behind another window, shows the knock and asks for attention (the X
//   urgency hint), and a real mouse click (xdotool) on its Admit button
//   lets the guest in; video then flows both ways; the window leaves and
//   rejoins, a host by its server's key (not as the room's maker);
// - `lancall host --no-waiting-room`, and the lobby's switch clicked off,
//   let guests straight in;
// - Chromium makes a room on `lancall serve --waiting-room` and hosts it;
//   the app (`lancall join`) knocks, its state probe shows it waiting, and
//   once Chromium admits it, it is in the call with video both ways; the
//   host locks the call (the app shows it locked, a newcomer is turned
//   away), then removes the app, which says so and stays out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { launch, waitFor } from './support/browser.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, health, startServer } from './support/server.js';
import { appWindows, clickInApp, otherWindow, screenshot, startApp, startXvfb, until } from './support/app.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

const run = promisify(execFile);
const SHOTS = join(REPO, 'docs', 'screenshots');

/** @typedef {Awaited<ReturnType<typeof startApp>>} App */

/**
 * Whether a window of the app asks for attention (its WM_HINTS urgency bit).
 * @param {string} display
 */
async function urgent(display) {
  const env = { ...process.env, DISPLAY: display };
  for (const id of await appWindows(display)) {
    if ((await run('xprop', ['-id', id, 'WM_HINTS'], { env })).stdout.includes('urgency hint bit is set')) return true;
  }
  return false;
}

/**
 * The app's remote tile plays: frames decoded in the page keep rising.
 * @param {App} app
 */
async function appDecodes(app) {
  return until(() => {
    const decoded = app.states().map((s) => s.decoded?.[0] ?? 0).filter((d) => d > 0);
    return decoded.length >= 3 && decoded.at(-1) > decoded[0] + 5 && decoded;
  }, "the app's remote tile decoding frames", 60_000).catch((e) => {
    // What the app saw, for a failure on a busy machine.
    const last = app.states().slice(-3).map((s) => ({ at: s.at, phase: s.phase, decoded: s.decoded, remote: s.remote?.map((r) => ({ state: r.state, canvas: r.canvas })) }));
    throw new Error(`${e.message}; the app's last reports: ${JSON.stringify(last)}`);
  });
}

describe('the waiting room with the app', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let browser;
  const room = `app-wr-${process.pid}`;

  before(async () => {
    // The app's engine sends a test pattern and tone, not this machine's devices.
    process.env.LANCALL_TEST_SOURCE = '1';
    x = await startXvfb();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await x?.stop();
  });

  it('the app hosts; a Chromium guest knocks and waits; the app in the background asks for attention; a click on Admit lets it in; video both ways', async () => {
    const app = await startApp(['host', '--room', room, '--port', '0'], x.display);
    try {
      const [, link] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:\d+\/#room=\S+)$/m);
      await until(() => app.states().some((s) => s.phase === 'in-call'), 'the app in its own call', 45_000);
      const other = await otherWindow(x.display);
      assert.equal(await urgent(x.display), false, 'nothing to ask attention for yet');
      const page = await browser.page(new URL(link).origin);
      await page.goto(`${link}&name=Guest&autojoin=1`);
      await waitFor(page, () => window.lancall?.phase() === 'waiting', { what: 'the guest in the waiting room', timeout: 30_000 });
      assert.equal(await page.locator('#gate-title').innerText(), 'Waiting for the host to let you in');

      const seen = await until(() => app.states().findLast((s) => s.knocks?.some((k) => k.name === 'Guest' && k.admit?.width > 0)),
        "the guest's knock in the app's window", 30_000);
      const admit = seen.knocks.find((k) => k.name === 'Guest').admit;
      await until(() => urgent(x.display), 'the app in the background asking for attention', 10_000);
      other.close();
      // Still waiting: nothing but the click lets the guest in.
      assert.equal(await page.evaluate(() => window.lancall.phase()), 'waiting');
      await mkdir(SHOTS, { recursive: true });
      await screenshot(x.display, join(SHOTS, 'app-waiting-room.png'));
      await clickInApp(x.display, { x: admit.x + admit.width / 2, y: admit.y + admit.height / 2 }, seen.viewport);

      await waitFor(page, () => window.lancall.phase() === 'in-call', { what: 'the guest let in by the click', timeout: 15_000 });
      await until(() => app.states().at(-1)?.knocks?.length === 0, "the notice gone from the app's window");
      await waitForRemoteVideo(page, 1, { what: "the app's video in Chromium", timeout: 45_000 });
      const decoded = await appDecodes(app);
      assert.ok(decoded.at(-1) > 10, `frames decoded in the app: ${decoded.at(-1)}`);

      // The window leaves (its Leave button) and comes back while the
      // guest keeps the room: no longer its maker, it is a host by the
      // server's key alone, so it goes straight in and hears the next knock.
      const inCall = await until(() => app.states().findLast((s) => s.phase === 'in-call' && s.leave?.width > 0), 'the Leave button');
      await clickInApp(x.display, { x: inCall.leave.x + inCall.leave.width / 2, y: inCall.leave.y + inCall.leave.height / 2 }, inCall.viewport);
      const left = await until(() => app.states().findLast((s) => s.phase === 'idle' && s.lobby?.rejoin?.width > 0),
        'the app out of its call, Rejoin offered', 45_000);
      const since = Date.now();
      await clickInApp(x.display, { x: left.lobby.rejoin.x + left.lobby.rejoin.width / 2, y: left.lobby.rejoin.y + left.lobby.rejoin.height / 2 }, left.viewport);
      await until(() => app.states().some((s) => s.at > since && s.phase === 'in-call' && s.peers === 1), 'the app back in its call with the guest', 30_000);
      assert.ok(!app.states().some((s) => s.at > since && s.phase === 'waiting'), 'the key holder never waited');
      const second = await browser.page(new URL(link).origin);
      await second.goto(`${link}&name=Second&autojoin=1`);
      await waitFor(second, () => window.lancall?.phase() === 'waiting', { what: 'a second guest waiting', timeout: 30_000 });
      await until(() => app.states().findLast((s) => s.at > since && s.knocks?.some((k) => k.name === 'Second')), "the second guest's knock in the app's window", 30_000);
      await Promise.all([page.close(), second.close()]);
    } finally {
      const result = await app.stop();
      if (result.code !== 0) console.error(app.log());
    }
  });

  it('`lancall host --no-waiting-room` lets a guest straight in', async () => {
    const app = await startApp(['host', '--room', `${room}-open`, '--port', '0', '--no-waiting-room'], x.display);
    try {
      const [, link] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:\d+\/#room=\S+)$/m);
      await until(() => app.states().some((s) => s.phase === 'in-call'), 'the app in its own call', 45_000);
      const page = await browser.page(new URL(link).origin);
      const phases = /** @type {string[]} */ ([]);
      page.on('websocket', (ws) => ws.on('framereceived', (f) => { try { phases.push(JSON.parse(String(f.payload)).event); } catch { /* not JSON */ } }));
      await page.goto(`${link}&name=Guest&autojoin=1`);
      await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'the guest in the call', timeout: 30_000 });
      assert.ok(phases.includes('welcome') && !phases.includes('waiting'), `no waiting room: ${phases.join(', ')}`);
      await until(() => app.states().at(-1)?.peers === 1, 'the guest in the app\'s call');
      await page.close();
    } finally {
      const result = await app.stop();
      if (result.code !== 0) console.error(app.log());
    }
  });

  it('the lobby\'s Waiting room switch, clicked off before hosting, lets a guest straight in', async () => {
    const app = await startApp([], x.display, { settings: { name: 'Host' } });
    try {
      const lobby = await until(() => app.states().findLast((s) => s.lobby?.switch?.width > 0 && s.lobby.host?.width > 0), 'the lobby with its switch', 45_000);
      assert.equal(lobby.lobby.waitingRoom, true, 'on by default');
      const centre = (/** @type {{ x: number, y: number, width: number, height: number }} */ r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
      await clickInApp(x.display, centre(lobby.lobby.switch), lobby.viewport);
      const off = await until(() => app.states().findLast((s) => s.lobby?.waitingRoom === false), 'the switch off', 30_000);
      await clickInApp(x.display, centre(off.lobby.host), off.viewport);
      const hosting = await until(() => app.states().findLast((s) => s.phase === 'in-call'), 'the app hosting its call', 45_000);
      const hosted = hosting.title.split(' · ')[0];
      // Where its server listens: the app's own listening socket.
      const { stdout } = await run('ss', ['-Hltnp']);
      const ports = [...stdout.matchAll(/127\.0\.0\.1:(\d+)|\*:(\d+)|0\.0\.0\.0:(\d+)|\[::\]:(\d+)/g)]
        .filter((m) => stdout.split('\n').find((l) => l.includes(m[0]))?.includes(`pid=${app.process.pid},`))
        .map((m) => Number(m[1] ?? m[2] ?? m[3] ?? m[4]));
      const port = await until(async () => { for (const p of ports) if ((await health(p).catch(() => null))?.peers === 1) return p; return 0; }, "the app's server");
      const page = await browser.page(`http://127.0.0.1:${port}`);
      await page.goto(`http://127.0.0.1:${port}/#room=${encodeURIComponent(hosted)}&name=Guest&autojoin=1`);
      await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'the guest straight in the call', timeout: 30_000 });
      await page.close();
    } finally {
      const result = await app.stop();
      if (result.code !== 0) console.error(app.log());
    }
  });

  it('Chromium hosts on `lancall serve --waiting-room`; the app knocks, waits, and is admitted; video both ways; the host locks the call, then removes the app', async () => {
    const server = await startServer(['--bind', '127.0.0.1', '--port', '0', '--waiting-room']);
    /** @type {App | undefined} */ let app;
    try {
      const host = await openClient(browser, server, 'Host');
      // What the host's signaling socket carried, minus media negotiation:
      // a failure below says whether the remove went out and what came back.
      /** @type {string[]} */ const frames = [];
      host.on('websocket', (ws) => {
        const keep = (/** @type {string} */ dir) => (/** @type {{ payload: string | Buffer }} */ f) => {
          const text = String(f.payload);
          if (!/"event":"(offer|answer|candidate)"|^"?p[io]ng"?$/.test(text)) frames.push(`${new Date().toISOString()} ${dir} ${text.slice(0, 200)}`);
        };
        ws.on('framesent', keep('>'));
        ws.on('framereceived', keep('<'));
        ws.on('close', () => frames.push(`${new Date().toISOString()} closed`));
      });
      await joinCall(host, server, { name: 'Host', room });
      app = await startApp(['join', `${server.url}#room=${room}`, '--name', 'AppGuest'], x.display);
      const guest = app;
      await until(() => guest.states().some((s) => s.phase === 'waiting'), 'the app waiting to be let in', 45_000);
      const notice = host.locator('.knock', { hasText: 'AppGuest' });
      await notice.waitFor();
      assert.equal(guest.states().at(-1)?.phase, 'waiting');
      await notice.getByRole('button', { name: 'Admit' }).click();
      await until(() => guest.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call', 45_000);
      await waitForRemoteVideo(host, 1, { what: "the app's video in Chromium", timeout: 45_000 });
      const decoded = await appDecodes(guest);
      assert.ok(decoded.at(-1) > 10, `frames decoded in the app: ${decoded.at(-1)}`);

      // The host locks the call: the app's window shows it locked, and a
      // newcomer is turned away rather than knocking.
      await host.locator('button[data-action="lock"]').click();
      await until(() => guest.states().at(-1)?.locked === true, "'Locked' in the app's window", 15_000);
      const late = await browser.page(new URL(server.url).origin);
      await late.goto(`${server.url}#room=${room}&name=Late&autojoin=1`);
      await waitFor(late, () => document.getElementById('gate-title')?.textContent === 'This call is locked', { what: "the newcomer's 'locked' screen" });
      await late.close();

      // The host removes the app: its window says so, and it stays out
      // (no reconnection, no resume).
      const appId = /** @type {string} */ (guest.states().at(-1)?.me);
      const tile = host.locator(`.tile[data-peer="${appId}"]`);
      const removedAt = new Date().toISOString();
      await tile.hover();
      await tile.getByRole('button', { name: 'Remove AppGuest' }).click();
      await host.locator('#remove-dialog').getByRole('button', { name: 'Remove' }).click();
      await until(() => guest.states().at(-1)?.gate === 'The host removed you',
        () => `'The host removed you' in the app's window (it reported: ${JSON.stringify(guest.states().slice(-3).map((s) => ({ at: s.at, phase: s.phase, socket: s.socket, ticks: s.ticks, gate: s.gate, peers: s.peers, banner: s.banner, toasts: s.toasts, remote: s.remote?.map((r) => r.state) })))})`
          + `\nthe host's socket since the click:\n${frames.filter((f) => f >= removedAt).join('\n')}`
          + `\nthe app's log since:\n${guest.log().split('\n').filter((l) => l >= removedAt && !l.includes('state probe')).slice(0, 60).join('\n')}`
          + `\nthe app's console:\n${guest.log().split('\n').filter((l) => /CONSOLE/.test(l)).slice(-30).join('\n')}`
          + `\nthe server's log:\n${server.log().slice(-3000)}`, 30_000);
      await waitFor(host, (id) => !document.querySelector(`.tile[data-peer="${id}"]`), { arg: appId, what: "the app's tile gone at the host" });
      const since = Date.now();
      await new Promise((r) => setTimeout(r, 6000));
      const after = guest.states().filter((s) => s.at > since);
      assert.ok(after.length > 0 && after.every((s) => s.phase === 'rejected'), `the app stayed out: ${after.map((s) => s.phase).join(',')}`);
      assert.equal((await health(server.port)).peers, 1, 'only the host in the room');
    } finally {
      const result = await app?.stop();
      if (result && result.code !== 0) console.error(app?.log());
      await server.stop();
    }
  });
});
