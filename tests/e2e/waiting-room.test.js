// The waiting room (issue 18), in Chromium against `lancall serve
// --waiting-room`: whoever makes a room is its host; everyone after knocks
// and waits until the host admits them (then video flows), denies them, or
// admits everyone at once. A host removes someone (who may not come back
// with their resume token) and locks the call (newcomers are turned away).
// Saves screenshots of the host's notice and of the knocker's screen.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO, health } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, remoteTiles, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

const SHOTS = join(REPO, 'docs', 'screenshots');

describe('the waiting room', () => {
  const env = useServerAndBrowser({ args: ['--bind', '127.0.0.1', '--port', '0', '--waiting-room'] });

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
  });

  /** A page in the lobby of `room`, named `name`, that presses Join and lands in the waiting room. */
  async function knock(/** @type {string} */ name, /** @type {string} */ room) {
    const page = await openClient(env.browser, env.server, name);
    await joinCall(page, env.server, { name, room, wait: false });
    await waitFor(page, () => window.lancall.phase() === 'waiting', { what: `${name} waiting` });
    return page;
  }

  /** The host's notice for `name`, once it shows. */
  function notice(/** @type {Page} */ host, /** @type {string} */ name) {
    return host.locator('.knock', { hasText: name });
  }

  it('the room\'s maker hosts; a guest knocks, is admitted, and video flows both ways', async () => {
    const room = 'wr-admit';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const bao = await knock('Bao', room);
    await waitFor(bao, () => document.getElementById('gate-title')?.textContent === 'Waiting for the host to let you in',
      { what: "Bao's waiting screen" });
    assert.equal(await bao.getByRole('button', { name: 'Leave' }).isVisible(), true);
    await notice(ana, 'Bao').waitFor();
    assert.match(await notice(ana, 'Bao').innerText(), /Bao\s+wants to join/);
    // Nobody is let in by waiting: Bao is no member, and Ana has no tile of him.
    assert.equal((await remoteTiles(ana)).length, 0);
    assert.equal((await health(env.server.port)).peers, 2, 'a knocker holds a connection, not a place');
    await ana.mouse.move(0, 0);
    await ana.screenshot({ path: join(SHOTS, 'waiting-room-host.png'), animations: 'disabled' });
    await bao.screenshot({ path: join(SHOTS, 'waiting-room-guest.png'), animations: 'disabled' });

    await notice(ana, 'Bao').getByRole('button', { name: 'Admit' }).click();
    await waitFor(bao, () => window.lancall.phase() === 'in-call', { what: 'Bao in the call' });
    await waitFor(ana, () => document.querySelectorAll('.knock').length === 0, { what: "Ana's notice gone" });
    await waitForRemoteVideo(ana, 1, { what: "Bao's video at Ana" });
    await waitForRemoteVideo(bao, 1, { what: "Ana's video at Bao" });
    // Only a host locks: Bao's bar has no Lock, Ana's has.
    assert.equal(await bao.locator('button[data-action="lock"]').isVisible(), false);
    assert.equal(await ana.locator('button[data-action="lock"]').isVisible(), true);
    await Promise.all([ana.close(), bao.close()]);
  });

  it('a denied guest is told so and goes back to the lobby', async () => {
    const room = 'wr-deny';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const chen = await knock('Chen', room);
    await notice(ana, 'Chen').getByRole('button', { name: 'Deny' }).click();
    await waitFor(chen, () => document.getElementById('gate-title')?.textContent === "The host didn't let you in",
      { what: "Chen's 'not let in' screen" });
    await waitFor(ana, () => document.querySelectorAll('.knock').length === 0, { what: "Ana's notice gone" });
    assert.equal((await remoteTiles(ana)).length, 0);
    await chen.getByRole('button', { name: 'Back to start' }).click();
    await waitFor(chen, () => window.lancall.phase() === 'idle' && !document.getElementById('lobby')?.hidden, { what: 'Chen in the lobby' });
    await Promise.all([ana.close(), chen.close()]);
  });

  it('a knocker who leaves the waiting room takes their notice away', async () => {
    const room = 'wr-leave';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const hana = await knock('Hana', room);
    await notice(ana, 'Hana').waitFor();
    await hana.getByRole('button', { name: 'Leave' }).click();
    await waitFor(hana, () => window.lancall.phase() === 'idle', { what: 'Hana back in the lobby' });
    await waitFor(ana, () => document.querySelectorAll('.knock').length === 0, { what: "Hana's notice gone", timeout: 5000 });
    await Promise.all([ana.close(), hana.close()]);
  });

  it('two knock: the host sees both and "Admit all" lets both in', async () => {
    const room = 'wr-all';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const dan = await knock('Dan', room);
    const eve = await knock('Eve', room);
    await waitFor(ana, () => document.querySelectorAll('.knock').length === 2, { what: 'two notices' });
    // Oldest first.
    assert.deepEqual(await ana.$$eval('.knock strong', (els) => els.map((e) => e.textContent)), ['Dan', 'Eve']);
    await ana.getByRole('button', { name: 'Admit all' }).click();
    for (const [name, page] of /** @type {[string, Page][]} */ ([['Dan', dan], ['Eve', eve]])) {
      await waitFor(page, () => window.lancall.phase() === 'in-call', { what: `${name} in the call` });
    }
    await waitForRemoteVideo(ana, 2, { what: 'Dan and Eve at Ana', timeout: 45_000 });
    assert.equal(await ana.locator('#knocks').isVisible(), false);
    await Promise.all([ana.close(), dan.close(), eve.close()]);
  });

  it('the host removes a guest: they are told, stay out, and their resume token is dead', async () => {
    const room = 'wr-remove';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const bao = await openClient(env.browser, env.server, 'Bao');
    /** The resume token of Bao's last welcome, read off the wire. */
    let token = '';
    bao.on('websocket', (ws) => ws.on('framereceived', (f) => {
      try {
        const m = JSON.parse(String(f.payload));
        if (m?.event === 'welcome') token = m.data.resume_token;
      } catch { /* not JSON */ }
    }));
    await joinCall(bao, env.server, { name: 'Bao', room, wait: false });
    await notice(ana, 'Bao').getByRole('button', { name: 'Admit' }).click();
    const fay = await knock('Fay', room);
    await notice(ana, 'Fay').getByRole('button', { name: 'Admit' }).click();
    await waitForRemoteVideo(ana, 2, { what: 'Bao and Fay at Ana', timeout: 45_000 });
    assert.ok(token, 'Bao was welcomed with a resume token');
    // Hosts can't be removed: Ana's own tile has no Remove, and neither do guests' pages.
    assert.equal(await bao.locator('.tile button.remove:visible').count(), 0);

    const baoId = await bao.evaluate(() => window.lancall.myId());
    const tile = ana.locator(`.tile[data-peer="${baoId}"]`);
    await tile.hover();
    await tile.getByRole('button', { name: 'Remove Bao' }).click();
    const dialog = ana.locator('#remove-dialog');
    assert.equal(await dialog.getByRole('heading').innerText(), 'Remove Bao from the call?');
    await dialog.getByRole('button', { name: 'Remove' }).click();

    await waitFor(bao, () => document.getElementById('gate-title')?.textContent === 'The host removed you', { what: "Bao's 'removed' screen" });
    for (const [name, page] of /** @type {[string, Page][]} */ ([['Ana', ana], ['Fay', fay]])) {
      await waitFor(page, (id) => !document.querySelector(`.tile[data-peer="${id}"]`), { arg: baoId, what: `Bao's tile gone at ${name}` });
    }
    // Bao does not come back by itself…
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await bao.evaluate(() => window.lancall.phase()), 'rejected');
    assert.equal((await health(env.server.port)).peers, 2, 'Ana and Fay only');
    // …nor with the token of its session: the server refuses it.
    const answer = await bao.evaluate(async ({ url, room, token }) => new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => ws.send(JSON.stringify({ event: 'join', data: { user_id: 'Bao', room_id: room, version: 1, resume: token } }));
      ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.event === 'welcome' || m.event === 'error' || m.event === 'waiting') { ws.close(); resolve(m); } };
      setTimeout(() => resolve({ event: 'nothing' }), 5000);
    }), { url: env.server.wsUrl, room, token });
    assert.equal(answer.event, 'error', JSON.stringify(answer));
    assert.equal(answer.data.code, 'removed');
    await waitForRemoteVideo(ana, 1, { what: 'the call going on between Ana and Fay' });
    await bao.getByRole('button', { name: 'Back to start' }).click();
    await waitFor(bao, () => window.lancall.phase() === 'idle', { what: 'Bao back in the lobby' });
    await Promise.all([ana.close(), bao.close(), fay.close()]);
  });

  it('a knock while the host\'s page is in the background shows a system notification', async () => {
    const room = 'wr-notify';
    const origin = env.server.url.replace(/\/$/, '');
    await env.browser.context.grantPermissions(['camera', 'microphone', 'notifications'], { origin });
    const ana = await env.browser.context.newPage();
    // Headless Chromium keeps every page focused; this page says it is not
    // (as behind another window), and keeps the notifications it shows.
    await ana.addInitScript(() => {
      const Real = window.Notification;
      const shown = /** @type {{ title: string, body?: string }[]} */ ([]);
      Object.defineProperty(window, 'shownNotifications', { value: shown });
      window.Notification = class extends Real {
        constructor(/** @type {string} */ title, /** @type {NotificationOptions} */ o) { super(title, o); shown.push({ title, body: o?.body }); }
      };
      document.hasFocus = () => false;
    });
    await joinCall(ana, env.server, { name: 'Ana', room });
    const bao = await knock('Bao', room);
    await notice(ana, 'Bao').waitFor();
    const shown = await waitFor(ana, () => window.shownNotifications.length > 0 && window.shownNotifications, { what: 'a notification' });
    assert.deepEqual(shown, [{ title: 'Bao wants to join', body: `They are waiting to be let into "${room}".` }]);
    await Promise.all([ana.close(), bao.close()]);
  });

  it('the host locks the call: everyone sees it, a newcomer is turned away; unlocked, they can knock', async () => {
    const room = 'wr-lock';
    const ana = await openClient(env.browser, env.server, 'Ana');
    await joinCall(ana, env.server, { name: 'Ana', room });
    const bao = await knock('Bao', room);
    await notice(ana, 'Bao').getByRole('button', { name: 'Admit' }).click();
    await waitFor(bao, () => window.lancall.phase() === 'in-call', { what: 'Bao in the call' });

    await ana.locator('button[data-action="lock"]').click();
    for (const [name, page] of /** @type {[string, Page][]} */ ([['Ana', ana], ['Bao', bao]])) {
      await waitFor(page, () => document.getElementById('room-chip-locked')?.hidden === false, { what: `Locked shown to ${name}` });
    }
    assert.equal(await ana.locator('button[data-action="lock"]').innerText(), 'Unlock');

    const gus = await openClient(env.browser, env.server, 'Gus');
    await joinCall(gus, env.server, { name: 'Gus', room, wait: false });
    await waitFor(gus, () => document.getElementById('gate-title')?.textContent === 'This call is locked', { what: "Gus's 'locked' screen" });
    assert.equal(await ana.locator('.knock').count(), 0, 'a locked call brings the host no knock');

    await ana.locator('button[data-action="lock"]').click();
    await waitFor(bao, () => document.getElementById('room-chip-locked')?.hidden === true, { what: 'Locked gone at Bao' });
    await gus.getByRole('button', { name: 'Back to start' }).click();
    await gus.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(gus, () => window.lancall.phase() === 'waiting', { what: 'Gus waiting once unlocked' });
    await notice(ana, 'Gus').waitFor();
    await Promise.all([ana.close(), bao.close(), gus.close()]);
  });
});
