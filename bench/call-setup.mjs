// Call set-up time on loopback: from the moment the second person clicks
// Join to the first remote video frame shown on their screen, over 20 calls,
// for lancall's client and — in the same run, against the same server — for
// the seed page (../shared/seed/video.html, unchanged). Prints median and p95
// of each side by side. Goal: lancall's median under 500 ms.
//
//   make bench-call          (or: node bench/call-setup.mjs [--calls N])
//
// Needs port 8070 free: the seed page only talks to ws://localhost:8070/ws.
// BENCH_QUERY="?video=720" measures lancall with another camera setting.
// Headless Chromium with fake devices (tests/e2e/support/browser.js).
import { join } from 'node:path';
import { launch, waitFor } from '../tests/e2e/support/browser.js';
import { REPO, claimPort, health, serveStatic, startServer } from '../tests/e2e/support/server.js';

const PORT = 8070;
const argCalls = process.argv.indexOf('--calls');
const CALLS = argCalls > 0 ? Number(process.argv[argCalls + 1]) : 20;

/** @typedef {import('playwright-core').Page} Page */

/**
 * In the page: note the time of the first click on `buttonSelector` and of
 * the first frame of `videoSelector` (found when it appears); resolves
 * window.__setup to the difference in ms.
 * @param {Page} page
 * @param {string} buttonSelector
 * @param {string} videoSelector
 */
async function arm(page, buttonSelector, videoSelector) {
  await page.evaluate(([button, video]) => {
    const w = /** @type {any} */ (window);
    w.__setup = null;
    let clicked = 0;
    document.querySelector(button)?.addEventListener('click', () => { clicked = performance.now(); }, { capture: true, once: true });
    const watch = (/** @type {HTMLVideoElement} */ v) => {
      v.requestVideoFrameCallback(() => { if (w.__setup === null && clicked) w.__setup = performance.now() - clicked; });
    };
    const existing = /** @type {HTMLVideoElement | null} */ (document.querySelector(video));
    if (existing) watch(existing);
    else {
      const mo = new MutationObserver(() => {
        const v = /** @type {HTMLVideoElement | null} */ (document.querySelector(video));
        if (v) { mo.disconnect(); watch(v); }
      });
      mo.observe(document.body, { childList: true, subtree: true });
    }
  }, [buttonSelector, videoSelector]);
}

/** @param {Page} page */
const result = (page) => waitFor(page, () => /** @type {any} */ (window).__setup, { what: 'the first remote frame', timeout: 30_000 });

/** Wait until the server has `n` peers. */
async function peers(n) {
  const deadline = Date.now() + 10_000;
  while ((await health(PORT)).peers !== n) {
    if (Date.now() > deadline) throw new Error(`server never reached ${n} peers`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One call with lancall's client; returns ms. */
async function lancallCall(browser, server, room) {
  const a = await browser.page(server.url.replace(/\/$/, ''));
  const b = await browser.page(server.url.replace(/\/$/, ''));
  try {
    await a.goto(`${server.url}${process.env.BENCH_QUERY ?? ""}#room=${room}&name=First&autojoin=1`);
    await waitFor(a, () => /** @type {any} */ (window).lancall?.phase() === 'in-call', { what: 'the first person in the room' });
    await b.goto(`${server.url}${process.env.BENCH_QUERY ?? ""}#room=${room}&name=Second`);
    await waitFor(b, () => /** @type {any} */ (window).lancall !== undefined, { what: 'the client started' });
    await arm(b, '#join', '.tile:not(.local) video');
    await b.getByRole('button', { name: 'Join', exact: true }).click();
    return await result(b);
  } finally {
    await a.close();
    await b.close();
    await peers(0);
  }
}

/** One call with the seed page on both sides; returns ms. */
async function seedCall(browser, site, room) {
  const a = await browser.page(site.origin);
  const b = await browser.page(site.origin);
  try {
    for (const [page, user] of [[a, 'first'], [b, 'second']]) {
      await page.goto(`${site.origin}/video.html`);
      await page.fill('#room', room);
      await page.fill('#user', user);
    }
    await a.click('button:has-text("加入房间")');
    await peers(1);
    await arm(b, 'button[onclick="Join()"]', '#remoteVideo');
    await b.click('button:has-text("加入房间")');
    return await result(b);
  } finally {
    await a.close();
    await b.close();
    await peers(0);
  }
}

/** @param {number[]} xs */
function summary(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const at = (/** @type {number} */ q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, p95: at(0.95), min: s[0], max: s[s.length - 1] };
}

async function main() {
  const release = await claimPort(PORT);
  try {
    const site = await serveStatic(join(REPO, '..', 'shared', 'seed'));
    const server = await startServer(['--bind', '127.0.0.1', '--port', String(PORT), '--allow-origin', site.origin]);
    const browser = await launch();
    /** @type {{ lancall: number[], seed: number[] }} */
    const times = { lancall: [], seed: [] };
    try {
      // One warm-up of each (first getUserMedia, codec start-up), not counted.
      await lancallCall(browser, server, 'warm-l');
      await seedCall(browser, site, 'warm-s');
      for (let i = 0; i < CALLS; i++) {
        times.lancall.push(await lancallCall(browser, server, `bench-l${i}`));
        times.seed.push(await seedCall(browser, site, `bench-s${i}`));
        process.stderr.write(`call ${i + 1}/${CALLS}: lancall ${times.lancall[i].toFixed(0)} ms, seed ${times.seed[i].toFixed(0)} ms\n`);
      }
    } finally {
      await browser.close();
      await server.stop();
      await site.close();
    }
    const l = summary(times.lancall);
    const s = summary(times.seed);
    const f = (/** @type {number} */ x) => `${x.toFixed(0).padStart(6)} ms`;
    console.log(`\nCall set-up, Join clicked -> first remote frame shown (${CALLS} calls each, loopback, headless Chromium, fake devices)`);
    console.log(`${''.padEnd(14)}${'median'.padStart(9)}${'p95'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}`);
    console.log(`${'lancall'.padEnd(14)}${f(l.median)}${f(l.p95)}${f(l.min)}${f(l.max)}`);
    console.log(`${'seed page'.padEnd(14)}${f(s.median)}${f(s.p95)}${f(s.min)}${f(s.max)}`);
    console.log(`\nGoal: lancall median under 500 ms: ${l.median < 500 ? 'met' : 'NOT met'}.`);
    if (l.median >= 500) process.exitCode = 1;
  } finally {
    await release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
