// The desktop app's network going down and up while it calls through its
// native engine (GStreamer webrtcbin), on two real network hosts (network
// namespaces joined by a veth pair, made and removed here; nothing outside
// them is ever contacted). `lancall serve` and Ann's Chromium run on host
// A; Ben is the app (`lancall join`, in a window on a private Xvfb) on host
// B, sending its test pattern. The test takes A's end of the veth down:
//
// - for 8 s: both sides say "Reconnecting…", then the call goes on with the
//   same peers, video decoding again both ways, nobody rejoining;
// - for 40 s: past the host's idle timeout, the host gives Ben's place up
//   and Ann is told; Ben's app is told the host was lost, and once the link
//   is back it rejoins by itself, and video flows both ways again, with
//   nobody doing anything.
//
// Needs root (namespaces). Without it the test skips and says why; CI runs
// as root, so there it always runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitFor } from './support/browser.js';
import { LANCALL_BIN } from './support/server.js';
import { joinCall, openClient, waitForRemoteVideo, waitUntil } from './support/call.js';
import { linkDown, makeLan, netnsUnavailable, serveIn, wrapIn } from './support/netns.js';
import { startApp, startXvfb, until } from './support/app.js';

/** @typedef {import('playwright-core').Page} Page */

const why = netnsUnavailable();
if (why) console.log(`app network fault test skipped: ${why}`);

/** The host's timeouts: as in faults-netns.test.js, short enough for the long outage to pass them. */
const IDLE_S = 20;
const SERVER_FLAGS = ['--ping-interval', '1', '--idle-timeout', String(IDLE_S), '--resume-grace', String(IDLE_S)];
/**
 * Outages the call rides out without anyone rejoining. At 8 s the link is
 * back about when the app restarts ICE; at 10 s both sides have restarted
 * while it was down, and their offers cross (glare) when it returns: the
 * polite side gives way (on the app, a rollback webrtcbin cannot do is a new
 * webrtcbin), and a restart that brought nothing back is tried again.
 */
const SHORT_OUTAGES_MS = [8_000, 10_000];
const LONG_OUTAGE_MS = 40_000;


// Budgets of the waits for things that take no fixed time, generous for a
// loaded 2-core machine running a server, Chromium and the app.
const BANNER_MS = 60_000;
const JOIN_MS = 60_000;
const VIDEO_MS = 60_000;
/** Once the link is back: the app's socket gets through, it rejoins, and a new connection carries video. */
const BACK_MS = 90_000;

/**
 * @typedef {{ phase: string | null, me: string | null, ids: string[] | null, decoded: number[] | null,
 *   remote: { id: string | null, state: string | null }[], banner: string | null }} AppState
 */

