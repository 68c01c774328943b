// Call set-up time on loopback, for lancall's client and — in the same run,
// against the same server — for the seed page (../shared/seed/video.html,
// unchanged), two measures each:
//
//   join  from the second person's Join click to the first remote frame on
//         their screen, after they have sat on the page (lancall: its
//         pre-join screen showing their camera; the seed page: loaded);
//   link  from navigation start of the page (lancall: the invite link) to
//         video both ways (the first frame of each side shown on the
//         other's screen), with the bench doing what the person must do as
//         soon as the page lets it: lancall's Join once it is clickable; the
//         seed page's room, user name and 加入房间.
//
// Prints median, p95, min and max of each, lancall/seed ratios of the
// medians, and where lancall's time goes: the median time of each stage
// mark (performance.mark in ui/js, and the server's "joined" log line)
// after the start of each measure. Goal: lancall's medians at most 0.6x the
// seed page's on both measures.
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
const GOAL = 0.6;
const QUERY = process.env.BENCH_QUERY ?? '';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {{ total: number, stages: Record<string, number> }} Sample */

/**
 * Runs in the page (as an init script, or at once): note, in ms since the
 * epoch, the first click on `button` and the first frame of any video
 * matching `video`, as window.__bench. The first frame is the earlier of
 * its first composited frame (requestVideoFrameCallback) and `loadeddata`
 * (decoded, ready to show): headless Chromium composites a page that is
 * not in front late or not at all, which says nothing of the page.
 * @param {[string, string]} selectors
 */
function watch([button, video]) {
  const w = /** @type {any} */ (window);
  const now = () => performance.timeOrigin + performance.now();
  w.__bench = { click: 0, frame: 0 };
  document.addEventListener('click', (e) => {
    const t = /** @type {Element | null} */ (e.target);
    if (!w.__bench.click && t?.closest?.(button)) w.__bench.click = now();
  }, true);
  const seen = new WeakSet();
  const check = () => {
    for (const v of /** @type {NodeListOf<HTMLVideoElement>} */ (document.querySelectorAll(video))) {
      if (seen.has(v)) continue;
      seen.add(v);
      const shown = () => { if (!w.__bench.frame) w.__bench.frame = now(); };
      v.requestVideoFrameCallback(shown);
      v.addEventListener('loadeddata', shown, { once: true });
      if (v.readyState >= 2 && v.srcObject) shown();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  check();
}

/**
 * Runs in the page as an init script: as soon as `button` exists and is
 * enabled and `ready` (a global expression) holds, fill `fields`
 * ([selector, value]) and click it — a person who knows what to do,
 * without the driver's own delays. The seed page's `ready` is its socket
 * being open: its Join sends on it without checking.
 * @param {[string, [string, string][], string]} args
 */
function autoJoin([button, fields, ready]) {
  const go = () => {
    const b = /** @type {HTMLButtonElement | null} */ (document.querySelector(button));
    // Indirect eval: global scope, where the seed page's `let ws` lives.
    if (!b || b.disabled || !(0, eval)(ready)) { setTimeout(go, 1); return; }
    for (const [selector, value] of fields) /** @type {HTMLInputElement} */ (document.querySelector(selector)).value = value;
    b.click();
  };
  document.addEventListener('DOMContentLoaded', go, { once: true });
}

/** @param {Page} page */
const frameAt = (page) => waitFor(page, () => /** @type {any} */ (window).__bench?.frame, { what: 'the first remote frame', timeout: 30_000 });

/** The page's lancall stage marks and navigation start, in ms since the epoch. @param {Page} page */
const marksOf = (page) => page.evaluate(() => {
  /** @type {Record<string, number>} */
  const out = { navigation: performance.timeOrigin };
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('lancall:') && !(m.name in out)) out[m.name.slice(8)] = performance.timeOrigin + m.startTime;
  }
  return out;
});

