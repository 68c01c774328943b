// Helpers for the call-client browser tests: open lancall's page, join a
// room through the lobby as a person would, and read what the client shows
// and what its connections measure (window.lancall, a read-only hook).
import { waitFor } from './browser.js';

/**
 * Poll an async expression in the page until `test(value)` holds; returns it.
 * (page.waitForFunction treats a returned promise as truthy, so async
 * checks such as getStats go through here.)
 * @template T
 * @param {import('playwright-core').Page} page
 * @param {(arg: any) => Promise<T> | T} fn
 * @param {(value: T) => boolean} test
 * @param {{ timeout?: number, what?: string, arg?: unknown }} [options]
 * @returns {Promise<T>}
 */
export async function waitUntil(page, fn, test, options = {}) {
  const deadline = Date.now() + (options.timeout ?? 20_000);
  let last;
  for (;;) {
    last = await page.evaluate(fn, options.arg);
    if (test(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? fn.toString()}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A page of lancall served by `server`, with logs forwarded when LANCALL_E2E_LOG is set.
 * @param {{ page(origin?: string): Promise<import('playwright-core').Page> }} browser
 * @param {{ url: string }} server
 * @param {string} [label]
 */
export async function openClient(browser, server, label = '') {
  const origin = server.url.replace(/\/$/, '');
  const page = await browser.page(origin);
  if (process.env.LANCALL_E2E_LOG) {
    page.on('console', (m) => console.log(`[${label}] ${m.type()}: ${m.text()}`));
  }
  page.on('pageerror', (e) => console.log(`[${label}] page error: ${e.message}`));
  return page;
}

/**
 * Fill the lobby and press Join, by the labels a person reads.
 * @param {import('playwright-core').Page} page
 * @param {{ url: string }} server
 * @param {{ name: string, room: string, query?: string, wait?: boolean, timeout?: number }} o
 *   `timeout`: how long to wait for the page to be in the call (20 s unless told).
 */
export async function joinCall(page, server, { name, room, query = '?video=240', wait = true, timeout }) {
  const url = `${server.url}${query}#room=${encodeURIComponent(room)}`;
  await page.goto(url);
  // The client fills the lobby from the link and saved settings when it
  // starts; typing before that would be overwritten. A Chromium that sees
  // its network change (a namespace made a moment before, or other tests'
  // veths coming and going) fails a module load with ERR_NETWORK_CHANGED
  // and the page never starts: load it again, as a person would.
  const started = () => waitFor(page, () => window.lancall !== undefined, { what: 'the client started', timeout: 15_000 });
  for (let attempt = 1; ; attempt++) {
    const ok = await started().then(() => true, async (e) => {
      if (attempt >= Math.max(2, Math.ceil((timeout ?? 20_000) / 15_000))) throw new Error(`${e.message}\n${await whyNotStarted(page)}`);
      return false;
    });
    if (ok) break;
    console.log(`[${name}] the page did not start; loading it again (${attempt})`);
    await page.reload();
  }
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Room', { exact: true }).fill(room);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  if (wait) await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: `${name} in the call`, timeout });
}

/**
 * What a page that never started shows: its own last-resort message (main()
 * failed), or how far loading got. A start that times out in CI says why.
 * @param {import('playwright-core').Page} page
 */
async function whyNotStarted(page) {
  const seen = await page.evaluate(() => ({
    url: location.href,
    readyState: document.readyState,
    failed: document.querySelector('p.form-error[role=alert]')?.textContent ?? null,
    pending: performance.getEntriesByType('resource')
      .filter((r) => /** @type {PerformanceResourceTiming} */ (r).responseEnd === 0).map((r) => r.name),
  })).catch((e) => ({ unreadable: String(e?.message ?? e) }));
  return `the page: ${JSON.stringify(seen)}`;
}

/** Ids of the remote tiles on screen. */
export function remoteTiles(/** @type {import('playwright-core').Page} */ page) {
  return page.$$eval('.tile[data-peer]:not(.local)', (els) => els.map((e) => /** @type {HTMLElement} */ (e).dataset.peer));
}

/**
 * Wait until the page shows `n` remote tiles, each decoding video that keeps
 * coming (framesDecoded rises by `more` after first being seen).
 * @param {import('playwright-core').Page} page
 * @param {number} n
 * @param {{ what?: string, timeout?: number, more?: number }} [o]
 */
export async function waitForRemoteVideo(page, n, o = {}) {
  const what = o.what ?? `${n} remote videos`;
  const first = await waitUntil(page, () => window.lancall.stats(),
    (s) => s.length === n && s.every((p) => p.framesDecoded > 0), { what: `${what} to start`, timeout: o.timeout ?? 30_000 });
  const base = Object.fromEntries(first.map((p) => [p.id, p.framesDecoded]));
  await waitUntil(page, () => window.lancall.stats(),
    (s) => s.length === n && s.every((p) => p.framesDecoded > (base[p.id] ?? 0) + (o.more ?? 5)),
    { what: `${what} to keep playing`, timeout: o.timeout ?? 30_000 });
  return first;
}

/** Count of tiles on screen (ours included). */
export function tileCount(/** @type {import('playwright-core').Page} */ page) {
  return page.$$eval('.tile', (els) => els.length);
}

