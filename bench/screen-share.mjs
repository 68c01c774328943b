// `make bench-screen`: a 1920×1080 screen of small scrolling text shared to
// a Chromium running lancall's client, from two senders in one run against
// one `lancall serve` on 127.0.0.1:
//
//   Chromium -> Chromium  a headless Chromium of its own, lancall's client,
//                         getDisplayMedia of the whole X screen (picked by
//                         --auto-select-desktop-capture-source; with the
//                         fake-UI or fake-device flags Debian's Chromium 156
//                         gives its test card or "Could not start video
//                         source" instead), once as the client asks for it
//                         and once with 1920x1080 added to what it asks
//                         (asked only a frame rate, Chromium 156 captures a
//                         1920x1080 screen at 1280x720);
//   native -> Chromium    the Linux app (`lancall join`, its native engine)
//                         sharing with ximagesrc, clicked as a person would.
//
// The screen is a Xvfb display of its own showing bench/screen-page.html
// in a kiosk Chromium window: the text scrolls, and a clock across the top
// (the time of drawing as 32 black/white blocks) is read back from every
// frame the receiver shows, as bench/media-peer.mjs does with its camera.
// Over a steady window after a warm-up it takes, on the receiver: frames
// decoded a second and their size, bitrate (inbound-rtp bytes), latency
// (clock drawn to frame shown); on the sender: CPU seconds a second of its
// whole process tree (/proc/<pid>/stat). Then the page stops (a still
// frame) and the received frame is compared with a screenshot of the X
// screen: SSIM of their luma (bench/ssim.mjs).
//
//   make bench-screen     (or, with a test-hooks debug build: node bench/screen-share.mjs [--window S])
//
// Pictures of the still frame, sent and received, are left in target/bench-screen/.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, launch, waitFor } from '../tests/e2e/support/browser.js';
import { REPO, startServer } from '../tests/e2e/support/server.js';
import { screenshot, sleep, startApp, until } from '../tests/e2e/support/app.js';
import { waitUntil } from '../tests/e2e/support/call.js';
import { luma, ssim } from './ssim.mjs';
import { browserPid, threadTicks, treeTicks } from './proc-cpu.mjs';
import { askFullHd, canvasCamera, grabStill, screenStats, screenWatch } from './screen-in-page.mjs';

const run = promisify(execFile);
const W = 1920, H = 1080;
const argWindow = process.argv.indexOf('--window');
/** The steady window over which fps, bitrate, latency and CPU are taken. */
const WINDOW_MS = 1000 * (argWindow > 0 ? Number(process.argv[argWindow + 1]) : 20);
/** Frames before the window: the first key frame, the encoders settling. */
const WARM_MS = 5000;
/** How long the page stands still before its frame is compared. */
const STILL_MS = 5000;
const OUT = join(REPO, 'target', 'bench-screen');
const GOAL = { fps: 15, p95: 200, ssim: 0.9 };

/** @typedef {import('playwright-core').Page} Page */
/**
 * @typedef {object} Figures
 * @property {string} [failed]  what went wrong, when the path did not get as far as its figures
 * @property {number} fps       screen frames decoded a second on the receiver
 * @property {string} size      their size
 * @property {number} keyFrames key frames among them
 * @property {number} pli       picture loss indications the receiver sent meanwhile
 * @property {number} lost      the screen's RTP packets lost meanwhile
 * @property {number} nack      NACKs the receiver sent for them
 * @property {string} codec
 * @property {number} kbps      the screen's bitrate received
 * @property {number[]} latency clock drawn to frame shown, ms
 * @property {number} unread    frames shown whose clock did not read
 * @property {number} cpu       sender's CPU seconds a second
 * @property {string} busiest   its busiest threads, s/s each
 * @property {number} ssim      received still frame against the X screen
 * @property {boolean} still    the received frame compared was the still one (its clock read back)
 */

/**
 * A 1920×1080 X display. (tests/e2e/support/app.js startXvfb makes its
 * displays 1280×800 and takes no size.)
 * @returns {Promise<{ display: string, stop: () => Promise<void> }>}
 */
