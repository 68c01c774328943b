// lancall:// invite links and the single running app, with the real
// binary under Xvfb (no install needed: the OS's part, the .desktop file's
// `Exec=lancall %u`, is `lancall LINK`, which this runs directly;
// scripts/check-deb.sh checks that xdg-open gets there from the .deb):
// - the page a host serves has an "Open in the app" button: that link;
// - `lancall lancall://join?host=…&room=A` opens the app in room A, where
//   a Chromium peer waits;
// - a second `lancall lancall://join?…room=B` on the same D-Bus session
//   hands its link to the running app and exits at once; the running app
//   asks before leaving A, and once confirmed (a real click) is in room B
//   with the peer waiting there;
// - bad links (an unknown action, a host without a port, a huge one) give a
//   notice in the running app, whose call goes on, and one at start opens
//   the lobby with the notice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { clickInApp, startApp, startBus, startXvfb, until } from './support/app.js';

/** @typedef {Awaited<ReturnType<typeof startApp>>} App */

/**
 * Start the binary again with `args`, on `bus`, and wait for it to exit.
 * @param {string[]} args
 * @param {string} display
 * @param {string} bus
 */
async function secondStart(args, display, bus) {
  const started = Date.now();
  const second = await startApp(args, display, { bus, probe: false });
  const code = await Promise.race([
    new Promise((resolve) => second.process.on('exit', (c) => resolve(c))),
    new Promise((resolve) => setTimeout(() => resolve('running'), 20_000)),
  ]);
  const ms = Date.now() - started;
  const log = second.log();
  await second.stop();
  return { code, ms, log };
}

