// The pre-join screen: an invite link opens it with the camera already in
// the preview and the socket to the host already open, so Join only sends
// the join; its microphone and camera switches carry into the call; a
// refused camera says so there, with a way to try again; and the members
// already in the room offer to a newcomer with a connection made ahead, so
// a two-person call in Chromium makes no connection it does not use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, waitFor } from './support/browser.js';
import { REPO, health } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

const SHOTS = join(REPO, 'docs', 'screenshots');

/**
 * Count, in the page, the RTCPeerConnections made and the ones closed
 * without ever connecting (as a page wrapping RTCPeerConnection would).
 */
function countConnections() {
  const w = /** @type {any} */ (window);
  const Native = w.RTCPeerConnection;
  w.__pcs = { made: 0, unused: 0 };
  w.RTCPeerConnection = class extends Native {
    /** @param {RTCConfiguration} [c] */
    constructor(c) {
      super(c);
      w.__pcs.made += 1;
      let connected = false;
      this.addEventListener('connectionstatechange', () => { if (this.connectionState === 'connected') connected = true; });
      const close = this.close.bind(this);
      this.close = () => { if (!connected) w.__pcs.unused += 1; close(); };
    }
  };
}

describe('the pre-join screen', () => {
  const env = useServerAndBrowser();

  it('an invite link shows the camera and opens the socket before Join, and Join goes straight into the call', async () => {
    const host = await openClient(env.browser, env.server, 'host');
    await joinCall(host, env.server, { name: 'Host', room: 'prejoin' });
    const before = (await health(env.server.port)).connections;
    const guest = await openClient(env.browser, env.server, 'guest');
    await guest.goto(`${env.server.url}?video=240#room=prejoin&name=Guest`);
    await waitFor(guest, () => window.lancall?.previewing(), { what: 'the preview' });
    await waitFor(guest, () => (/** @type {HTMLVideoElement | null} */ (document.querySelector('#preview .tile video'))?.videoWidth ?? 0) > 0,
      { what: 'the camera playing in the preview' });
    // The socket is open and not in the room: the host counts a connection, not a peer.
    const h = await health(env.server.port);
    assert.equal(h.connections, before + 1);
    assert.equal(h.peers, 1);
    assert.equal(await guest.getByRole('button', { name: 'Join', exact: true }).isEnabled(), true);
    await guest.screenshot({ path: join(SHOTS, 'prejoin.png'), animations: 'disabled' });
    await guest.getByRole('button', { name: 'Join', exact: true }).click();
    // No "asking for your camera" on the way: it is open already.
    assert.notEqual(await guest.evaluate(() => window.lancall.phase()), 'media');
    await waitForRemoteVideo(guest, 1, { what: "the guest seeing the host's video" });
    await waitForRemoteVideo(host, 1, { what: "the host seeing the guest's video" });
    // The preview left the page with the lobby; the call has its own tile.
    assert.equal(await guest.locator('#preview .tile').count(), 0);
    assert.equal(await guest.locator('.tile.local').count(), 1);
    await guest.close();
    await host.click('button[data-action="leave"]');
    await host.close();
  });

  it('the microphone and camera switched off in the preview stay off in the call', async () => {
    const host = await openClient(env.browser, env.server, 'host');
    await joinCall(host, env.server, { name: 'Host', room: 'switches' });
    const guest = await openClient(env.browser, env.server, 'guest');
    await guest.goto(`${env.server.url}?video=240#room=switches&name=Quiet`);
    await waitFor(guest, () => window.lancall?.previewing(), { what: 'the preview' });
    await guest.getByRole('button', { name: 'Mute', exact: true }).click();
    await guest.getByRole('button', { name: 'Stop video', exact: true }).click();
    await waitFor(guest, () => document.querySelector('#preview .tile')?.getAttribute('data-cam') === 'off',
      { what: 'the preview showing the camera off' });
    await guest.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(host, () => {
      const tile = document.querySelector('.tile:not(.local)');
      return tile?.getAttribute('data-cam') === 'off' && tile.getAttribute('data-muted') === 'true';
    }, { what: 'the host showing the guest muted with the camera off' });
    assert.equal(await guest.$eval('button[data-action="mic"]', (b) => b.getAttribute('aria-pressed')), 'true');
    assert.equal(await guest.$eval('button[data-action="cam"]', (b) => b.getAttribute('aria-pressed')), 'true');
    await guest.close();
    await host.click('button[data-action="leave"]');
    await host.close();
  });

  it('a refused camera is said in the preview, with Try again; Join still leads to watching and listening', async () => {
    const denying = await launch({ fakeUi: false });
    try {
      const page = await denying.page(); // no grant
      await page.goto(`${env.server.url}#room=refused&name=Watcher`);
      await waitFor(page, () => document.getElementById('preview-status-title')?.textContent === 'Camera and microphone are blocked',
        { what: 'the preview saying the camera is blocked' });
      assert.equal(await page.locator('#preview-retry').isVisible(), true);
      await page.click('#preview-retry');
      await waitFor(page, () => document.getElementById('preview-status-title')?.textContent === 'Camera and microphone are blocked',
        { what: 'blocked again after Try again' });
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('button', { name: 'Join without camera' }).click();
      await waitFor(page, () => window.lancall.phase() === 'in-call', { what: 'joined to watch' });
    } finally {
      await denying.close();
    }
  });

  it('a two-person call makes no connection it does not use, and leaves one made ahead for the next', async () => {
    const pages = [];
    for (const name of ['First', 'Second']) {
      const page = await openClient(env.browser, env.server, name);
      await page.addInitScript(countConnections);
      pages.push(page);
    }
    await joinCall(pages[0], env.server, { name: 'First', room: 'unused' });
    await joinCall(pages[1], env.server, { name: 'Second', room: 'unused' });
    await waitForRemoteVideo(pages[0], 1, { what: "First seeing Second's video" });
    await waitForRemoteVideo(pages[1], 1, { what: "Second seeing First's video" });
    // First offered Second the connection it made ahead, then made the next one.
    await waitFor(pages[0], () => /** @type {any} */ (window).__pcs.made === 2, { what: "First's next connection made ahead" });
    assert.deepEqual(await pages[0].evaluate(() => /** @type {any} */ (window).__pcs), { made: 2, unused: 0 });
    // The newcomer made the one it answers on (and one ahead, a while later, at most).
    assert.equal(await pages[1].evaluate(() => /** @type {any} */ (window).__pcs.unused), 0);
    for (const page of pages) await page.close();
  });
});
