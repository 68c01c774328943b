// Three people in a full mesh, then a fourth who joins and leaves: every
// page's tiles follow, each with video decoding. Also saves the README's
// screenshots of the lobby and of a three-way call.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './support/browser.js';
import { REPO } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, remoteTiles, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

const SHOTS = join(REPO, 'docs', 'screenshots');

describe('a mesh of three, and a fourth who comes and goes', () => {
  /** @type {Page[]} */ let pages = [];
  const names = ['Ana', 'Bao', 'Chen'];
  const env = useServerAndBrowser();

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
  });

  it('the lobby, as a person first sees it', async () => {
    const page = await openClient(env.browser, env.server, 'lobby');
    await page.goto(env.server.url);
    await waitFor(page, () => window.lancall?.previewing(), { what: 'the camera in the preview' });
    await page.getByLabel('Name', { exact: true }).fill('Ana');
    await page.getByRole('button', { name: 'Make up a room name' }).click();
    await waitFor(page, () => /** @type {HTMLInputElement} */ (document.getElementById('room')).value !== '', { what: 'a room name from the host' });
    const room = await page.getByLabel('Room', { exact: true }).inputValue();
    assert.match(room, /^[a-z]+-[a-z]+-[a-z]+-\d{4}$/, 'three words and four digits (signal::room_name)');
    await page.getByLabel('Room', { exact: true }).fill('design-review');
    await page.locator('body').click({ position: { x: 5, y: 790 } }); // no focus ring in the picture
    await page.screenshot({ path: join(SHOTS, 'lobby.png'), animations: 'disabled' });
    await page.close();
  });

  it('three peers: each has two remote tiles with frames', async () => {
    for (const name of names) {
      const page = await openClient(env.browser, env.server, name);
      pages.push(page);
      await joinCall(page, env.server, { name, room: 'mesh', query: '?video=360' });
    }
    for (const [i, page] of pages.entries()) {
      await waitForRemoteVideo(page, 2, { what: `${names[i]}'s two remote videos` });
      const shown = await page.$$eval('.tile:not(.local) .tile-name span', (e) => e.map((x) => x.textContent).sort());
      assert.deepEqual(shown, names.filter((_, j) => j !== i).sort());
    }
    // Chen has muted, so the picture shows the badge.
    await pages[2].click('button[data-action="mic"]');
    await waitFor(pages[0], () => document.querySelectorAll('.tile[data-muted="true"]').length === 1, { what: 'the mute badge' });
    await pages[0].locator('body').click({ position: { x: 5, y: 60 } });
    await pages[0].mouse.move(0, 0);
    await pages[0].screenshot({ path: join(SHOTS, 'call-3.png'), animations: 'disabled' });
  });

  it('a fourth joins: everyone has three tiles; it leaves: back to two', async () => {
    const dan = await openClient(env.browser, env.server, 'Dan');
    await joinCall(dan, env.server, { name: 'Dan', room: 'mesh' });
    await waitForRemoteVideo(dan, 3, { what: "Dan's three remote videos", timeout: 45_000 });
    for (const [i, page] of pages.entries()) {
      await waitForRemoteVideo(page, 3, { what: `${names[i]}'s three remote videos`, timeout: 45_000 });
      assert.equal(await page.$eval('#grid', (g) => /** @type {HTMLElement} */ (g).dataset.count), '4');
    }
    await dan.click('button[data-action="leave"]');
    for (const [i, page] of pages.entries()) {
      await waitFor(page, () => document.querySelectorAll('.tile:not(.local)').length === 2,
        { what: `${names[i]} back to two remote tiles`, timeout: 2000 });
      assert.equal((await remoteTiles(page)).length, 2);
    }
    await waitForRemoteVideo(pages[0], 2, { what: 'the call going on with three' });
  });
});