async function startScreen() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${W}x${H}x24`, '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb gave no display number in 10 s')), 10_000);
    /** @type {import('node:stream').Readable} */ (child.stdio[3]).on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(timer); resolve(`:${out.trim()}`); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited (${code})`)); });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return { display, async stop() { child.kill('SIGTERM'); await exited; } };
}

/** Run xdotool on `display`. @param {string} display @param {string[]} args */
const xdotool = (display, args) => run('xdotool', args, { env: { ...process.env, DISPLAY: display } });

/**
 * The shared screen's content: bench/screen-page.html in a kiosk Chromium
 * window covering the display (headed, software rendering). Its CPU is
 * counted for neither sender.
 * @param {string} display
 */
async function showContent(display) {
  const profile = await mkdtemp(join(tmpdir(), 'lancall-screen-content-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    viewport: null,
    env: { ...process.env, DISPLAY: display },
    // No "controlled by automated software" bar over the page.
    ignoreDefaultArgs: ['--enable-automation'],
    args: [...CHROMIUM_FLAGS.filter((f) => f !== '--headless' && !f.startsWith('--use-fake')), '--kiosk', '--window-position=0,0', `--window-size=${W},${H}`],
  });
  // Chromium's X11 screen capturer lists windows by WM_STATE, an atom a
  // window manager makes: on a bare Xvfb with a window on it, its read of
  // atom 0 is a fatal X error (BadAtom) for the sending browser. Made here
  // (set and removed: the atom stays while the window holds the display).
  const x = { env: { ...process.env, DISPLAY: display } };
  await run('xprop', ['-root', '-f', 'WM_STATE', '32c', '-set', 'WM_STATE', '0'], x);
  await run('xprop', ['-root', '-remove', 'WM_STATE'], x);
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(pathToFileURL(join(REPO, 'bench', 'screen-page.html')).href);
  await waitFor(page, () => /** @type {any} */ (window).__bench, { what: 'the content page' });
  return {
    page,
    /** Put the page's window above every other (an app mapped later covers it), the pointer in a corner. */
    async raise() {
      await xdotool(display, ['search', '--onlyvisible', '--name', '^screen-bench content', 'windowraise', '%@']);
      await xdotool(display, ['mousemove', String(W - 1), String(H - 1)]);
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const HZ = Number((await run('getconf', ['CLK_TCK'])).stdout.trim());

/**
 * Measure a screen being received on `viewer`, sent by the process tree
 * under `senderPid`: the window's figures, then the still frame's SSIM.
 * @param {{ page: Page, raise(): Promise<void> }} content
 * @param {Page} viewer
 * @param {number} senderPid
 * @param {string} display
 * @param {string} name  file names of the still frame's pictures
 * @returns {Promise<Figures>}
 */
async function measure(content, viewer, senderPid, display, name) {
  // At whatever size it comes (the goals want 1920×1080; the report says what came).
  const first = await waitUntil(viewer, screenStats, (s) => Boolean(s && s.framesDecoded > 0),
    { what: 'the screen decoded', timeout: 45_000 });
  console.error(`${name}: the receiver decodes the screen at ${first?.size} (${first?.codec})`);
  await sleep(WARM_MS);
  const s0 = /** @type {NonNullable<Awaited<ReturnType<typeof screenStats>>>} */ (await viewer.evaluate(screenStats));
  await viewer.evaluate(() => { const s = /** @type {any} */ (window).__screen; s.latency = []; s.unread = 0; });
  const t0 = treeTicks(senderPid);
  const h0 = threadTicks(t0.keys());
  const started = performance.now();
  await sleep(WINDOW_MS);
  const t1 = treeTicks(senderPid);
  const h1 = threadTicks(t1.keys());
  const secs = (performance.now() - started) / 1000;
  /** @type {Map<string, number>} */
  const byThread = new Map();
  for (const [id, t] of h1) byThread.set(t.name, (byThread.get(t.name) ?? 0) + t.ticks - (h0.get(id)?.ticks ?? 0));
  const busiest = [...byThread].sort((a, b) => b[1] - a[1]).slice(0, 6)
    .map(([n, t]) => `${n} ${(t / HZ / secs).toFixed(2)}`).join(', ');
  const s1 = /** @type {NonNullable<Awaited<ReturnType<typeof screenStats>>>} */ (await viewer.evaluate(screenStats));
  const { latency, unread } = await viewer.evaluate(() => /** @type {any} */ (window).__screen);
  let ticks = 0;
  for (const [pid, t] of t1) ticks += t - (t0.get(pid) ?? 0);
  const dt = (s1.at - s0.at) / 1000;
  const figures = {
    fps: (s1.framesDecoded - s0.framesDecoded) / dt,
    size: s1.size,
    keyFrames: s1.keyFrames - s0.keyFrames,
    pli: s1.pli - s0.pli,
    lost: s1.lost - s0.lost,
    nack: s1.nack - s0.nack,
    codec: s1.codec,
    kbps: ((s1.bytesReceived - s0.bytesReceived) * 8) / 1000 / dt,
    latency,
    unread,
    cpu: ticks / HZ / secs,
    busiest,
    ssim: NaN,
    still: false,
  };
  // The still frame: the page stops, the encoders have STILL_MS to refine it.
  const stamp = await content.page.evaluate(() => /** @type {any} */ (window).__bench.pause());
  try {
    await sleep(STILL_MS);
    await mkdir(OUT, { recursive: true });
    const source = join(OUT, `${name}-source.png`);
    const received = join(OUT, `${name}-received.png`);
    await screenshot(display, source);
    const got = await viewer.evaluate(grabStill, /** @type {[number, number]} */ ([W, H]));
    await writeFile(received, Buffer.from(got.png.replace(/^data:image\/png;base64,/, ''), 'base64'));
    figures.still = got.stamp === stamp;
    figures.ssim = ssim(await lumaOf(source), await lumaOf(received), W, H);
  } finally {
    await content.page.evaluate(() => /** @type {any} */ (window).__bench.resume());
  }
  return figures;
}

/** The luma of a W×H picture file (ImageMagick decodes it). @param {string} file */
async function lumaOf(file) {
  const { stdout } = await run('convert', [file, '-depth', '8', 'rgb:-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  if (stdout.length !== W * H * 3) throw new Error(`${file} is not ${W}×${H} (${stdout.length} bytes of RGB)`);
  return luma(stdout, 3);
}

/**
 * The receiver: lancall's client in the bench's headless Chromium (fake
 * camera at 320×240), in `room`, in front (a headless page behind others
 * is composited late, which would add to the latency).
 * @param {Awaited<ReturnType<typeof launch>>} browser
 * @param {string} url
 * @param {string} room
 */
async function openViewer(browser, url, room) {
  const page = await browser.page(new URL(url).origin);
  await page.addInitScript(screenWatch);
  await page.goto(`${url}?video=240#room=${room}&name=Viewer&autojoin=1`);
  await waitFor(page, () => /** @type {any} */ (window).lancall?.phase() === 'in-call', { what: 'the receiver in the call' });
  await page.bringToFront();
  return page;
}

/**
 * Chromium -> Chromium: a headless Chromium of its own joins and shares
 * the X screen with its getDisplayMedia; `fullHd`: asked for 1920x1080.
 * @param {{ display: string }} x @param {{ url: string }} server @param {Awaited<ReturnType<typeof launch>>} browser @param {Awaited<ReturnType<typeof showContent>>} content
 * @param {boolean} fullHd
 */
async function chromiumSends(x, server, browser, content, fullHd) {
  const room = fullHd ? 'screen-cc1080' : 'screen-cc';
  const viewer = await openViewer(browser, server.url, room);
  const sender = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, DISPLAY: x.display },
    // The marker finds its browser process (playwright's Browser gives no pid).
    args: [...CHROMIUM_FLAGS.filter((f) => !f.startsWith('--use-fake')), '--auto-select-desktop-capture-source=Entire screen', `--lancall-bench=${room}`],
  });
  try {
    const context = await sender.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[sender] ${m.text()}`); });
    // Its camera and microphone: no fake-device flag (that would make its
    // screen the test card too), so a canvas and a tone, as the app's test source.
    await page.addInitScript(canvasCamera);
    if (fullHd) await page.addInitScript(askFullHd);
    await page.goto(`${server.url}#room=${room}&name=Sender&autojoin=1`);
    await waitFor(page, () => { const l = /** @type {any} */ (window).lancall; return l?.phase() === 'in-call' && l.peers().some((/** @type {any} */ p) => p.state === 'connected'); },
      { what: 'the sending Chromium connected to the receiver', timeout: 30_000 });
    await page.keyboard.press('s');
    await waitFor(page, () => !document.getElementById('share-notice')?.hidden, { what: 'the sending Chromium sharing' });
    await content.raise();
    const pid = browserPid(`--lancall-bench=${room}`);
    return await measure(content, viewer, pid, x.display, fullHd ? 'chromium-1080' : 'chromium');
  } finally {
    await sender.close().catch(() => {});
    await viewer.close();
  }
}

/**
 * native -> Chromium: the app joins (its test camera and tone) and its
 * Share screen button is clicked with the X pointer (the state probe says
 * where it is, as in tests/e2e/app-screen.test.js).
 * @param {{ display: string }} x @param {{ url: string }} server @param {Awaited<ReturnType<typeof launch>>} browser @param {Awaited<ReturnType<typeof showContent>>} content
 */
async function nativeSends(x, server, browser, content) {
  const viewer = await openViewer(browser, server.url, 'screen-nc');
  process.env.LANCALL_TEST_SOURCE = '1';
  const app = await startApp(['join', `${server.url}#room=screen-nc`, '--name', 'App'], x.display);
  try {
    const last = () => app.states().at(-1);
    await until(() => app.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call', 45_000);
    await waitFor(viewer, () => /** @type {any} */ (window).lancall.peers().some((/** @type {any} */ p) => p.state === 'connected'), { what: 'the receiver connected to the app', timeout: 45_000 });
    const st = await until(() => last()?.share?.button?.width && last(), 'the app\'s Share screen button');
    await clickInApp(x.display, st.share.button, st.viewport);
    await until(() => last()?.share?.button?.on, 'the app sharing', 15_000);
    await content.raise();
    return await measure(content, viewer, /** @type {number} */ (app.process.pid), x.display, 'native');
  } catch (e) {
    console.error(app.log().split('\n').slice(-30).join('\n'));
    throw e;
  } finally {
    await app.stop();
    await viewer.close();
  }
}

/**
 * Click the middle of `box` (page coordinates) in the app's window: the
 * window from xdotool, the page at its bottom, under the menu bar.
 * @param {string} display
 * @param {{ x: number, y: number, width: number, height: number }} box
 * @param {{ width: number, height: number }} viewport
 */
async function clickInApp(display, box, viewport) {
  const { stdout } = await xdotool(display, ['search', '--onlyvisible', '--name', 'lancall$']);
  let win = null;
  for (const id of stdout.trim().split(/\s+/).filter(Boolean)) {
    const g = Object.fromEntries((await xdotool(display, ['getwindowgeometry', '--shell', id])).stdout.trim().split('\n').map((l) => l.split('=')));
    const c = { x: Number(g.X), y: Number(g.Y), width: Number(g.WIDTH), height: Number(g.HEIGHT) };
    if (c.width >= viewport.width && c.height >= viewport.height && (!win || c.height > win.height)) win = c;
  }
  if (!win) throw new Error(`no window of the app found on ${display}`);
  const px = Math.round(win.x + box.x + box.width / 2);
  const py = Math.round(win.y + (win.height - viewport.height) + box.y + box.height / 2);
  await xdotool(display, ['mousemove', '--sync', String(px), String(py), 'click', '1']);
}

/** /proc/loadavg's first three figures. */
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : NaN;
}

/** @param {Record<string, Figures>} runs @param {string} loadBefore */
function report(runs, loadBefore) {
  const names = Object.keys(runs);
  const cell = (/** @type {string} */ s) => s.padStart(27);
  const row = (/** @type {string} */ label, /** @type {(f: Figures) => string} */ f) =>
    console.log(`${label.padEnd(34)}${names.map((n) => cell(runs[n].failed ? '-' : f(runs[n]))).join('')}`);
  console.log(`\nScreen sharing: ${W}x${H} scrolling text, loopback, ${WINDOW_MS / 1000} s window after ${WARM_MS / 1000} s warm-up; load average ${loadBefore} before, ${loadavg()} after`);
  console.log(`${''.padEnd(34)}${names.map(cell).join('')}`);
  row('received fps (frames decoded)', (f) => f.fps.toFixed(1));
  row('received size, codec', (f) => `${f.size} ${f.codec}`);
  row('bitrate kbit/s', (f) => f.kbps.toFixed(0));
  row('key frames / PLIs sent back', (f) => `${f.keyFrames} / ${f.pli}`);
  row('packets lost / NACKs sent back', (f) => `${f.lost} / ${f.nack}`);
  row('latency p50 / p95 ms', (f) => `${quantile(f.latency, 0.5).toFixed(0)} / ${quantile(f.latency, 0.95).toFixed(0)}`);
  row('frames shown read / unread', (f) => `${f.latency.length} / ${f.unread}`);
  row('sender CPU s/s (process tree)', (f) => f.cpu.toFixed(2));
  row('still frame SSIM', (f) => `${f.ssim.toFixed(3)}${f.still ? '' : ' (not the still)'}`);
  for (const n of names) if (runs[n].failed) console.log(`${n}: FAILED: ${runs[n].failed}`);
  console.log('\nSender CPU by thread (process: thread s/s), the busiest:');
  for (const n of names) if (!runs[n].failed) console.log(`  ${n}: ${runs[n].busiest}`);
  const met = (/** @type {boolean} */ ok) => (ok ? 'met' : 'NOT met');
  console.log(`\nGoals, each sender:`);
  for (const n of names) {
    const f = runs[n];
    if (f.failed) continue;
    const p95 = quantile(f.latency, 0.95);
    console.log(`  ${n}: >= ${GOAL.fps} fps at 1080p (${f.fps.toFixed(1)} at ${f.size}): ${met(f.fps >= GOAL.fps && f.size === `${W}×${H}`)}; `
      + `latency p95 <= ${GOAL.p95} ms (${p95.toFixed(0)}): ${met(p95 <= GOAL.p95)}; still SSIM >= ${GOAL.ssim} (${f.ssim.toFixed(3)}): ${met(f.ssim >= GOAL.ssim && f.still)}`);
  }
  const n = runs['native -> Chromium'];
  for (const c of ['Chromium -> Chromium', 'Chromium 1080 -> Chromium']) {
    if (n && runs[c] && !n.failed && !runs[c].failed) console.log(`  native sender CPU <= ${c}'s (${n.cpu.toFixed(2)} vs ${runs[c].cpu.toFixed(2)} s/s): ${met(n.cpu <= runs[c].cpu)}`);
  }
  console.log(`\nStill frames, sent and received: ${OUT}`);
}

async function main() {
  const loadBefore = loadavg();
  const x = await startScreen();
  const content = await showContent(x.display);
  const server = await startServer();
  const browser = await launch();
  /** @type {Record<string, Figures>} */
  const runs = {};
  /** @param {string} name @param {() => Promise<Figures>} path */
  const attempt = async (name, path) => {
    runs[name] = await path().catch((e) => /** @type {Figures} */ ({ failed: String(e?.message ?? e).split('\n')[0] }));
  };
  try {
    await attempt('Chromium -> Chromium', () => chromiumSends(x, server, browser, content, false));
    await attempt('Chromium 1080 -> Chromium', () => chromiumSends(x, server, browser, content, true));
    await attempt('native -> Chromium', () => nativeSends(x, server, browser, content));
  } finally {
    await browser.close();
    await server.stop();
    await content.close();
    await x.stop();
  }
  report(runs, loadBefore);
  if (Object.values(runs).some((f) => f.failed)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
