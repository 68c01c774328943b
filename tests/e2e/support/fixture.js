// The `before`/`after` pair most browser tests share: one `lancall serve`
// and one Chromium for a describe block, started before its tests and
// closed after them.
import { after, before } from 'node:test';
import { launch } from './browser.js';
import { startServer } from './server.js';

/**
 * @typedef {object} ServerAndBrowser
 * @property {Awaited<ReturnType<typeof startServer>>} server The server; a
 *   test that restarts it assigns the new one here, so `after` stops that.
 * @property {Awaited<ReturnType<typeof launch>>} browser
 */

/**
 * Register, in the calling describe block, a `before` that starts
 * `lancall serve args…` and then Chromium, and an `after` that closes the
 * browser and stops the server. Returns the handle whose `server` and
 * `browser` that `before` fills in. Hooks run in the order they are
 * registered: set-up a test needs first (a claimed port, a certificate
 * folder) goes in a `before` registered above this call, and `args` may be a
 * function, called when the server starts, to use what it made.
 * @param {{ args?: string[] | (() => string[]), launch?: Parameters<typeof launch>[0] }} [options]
 * @returns {ServerAndBrowser}
 */
export function useServerAndBrowser(options = {}) {
  const env = /** @type {ServerAndBrowser} */ ({});
  before(async () => {
    const args = typeof options.args === 'function' ? options.args() : options.args;
    env.server = await startServer(args);
    env.browser = await launch(options.launch);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