/** Wait until the server has `n` peers. */
async function peers(n) {
  const deadline = Date.now() + 10_000;
  while ((await health(PORT)).peers !== n) {
    if (Date.now() > deadline) throw new Error(`server never reached ${n} peers`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * When the server logged `user` joining, in ms since the epoch (its debug
 * "joined" line carries the user's peer id; we match the latest after `since`).
 * @param {{ log(): string }} server
 * @param {number} since
 */
function serverJoinedAt(server, since) {
  let at = 0;
  // eslint-disable-next-line no-control-regex
  for (const line of server.log().replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const m = line.match(/^(\S+Z)\s.*joined/);
    if (!m) continue;
    const t = Date.parse(m[1]);
    if (t >= since - 5 && t > at) at = t;
  }
  return at;
}

/**
 * One lancall call: the first person is in the room; the second opens the
 * invite link and joins. `from`: which start the result counts from.
 * @param {'join' | 'link'} from
 */
async function lancallCall(browser, server, room, from) {
  const a = await browser.page(server.url.replace(/\/$/, ''));
  const b = await browser.page(server.url.replace(/\/$/, ''));
  try {
    await a.goto(`${server.url}${QUERY}#room=${room}&name=First&autojoin=1`);
    await waitFor(a, () => /** @type {any} */ (window).lancall?.phase() === 'in-call', { what: 'the first person in the room' });
    await a.evaluate(watch, ['#join', '.tile:not(.local) video']);
    await b.addInitScript(watch, ['#join', '.tile:not(.local) video']);
    // Join is disabled until the client has started and defines
    // window.lancall in the same task; the client from before issue 14 had
    // no disabled Join, so its readiness is that same window.lancall.
    if (from === 'link') await b.addInitScript(autoJoin, ['#join', [], 'window.lancall !== undefined']);
    const joined = Date.now();
    await b.goto(`${server.url}${QUERY}#room=${room}&name=Second`, { waitUntil: from === 'link' ? 'commit' : 'load' });
    if (from === 'join') {
      // The person has looked at themselves in the preview before joining.
      // (Before issue 14 there was no preview: the client started is all.)
      await waitFor(b, () => /** @type {any} */ (window).lancall?.previewing?.() ?? /** @type {any} */ (window).lancall?.ready(), { what: 'the preview' });
      await b.getByRole('button', { name: 'Join', exact: true }).click();
    }
    const [bFrame, aFrame] = await Promise.all([frameAt(b), frameAt(a)]);
    const mb = await marksOf(b);
    const ma = await marksOf(a);
    const start = from === 'link' ? mb.navigation : await b.evaluate(() => /** @type {any} */ (window).__bench.click);
    const end = from === 'link' ? Math.max(aFrame, bFrame) : bFrame;
    /** @type {Record<string, number>} */
    const stages = {};
    for (const [k, v] of Object.entries(mb)) if (v >= start - 10_000) stages[`B ${k}`] = v - start;
    for (const k of ['member-joined', 'offer-sent', 'answer-received', 'answer-applied', 'ice-connected', 'dtls-connected', 'track']) {
      if (ma[k] && ma[k] > start) stages[`A ${k}`] = ma[k] - start;
    }
    const s = serverJoinedAt(server, joined - 50);
    if (s) stages['server joined'] = s - start;
    stages['B first frame'] = bFrame - start;
    stages['A first frame'] = aFrame - start;
    return { total: end - start, stages };
  } finally {
    await a.close();
    await b.close();
    await peers(0);
  }
}

/**
 * One call with the seed page on both sides.
 * @param {'join' | 'link'} from
 */
async function seedCall(browser, site, room, from) {
  const a = await browser.page(site.origin);
  const b = await browser.page(site.origin);
  try {
    await a.goto(`${site.origin}/video.html`);
    await a.fill('#room', room);
    await a.fill('#user', 'first');
    await a.click('button:has-text("加入房间")');
    await peers(1);
    await a.evaluate(watch, ['button[onclick="Join()"]', '#remoteVideo']);
    await b.addInitScript(watch, ['button[onclick="Join()"]', '#remoteVideo']);
    if (from === 'link') {
      await b.addInitScript(autoJoin, ['button[onclick="Join()"]', [['#room', room], ['#user', 'second']], 'ws.readyState === 1']);
      await b.goto(`${site.origin}/video.html`, { waitUntil: 'commit' });
    } else {
      await b.goto(`${site.origin}/video.html`);
      await b.fill('#room', room);
      await b.fill('#user', 'second');
      await b.click('button:has-text("加入房间")');
    }
    const [bFrame, aFrame] = await Promise.all([frameAt(b), frameAt(a)]);
    const start = from === 'link'
      ? await b.evaluate(() => performance.timeOrigin)
      : await b.evaluate(() => /** @type {any} */ (window).__bench.click);
    return { total: (from === 'link' ? Math.max(aFrame, bFrame) : bFrame) - start, stages: {} };
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
  return { median: median(s), p95: at(0.95), min: s[0], max: s[s.length - 1] };
}

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median time of each stage mark over the samples, in the order they happen. @param {Sample[]} samples */
function stageTable(samples) {
  /** @type {Map<string, number[]>} */
  const by = new Map();
  for (const x of samples) for (const [k, v] of Object.entries(x.stages)) by.set(k, [...(by.get(k) ?? []), v]);
  return [...by].map(([k, v]) => /** @type {[string, number, number]} */ ([k, median(v), v.length]))
    .sort((p, q) => p[1] - q[1]);
}

async function main() {
  const release = await claimPort(PORT);
  try {
    const site = await serveStatic(join(REPO, '..', 'shared', 'seed'));
    // Debug logs of the signaling module: its "joined" line is a stage.
    process.env.RUST_LOG = process.env.RUST_LOG || 'warn,lancall::signal::connection=debug';
    const server = await startServer(['--bind', '127.0.0.1', '--port', String(PORT), '--allow-origin', site.origin]);
    const browser = await launch();
    /** @type {Record<string, Sample[]>} */
    const runs = { 'lancall join': [], 'seed join': [], 'lancall link': [], 'seed link': [] };
    try {
      // One warm-up of each (first getUserMedia, codec start-up), not counted.
      await lancallCall(browser, server, 'warm-l', 'join');
      await seedCall(browser, site, 'warm-s', 'join');
      for (let i = 0; i < CALLS; i++) {
        // Interleaved, so both pages see the same machine load.
        for (const from of /** @type {const} */ (['join', 'link'])) {
          runs[`lancall ${from}`].push(await lancallCall(browser, server, `bench-l${from}${i}`, from));
          runs[`seed ${from}`].push(await seedCall(browser, site, `bench-s${from}${i}`, from));
        }
        const last = (/** @type {string} */ k) => runs[k][i].total.toFixed(0);
        process.stderr.write(`call ${i + 1}/${CALLS}: join: lancall ${last('lancall join')} ms, seed ${last('seed join')} ms; `
          + `link: lancall ${last('lancall link')} ms, seed ${last('seed link')} ms\n`);
      }
    } finally {
      await browser.close();
      await server.stop();
      await site.close();
    }
    const f = (/** @type {number} */ x) => `${x.toFixed(0).padStart(6)} ms`;
    let met = true;
    for (const [from, title] of [['join', 'Join clicked -> first remote frame shown'], ['link', 'invite link opened -> video both ways']]) {
      const l = summary(runs[`lancall ${from}`].map((x) => x.total));
      const s = summary(runs[`seed ${from}`].map((x) => x.total));
      const ratio = l.median / s.median;
      met &&= ratio <= GOAL;
      console.log(`\nCall set-up, ${title} (${CALLS} calls each, loopback, headless Chromium, fake devices)`);
      console.log(`${''.padEnd(14)}${'median'.padStart(9)}${'p95'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}`);
      console.log(`${'lancall'.padEnd(14)}${f(l.median)}${f(l.p95)}${f(l.min)}${f(l.max)}`);
      console.log(`${'seed page'.padEnd(14)}${f(s.median)}${f(s.p95)}${f(s.min)}${f(s.max)}`);
      console.log(`lancall/seed median: ${ratio.toFixed(2)} (goal <= ${GOAL})`);
    }
    for (const from of ['join', 'link']) {
      console.log(`\nlancall stages, ${from} measure: median ms after ${from === 'join' ? 'the Join click' : 'navigation start'} (B joins, A was in the room)`);
      for (const [k, v, n] of stageTable(runs[`lancall ${from}`])) {
        console.log(`  ${k.padEnd(22)}${v.toFixed(0).padStart(7)}${n < CALLS ? `  (${n} of ${CALLS} calls)` : ''}`);
      }
    }
    console.log(`\nGoal: lancall median at most ${GOAL}x the seed page's on both measures: ${met ? 'met' : 'NOT met'}.`);
    if (!met) process.exitCode = 1;
  } finally {
    await release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
