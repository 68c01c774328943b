// Two people in a call through lancall's own client: video and audio both
// ways, mute and camera-off seen by the other side, chat both ways in any
// script, and a leave that clears the tile at once. One `lancall serve` on a
// free port and one headless Chromium with fake devices; every wait is on
// something observable (getStats counters, the DOM), never a fixed sleep.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './support/browser.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, remoteTiles, waitForRemoteVideo, waitUntil } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

/**
 * What `page` has received from its only peer.
 * @param {Page} page
 */
const peerStats = (page) => page.evaluate(async () => (await window.lancall.stats())[0]);

describe('a two-person call', () => {
  /** @type {Page} */ let alice;
  /** @type {Page} */ let bob;
  const env = useServerAndBrowser();

  before(async () => {
    alice = await openClient(env.browser, env.server, 'alice');
    bob = await openClient(env.browser, env.server, 'bob');
  });

  it('each sees the other\'s video play and receives audio packets', async () => {
    await joinCall(alice, env.server, { name: 'Alice', room: 'duo' });
    await waitFor(alice, () => document.querySelector('.waiting') !== null, { what: 'the waiting card with the invite link' });
    await joinCall(bob, env.server, { name: 'Bob', room: 'duo' });
    for (const [who, page] of [['alice', alice], ['bob', bob]]) {
      await waitForRemoteVideo(/** @type {Page} */ (page), 1, { what: `${who}'s remote video` });
      const first = await peerStats(/** @type {Page} */ (page));
      await waitUntil(/** @type {Page} */ (page), async () => (await window.lancall.stats())[0],
        (s) => s.audioPackets > first.audioPackets + 10 && s.audioEnergy > first.audioEnergy,
        { what: `${who} receiving audio packets with sound in them` });
      await waitFor(/** @type {Page} */ (page), () => {
        const v = /** @type {HTMLVideoElement | null} */ (document.querySelector('.tile:not(.local) video'));
        return v !== null && v.readyState >= 2 && v.videoWidth > 0 && !v.paused;
      }, { what: `${who}'s remote <video> playing` });
    }
    assert.deepEqual(await alice.$$eval('.tile:not(.local) .tile-name span', (e) => e.map((x) => x.textContent)), ['Bob']);
    assert.deepEqual(await bob.$$eval('.tile:not(.local) .tile-name span', (e) => e.map((x) => x.textContent)), ['Alice']);
    assert.equal(await alice.$eval('.tile:not(.local)', (e) => /** @type {HTMLElement} */ (e).dataset.state), 'connected');
  });

  it('mute and camera off are seen by the other side, badge and media both', async () => {
    // Bob mutes: Alice's tile of Bob shows the badge and the audio goes silent.
    await bob.click('button[data-action="mic"]');
    assert.equal(await bob.getAttribute('button[data-action="mic"]', 'aria-pressed'), 'true');
    await waitFor(alice, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-muted') === 'true',
      { what: "Alice's badge of Bob muted" });
    assert.equal(await alice.$eval('.tile:not(.local) .tile-name .icon', (e) => getComputedStyle(e).display !== 'none'), true);
    // Packets keep coming, but a whole second of them carries no energy.
    let prev = await peerStats(alice);
    await waitUntil(alice, async () => (await window.lancall.stats())[0], (s) => {
      if (s.audioPackets < prev.audioPackets + 50) return false;
      const silent = s.audioEnergy - prev.audioEnergy < 1e-9;
      prev = s;
      return silent;
    }, { what: "Bob's audio arriving silent at Alice" });
    // Keyboard: M unmutes.
    await bob.locator('body').press('m');
    await waitFor(alice, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-muted') === 'false',
      { what: "Alice's badge of Bob unmuted" });

    // Alice stops her video: Bob sees her avatar and her frames stop.
    await alice.click('button[data-action="cam"]');
    await waitFor(bob, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-cam') === 'off',
      { what: "Bob's tile of Alice showing camera off" });
    assert.equal(await bob.$eval('.tile:not(.local) .avatar', (e) => getComputedStyle(e).display), 'grid');
    const stopped = await waitUntil(bob, async () => (await window.lancall.stats())[0], (s) => s.fps === 0 || s.fps === null,
      { what: "Alice's video to stop at Bob", timeout: 10_000 });
    const later = await waitUntil(bob, async () => (await window.lancall.stats())[0],
      (s) => s.audioPackets > stopped.audioPackets + 50, { what: 'time to pass, measured in audio packets' });
    assert.ok(later.framesDecoded - stopped.framesDecoded <= 2, `frames kept coming: ${stopped.framesDecoded} -> ${later.framesDecoded}`);
    assert.equal(await alice.$eval('.tile.local', (e) => /** @type {HTMLElement} */ (e).dataset.cam), 'off');

    // And back on (keyboard V): frames flow again.
    await alice.locator('body').press('v');
    await waitFor(bob, () => document.querySelector('.tile:not(.local)')?.getAttribute('data-cam') === 'on',
      { what: "Bob's tile of Alice showing camera on" });
    await waitUntil(bob, async () => (await window.lancall.stats())[0], (s) => s.framesDecoded > later.framesDecoded + 10,
      { what: "Alice's video flowing again at Bob" });
  });

  it('chat goes both ways over the data channel, Chinese included, with an unread count', async () => {
    const hello = '你好，Bob！这是中文消息 👋';
    await alice.locator('body').press('c');
    await alice.getByPlaceholder('Write a message…').fill(hello);
    await alice.getByPlaceholder('Write a message…').press('Enter');
    await waitFor(bob, () => document.getElementById('unread')?.textContent === '1', { what: "Bob's unread count" });
    await bob.click('button[data-action="chat"]');
    await waitFor(bob, (text) => [...document.querySelectorAll('#chat-log .msg:not(.self) .body')].some((e) => e.textContent === text),
      { what: 'Bob reading Alice\'s message', arg: hello });
    assert.equal(await bob.isHidden('#unread'), true);
    assert.equal(await bob.$eval('#chat-log .msg:not(.self) .who b', (e) => e.textContent), 'Alice');

    const reply = 'Hi Alice — 收到了，谢谢！';
    await bob.getByRole('textbox', { name: 'Message' }).fill(reply);
    await bob.getByRole('button', { name: 'Send' }).click();
    await waitFor(alice, (text) => [...document.querySelectorAll('#chat-log .msg:not(.self) .body')].some((e) => e.textContent === text),
      { what: 'Alice reading Bob\'s reply', arg: reply });
    const peers = await alice.evaluate(() => window.lancall.peers());
    assert.equal(peers[0].chat, true, 'the data channel is open');
  });

  it('leave removes the tile on the other side within 2 s', async () => {
    assert.equal((await remoteTiles(alice)).length, 1);
    await bob.click('button[data-action="leave"]');
    const start = Date.now();
    await waitFor(alice, () => document.querySelectorAll('.tile:not(.local)').length === 0,
      { what: "Bob's tile to go", timeout: 2000 });
    const took = Date.now() - start;
    assert.ok(took < 2000, `took ${took} ms`);
    await waitFor(bob, () => !document.getElementById('lobby')?.hidden, { what: 'Bob back in the lobby' });
    await waitFor(alice, () => document.querySelector('.waiting') !== null, { what: 'Alice waiting again' });
  });
});
