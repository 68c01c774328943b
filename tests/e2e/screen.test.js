// Screen sharing between browser clients (Chromium's fake screen: its
// getDisplayMedia, with the fake-UI flag, picks a test screen, at the 1920×1080 the client asks, and
// a fake sound): the share goes out as tracks of its own beside the camera,
// to every peer, and to one who joins mid-share; the others see it large on
// a stage with the cameras in a strip, the sharer sees a notice and never
// their own screen; a share ends everywhere within 2 s however it ends (our
// button, the browser's own stop, the sharer leaving). Also: the picker
// cancelled, sharing with the camera off, and two people sharing at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitUntil } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

const SHOTS = join(REPO, 'docs', 'screenshots');
/** How soon a share that ended must be gone from everyone's screen. */
const ENDED_MS = 2000;

/**
 * Keep, in the page, the stream its next shares get (`window.__shared`),
 * so the test can end it as the browser's own "Stop sharing" would; or make
 * the picker fail with `refuse` (a DOMException name).
 * @param {Page} page
 * @param {string} [refuse]
 */
function watchShares(page, refuse) {
  return page.evaluate((refuse) => {
    const devices = navigator.mediaDevices;
    const w = /** @type {any} */ (window);
    w.__realGetDisplayMedia ??= devices.getDisplayMedia.bind(devices);
    devices.getDisplayMedia = async (/** @type {any} */ c) => {
      if (refuse) throw new DOMException('Permission denied by user', refuse);
      const s = await w.__realGetDisplayMedia(c);
      w.__shared = s;
      return s;
    };
  }, refuse);
}

/**
 * What `page` shows: the layout, what is on the stage (a peer's screen or
 * tile), the screens in the page, and the sharer's own notice and button.
 * @param {Page} page
 */
const shown = (page) => page.evaluate(() => {
  const grid = /** @type {HTMLElement} */ (document.getElementById('grid'));
  const staged = /** @type {HTMLElement | null} */ (grid.querySelector('.on-stage'));
  const button = document.querySelector('button[data-action="screen"]');
  return {
    layout: grid.dataset.layout ?? 'grid',
    stage: staged ? `${staged.classList.contains('screen') ? 'screen' : 'tile'}:${staged.dataset.peer}` : null,
    screens: [...grid.querySelectorAll('.screen')].map((s) => /** @type {HTMLElement} */ (s).dataset.peer),
    notice: !/** @type {HTMLElement} */ (document.getElementById('share-notice')).hidden,
    button: button ? `${button.textContent}|${button.getAttribute('aria-pressed')}` : null,
  };
});

/**
 * Wait until `page` decodes the screen `sharer` shares, at its size, and
 * the frames keep coming.
 * @param {Page} page
 * @param {Page} sharerPage
 * @param {string} what
 */
async function decodesScreen(page, sharerPage, what) {
  const sharer = await idOf(sharerPage);
  // At the size the sharer captures (Chromium's fake screen, scaled to the 1920×1080 asked),
  // not scaled down: a screen's encoder keeps its resolution.
  const size = await sizeOf(sharerPage);
  const first = await waitUntil(page, async (id) => (await window.lancall.stats()).find((p) => p.id === id),
    (s) => Boolean(s && s.screenFrames > 0 && s.screenResolution === size),
    { what: `${what}: screen frames decoded at the sharer's size`, arg: sharer, timeout: 30_000 });
  await waitUntil(page, async (id) => (await window.lancall.stats()).find((p) => p.id === id),
    (s) => Boolean(s && s.screenFrames > first.screenFrames + 5), { what: `${what}: screen frames keep coming`, arg: sharer, timeout: 30_000 });
  // The camera goes on beside it.
  await waitUntil(page, async (id) => (await window.lancall.stats()).find((p) => p.id === id),
    (s) => Boolean(s && s.framesDecoded > first.framesDecoded + 5), { what: `${what}: the camera still playing`, arg: sharer, timeout: 30_000 });
}

/**
 * Note, in each page, the moment (ms since the epoch, one clock: one
 * machine) its last screen of `sharer` leaves the page.
 * @param {Page[]} pages @param {string} sharer
 */
function watchGone(pages, sharer) {
  return Promise.all(pages.map((page) => page.evaluate((id) => {
    const w = /** @type {any} */ (window);
    w.__goneAt = 0;
    const check = () => {
      if (!w.__goneAt && !document.querySelector(`#grid .screen[data-peer="${id}"]`)) w.__goneAt = Date.now();
    };
    new MutationObserver(check).observe(document.getElementById('grid') ?? document.body, { childList: true });
    check();
  }, sharer)));
}

