// When things go wrong: a page that vanishes without leaving is cleared by
// the host's heartbeat and resume grace (configured short here), and a host
// that dies mid-call and comes back on the same port finds its callers
// again — the media never stopped, and the call goes on.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { health, startServer } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, remoteTiles, waitForRemoteVideo, waitUntil } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

/** Short heartbeat: pings every 0.5 s, silent 2 s = gone, 2 s to resume. */
const HEARTBEAT = ['--ping-interval', '0.5', '--idle-timeout', '2', '--resume-grace', '2'];
const GONE_WITHIN_MS = (2 + 2 + 2) * 1000; // idle timeout + resume grace + slack

describe('recovery', () => {
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;
  const env = useServerAndBrowser({ args: ['--bind', '127.0.0.1', '--port', '0', ...HEARTBEAT] });

  before(async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    ben = await openClient(env.browser, env.server, 'ben');
    await joinCall(ann, env.server, { name: 'Ann', room: 'recovery' });
    await joinCall(ben, env.server, { name: 'Ben', room: 'recovery' });
    await waitForRemoteVideo(ann, 1);
    await waitForRemoteVideo(ben, 1);
  });

  it('a page that crashes without leaving is removed within the heartbeat timeout', async () => {
    const cid = await openClient(env.browser, env.server, 'cid');
    await joinCall(cid, env.server, { name: 'Cid', room: 'recovery' });
    await waitForRemoteVideo(ann, 2, { what: "Ann seeing Ben and Cid" });
    // Kill the renderer: no pagehide, no `exit`, the socket just goes.
    const cdp = await cid.context().newCDPSession(cid);
    const start = Date.now();
    cdp.send('Page.crash').catch(() => {});
    for (const [who, page] of /** @type {[string, Page][]} */ ([['Ann', ann], ['Ben', ben]])) {
      await waitFor(page, () => document.querySelectorAll('.tile:not(.local)').length === 1,
        { what: `${who} dropping Cid's tile`, timeout: GONE_WITHIN_MS });
    }
    const took = Date.now() - start;
    assert.ok(took < GONE_WITHIN_MS, `took ${took} ms`);
    await cid.close().catch(() => {});
  });

  it('a dropped socket reconnects and resumes the same peer id: nobody sees a leave', async () => {
    const eve = await openClient(env.browser, env.server, 'eve');
    // Route Eve's socket through the test so it can be cut, as a flaky
    // Wi-Fi would; each new socket is passed on to the real host.
    /** @type {import('playwright-core').WebSocketRoute[]} */
    const sockets = [];
    await eve.routeWebSocket(/\/ws$/, (ws) => { ws.connectToServer(); sockets.push(ws); });
    await joinCall(eve, env.server, { name: 'Eve', room: 'recovery' });
    await waitForRemoteVideo(ann, 2, { what: 'Ann seeing Ben and Eve' });
    const id = await eve.evaluate(() => window.lancall.myId());
    await ann.$eval(`.tile[data-peer="${id}"]`, (e) => { e.setAttribute('data-test-mark', 'blip'); });
    await sockets[0].close({ code: 4000, reason: 'test: cut' });
    await waitUntil(eve, () => null, () => sockets.length >= 2, { what: 'Eve opening a new socket' });
    await waitFor(eve, () => document.getElementById('banner')?.hidden === true, { what: 'Eve back online' });
    assert.equal(await eve.evaluate(() => window.lancall.myId()), id, 'the same peer id');
    assert.equal(await ann.$eval(`.tile[data-peer="${id}"]`, (e) => e.getAttribute('data-test-mark')), 'blip', 'Ann kept the tile');
    await waitForRemoteVideo(eve, 2, { what: 'Eve still seeing Ann and Ben' });
    await eve.click('button[data-action="leave"]');
    await waitFor(ann, () => document.querySelectorAll('.tile:not(.local)').length === 1, { what: 'Eve gone' });
    await eve.close();
  });

  for (const [how, stop] of /** @type {[string, (s: typeof env.server) => Promise<unknown>][]} */ ([
    ['killed (SIGKILL)', async (s) => { s.process.kill('SIGKILL'); await new Promise((r) => s.process.once('exit', r)); }],
    ['stopped gracefully (SIGTERM)', (s) => s.stop()],
  ])) {
    it(`the host is ${how} and restarted on the same port: both reconnect and the call goes on`, async () => {
      const port = env.server.port;
      const idsBefore = [await ann.evaluate(() => window.lancall.myId()), await ben.evaluate(() => window.lancall.myId())];
      // Mark the tiles: the same connections must carry on, not new ones.
      for (const page of [ann, ben]) await page.$eval('.tile:not(.local)', (e) => { e.setAttribute('data-test-mark', 'before'); });
      await stop(env.server);
      // Both notice, and say so with a way out; the media keeps flowing meanwhile.
      for (const page of [ann, ben]) {
        await waitFor(page, () => !document.getElementById('banner')?.hidden, { what: 'the "host gone" banner' });
        assert.match(await page.textContent('#banner'), /Lost the connection to the host|Reconnecting/);
      }
      await waitForRemoteVideo(ann, 1, { what: 'video while the host is down' });
      env.server = await startServer(['--bind', '127.0.0.1', '--port', String(port), ...HEARTBEAT]);
      for (const page of [ann, ben]) {
        await waitFor(page, () => document.getElementById('banner')?.hidden === true,
          { what: 'the banner to clear after reconnecting', timeout: 15_000 });
      }
      const h = await health(env.server.port);
      assert.equal(h.rooms, 1);
      assert.equal(h.peers, 2);
      // New ids from the new host, and each side knows the other's.
      const ids = [await ann.evaluate(() => window.lancall.myId()), await ben.evaluate(() => window.lancall.myId())];
      assert.notDeepEqual(ids, idsBefore);
      await waitUntil(ann, () => window.lancall.peers().map((p) => p.id), (p) => p.length === 1 && p[0] === ids[1],
        { what: "Ann knowing Ben's new id" });
      await waitUntil(ben, () => window.lancall.peers().map((p) => p.id), (p) => p.length === 1 && p[0] === ids[0],
        { what: "Ben knowing Ann's new id" });
      assert.deepEqual(await remoteTiles(ann), [ids[1]]);
      assert.deepEqual(await remoteTiles(ben), [ids[0]]);
      for (const page of [ann, ben]) {
        assert.equal(await page.$eval('.tile:not(.local)', (e) => e.getAttribute('data-test-mark')), 'before', 'the same tile and connection');
      }
      await waitForRemoteVideo(ann, 1, { what: "Ann's video after the restart" });
      await waitForRemoteVideo(ben, 1, { what: "Ben's video after the restart" });
      // Signaling works again: a newcomer reaches both.
      const dee = await openClient(env.browser, env.server, 'dee');
      await joinCall(dee, env.server, { name: 'Dee', room: 'recovery' });
      await waitForRemoteVideo(dee, 2, { what: "Dee seeing Ann and Ben" });
      await waitForRemoteVideo(ann, 2, { what: 'Ann seeing Ben and Dee' });
      await dee.click('button[data-action="leave"]');
      await waitFor(ann, () => document.querySelectorAll('.tile:not(.local)').length === 1, { what: 'Dee gone' });
      await dee.close();
    });
  }
});
