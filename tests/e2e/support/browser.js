// Debian's Chromium driven by playwright-core, with fake camera and
// microphone, a fresh profile per launch, and nothing that reaches the
// network beyond this machine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/**
 * Launch Chromium with a fresh user-data-dir. `close()` removes it.
 * @param {{ args?: string[], fakeUi?: boolean, executable?: string, ignoreHTTPSErrors?: boolean }} [options]
 */
export async function launch(options = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'lancall-chromium-'));
  const flags = CHROMIUM_FLAGS.filter((f) => options.fakeUi !== false || f !== '--use-fake-ui-for-media-stream');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executable ?? CHROMIUM,
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    headless: true,
    args: [...flags, ...(options.args ?? [])],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    /** A new page with camera and microphone granted for `origin`. */
    async page(origin) {
      if (origin) await context.grantPermissions(['camera', 'microphone'], { origin });
      return context.newPage();
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A browser for a driver script that another process talks to over stdin
 * and stdout (tests/media/chromium-peer.mjs, bench/media-peer.mjs): it is
 * closed, and the script exits, on SIGTERM or when stdin ends.
 */
export async function launchDriven() {
  const browser = await launch();
  let closing = false;
  const quit = async (code = 0) => {
    if (closing) return;
    closing = true;
    await browser.close();
    process.exit(code);
  };
  process.on('SIGTERM', () => quit(0));
  process.stdin.on('end', () => quit(0));
  return { browser, quit };
}

/**
 * Poll `fn` in the page until it returns a truthy value; returns it.
 * @template T
 * @param {import('playwright-core').Page} page
 * @param {() => T} fn
 * @param {{ timeout?: number, what?: string, arg?: unknown }} [options]
 */
export async function waitFor(page, fn, options = {}) {
  const handle = await page.waitForFunction(fn, options.arg, { timeout: options.timeout ?? 20_000, polling: 100 })
    .catch((e) => { throw new Error(`timed out waiting for ${options.what ?? fn.toString()}: ${e.message}`); });
  return handle.jsonValue();
}
