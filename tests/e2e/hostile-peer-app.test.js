// The hostile peer of hostile-peer.test.js against the Linux app: Ann in
// Chromium and the app (`lancall join` under Xvfb, calling through its
// native engine) are honest, and Mal drives his data channels by hand. He
// gives himself a 10,000-character name full of control and bidi
// characters, sends HTML and script as chat, malformed JSON and a channel
// of an unknown label, then floods 10,000 chat and 10,000 state messages.
// The app shows the name cleaned and short, the markup as text, ignores the
// garbage. Its page keeps answering its state
// probe through the flood, keeps few of the lines, and keeps decoding.
// Before the engine paced a peer's messages (media/peer/channel.rs), each
// one was a call into the webview: this flood held the app's processes for
// seconds, and the Chromium pages beside it froze 17.8 s.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';
import { startApp, startXvfb, until } from './support/app.js';
import { keepChannels, sendAll, sendGarbage } from './support/hostile.js';

/** @typedef {import('playwright-core').Page} Page */

describe('a hostile peer cannot break the Linux app', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  before(async () => { x = await startXvfb(); });
  // Registered before the fixture's: the app quits while its server is up.
  after(async () => {
    await app?.stop();
    await x?.stop();
  });
  const env = useServerAndBrowser();
  /** @type {Page} */ let ann;
  /** @type {Page} */ let mal;

  it('Ann, the app and Mal are in a call, Mal holding his data channels', async () => {
    ann = await openClient(env.browser, env.server, 'ann');
    mal = await openClient(env.browser, env.server, 'mal');
    await mal.addInitScript(keepChannels);
    await joinCall(ann, env.server, { name: 'Ann', room: 'hostile-app' });
    await joinCall(mal, env.server, { name: 'Mal', room: 'hostile-app' });
    process.env.LANCALL_TEST_SOURCE = '1';
    app = await startApp(['join', `${env.server.url}#room=hostile-app`, '--name', 'App'], x.display);
    await until(() => app.states().some((s) => s.phase === 'in-call' && s.peers === 2), 'the app in the call with both', 60_000);
    await waitFor(mal, () => /** @type {any} */ (window).__channels.filter((c) => c.label === 'lancall' && c.readyState === 'open').length === 2,
      { what: "Mal's two data channels open", timeout: 60_000 });
    await waitForRemoteVideo(ann, 2, { what: "Ann's two remote videos", timeout: 60_000 });
  });

  it('a 10,000-character name with control and bidi characters is shown cleaned and cut to 64', async () => {
    await sendAll(mal, [JSON.stringify({ t: 'hello', name: `\u202eM\u0007al\u200b${'x'.repeat(10_000)}`, mic: true, cam: true })]);
    const name = await until(() => app.states().at(-1)?.names?.find((/** @type {string} */ n) => n.startsWith('Mal') && n.length > 3),
      "the app showing Mal's new name", 20_000);
    assert.equal(Array.from(String(name)).length, 64);
    assert.doesNotMatch(String(name), /[\u0000-\u001f\u200b-\u200f\u202a-\u202e]/);
  });

  it('HTML and script in chat are text in the app; malformed JSON and a channel of an unknown label change nothing', async () => {
    const html = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    await sendAll(mal, [JSON.stringify({ t: 'chat', id: 'html-1', text: html, ts: 0 })]);
    await until(() => app.states().at(-1)?.lastChat?.some((/** @type {any} */ l) => l.start === html.slice(0, 24) && l.length === html.length),
      'the app showing the HTML as text', 20_000);
    const before = app.states().at(-1).chat;
    await sendGarbage(mal);
    // Ann speaks after the garbage: once her line is in the app, all of
    // Mal's, sent before it, has been through the app's engine and page.
    await new Promise((r) => setTimeout(r, 1000));
    if (!(await ann.getByLabel('Message', { exact: true }).isVisible())) await ann.click('button[data-action="chat"]');
    await ann.getByLabel('Message', { exact: true }).fill('still here after the garbage');
    await ann.getByLabel('Message', { exact: true }).press('Enter');
    const last = await until(() => {
      const s = app.states().at(-1);
      return s?.lastChat?.some((/** @type {any} */ l) => l.start === 'still here after the gar') ? s : null;
    }, "Ann's chat in the app after the garbage", 20_000);
    const starts = last.lastChat.map((/** @type {any} */ l) => l.start);
    assert.ok(!starts.some((/** @type {string} */ l) => l.startsWith('long id') || l.startsWith('from an unknown')), `nothing of it shown: ${starts.join(' | ')}`);
    assert.equal(last.chat, before + 1, `only Ann's line came after the HTML: ${starts.join(' | ')}`);
    assert.deepEqual(last.injected, { ran: null, elements: 0 }, 'no element made from the HTML, and none of it ran');
    assert.equal(last.phase, 'in-call');
    assert.equal(last.peers, 2);
  });

  it('10,000 chat and 10,000 state messages at once: the app keeps answering, keeps few lines, keeps decoding', async () => {
    const started = Date.now();
    await sendAll(mal, { repeat: 10_000, make: JSON.stringify({ t: 'chat', id: 'flood-$i', text: 'flood $i', ts: 0 }) });
    await sendAll(mal, { repeat: 10_000, make: JSON.stringify({ t: 'state', mic: true, cam: true }) });
    await new Promise((r) => setTimeout(r, 3000));
    const after = Date.now();
    await until(() => app.states().some((s) => s.at > after + 2000), 'a probe report after the flood', 30_000);
    const during = app.states().filter((s) => s.at >= started - 1000);
    const gaps = during.slice(1).map((s, i) => s.at - during[i].at);
    const worst = Math.max(...gaps);
    const last = during.at(-1);
    const annLines = await ann.$$eval('#chat-log > li', (lis) => lis.filter((li) => li.textContent?.includes('flood ')).length);
    console.log(`App: state probe answered at worst ${worst} ms apart through the flood; ${last.chat} chat lines; Ann shows ${annLines} of the flood`);
    assert.ok(worst < 5000, `the app's page kept answering: ${worst} ms between probe reports`);
    // All of its chat: the few of Mal's let through while the flood came
    // in over some seconds, and the notices (10,000 lines before).
    assert.ok(last.chat < 300, `the app shows ${last.chat} chat lines`);
    assert.ok(annLines < 300, `Ann shows ${annLines} of them`);
    await until(() => {
      const d = app.states().filter((s) => s.at > after).map((s) => Math.min(...(s.decoded ?? [0])));
      return d.length >= 3 && d.at(-1) > d[0];
    }, 'the app decoding both peers after the flood', 30_000);
    await waitForRemoteVideo(ann, 2, { what: "Ann's videos after the flood", timeout: 60_000 });
    for (const page of [ann, mal]) await page.close();
  });
});
