// Interop with a WebRTC stack that is neither Chromium nor GStreamer:
// aiortc (tests/interop/aiortc-peer.py, from the venv install-deps.sh
// makes) against the browser client in Chromium and against the Linux app's
// native engine under Xvfb, through `lancall serve`. Each side offering, the
// seed protocol and lancall's version 1, both offering at once (glare), and
// a room of three. Every case checks moving video decoded on every side and
// the remote tile shown, not only a connection state.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { aiortcDecodes, startAiortc } from './support/aiortc.js';
import { startApp, startXvfb, until } from './support/app.js';

/** aiortc's test pattern (aiortc-peer.py WIDTH × HEIGHT): how its tile is told apart. */
const AIORTC_WIDTH = 320;

/**
 * @typedef {ReturnType<typeof startAiortc>} Aiortc
 * @typedef {import('playwright-core').Page} Page
 * @typedef {Awaited<ReturnType<typeof startApp>>} App
 */

describe('aiortc calls the browser client and the native engine', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {(() => Promise<unknown>)[]} */ let cleanup = [];
  let n = 0;
  const room = () => `interop-${process.pid}-${(n += 1)}`;

  before(async () => {
    x = await startXvfb();
    // The app's engine sends its moving test pattern, not this machine's devices.
    process.env.LANCALL_TEST_SOURCE = '1';
  });
  after(async () => { await x?.stop(); });

  const env = useServerAndBrowser();

  // What a case started stops after it, passed or failed.
  afterEach(async () => {
    for (const stop of cleanup.reverse()) await stop().catch(() => {});
    cleanup = [];
  });

  /**
   * aiortc in `r`, watched; stopped after the case.
   * @param {string} r
   * @param {Partial<import('./support/aiortc.js').PeerOptions>} o
   */
  async function aiortc(r, o) {
    const peer = startAiortc({ ws: env.server.wsUrl, room: r, ...o });
    cleanup.push(() => peer.stop());
    await peer.until((rs) => rs.some((e) => e.event === 'joined'), 'joined');
    return peer;
  }

  /** @param {string} r */
  async function browserJoins(r) {
    const page = await env.browser.page(new URL(env.server.url).origin);
    cleanup.push(() => page.close());
    await page.goto(`${env.server.url}#room=${r}&name=Web&autojoin=1`);
    await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'the page in the call' });
    return page;
  }

  /** @param {string} r */
  async function appJoins(r) {
    const app = await startApp(['join', `${env.server.url}#room=${r}`, '--name', 'App'], x.display);
    cleanup.push(async () => {
      const result = await app.stop();
      if (result?.code) console.error(app.log());
    });
    await until(() => app.states().some((s) => s.phase === 'in-call'), 'the app in the call', 30_000);
    return app;
  }

  /**
   * The page decodes aiortc's pattern (by its size) in a tile of its own,
   * and shows as many people as `people`.
   * @param {Page} page
   * @param {number} people  tiles of others on the page
   */
  async function browserShowsAiortc(page, people) {
    await waitFor(page, async ({ width, people }) => {
      const stats = await window.lancall.stats();
      const tiles = [...document.querySelectorAll('figure.tile:not(.local)')];
      const shown = tiles.map((t) => /** @type {HTMLVideoElement | null} */ (t.querySelector('video')))
        .filter((v) => v && v.readyState >= 2 && v.videoWidth === width);
      return tiles.length === people && shown.length === 1 && stats.length === people
        && stats.every((s) => s.framesDecoded > 10);
    }, { what: `the page decoding aiortc's ${AIORTC_WIDTH}-wide video in a tile (and ${people} peer(s) in all)`,
      arg: { width: AIORTC_WIDTH, people }, timeout: 30_000 });
  }

  /**
   * The app shows `people` remote tiles and the count on screen, one of
   * them aiortc's pattern, moving, its frames decoded with WebCodecs.
   * @param {App} app
   * @param {number} people
   */
  async function appShowsAiortc(app, people) {
    const seen = await until(() => {
      const s = app.states().filter((s) => s.phase === 'in-call' && s.remote?.length === people);
      const ai = s.map((st) => st.remote.find((t) => t.canvas?.width === AIORTC_WIDTH && t.canvas.shown))
        .filter(Boolean);
      const last = s.at(-1);
      return ai.length >= 3 && new Set(ai.map((t) => t.canvas.sum)).size >= 2
        && last.decoded?.length === people && last.decoded.every((d) => d > 10) && last;
    }, `the app showing ${people} peer(s), aiortc's video moving in its tile`, 45_000).catch((e) => {
      const last = app.states().at(-1);
      throw new Error(`${e.message}; the app's last state: ${JSON.stringify({ ...last, local: undefined })}`);
    });
    assert.equal(seen.chip, `${people + 1} in call`, 'the people count on screen');
  }

  it('aiortc (version 1) offers to the browser', async () => {
    const r = room();
    const ai = await aiortc(r, { protocol: 'v1', offer: 'join' });
    const page = await browserJoins(r);
    await ai.until((rs) => rs.some((e) => e.event === 'offer'), 'its offer');
    await aiortcDecodes(ai, 1, 'the browser');
    await browserShowsAiortc(page, 1);
  });

  it('the browser offers to aiortc (version 1)', async () => {
    const r = room();
    const page = await browserJoins(r);
    const ai = await aiortc(r, { protocol: 'v1', offer: 'join' });
    await aiortcDecodes(ai, 1, 'the browser');
    assert.ok(ai.reports.some((e) => e.event === 'answer') && !ai.reports.some((e) => e.event === 'offer'), 'aiortc answered');
    await browserShowsAiortc(page, 1);
  });

  it('aiortc speaking the seed protocol offers to the browser', async () => {
    const r = room();
    const ai = await aiortc(r, { protocol: 'seed', offer: 'join' });
    const page = await browserJoins(r);
    await aiortcDecodes(ai, 1, 'the browser');
    assert.ok(ai.reports.some((e) => e.event === 'offer'), 'aiortc offered');
    await browserShowsAiortc(page, 1);
  });

  it('the browser offers to aiortc speaking the seed protocol', async () => {
    const r = room();
    const page = await browserJoins(r);
    const ai = await aiortc(r, { protocol: 'seed', offer: 'join' });
    await aiortcDecodes(ai, 1, 'the browser');
    await browserShowsAiortc(page, 1);
  });

  it('glare: the browser and aiortc offer at once', async () => {
    const r = room();
    const page = await browserJoins(r);
    // As a newcomer aiortc offers to the page while the page offers to it.
    const ai = await aiortc(r, { protocol: 'v1', offer: 'always' });
    await ai.until((rs) => rs.some((e) => e.event === 'offer'), 'its offer');
    await aiortcDecodes(ai, 1, 'the browser');
    await browserShowsAiortc(page, 1);
  });

  it('glare with the seed protocol: aiortc offers as it arrives while the browser offers to it', async () => {
    const r = room();
    const page = await browserJoins(r);
    const ai = await aiortc(r, { protocol: 'seed', offer: 'always' });
    await aiortcDecodes(ai, 1, 'the browser');
    await browserShowsAiortc(page, 1);
  });

  it('the native engine offers to aiortc (version 1)', async () => {
    const r = room();
    const app = await appJoins(r);
    const ai = await aiortc(r, { protocol: 'v1', offer: 'join' });
    // Here webrtcbin is the DTLS server: its certificate must suit aiortc's ECDSA-only client.
    await aiortcDecodes(ai, 1, 'the app');
    assert.ok(!ai.reports.some((e) => e.event === 'offer'), 'the app offered, aiortc answered');
    await appShowsAiortc(app, 1);
  });

  it('aiortc (version 1) offers to the native engine', async () => {
    const r = room();
    const ai = await aiortc(r, { protocol: 'v1', offer: 'join' });
    const app = await appJoins(r);
    await aiortcDecodes(ai, 1, 'the app');
    await appShowsAiortc(app, 1);
  });

  it('aiortc speaking the seed protocol offers to the native engine, and the app shows it', async () => {
    const r = room();
    const ai = await aiortc(r, { protocol: 'seed', offer: 'join' });
    const app = await appJoins(r);
    await aiortcDecodes(ai, 1, 'the app');
    assert.ok(ai.reports.some((e) => e.event === 'offer'), 'aiortc offered');
    await appShowsAiortc(app, 1);
  });

  it('the native engine offers to aiortc speaking the seed protocol', async () => {
    const r = room();
    const app = await appJoins(r);
    const ai = await aiortc(r, { protocol: 'seed', offer: 'join' });
    await aiortcDecodes(ai, 1, 'the app');
    await appShowsAiortc(app, 1);
  });

  it('glare: the native engine and aiortc offer at once', async () => {
    const r = room();
    const app = await appJoins(r);
    const ai = await aiortc(r, { protocol: 'v1', offer: 'always' });
    await ai.until((rs) => rs.some((e) => e.event === 'offer'), 'its offer');
    await aiortcDecodes(ai, 1, 'the app');
    await appShowsAiortc(app, 1);
  });

  it('glare with the seed protocol: aiortc offers as it arrives while the app offers to it', async () => {
    const r = room();
    const app = await appJoins(r);
    // A seed client yields to any offer; the app must not yield too (else
    // each answers the other and they hold different sessions).
    const ai = await aiortc(r, { protocol: 'seed', offer: 'always' });
    await aiortcDecodes(ai, 1, 'the app');
    await appShowsAiortc(app, 1);
  });

  it('a room of three: Chromium, the native app and aiortc each decode both others', async () => {
    const r = room();
    const page = await browserJoins(r);
    const app = await appJoins(r);
    const ai = await aiortc(r, { protocol: 'v1', offer: 'join' });
    await aiortcDecodes(ai, 2, 'the browser and the app', 45_000);
    await browserShowsAiortc(page, 2);
    await appShowsAiortc(app, 2);
  });

});