describe('the app\'s network goes down and up while it calls through its native engine (network namespaces)', { skip: why ?? false }, () => {
  /** @type {ReturnType<typeof makeLan>} */ let lan;
  /** @type {Awaited<ReturnType<typeof serveIn>>} */ let server;
  /** @type {{ close(): Promise<void> } | undefined} */ let browser;
  /** @type {{ remove(): Promise<void> }[]} */ const wrappers = [];
  /** @type {Awaited<ReturnType<typeof startXvfb>> | undefined} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>> | undefined} */ let app;
  /** @type {Page} */ let ann;

  /** What the app's state probe reported, from the `from`th report on. */
  const states = (from = 0) => /** @type {AppState[]} */ ((/** @type {NonNullable<typeof app>} */ (app)).states().slice(from));

  /** A short account of the app's reports since `from`, for failure messages and the log. */
  const story = (from = 0) => {
    /** @type {string[]} */
    const out = [];
    for (const s of states(from)) {
      const line = `${s.phase} me=${s.me} peers=${JSON.stringify(s.ids)} tiles=${s.remote.map((r) => r.state).join(',')}`
        + ` decoded=${JSON.stringify(s.decoded)}${s.banner ? ` banner="${s.banner}"` : ''}`;
      if (out.at(-1) !== line) out.push(line);
    }
    return out.join(' | ');
  };

  /**
   * Wait until the app decodes the video of `peer` (Ann's id in its room)
   * and keeps decoding it: the count rises across three reports.
   * @param {string} peer
   * @param {string} what
   * @param {number} timeout
   */
  async function appDecodes(peer, what, timeout) {
    const from = states().length;
    await until(() => {
      const counts = states(from).map((s) => s.decoded?.[s.ids?.indexOf(peer) ?? -1] ?? 0).filter((n) => n > 0);
      return counts.length >= 3 && counts.at(-1) > counts[0];
    }, `${what} (the app: ${story(from)})`, timeout);
  }

  before(async () => {
    lan = makeLan();
    server = await serveIn(lan.a, LANCALL_BIN, SERVER_FLAGS, BANNER_MS);
    const { port } = server;
    // Ann beside the server, through loopback.
    const chromium = await wrapIn(lan.a);
    wrappers.push(chromium);
    browser = await launch({ executable: chromium.path });
    const url = `http://127.0.0.1:${port}/`;
    ann = await openClient(browser, { url }, 'ann');
    await joinCall(ann, { url }, { name: 'Ann', room: 'app-faults', timeout: JOIN_MS });
    // Ben: the app on host B, its engine sending a test pattern and tone.
    x = await startXvfb();
    const inB = await wrapIn(lan.b, LANCALL_BIN);
    wrappers.push(inB);
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `http://${lan.a.ip}:${port}/#room=app-faults`, '--name', 'Ben'], x.display, { bin: inB.path });
    await until(() => states().some((s) => s.phase === 'in-call' && s.ids?.length === 1), 'the app in the call with Ann', JOIN_MS);
    const annId = await ann.evaluate(() => window.lancall.myId());
    await waitForRemoteVideo(ann, 1, { what: 'Ann seeing the app', timeout: VIDEO_MS });
    await appDecodes(annId, 'the app decoding Ann', VIDEO_MS);
  });

  after(async () => {
    const result = await app?.stop();
    if ((result && /** @type {{ code: number | null }} */ (result).code !== 0) || process.env.LANCALL_E2E_LOG) {
      console.error((app?.log() ?? '').split('\n').filter((l) => !l.includes('state probe')).join('\n'));
    }
    await x?.stop();
    await browser?.close();
    for (const w of wrappers) await w.remove();
    await server?.stop();
    lan?.remove();
  });

  for (const outageMs of SHORT_OUTAGES_MS) {
    it(`a ${outageMs / 1000} s outage: both sides say "Reconnecting…", then video flows again with the same peers`, async () => {
      const annId = await ann.evaluate(() => window.lancall.myId());
      const ben = /** @type {AppState} */ (states().at(-1)).me;
      const from = states().length;
      const started = Date.now();
      const down = linkDown(lan.a, outageMs);
      try {
        await waitFor(ann, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-state') === 'reconnecting',
          { what: 'Ann\'s tile of the app saying "Reconnecting…" while the link is down', timeout: outageMs });
        // The engine hears nothing and says so: its tile of Ann too.
        await until(() => states(from).some((s) => s.remote.some((r) => r.state === 'reconnecting')),
          `the app's tile of Ann saying "Reconnecting…" while the link is down (the app: ${story(from)})`,
          Math.max(1000, outageMs - (Date.now() - started)));
      } finally {
        await down;
      }
      await waitFor(ann, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-state') === 'connected',
        { what: 'Ann\'s tile of the app connected again', timeout: VIDEO_MS });
      await waitForRemoteVideo(ann, 1, { what: 'Ann seeing the app again', timeout: VIDEO_MS });
      await appDecodes(annId, 'the app decoding Ann again', VIDEO_MS);
      await until(() => states(from).at(-1)?.remote.every((r) => r.state === 'connected'), `the app's tile connected again (${story(from)})`, VIDEO_MS);
      console.log(`${outageMs / 1000} s outage: call back ${Date.now() - started} ms after the link went down; the app showed: ${story(from)}`);
      // Nobody rejoined: the same ids on both sides, one tile each.
      const last = /** @type {AppState} */ (states().at(-1));
      assert.equal(last.me, ben, 'the app kept its peer id');
      assert.deepEqual(last.ids, [annId], 'the app has Ann, as before');
      assert.deepEqual(await ann.evaluate(() => window.lancall.peers().map((p) => p.id)), [ben], 'Ann has the app, as before');
      assert.ok(states(from).every((s) => s.banner === null), `the app never said the host was lost: ${story(from)}`);
    });
  }

  it(`a ${LONG_OUTAGE_MS / 1000} s outage: the host gives Ben's place up; the app, told the host was lost, rejoins by itself and video flows both ways`, async () => {
    const benBefore = /** @type {AppState} */ (states().at(-1)).me;
    const from = states().length;
    const started = Date.now();
    const down = linkDown(lan.a, LONG_OUTAGE_MS);
    try {
      await waitFor(ann, () => document.querySelectorAll('.tile:not(.local)').length === 0,
        { what: `Ann's tile of the app gone (the host giving up past its ${IDLE_S} s idle timeout, before the link is back)`,
          timeout: Math.max(1000, LONG_OUTAGE_MS - (Date.now() - started) - 1000) });
      await until(() => states(from).some((s) => s.banner?.startsWith('Lost the connection to the host')),
        `the app showing the host banner while the link is down (the app: ${story(from)})`,
        Math.max(1000, LONG_OUTAGE_MS - (Date.now() - started) - 1000));
    } finally {
      await down;
    }
    const back = Date.now();
    await until(() => states(from).some((s) => s.phase === 'in-call' && s.me && s.me !== benBefore && s.ids?.length === 1),
      `the app back in the room by itself, with a new id (the app: ${story(from)})`, BACK_MS);
    const annId = await ann.evaluate(() => window.lancall.myId());
    await waitForRemoteVideo(ann, 1, { what: 'Ann seeing the app again', timeout: BACK_MS });
    await appDecodes(annId, 'the app decoding Ann again', BACK_MS);
    const ben = /** @type {AppState} */ (states().at(-1)).me;
    assert.deepEqual(await ann.evaluate(() => window.lancall.peers().map((p) => p.id)), [ben], 'Ann has the app, once');
    console.log(`long outage: video both ways ${Date.now() - back} ms after the link came back; the app showed: ${story(from)}`);
  });
});