describe('lancall:// links open the app, and a running app takes the next one', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startBus>>} */ let bus;
  /** @type {App | undefined} */ let app;
  const roomA = `link-a-${process.pid}`;
  const roomB = `link-b-${process.pid}`;

  before(async () => {
    x = await startXvfb();
    bus = await startBus();
    // The engine sends a test pattern and tone, not this machine's devices.
    process.env.LANCALL_TEST_SOURCE = '1';
  });

  // Registered before the fixture's, so the app quits while its server is up.
  after(async () => {
    const result = await app?.stop();
    await bus?.stop();
    await x?.stop();
    if ((result && result.code !== 0) || process.env.APP_LOG) console.error(app?.log());
  });

  const env = useServerAndBrowser();
  const link = (/** @type {string} */ room) => `lancall://join?host=${encodeURIComponent(new URL(env.server.url).host)}&room=${room}&name=App`;
  /** The page of a Chromium peer in `room`, in the call. @param {string} room @param {string} name */
  const peerIn = async (room, name) => {
    const page = await env.browser.page(new URL(env.server.url).origin);
    await page.goto(`${env.server.url}#room=${room}&name=${name}&autojoin=1`);
    await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: `${name} in the call` });
    return page;
  };
  /** The app's last probe. */
  const last = () => /** @type {App} */ (app).states().at(-1);

  it('the page a host serves offers "Open in the app": the same host and room as a lancall:// link, in both languages', async () => {
    const page = await env.browser.page(new URL(env.server.url).origin);
    await page.goto(`${env.server.url}#room=${roomA}`);
    await waitFor(page, () => window.lancall?.ready(), { what: 'the page ready' });
    const button = page.locator('#open-in-app');
    await button.waitFor({ state: 'visible' });
    const host = encodeURIComponent(new URL(env.server.url).host);
    assert.equal(await button.getAttribute('href'), `lancall://join?host=${host}&room=${roomA}`);
    assert.equal((await button.innerText()).trim(), 'Open in the app');
    await page.fill('#name', 'Ada L');
    assert.equal(await button.getAttribute('href'), `lancall://join?host=${host}&room=${roomA}&name=Ada%20L`);
    await page.selectOption('#lang', 'zh-CN');
    await waitFor(page, () => document.getElementById('open-in-app')?.textContent?.trim() === '在应用中打开', { what: 'the button in Chinese' });
    // No room, no link.
    await page.fill('#room', '');
    assert.equal(await button.isVisible(), false);
    await page.close();
  });

  it('`lancall lancall://join?…` opens the app in that room, with the peer waiting there', async () => {
    const pageA = await peerIn(roomA, 'WebA');
    app = await startApp([link(roomA)], x.display, { bus: bus.address });
    const a = app;
    await until(() => a.states().some((s) => s.phase === 'in-call' && s.peers === 1 && s.title.startsWith(roomA)),
      () => `the app in ${roomA} with WebA (last probe: ${JSON.stringify(a.states().at(-1)?.title)} ${a.states().at(-1)?.phase})`, 45_000);
    await waitFor(pageA, () => window.lancall.peers().some((p) => p.name === 'App'), { what: 'WebA sees the app', timeout: 30_000 });
  });

  it('a second start with a link to another room exits at once; the app asks before leaving, then joins that room', async () => {
    const a = /** @type {App} */ (app);
    const pageB = await peerIn(roomB, 'WebB');
    const second = await secondStart([link(roomB)], x.display, bus.address);
    assert.equal(second.code, 0, `the second start handed over and exited cleanly:\n${second.log}`);
    // Starting GTK is most of it; a second window and call would take far longer.
    assert.ok(second.ms < 10_000, `the second start took ${second.ms} ms`);
    const asked = await until(() => {
      const s = last();
      return s?.dialog?.id === 'switch-dialog' && s.dialog.confirm && s;
    }, () => `the app to ask before leaving ${roomA} (last dialog: ${JSON.stringify(last()?.dialog)})`, 20_000);
    assert.match(asked.dialog.title, new RegExp(roomB));
    assert.match(asked.dialog.text, new RegExp(roomA));
    assert.equal(asked.phase, 'in-call', 'still in the call while it asks');
    const { confirm } = asked.dialog;
    await clickInApp(x.display, { x: confirm.x + confirm.width / 2, y: confirm.y + confirm.height / 2 }, asked.viewport);
    await until(() => a.states().some((s) => s.at > asked.at && s.phase === 'in-call' && s.peers === 1 && s.title.startsWith(roomB)),
      () => `the app in ${roomB} with WebB (last: ${last()?.title} ${last()?.phase} peers ${last()?.peers})`, 45_000);
    await waitFor(pageB, () => window.lancall.peers().some((p) => p.name === 'App'), { what: 'WebB sees the app', timeout: 30_000 });
  });

  it('bad links give a notice in the running app, and its call goes on', async () => {
    const a = /** @type {App} */ (app);
    const cases = [
      ['lancall://frobnicate?host=h:1&room=r', /frobnicate/],
      [`lancall://join?host=${encodeURIComponent('example.lan')}&room=r`, /example\.lan/],
      [`lancall://join?host=h:1&room=${'x'.repeat(100_000)}`, /too long/],
    ];
    for (const [bad, says] of cases) {
      const since = Date.now();
      const second = await secondStart([/** @type {string} */ (bad)], x.display, bus.address);
      assert.equal(second.code, 0, `a bad link is handed over too:\n${second.log}`);
      await until(() => a.states().some((s) => s.at > since && s.toasts.some((t) => /can't be used/.test(t) && says.test(t))),
        () => `a notice matching ${says} (toasts: ${JSON.stringify(last()?.toasts)})`, 20_000);
    }
    const s = last();
    assert.equal(s.phase, 'in-call', 'the call goes on');
    assert.ok(s.title.startsWith(roomB), s.title);
    assert.equal(s.peers, 1);
  });

  it('a bad link at start opens the lobby with the notice', async () => {
    // Its own bus: a second instance, not the one above.
    const alone = await startApp(['lancall://join?room=r'], x.display);
    try {
      await until(() => alone.states().some((s) => s.phase === 'idle' && s.toasts.some((t) => /can't be used/.test(t) && /which computer/.test(t))),
        () => `the lobby with the notice (last: ${JSON.stringify(alone.states().at(-1)?.toasts)})`, 45_000);
      assert.match(alone.log(), /names no host/);
    } catch (e) {
      console.error(alone.log());
      throw e;
    } finally {
      await alone.stop();
    }
  });
});