/**
 * Wait until each page noted the screen gone (see watchGone); returns the
 * longest time from `since`, as the pages saw it.
 * @param {Page[]} pages @param {string} what @param {number} since
 */
async function screensGone(pages, what, since) {
  let longest = 0;
  for (const page of pages) {
    const at = await waitFor(page, () => /** @type {any} */ (window).__goneAt, { what, timeout: 10_000 });
    longest = Math.max(longest, Number(at) - since);
  }
  return longest;
}

/** Click `selector` in the page itself, without the driver's delays; returns when (ms since the epoch). @param {Page} page @param {string} selector */
const clickNow = (page, selector) => page.evaluate((sel) => {
  const at = Date.now();
  /** @type {HTMLElement} */ (document.querySelector(sel)).click();
  return at;
}, selector);

/** @param {Page} page */
const idOf = (page) => page.evaluate(() => window.lancall.myId());

/**
 * The size of the frames the page's share captures, as "W×H", once it
 * shares (watchShares keeps it): from a frame, as a track's settings may
 * say another size until its first frame.
 * @param {Page} page
 */
async function sizeOf(page) {
  await waitFor(page, () => /** @type {any} */ (window).__shared?.getVideoTracks()[0]?.readyState === 'live', { what: 'the share started' });
  return page.evaluate(async () => {
    const track = /** @type {any} */ (window).__shared.getVideoTracks()[0];
    const frame = await new /** @type {any} */ (window).ImageCapture(track).grabFrame();
    return `${frame.width}×${frame.height}`;
  });
}

