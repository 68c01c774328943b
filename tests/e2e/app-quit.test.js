// The desktop app quits while a guest is in its call: the guest is told the
// host ended the call, and is offered a way back, instead of waiting on a
// host that is not coming back. The app runs as a person runs it
// (`lancall host --room R` in a window on a private Xvfb display) and quits
// as a session ending quits it (SIGTERM); the guest is Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitFor } from './support/browser.js';
import { health } from './support/server.js';
import { startApp, startXvfb, until } from './support/app.js';

describe('the app quits while a guest is in its call', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let browser;
  const room = `app-quit-${process.pid}`;

  before(async () => {
    x = await startXvfb();
    // Guests come straight in: the waiting room has tests of its own.
    app = await startApp(['host', '--room', room, '--port', '0', '--no-waiting-room'], x.display);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await x?.stop();
  });

  it('the guest is told the host ended the call, with a way back, and stops reconnecting', async () => {
    const [, link, port] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:(\d+)\/#room=\S+)$/m);
    const guest = await browser.page(new URL(link).origin);
    await guest.goto(`${link}&name=Guest&autojoin=1`);
    await waitFor(guest, () => window.lancall?.phase() === 'in-call', { what: 'the guest in the call', timeout: 30_000 });
    await until(async () => (await health(Number(port))).peers === 2, 'the app and the guest in the room');
    await waitFor(guest, () => window.lancall.peers().length === 1, { what: "the app's tile on the guest's screen" });

    const started = Date.now();
    const result = await app.stop();
    assert.equal(result.code, 0, `the app exits cleanly: ${JSON.stringify(result)}\n${app.log()}`);
    await waitFor(guest, () => window.lancall.phase() === 'ended', { what: 'the guest told the call ended', timeout: 10_000 })
      .catch(async (e) => {
        throw new Error(`${e.message}; the guest shows: ${await guest.textContent('#banner').catch(() => '')} ${await guest.textContent('#gate').catch(() => '')}`);
      });
    console.log(`guest told ${Date.now() - started} ms after SIGTERM`);
    assert.equal(await guest.locator('#gate').isVisible(), true);
    assert.equal(await guest.textContent('#gate-title'), 'The host ended the call');
    // No tiles left, the banner of a lost host is not shown, and nothing
    // tries to reach the host again.
    assert.equal(await guest.locator('.tile:not(.local)').count(), 0);
    assert.equal(await guest.locator('#banner').isHidden(), true);
    const sockets = [];
    guest.on('websocket', (ws) => sockets.push(ws.url()));
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(sockets, [], 'no reconnection attempts');
    assert.equal(await guest.evaluate(() => window.lancall.phase()), 'ended');
    // The way back: to the lobby, with the room still filled in.
    await guest.getByRole('button', { name: 'Back to start' }).click();
    await waitFor(guest, () => window.lancall.phase() === 'idle', { what: 'the guest back in the lobby' });
    assert.equal(await guest.getByLabel('Room', { exact: true }).inputValue(), room);
  });
});
