// The seed page, unchanged, calls itself through lancall: two headless
// Chromium pages with fake devices on one room of `lancall serve`, on
// 127.0.0.1:8070 because the page hard-codes ws://localhost:8070/ws.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO, claimPort, health, serveStatic, SEED_DIR, seedMissing } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';

const SEED_PORT = 8070;

/** Fill the seed page's form and press its join button (加入房间). */
async function joinSeed(page, room, user) {
  await page.fill('#room', room);
  await page.fill('#user', user);
  await page.click('button:has-text("加入房间")');
}

/** Frames the page's remote <video> has shown so far. */
async function remoteFrames(page) {
  return page.evaluate(() => {
    const v = /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo'));
    return v.getVideoPlaybackQuality().totalVideoFrames;
  });
}

describe('the seed page through lancall serve', { skip: seedMissing() }, () => {
  let site, a, b, release;

  before(async () => {
    release = await claimPort(SEED_PORT);
    site = await serveStatic(SEED_DIR);
  });
  const env = useServerAndBrowser({ args: () => ['--bind', '127.0.0.1', '--port', String(SEED_PORT), '--allow-origin', site.origin] });

  before(async () => {
    a = await env.browser.page(site.origin);
    b = await env.browser.page(site.origin);
    for (const page of [a, b]) await page.goto(`${site.origin}/video.html`);
  });

  // Registered after the fixture's, so it runs once the server is stopped.
  after(async () => {
    await site?.close();
    await release?.();
  });

  it('both pages join the same room and the server counts two peers', async () => {
    await joinSeed(a, '1001', 'alice');
    await waitFor(a, () => {
      const v = /** @type {HTMLVideoElement} */ (document.getElementById('localVideo'));
      return v.srcObject !== null;
    }, { what: 'the local camera preview' });
    await joinSeed(b, '1001', 'bob');
    const deadline = Date.now() + 10_000;
    let h = await health(env.server.port);
    while (h.peers < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      h = await health(env.server.port);
    }
    assert.equal(h.rooms, 1);
    assert.equal(h.peers, 2);
  });

  it("each page's remote video plays frames", async () => {
    for (const [name, page] of [['alice', a], ['bob', b]]) {
      await waitFor(page, () => {
        const v = /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo'));
        return v.readyState >= 2 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
      }, { what: `${name}'s remote video to start`, timeout: 30_000 });
      const first = await remoteFrames(page);
      await waitFor(page, (n) => {
        const v = /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo'));
        return v.getVideoPlaybackQuality().totalVideoFrames > n + 10;
      }, { what: `${name}'s remote video to keep playing`, arg: first });
    }
  });

  it('exit on one side tells the other and leaves one peer', async () => {
    await b.click('button:has-text("退出房间")');
    const deadline = Date.now() + 5_000;
    let h = await health(env.server.port);
    while (h.peers !== 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      h = await health(env.server.port);
    }
    assert.equal(h.peers, 1);
  });
});
