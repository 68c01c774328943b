// A hostile peer that sends one chat message of 1 MiB, past the size the
// other side's SDP allows (`a=max-message-size`; Chromium says 256 KiB):
// aiortc (tests/interop/aiortc-peer.py --chat-bytes), which checks that size
// itself unless told not to, in a call with an honest Chromium page (Ann)
// and the Linux app (its native engine: webrtcbin's SCTP). Each honest side
// stays responsive and keeps the call (video from the others, chat between
// Ann and the app), shows the message cut or not at all, and the app's
// engine does not crash.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { startApp, startXvfb, until } from './support/app.js';
import { startAiortc } from './support/aiortc.js';

const MIB = 1 << 20;

describe('a 1 MiB chat message from a hostile peer', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {ReturnType<typeof startAiortc> | undefined} */ let mal;
  before(async () => { x = await startXvfb(); });
  // Registered before the fixture's: the app and aiortc go while the server is up.
  after(async () => {
    await mal?.stop();
    await app?.stop();
    await x?.stop();
  });
  const env = useServerAndBrowser();
  const room = `big-${process.pid}`;
  /** @type {import('playwright-core').Page} */ let ann;

  it('Ann, the app and aiortc are in a call, aiortc with its data channels open', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    await joinCall(ann, env.server, { name: 'Ann', room });
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${env.server.url}#room=${room}`, '--name', 'App'], x.display);
    await until(() => app.states().some((s) => s.phase === 'in-call' && s.peers === 1), 'the app in the call with Ann', 60_000);
    mal = startAiortc({ ws: env.server.wsUrl, room, name: 'Mal', chatBytes: MIB });
    const m = mal;
    await m.until((r) => r.filter((e) => e.event === 'channel' && e.open).length === 2, 'both of its channels open', 60_000);
    await waitForRemoteVideo(ann, 2, { what: "Ann's two remote videos", timeout: 60_000 });
  });

  it('it sends 1 MiB: Ann shows it cut, the app drops it with a notice, and both keep the call', async () => {
    const m = /** @type {ReturnType<typeof startAiortc>} */ (mal);
    await ann.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__lag = 0;
      let last = performance.now();
      w.__lagTimer = setInterval(() => { const now = performance.now(); w.__lag = Math.max(w.__lag, now - last - 50); last = now; }, 50);
    });
    const sent = Date.now();
    await m.until((r) => r.filter((e) => e.event === 'sent').length === 2, 'the big message sent on both channels', 30_000);

    // Chromium takes the message whole (past its own 256 KiB offer); the page shows 4,000 characters and says so.
    const shown = await waitFor(ann, () => {
      const li = [...document.querySelectorAll('#chat-log > li')].find((l) => l.querySelector('.body')?.textContent?.startsWith('xxxx'));
      return li && { length: li.querySelector('.body')?.textContent?.length, cut: li.querySelector('.cut')?.textContent ?? '' };
    }, { what: "the big message at Ann's", timeout: 30_000 });
    assert.equal(shown.length, 4000);
    assert.match(String(shown.cut), /cut/);
    await waitFor(ann, () => [...document.querySelectorAll('#chat-log .body')].some((b) => b.textContent === 'after the big one'),
      { what: "aiortc's next message at Ann's: the channel still carries", timeout: 30_000 });
    const lag = await ann.evaluate(() => Math.round(/** @type {any} */ (window).__lag));
    console.log(`Ann: the 1 MiB message shown cut to ${shown.length}; main thread held up at most ${lag} ms`);
    assert.ok(lag < 4000, `Ann's page kept responding: held up ${lag} ms`);

    // The app's engine gets it in pieces (GStreamer 1.22's SCTP), drops them all and says so once.
    const notice = await until(() => app.states().filter((s) => s.at > sent).flatMap((s) => s.toasts ?? [])
      .find((/** @type {string} */ t) => t.includes('Mal') && t.includes('KiB')), 'the app saying it dropped a message too big', 30_000);
    console.log(`App: "${notice}"`);
    const after = await until(() => app.states().filter((s) => s.at > sent)
      .find((s) => s.lastChat?.some((/** @type {any} */ l) => l.start === 'after the big one')), "aiortc's next message in the app", 30_000);
    assert.ok(!app.states().some((s) => s.lastChat?.some((/** @type {any} */ l) => l.start.startsWith('xxxx') || l.start.startsWith('{'))),
      'no piece of it shown as a message');
    assert.equal(app.process.exitCode, null, 'the app runs');
    assert.equal(after.phase, 'in-call');

    // The call goes on: Ann and the app chat, video both ways, the app's page answering all along.
    if (await ann.locator('#chat').isHidden()) await ann.click('button[data-action="chat"]');
    await ann.getByLabel('Message', { exact: true }).fill('Ann after the big one');
    await ann.getByLabel('Message', { exact: true }).press('Enter');
    await until(() => app.states().some((s) => s.lastChat?.some((/** @type {any} */ l) => l.start === 'Ann after the big one')),
      "Ann's chat in the app", 30_000);
    const t = Date.now();
    await until(() => {
      const d = app.states().filter((s) => s.at > t).map((s) => Math.min(...(s.decoded ?? [0])));
      return d.length >= 3 && d.at(-1) > d[0];
    }, 'the app decoding both peers after it', 30_000);
    await waitForRemoteVideo(ann, 2, { what: "Ann's two videos after it", timeout: 30_000 });
    const during = app.states().filter((s) => s.at >= sent - 1000);
    const worst = Math.max(...during.slice(1).map((s, i) => s.at - during[i].at));
    console.log(`App: state probe answered at worst ${worst} ms apart`);
    assert.ok(worst < 5000, `the app's page kept answering: ${worst} ms between probe reports`);
  });
});
