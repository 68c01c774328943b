// The host's network going down and up, on two real network hosts (network
// namespaces joined by a veth pair, made and removed here; nothing outside
// them is ever contacted). `lancall serve` runs on host A, Ann's Chromium on
// A beside it (through loopback), Ben's Chromium on host B; their media goes
// over the veth. The test takes A's end of the veth down, as a pulled cable
// or a Wi-Fi drop would, and brings it back:
//
// - a short outage (shorter than the idle timeout and the resume grace):
//   both tiles say "Reconnecting…" meanwhile, then the call goes on as it
//   was: the same peer ids, the same tiles, video decoding again. (The
//   sockets to the host are silent but survive: TCP retransmits once the
//   link is back, so nobody is shown the host banner.)
// - a long outage (past them): the host tells Ann that Ben lost his
//   connection and she sees it; when the link is back Ben is told the host
//   was lost, rejoins on his own as a new peer, and they see each other again.
//
// Needs root (namespaces). Without it the test skips and says why; CI runs
// as root, so there it always runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitFor } from './support/browser.js';
import { LANCALL_BIN } from './support/server.js';
import { joinCall, openClient, remoteTiles, waitForRemoteVideo, waitUntil } from './support/call.js';
import { chromiumIn, linkDown, makeLan, netnsUnavailable, serveIn } from './support/netns.js';

/** @typedef {import('playwright-core').Page} Page */

const why = netnsUnavailable();
if (why) console.log(`network fault test skipped: ${why}`);

/**
 * The host's timeouts, near its defaults (idle 30 s, grace 15 s) but short
 * enough for the long outage to fit a test. Pings every second keep data in
 * flight, so TCP's retransmission back-off (0.2 s doubling) brings a socket
 * back at worst 12.6 s after the short outage began: under the idle timeout.
 */
const IDLE_S = 20;
const SERVER_FLAGS = ['--ping-interval', '1', '--idle-timeout', String(IDLE_S), '--resume-grace', String(IDLE_S)];
/** Chromium calls a connection that hears nothing "disconnected" after about 5 s. */
const SHORT_OUTAGE_MS = 8_000;
// Long enough for the page's own heartbeat (ui/js/signaling.js: a "ping"
// every 5 s, given up after 20 s unheard) to notice while the link is down.
const LONG_OUTAGE_MS = (IDLE_S + 10) * 1000;


// Budgets of the waits for things that take no fixed time: generous, for a
// loaded 2-core machine running a server and two Chromiums (the outages
// above are what the test is about, and stay as they are).
/** `lancall serve` started through `ip netns exec` and printed its banner. */
const BANNER_MS = 60_000;
/** A page loaded, its camera opened and its socket joined to the room. */
const JOIN_MS = 60_000;
/** Two Chromiums connected over the veth and decoding each other's video. */
const VIDEO_MS = 60_000;
/** The recorder (sampling every 100 ms) has noted what the page showed. */
const NOTED_MS = 10_000;
/**
 * Ben's page, once the link is back, gets through to the host and rejoins:
 * an attempt in flight may take its 10 s connect timeout, the next waits
 * up to 6 s (ui/js/signaling.js), then the join is answered.
 */
const REJOIN_MS = 60_000;

/**
 * Wait until the recorder of `page` (see `recordStates`) has noted a state
 * for which `test` holds: noted, so a state shown and gone before this
 * wait began still counts.
 * @param {Page} page
 * @param {(s: string) => boolean} test
 * @param {{ what: string, timeout: number }} o
 */
const noted = (page, test, o) => waitUntil(page, () => /** @type {any} */ (window).__faultSeen ?? [],
  (/** @type {string[]} */ s) => s.some(test), o);

/**
 * Start recording, in the page, every state its remote tiles and the host
 * banner show (sampled every 100 ms); `seen(page)` reads the record.
 * @param {Page} page
 */
