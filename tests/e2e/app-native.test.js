// The Linux app calls through its native engine (GStreamer webrtcbin; the
// window's WebKitGTK has no RTCPeerConnection): a Chromium page and
// `lancall join` meet in a room of `lancall serve`; Chromium decodes the
// app's test pattern, the app previews that pattern from its engine, and
// the app's remote tile plays Chromium's fake camera, decoded in the page
// with WebCodecs; a second app makes a mesh of three; a third opens the
// camera saved from an earlier run. Saves a screenshot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { REPO } from './support/server.js';
import { differingPixels, screenshot, startApp, startXvfb, until } from './support/app.js';

const SHOTS = join(REPO, 'docs', 'screenshots');

describe('the app calls through its native engine', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>> | undefined} */ let app;
  /** @type {import('playwright-core').Page} */ let page;
  /** @type {string} */ let scratch;
  const room = `app-native-${process.pid}`;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lancall-app-native-'));
    x = await startXvfb();
  });

  // Registered before the fixture's, so the app quits while its server is up.
  after(async () => {
    const result = await app?.stop();
    await x?.stop();
    await rm(scratch, { recursive: true, force: true });
    if (result && result.code !== 0) console.error(app?.log());
  });

  const env = useServerAndBrowser();

  it('a Chromium page joins the room', async () => {
    page = await env.browser.page(new URL(env.server.url).origin);
    await page.goto(`${env.server.url}#room=${room}&name=Web&autojoin=1`);
    await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'the page in the call' });
  });

  it('`lancall join` with the test source connects to the page', async () => {
    // The app's engine sends a test pattern and tone, not this machine's devices.
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${env.server.url}#room=${room}`, '--name', 'App'], x.display);
    const joined = app;
    await until(() => joined.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call with the page', 45_000);
    await waitFor(page, () => window.lancall.peers().some((p) => p.state === 'connected' && p.chat),
      { what: 'the page connected to the app, data channel open', timeout: 45_000 });
  });

  it('the app previews the test pattern its engine sends, without opening the camera itself', async () => {
    const joined = /** @type {NonNullable<typeof app>} */ (app);
    await until(() => {
      const local = joined.states().map((s) => s.local?.canvas).filter((c) => c && c.width > 0 && c.shown);
      return local.length >= 2 && new Set(local.map((c) => c.sum)).size >= 2;
    }, 'the local tile to show the engine\'s own video, moving', 30_000);
  });

  it('the page decodes the app\'s video', async () => {
    const first = await waitFor(page, async () => {
      const s = await window.lancall.stats();
      return s[0]?.framesDecoded > 10 && s[0].framesDecoded;
    }, { what: 'frames from the app decoded in Chromium', timeout: 30_000 });
    // Frames are due many times a second; 10 s is the budget of a loaded machine.
    await waitFor(page, async (seen) => (await window.lancall.stats())[0]?.framesDecoded > seen,
      { what: `frames to keep coming after the first ${first}`, arg: first, timeout: 10_000 });
  });

  it('the app\'s remote tile plays the page\'s video', async () => {
    const joined = /** @type {NonNullable<typeof app>} */ (app);
    // The tile shows the canvas WebCodecs draws into: its size is the page's
    // video, and its pixels change from one probe to the next.
    const playing = await until(() => {
      const remote = joined.states().map((s) => ({ canvas: s.remote?.[0]?.canvas, decoded: s.decoded?.[0] ?? 0 }))
        .filter((r) => r.canvas && r.canvas.width > 0 && r.canvas.sum !== null);
      const sums = new Set(remote.map((r) => r.canvas.sum));
      return remote.length >= 3 && sums.size >= 2 && remote.at(-1).decoded > remote[0].decoded && remote;
    }, 'the remote tile to show frames decoded with WebCodecs', 45_000);
    const last = playing.at(-1);
    assert.ok(last.decoded > 10, `frames decoded in the app: ${last.decoded}`);
    assert.ok(last.canvas.width >= 160 && last.canvas.height >= 90, `a picture of the page's size: ${JSON.stringify(last.canvas)}`);
  });

  it('the window shows a moving call; a screenshot is saved', async () => {
    const a = join(scratch, 'a.png');
    const b = join(scratch, 'b.png');
    await screenshot(x.display, a);
    // Take the second picture again until the moving tiles have changed it.
    let moved = 0;
    await until(async () => {
      await screenshot(x.display, b);
      moved = await differingPixels(a, b);
      return moved > 100;
    }, 'the tiles to move between screenshots (over 100 pixels differ)', 15_000)
      .catch((e) => { throw new Error(`${e.message}; at last ${moved} pixels differed`); });
    await mkdir(SHOTS, { recursive: true });
    await copyFile(b, join(SHOTS, 'app-native-call.png'));
  });

  it('a second app joins: a mesh of three, and each app decodes both others', async () => {
    const second = await startApp(['join', `${env.server.url}#room=${room}`, '--name', 'App2'], x.display);
    try {
      for (const [who, a] of /** @type {const} */ ([['App2', second], ['App', app]])) {
        const joined = /** @type {NonNullable<typeof app>} */ (a);
        // Two busy engines and WebKits on a small machine: frames come slowly, but they come.
        await until(() => {
          const d = joined.states().map((s) => s.decoded ?? []).filter((x) => x.length === 2);
          return d.length >= 3 && d.at(-1).every((n, i) => n > 5 && n > d[0][i]);
        }, `${who} decoding both others`, 60_000);
      }
      await waitFor(page, async () => {
        const s = await window.lancall.stats();
        return s.length === 2 && s.every((p) => p.framesDecoded > 5);
      }, { what: 'the page decoding both apps', timeout: 60_000 });
    } finally {
      await second.stop();
    }
  });

  it('the camera saved from an earlier run is the one the app\'s engine sends', async () => {
    // SMPTE bars saved as the camera (a device string of the engine's); the
    // first app keeps the dark ball. The page tells them apart by brightness.
    const third = await startApp(['join', `${env.server.url}#room=${room}`, '--name', 'App3'], x.display,
      { settings: { name: 'App3', camera: 'test:smpte' } });
    try {
      const luma = await waitFor(page, () => {
        /** @param {string} name */
        const brightness = (name) => {
          const peer = window.lancall.peers().find((p) => p.name === name);
          const video = peer && /** @type {HTMLVideoElement | null} */ (document.querySelector(`.tile[data-peer="${peer.id}"] video`));
          if (!video || video.readyState < 2 || !video.videoWidth) return null;
          const c = document.createElement('canvas');
          c.width = 64;
          c.height = 48;
          const ctx = c.getContext('2d');
          if (!ctx) return null;
          ctx.drawImage(video, 0, 0, c.width, c.height);
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let sum = 0;
          for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
          return sum / (d.length / 4);
        };
        const bars = brightness('App3');
        const ball = brightness('App');
        return bars !== null && ball !== null && bars > 80 && ball < 60 && { bars, ball };
      }, { what: 'App3\'s bars (bright) beside App\'s ball (dark) in the page', timeout: 60_000 });
      assert.ok(luma.bars > luma.ball, JSON.stringify(luma));
    } finally {
      await third.stop();
    }
  });
});
