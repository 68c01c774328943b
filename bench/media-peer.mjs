// One Chromium (a browser of its own) running lancall's client for
// `make bench-media` (tests/media/bench.rs), driven over stdin/stdout: one
// JSON command per line in, one JSON reply per line out. Started as
//   node bench/media-peer.mjs <page-url> <room> <name>
// it opens the lobby and says {"ready":true}; then
//   join    press Join (with {room}: in a fresh lobby for that room first);
//           {at}: Date.now() of the click
//   first   wait for a remote frame; {at}: Date.now() of its first frame shown
//   latency {latency: [ms…], unread: n} since the last call (then reset);
//           video: the newest connection's inbound video stats
//   quit
// Its camera is a 640x480 canvas at 30 fps: a ball moving on black with
// the time of drawing (Date.now() mod 2^32, ms) as 32 black/white blocks
// across the top and the same bits inverted below them — the code of
// src-tauri/src/media/stamp.rs. Each remote frame shown
// (requestVideoFrameCallback) has its stamp read back; now minus stamp is
// the capture-to-render latency. The microphone is the fake device.
import { createInterface } from 'node:readline';
import { launchDriven, waitFor } from '../tests/e2e/support/browser.js';
import { openClient } from '../tests/e2e/support/call.js';

const [url, room, name] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Runs in the page before its scripts. */
function stampedCamera() {
  const W = 640, H = 480, BITS = 32, B = W / BITS;
  const w = /** @type {any} */ (window);
  /** @type {MediaStream | undefined} */
  let stream;
  const source = () => {
    if (stream) return stream;
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    let x = 0;
    const draw = () => {
      g.fillStyle = '#000';
      g.fillRect(0, 0, W, H);
      g.fillStyle = '#fff';
      g.beginPath();
      g.arc((x = (x + 8) % W), H / 2, 40, 0, 2 * Math.PI);
      g.fill();
      const t = Date.now() % 2 ** 32;
      for (let i = 0; i < BITS; i++) {
        const one = ((t >>> (BITS - 1 - i)) & 1) === 1;
        g.fillStyle = one ? '#fff' : '#000';
        g.fillRect(i * B, 0, B, B);
        g.fillStyle = one ? '#000' : '#fff';
        g.fillRect(i * B, B, B, B);
      }
    };
    draw();
    setInterval(draw, 1000 / 30);
    stream = canvas.captureStream(30);
    return stream;
  };
  const md = navigator.mediaDevices;
  const real = md.getUserMedia.bind(md);
  md.getUserMedia = async (c = {}) => {
    const out = new MediaStream();
    if (c.audio) (await real({ audio: c.audio })).getAudioTracks().forEach((t) => out.addTrack(t));
    if (c.video) out.addTrack(source().getVideoTracks()[0].clone());
    return out;
  };

  // Connections, for their inbound video stats.
  w.__pcs = [];
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(/** @type {any[]} */ ...args) {
      super(...args);
      w.__pcs.push(this);
    }
  };

  // The receiving end: every remote frame shown.
  w.__first = null;
  w.__lat = [];
  w.__unread = 0;
  const seen = new WeakSet();
  const rc = document.createElement('canvas');
  const read = (/** @type {HTMLVideoElement} */ v, /** @type {number} */ at) => {
    const vw = v.videoWidth;
    if (!vw) return;
    const b = Math.max(2, Math.floor(vw / BITS));
    if (rc.width !== vw) rc.width = vw;
    rc.height = 2 * b;
    const ctx = /** @type {CanvasRenderingContext2D} */ (rc.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(v, 0, 0, vw, 2 * b, 0, 0, vw, 2 * b);
    const d = ctx.getImageData(0, 0, vw, 2 * b).data;
    const mean = (/** @type {number} */ row0, /** @type {number} */ bit) => {
      let sum = 0, n = 0;
      for (let y = row0 + (b >> 2); y < row0 + b - (b >> 2); y++) {
        for (let x = bit * b + (b >> 2); x < bit * b + b - (b >> 2); x++) {
          const i = (y * vw + x) * 4;
          sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
          n++;
        }
      }
      return sum / n;
    };
    let value = 0;
    for (let bit = 0; bit < BITS; bit++) {
      const top = mean(0, bit), bottom = mean(b, bit);
      if (Math.abs(top - bottom) < 64) { w.__unread++; return; }
      value = value * 2 + (top > bottom ? 1 : 0);
    }
    w.__lat.push((at % 2 ** 32 - value + 2 ** 32) % 2 ** 32);
  };
  const watch = (/** @type {HTMLVideoElement} */ v) => {
    if (seen.has(v)) return;
    seen.add(v);
    const frame = () => {
      const at = Date.now();
      if (w.__first === null) w.__first = at;
      read(v, at);
      v.requestVideoFrameCallback(frame);
    };
    v.requestVideoFrameCallback(frame);
  };
  new MutationObserver(() => document.querySelectorAll('.tile:not(.local) video').forEach((v) => watch(/** @type {HTMLVideoElement} */ (v))))
    .observe(document, { childList: true, subtree: true });
}