async function recordStates(page) {
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    clearInterval(w.__faultTimer);
    const t0 = Date.now();
    /** @type {string[]} */
    const seen = [];
    w.__faultSeen = seen;
    w.__faultLog = [];
    // Toasts already on screen are from before.
    for (const toast of document.querySelectorAll('.toast')) toast.setAttribute('data-fault-old', '');
    const note = (/** @type {string} */ s) => {
      if (!seen.includes(s)) seen.push(s);
      if (w.__faultLog.at(-1)?.[1] !== s) w.__faultLog.push([Date.now() - t0, s]);
    };
    w.__faultTimer = setInterval(() => {
      for (const tile of document.querySelectorAll('.tile:not(.local)')) note(`tile:${/** @type {HTMLElement} */ (tile).dataset.state}`);
      const banner = document.getElementById('banner');
      if (banner && !banner.hidden) {
        const text = (document.getElementById('banner-text')?.textContent ?? '').replace(/\d+/g, 'N');
        const buttons = [...banner.querySelectorAll('button')].map((b) => b.textContent).join(', ');
        note(`banner:${text} [${buttons}]`);
      }
      for (const toast of document.querySelectorAll('.toast:not([data-fault-old])')) note(`toast:${toast.textContent}`);
    }, 100);
  });
}

/** @param {Page} page @returns {Promise<string[]>} */
const seen = (page) => page.evaluate(() => /** @type {any} */ (window).__faultSeen ?? []);

/** What the page showed, when (ms since recording began). @param {Page} page */
const timeline = async (page) => (await page.evaluate(() => /** @type {any} */ (window).__faultLog ?? []))
  .map((/** @type {[number, string]} */ [t, s]) => `${t}: ${s}`).join(' | ');

