// lancall's client and the seed page (../shared/seed/video.html, served
// unchanged from another origin) in one two-person room: video both ways,
// whichever of them joins first. The seed page only talks to
// ws://localhost:8070/ws, so this needs port 8070; a lock file keeps it
// apart from any other test on that port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO, claimPort, serveStatic, SEED_DIR, seedMissing } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

const SEED_PORT = 8070;

/**
 * The seed page, joined to `room` as `user` through its own form.
 * @param {Page} page
 * @param {string} origin
 */
async function joinSeed(page, origin, room, user) {
  await page.goto(`${origin}/video.html`);
  await waitFor(page, () => document.readyState === 'complete', { what: 'the seed page loaded' });
  await page.fill('#room', room);
  await page.fill('#user', user);
  await page.click('button:has-text("加入房间")');
  await waitFor(page, () => /** @type {HTMLVideoElement} */ (document.getElementById('localVideo')).srcObject !== null,
    { what: "the seed page's camera" });
}

/** The seed page's remote <video> plays, and keeps playing. */
async function seedSeesVideo(/** @type {Page} */ page) {
  await waitFor(page, () => {
    const v = /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo'));
    return v.readyState >= 2 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
  }, { what: "the seed page's remote video to start", timeout: 30_000 });
  const n = await page.evaluate(() => /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo')).getVideoPlaybackQuality().totalVideoFrames);
  await waitFor(page, (first) => /** @type {HTMLVideoElement} */ (document.getElementById('remoteVideo')).getVideoPlaybackQuality().totalVideoFrames > first + 10,
    { what: "the seed page's remote video to keep playing", arg: n });
}

describe('lancall client and the seed page in one room', { skip: seedMissing() }, () => {
  /** @type {Awaited<ReturnType<typeof serveStatic>>} */ let site;
  /** @type {() => Promise<void>} */ let release = async () => {};

  before(async () => {
    // Port 8070 is the seed page's; other runs on this machine take turns.
    release = await claimPort(SEED_PORT);
    site = await serveStatic(SEED_DIR);
  });
  const env = useServerAndBrowser({ args: () => ['--bind', '127.0.0.1', '--port', String(SEED_PORT), '--allow-origin', site.origin] });
  // Registered after the fixture's, so it runs once the server is stopped.
  after(async () => {
    await site?.close();
    await release();
  });

  it('the seed page first, our client second: video both ways', async () => {
    const seed = await env.browser.page(site.origin);
    const ours = await openClient(env.browser, env.server, 'ours');
    await joinSeed(seed, site.origin, 'seed1', '张三');
    await joinCall(ours, env.server, { name: 'Li', room: 'seed1' });
    await waitForRemoteVideo(ours, 1, { what: "our client's video from the seed page" });
    await seedSeesVideo(seed);
    assert.equal(await ours.$eval('.tile:not(.local) .tile-name span', (e) => e.textContent), '张三');
    await seed.close();
    await ours.close();
  });

  it('our client first, the seed page second: video both ways', async () => {
    const seed = await env.browser.page(site.origin);
    const ours = await openClient(env.browser, env.server, 'ours');
    await joinCall(ours, env.server, { name: 'Li', room: 'seed2' });
    await joinSeed(seed, site.origin, 'seed2', '李四');
    await waitForRemoteVideo(ours, 1, { what: "our client's video from the seed page" });
    await seedSeesVideo(seed);
    // The seed page leaves: our client drops its tile.
    await seed.click('button:has-text("退出房间")');
    await waitFor(ours, () => document.querySelectorAll('.tile:not(.local)').length === 0, { what: 'the seed tile to go', timeout: 2000 });
    await seed.close();
    await ours.close();
  });
});