describe('screen sharing between browsers', () => {
  const env = useServerAndBrowser();
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;
  /** @type {Page} */ let cai;

  it('Ann shares: Ben sees her screen large, the cameras in a strip; Ann sees a notice, not her screen', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    ben = await openClient(env.browser, env.server, 'ben');
    await joinCall(ann, env.server, { name: 'Ann', room: 'screens' });
    await joinCall(ben, env.server, { name: 'Ben', room: 'screens' });
    await waitFor(ann, () => window.lancall.peers()[0]?.chat === true, { what: 'Ann and Ben connected, data channel open' });
    await watchShares(ann);
    assert.equal((await shown(ann)).button, 'Share screen|false');
    await ann.keyboard.press('s');
    await waitFor(ann, () => !document.getElementById('share-notice')?.hidden, { what: "Ann's notice that she shares" });
    const annId = await idOf(ann);
    await decodesScreen(ben, ann, 'Ben');
    const b = await shown(ben);
    assert.deepEqual({ layout: b.layout, stage: b.stage, screens: b.screens }, { layout: 'stage', stage: `screen:${annId}`, screens: [annId] });
    const a = await shown(ann);
    assert.deepEqual(a.screens, [], 'Ann never sees her own screen');
    assert.equal(a.layout, 'grid');
    assert.equal(a.button, 'Stop sharing|true');
    // The screen is marked for detail (sharp text before smooth motion).
    assert.equal(await ann.evaluate(() => /** @type {any} */ (window).__shared.getVideoTracks()[0].contentHint), 'detail');
    // Fitted whole, not cropped; the cameras are small tiles below it.
    const fit = await ben.$eval('#grid .screen.on-stage video', (v) => getComputedStyle(v).objectFit);
    assert.equal(fit, 'contain');
    const strip = await ben.$$eval('#grid > .tile', (tiles) => tiles.map((t) => t.getBoundingClientRect().height));
    const stage = await ben.$eval('#grid .screen.on-stage', (s) => s.getBoundingClientRect().height);
    assert.ok(strip.length === 2 && strip.every((h) => h < stage / 3), `small camera tiles (${strip}) under a large stage (${stage})`);
    await mkdir(SHOTS, { recursive: true });
    await ben.bringToFront();
    // The picture without the "Ann is joining" notice over the strip.
    await waitFor(ben, () => !document.querySelector('.toast'), { what: 'the notices gone', timeout: 15_000 }).catch(() => {});
    await ben.screenshot({ path: join(SHOTS, 'screen-share.png'), animations: 'disabled' });
  });

  it('Cai joins while Ann shares, and gets the screen too', async () => {
    cai = await openClient(env.browser, env.server, 'cai');
    await joinCall(cai, env.server, { name: 'Cai', room: 'screens' });
    await decodesScreen(cai, ann, 'Cai');
    assert.equal((await shown(cai)).stage, `screen:${await idOf(ann)}`);
  });

  it('a click on a camera in the strip puts it on the stage; a new share takes the stage back', async () => {
    const benId = await idOf(ben);
    await cai.click(`#grid > .tile[data-peer="${benId}"]`);
    await waitFor(cai, (id) => document.querySelector('#grid .on-stage')?.getAttribute('data-peer') === id,
      { what: "Ben's camera on Cai's stage", arg: benId });
    assert.deepEqual((await shown(cai)).screens, [await idOf(ann)], "Ann's screen stays, in the strip");
  });

  it('Ann stops with the button: the screen is gone everywhere within 2 s', async () => {
    await watchGone([ben, cai], await idOf(ann));
    const started = await clickNow(ann, '#share-stop');
    const took = await screensGone([ben, cai], "Ann's screen gone", started);
    console.log(`share stopped by the button: gone from both others' screens in ${took} ms`);
    assert.ok(took <= ENDED_MS, `gone in ${took} ms`);
    const a = await shown(ann);
    assert.equal(a.notice, false);
    assert.equal(a.button, 'Share screen|false');
  });

  it('two share at once: the stage follows the latest, the other screen is in the strip; the browser\'s own stop ends one', async () => {
    await watchShares(ben);
    const [annId, benId] = [await idOf(ann), await idOf(ben)];
    await ann.keyboard.press('s');
    await decodesScreen(cai, ann, 'Cai, Ann sharing again');
    await ben.keyboard.press('s');
    await decodesScreen(cai, ben, "Cai, Ben's share too");
    await waitFor(cai, (id) => document.querySelector('#grid .on-stage')?.getAttribute('data-peer') === id,
      { what: "Ben's screen, the latest, on Cai's stage", arg: benId });
    assert.deepEqual([...(await shown(cai)).screens].sort(), [annId, benId].sort());
    assert.equal((await shown(cai)).stage, `screen:${benId}`);
    // Ann and Ben each see the other's screen, not their own.
    assert.deepEqual((await shown(ann)).screens, [benId]);
    assert.deepEqual((await shown(ben)).screens, [annId]);
    // Ben's browser ends his share (its "Stop sharing", or the window closed).
    await watchGone([cai], benId);
    const started = await ben.evaluate(() => {
      const track = /** @type {any} */ (window).__shared.getVideoTracks()[0];
      const at = Date.now();
      track.stop();
      track.dispatchEvent(new Event('ended'));
      return at;
    });
    const took = await screensGone([cai], "Ben's screen gone from Cai's page", started);
    console.log(`share ended by the browser: gone in ${took} ms`);
    assert.ok(took <= ENDED_MS, `gone in ${took} ms`);
    assert.equal((await shown(ben)).notice, false, "Ben's notice gone");
    assert.equal((await shown(cai)).stage, `screen:${annId}`, "Ann's screen, still shared, on the stage again");
  });

  it('the sharer leaving ends the share for everyone', async () => {
    await watchGone([ben, cai], await idOf(ann));
    const started = await clickNow(ann, 'button[data-action="leave"]');
    const took = await screensGone([ben, cai], "Ann's screen gone after she left", started);
    console.log(`sharer left: screen gone in ${took} ms`);
    assert.ok(took <= ENDED_MS, `gone in ${took} ms`);
    await ann.close();
  });

  it('sharing with the camera off: the screen goes out; the sharer\'s tile shows no camera', async () => {
    await ben.keyboard.press('v');
    await waitFor(cai, (id) => window.lancall.peers().find((p) => p.id === id)?.cam === false, { what: "Cai told Ben's camera is off", arg: await idOf(ben) });
    await ben.keyboard.press('s');
    const benId = await idOf(ben);
    const size = await sizeOf(ben);
    const first = await waitUntil(cai, async (id) => (await window.lancall.stats()).find((p) => p.id === id),
      (s) => Boolean(s && s.screenFrames > 5 && s.screenResolution === size),
      { what: "Cai decoding Ben's screen at its size, his camera off", arg: benId, timeout: 30_000 });
    assert.ok(first);
    assert.equal(await cai.$eval(`#grid > .tile[data-peer="${benId}"]`, (t) => t.getAttribute('data-cam')), 'off');
    await watchGone([cai], benId);
    await screensGone([cai], "Ben's screen gone", await clickNow(ben, '#share-stop'));
  });

  it('a cancelled picker is a short notice; nothing is shared', async () => {
    await watchShares(cai, 'NotAllowedError');
    await cai.keyboard.press('s');
    await waitFor(cai, () => [...document.querySelectorAll('.toast')].some((t) => t.textContent === 'Screen sharing cancelled'),
      { what: 'the cancelled notice' });
    const c = await shown(cai);
    assert.equal(c.notice, false);
    assert.equal(c.button, 'Share screen|false');
    assert.equal(await cai.evaluate(() => window.lancall.phase()), 'in-call');
    assert.deepEqual((await shown(ben)).screens, []);
    await ben.close();
    await cai.close();
  });
});