describe('the host\'s network goes down and up (network namespaces)', { skip: why ?? false }, () => {
  /** @type {ReturnType<typeof makeLan>} */ let lan;
  /** @type {Awaited<ReturnType<typeof serveIn>>} */ let server;
  /** @type {{ close(): Promise<void> }[]} */ const browsers = [];
  /** @type {{ remove(): Promise<void> }[]} */ const wrappers = [];
  /** @type {Page} */ let ann;
  /** @type {Page} */ let ben;

  before(async () => {
    lan = makeLan();
    server = await serveIn(lan.a, LANCALL_BIN, SERVER_FLAGS, BANNER_MS);
    const { port } = server;
    // Ann beside the server (loopback is a secure origin); Ben on the other
    // host, over plain http, which Chromium is told to treat as secure so
    // the page may open the camera (as it would over the host's https).
    const urls = { ann: `http://127.0.0.1:${port}/`, ben: `http://${lan.a.ip}:${port}/` };
    const pages = [];
    for (const [who, host, url] of /** @type {const} */ ([['ann', lan.a, urls.ann], ['ben', lan.b, urls.ben]])) {
      const wrapper = await chromiumIn(host);
      wrappers.push(wrapper);
      const browser = await launch({ executable: wrapper.path, args: [`--unsafely-treat-insecure-origin-as-secure=${url.slice(0, -1)}`] });
      browsers.push(browser);
      const page = await openClient(browser, { url }, who);
      await joinCall(page, { url }, { name: who === 'ann' ? 'Ann' : 'Ben', room: 'faults', timeout: JOIN_MS });
      pages.push(page);
    }
    [ann, ben] = pages;
    await waitForRemoteVideo(ann, 1, { what: "Ann seeing Ben", timeout: VIDEO_MS });
    await waitForRemoteVideo(ben, 1, { what: "Ben seeing Ann", timeout: VIDEO_MS });
    // The media goes host to host, over the veth the test will cut.
    const stats = await ben.evaluate(() => window.lancall.stats());
    assert.equal(stats[0]?.candidateType, 'host');
  });

  after(async () => {
    for (const b of browsers) await b.close();
    for (const w of wrappers) await w.remove();
    await server?.stop();
    lan?.remove();
  });

  it(`a ${SHORT_OUTAGE_MS / 1000} s outage: both show "Reconnecting…", then the call goes on with the same peers`, async () => {
    const ids = [await ann.evaluate(() => window.lancall.myId()), await ben.evaluate(() => window.lancall.myId())];
    for (const page of [ann, ben]) {
      await page.$eval('.tile:not(.local)', (e) => { e.setAttribute('data-test-mark', 'before'); });
      await recordStates(page);
    }
    const started = Date.now();
    await linkDown(lan.a, SHORT_OUTAGE_MS);
    for (const [who, page] of /** @type {[string, Page][]} */ ([['Ann', ann], ['Ben', ben]])) {
      // "Connected again" means after "Reconnecting…": a tile still showing
      // the state from before the outage is not yet back.
      await noted(page, (x) => x === 'tile:reconnecting',
        { what: `${who}'s tile to have said "Reconnecting…" (ICE disconnected after about 5 s of the ${SHORT_OUTAGE_MS / 1000} s outage)`, timeout: NOTED_MS });
      await waitFor(page, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-state') === 'connected',
        { what: `${who}'s tile connected again after the outage`, timeout: 20_000 });
    }
    await waitForRemoteVideo(ann, 1, { what: "Ann's video after the outage", timeout: VIDEO_MS });
    await waitForRemoteVideo(ben, 1, { what: "Ben's video after the outage", timeout: VIDEO_MS });
    console.log(`short outage: call back ${Date.now() - started} ms after the link went down`);
    for (const [who, page] of /** @type {[string, Page][]} */ ([['Ann', ann], ['Ben', ben]])) {
      const states = await seen(page);
      console.log(`${who} showed: ${await timeline(page)}`);
      assert.ok(states.includes('tile:reconnecting'), `${who}'s tile said "Reconnecting…" during the outage: ${states}`);
      assert.ok(!states.some((s) => s.startsWith('toast:')), `nobody was said to leave: ${states}`);
    }
    // Resumed, not rebuilt: the same ids, the same tiles, the same connection.
    assert.deepEqual([await ann.evaluate(() => window.lancall.myId()), await ben.evaluate(() => window.lancall.myId())], ids);
    assert.deepEqual(await remoteTiles(ann), [ids[1]]);
    assert.deepEqual(await remoteTiles(ben), [ids[0]]);
    for (const page of [ann, ben]) {
      assert.equal(await page.$eval('.tile:not(.local)', (e) => e.getAttribute('data-test-mark')), 'before');
    }
  });

  it(`a ${LONG_OUTAGE_MS / 1000} s outage: Ann is told Ben lost his connection; Ben is told the host was lost, and rejoins`, async () => {
    const benBefore = await ben.evaluate(() => window.lancall.myId());
    for (const page of [ann, ben]) await recordStates(page);
    const started = Date.now();
    const down = linkDown(lan.a, LONG_OUTAGE_MS);
    try {
      // Past the idle timeout the host gives up on Ben and tells Ann, while
      // his link is still down (this budget ends 1 s before it comes back).
      await waitFor(ann, () => document.querySelectorAll('.tile:not(.local)').length === 0,
        { what: `Ann's tile of Ben gone (the host giving up on him past its ${IDLE_S} s idle timeout, before the link is back)`,
          timeout: Math.max(1000, LONG_OUTAGE_MS - (Date.now() - started) - 1000) });
      console.log(`long outage: Ann told after ${Date.now() - started} ms`);
      await noted(ann, (x) => x === 'toast:Ben lost their connection',
        { what: 'Ann told that Ben lost his connection (the toast noted)', timeout: NOTED_MS });
      assert.equal(await ann.evaluate(() => window.lancall.phase()), 'in-call', 'Ann stays in the call');
      // Ben's page hears nothing from the host either, and says so while
      // the cable is still out: its heartbeat goes unanswered.
      await noted(ben, (x) => x.startsWith('banner:Lost the connection to the host'),
        { what: 'Ben shown the host banner while the link is down', timeout: Math.max(1000, LONG_OUTAGE_MS - (Date.now() - started) - 1000) });
      console.log(`long outage: Ben shown the banner after ${Date.now() - started} ms`);
    } finally {
      await down;
    }
    // The link is back: Ben learns his host connection was lost (a banner
    // with "Retry now" and "Leave"), rejoins as a new peer, and the two call again.
    await waitUntil(ben, () => window.lancall.myId(), (id) => Boolean(id) && id !== benBefore,
      { what: 'Ben back in the room with a new id', timeout: REJOIN_MS });
    const benSaw = await seen(ben);
    console.log(`Ann showed: ${await timeline(ann)}`);
    console.log(`Ben showed: ${await timeline(ben)}`);
    assert.ok(benSaw.includes('tile:reconnecting'), `Ben's tile of Ann said "Reconnecting…": ${benSaw}`);
    assert.ok(benSaw.some((s) => s.startsWith('banner:Lost the connection to the host') && s.endsWith('[Retry now, Leave]')),
      `Ben was told the host was lost, with a way out: ${benSaw}`);
    await waitForRemoteVideo(ann, 1, { what: "Ann seeing Ben again", timeout: VIDEO_MS });
    await waitForRemoteVideo(ben, 1, { what: "Ben seeing Ann again", timeout: VIDEO_MS });
    assert.deepEqual(await remoteTiles(ann), [await ben.evaluate(() => window.lancall.myId())]);
    console.log(`long outage: call back ${Date.now() - started} ms after the link went down`);
  });
});
