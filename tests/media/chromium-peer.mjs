// A Chromium page running lancall's own client (ui/, served by the host),
// driven for a Rust test over stdin/stdout: one JSON command per line in,
// one JSON reply per line out. Started as
//   node tests/media/chromium-peer.mjs <page-url> <room> <name>
// it joins the room through the lobby (fake camera and microphone), says
// {"joined":true}, then answers {"cmd":"stats"|"chat"|"chats"|"screenshot"|"quit"}.
import { createInterface } from 'node:readline';
import { launchDriven } from '../e2e/support/browser.js';
import { joinCall, openClient } from '../e2e/support/call.js';

const [url, room, name, query, relay] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
// stdout carries only the protocol: what the shared helpers log (page
// errors, say) goes to stderr, where the Rust test's output shows it.
console.log = console.error;

const { browser, quit } = await launchDriven();

try {
  const server = { url };
  const page = await openClient(browser, server, name);
  // The page's console on stderr (stdout is the driver's protocol): its
  // errors always, everything with LANCALL_MEDIA_LOG.
  page.on('console', (m) => {
    if (process.env.LANCALL_MEDIA_LOG || m.type() === 'error') process.stderr.write(`[${name}] ${m.type()}: ${m.text()}\n`);
  });
  if (relay === 'relay') {
    // What a browser does with iceTransportPolicy 'relay' in its config:
    // the client has no setting for it, so the test sets it on every connection.
    await page.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends Native {
        constructor(/** @type {RTCConfiguration} */ config = {}) { super({ ...config, iceTransportPolicy: 'relay' }); }
      };
    });
  }
  // Beside the engine's own tests, run in parallel, a page can take long to start.
  await joinCall(page, server, { name, room, timeout: 60_000, ...(query ? { query } : {}) });
  say({ joined: true });

  const commands = {
    stats: async () => ({ stats: await page.evaluate(() => window.lancall.stats()) }),
    peers: async () => ({ peers: await page.evaluate(() => window.lancall.peers()) }),
    chat: async ({ text }) => {
      await page.evaluate((t) => {
        const input = /** @type {HTMLInputElement} */ (document.getElementById('chat-input'));
        input.value = t;
        /** @type {HTMLFormElement} */ (document.getElementById('chat-form')).requestSubmit();
      }, text);
      return { ok: true };
    },
    chats: async () => ({
      chats: await page.$$eval('#chat-log li.msg:not(.self):not(.system) .body', (els) => els.map((e) => e.textContent)),
    }),
    screenshot: async ({ path }) => {
      await page.screenshot({ path });
      return { ok: true };
    },
    quit: async () => {
      await quit(0);
      return {};
    },
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
      say({ error: String(e?.message ?? e) });
    }
  }
} catch (e) {
  say({ error: String(e?.message ?? e) });
  await quit(1);
}