const { browser, quit } = await launchDriven();

try {
  const server = { url };
  const page = await openClient(browser, server, name);
  await page.addInitScript(stampedCamera);
  /** Load the lobby afresh (a new document: no peers, nothing armed) for `r`. */
  const lobby = async (/** @type {string} */ r) => {
    await page.goto(`${url}?bench=${encodeURIComponent(r)}#room=${encodeURIComponent(r)}`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Room', { exact: true }).fill(r);
  };
  await lobby(room);
  say({ ready: true });

  /** @type {Record<string, (msg: any) => Promise<object>>} */
  const commands = {
    join: async (/** @type {{ room?: string }} */ { room: r }) => {
      if (r) await lobby(r);
      await page.evaluate(() => document.querySelector('#join')?.addEventListener('click', () => { /** @type {any} */ (window).__joinAt = Date.now(); }, { capture: true, once: true }));
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await waitFor(page, () => /** @type {any} */ (window).lancall?.phase() === 'in-call', { what: `${name} in the call` });
      return { at: await page.evaluate(() => /** @type {any} */ (window).__joinAt) };
    },
    first: async () => ({ at: await waitFor(page, () => /** @type {any} */ (window).__first, { what: 'a remote frame', timeout: 30_000 }) }),
    latency: async () => page.evaluate(async () => {
      const x = /** @type {any} */ (window);
      const r = { latency: x.__lat, unread: x.__unread, video: {} };
      x.__lat = [];
      x.__unread = 0;
      // Received video of the newest connection: totals since it started.
      const pc = x.__pcs.filter((/** @type {RTCPeerConnection} */ p) => p.connectionState === 'connected').pop();
      if (pc) {
        (await pc.getStats()).forEach((/** @type {any} */ s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            r.video = {
              framesReceived: s.framesReceived, framesDecoded: s.framesDecoded, framesDropped: s.framesDropped,
              jitterBufferMs: s.jitterBufferEmittedCount ? (1000 * s.jitterBufferDelay) / s.jitterBufferEmittedCount : null,
              fps: s.framesPerSecond, size: `${s.frameWidth}x${s.frameHeight}`,
            };
          }
        });
      }
      return r;
    }),
    quit: async () => { await quit(0); return {}; },
  };
  for await (const line of createInterface({ input: process.stdin })) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      say({ error: `not JSON: ${line}` });
      continue;
    }
    const run = commands[msg.cmd];
    try {
      say(run ? await run(msg) : { error: `unknown command ${msg.cmd}` });
    } catch (e) {
      say({ error: String(/** @type {any} */ (e)?.message ?? e) });
    }
  }
} catch (e) {
  say({ error: String(/** @type {any} */ (e)?.message ?? e) });
  await quit(1);
}
