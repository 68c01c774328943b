// The states a person can land in, and the way out of each: camera refused
// (join to watch and listen), room full, passcode, host unreachable; plus
// invite links, languages and the keyboard.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, waitFor } from './support/browser.js';
import { REPO } from './support/server.js';
import { useServerAndBrowser } from './support/fixture.js';
import { joinCall, openClient, waitForRemoteVideo } from './support/call.js';

/** @typedef {import('playwright-core').Page} Page */

describe('states and ways out', () => {
  const env = useServerAndBrowser({ args: ['--bind', '127.0.0.1', '--port', '0', '--max-room-size', '2'] });

  it('camera permission denied: says so, and "Join without camera" still sees and hears the others', async () => {
    // A browser without the fake-UI flag and with no permission granted:
    // getUserMedia is refused as a person's "Block" would refuse it.
    const denying = await launch({ fakeUi: false });
    try {
      const host = await openClient(env.browser, env.server, 'host');
      await joinCall(host, env.server, { name: 'Host', room: 'denied' });
      const page = await denying.page(); // no grant
      await joinCall(page, env.server, { name: 'Watcher', room: 'denied', wait: false });
      await waitFor(page, () => document.getElementById('gate-title')?.textContent === 'Camera and microphone are blocked',
        { what: 'the permission-denied message' });
      assert.equal(await page.getByRole('button', { name: 'Try again' }).isVisible(), true);
      await page.getByRole('button', { name: 'Join without camera' }).click();
      await waitFor(page, () => window.lancall.phase() === 'in-call', { what: 'joined to watch' });
      await waitForRemoteVideo(page, 1, { what: "the watcher seeing the host's video" });
      await waitFor(host, () => {
        const tile = document.querySelector('.tile:not(.local)');
        return tile?.getAttribute('data-cam') === 'off' && tile.getAttribute('data-muted') === 'true';
      }, { what: "the host showing the watcher as camera off and muted" });
      assert.equal(await host.$eval('.tile:not(.local) .avatar', (e) => e.textContent), 'WA');
      assert.equal(await page.$eval('button[data-action="mic"]', (b) => /** @type {HTMLButtonElement} */ (b).disabled), true);
      await page.click('button[data-action="leave"]');
      await host.click('button[data-action="leave"]');
      await host.close();
    } finally {
      await denying.close();
    }
  });

  it('room full: the third person is told, and can go back', async () => {
    const pages = [];
    for (const name of ['One', 'Two']) {
      const p = await openClient(env.browser, env.server, name);
      await joinCall(p, env.server, { name, room: 'small' });
      pages.push(p);
    }
    const third = await openClient(env.browser, env.server, 'three');
    await joinCall(third, env.server, { name: 'Three', room: 'small', wait: false });
    await waitFor(third, () => document.getElementById('gate-title')?.textContent === 'This room is full', { what: 'the room-full message' });
    assert.match(await third.textContent('#gate-text') ?? '', /"small" already has as many people as it can hold/);
    await third.getByRole('button', { name: 'Back to start' }).click();
    await waitFor(third, () => !document.getElementById('lobby')?.hidden, { what: 'back in the lobby' });
    for (const p of [...pages, third]) await p.close();
  });

  it('a room with a passcode asks for it, refuses a wrong one, and lets the right one in', async () => {
    const owner = await openClient(env.browser, env.server, 'owner');
    await owner.goto(`${env.server.url}?video=240`);
    await owner.getByLabel('Name', { exact: true }).fill('Owner');
    await owner.getByLabel('Room', { exact: true }).fill('secret');
    await owner.getByText('Host and passcode').click();
    await owner.getByLabel('Passcode (optional)').fill('open sesame');
    await owner.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(owner, () => window.lancall?.phase() === 'in-call', { what: 'the owner in the room' });
    const guest = await openClient(env.browser, env.server, 'guest');
    await joinCall(guest, env.server, { name: 'Guest', room: 'secret', wait: false });
    await waitFor(guest, () => document.getElementById('gate-title')?.textContent === 'This room has a passcode', { what: 'the passcode prompt' });
    await guest.fill('#gate-passcode', 'wrong');
    await guest.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(guest, () => document.getElementById('gate-title')?.textContent === 'Wrong passcode', { what: 'the wrong-passcode message' });
    await guest.fill('#gate-passcode', 'open sesame');
    await guest.getByRole('button', { name: 'Join', exact: true }).click();
    await waitForRemoteVideo(guest, 1, { what: 'the guest in the call' });
    await guest.close();
    await owner.close();
  });

  it('a burst of wrong passcodes is stopped: the page says to wait, and the right one is refused meanwhile', async () => {
    const owner = await openClient(env.browser, env.server, 'vault-owner');
    await owner.goto(`${env.server.url}?video=240`);
    await owner.getByLabel('Name', { exact: true }).fill('Owner');
    await owner.getByLabel('Room', { exact: true }).fill('vault');
    await owner.getByText('Host and passcode').click();
    await owner.getByLabel('Passcode (optional)').fill('tulip');
    await owner.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(owner, () => window.lancall?.phase() === 'in-call', { what: 'the owner in the room' });
    const guesser = await openClient(env.browser, env.server, 'guesser');
    await joinCall(guesser, env.server, { name: 'Guesser', room: 'vault', wait: false });
    await waitFor(guesser, () => document.getElementById('gate-title')?.textContent === 'This room has a passcode', { what: 'the passcode prompt' });
    // The server allows ten wrong guesses from one address (five per
    // connection, which it then closes); the page reconnects for each retry.
    let title = '';
    for (let guess = 0; guess < 12 && title !== 'Too many wrong passcodes'; guess++) {
      await guesser.fill('#gate-passcode', `guess ${guess}`);
      await guesser.getByRole('button', { name: 'Join', exact: true }).click();
      await waitFor(guesser, () => ['Wrong passcode', 'Too many wrong passcodes'].includes(document.getElementById('gate-title')?.textContent ?? '')
        && !document.querySelector('#gate-passcode')?.matches(':disabled'), { what: `the answer to guess ${guess}` });
      title = await guesser.textContent('#gate-title') ?? '';
      if (title === 'Wrong passcode') await guesser.evaluate(() => { document.getElementById('gate-title').textContent = ''; });
    }
    assert.equal(title, 'Too many wrong passcodes');
    assert.match(await guesser.textContent('#gate-text') ?? '', /Wait \d+ seconds, then try "vault" again/);
    await guesser.fill('#gate-passcode', 'tulip');
    await guesser.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(guesser, () => document.getElementById('gate-title')?.textContent === 'Too many wrong passcodes', { what: 'the right passcode refused while waiting' });
    assert.equal(await owner.evaluate(() => window.lancall.phase()), 'in-call');
    await guesser.close();
    await owner.close();
  });

  it('host unreachable: says where it looked, retries, and lets one change the host', async () => {
    const page = await openClient(env.browser, env.server, 'lost');
    await page.goto(`${env.server.url}#room=nowhere&name=Lost`);
    await page.getByText('Host and passcode').click();
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1:9');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(page, () => document.getElementById('gate-title')?.textContent === "Can't reach the host", { what: 'the unreachable message' });
    assert.match(await page.textContent('#gate-text') ?? '', /127\.0\.0\.1:9/);
    await page.getByRole('button', { name: 'Change host' }).click();
    await waitFor(page, () => document.activeElement?.id === 'host', { what: 'the host field focused' });
    await page.getByLabel('Host', { exact: true }).fill(`127.0.0.1:${env.server.port}`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await waitFor(page, () => window.lancall.phase() === 'in-call', { what: 'joined after fixing the host' });
    await page.close();
  });

  it('invite links prefill the lobby, and autojoin joins', async () => {
    const page = await openClient(env.browser, env.server, 'invited');
    await page.goto(`${env.server.url}?video=240#room=book-club&name=${encodeURIComponent('王五')}`);
    assert.equal(await page.getByLabel('Room', { exact: true }).inputValue(), 'book-club');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), '王五');
    assert.equal(await page.getByLabel('Host', { exact: true }).inputValue(), `127.0.0.1:${env.server.port}`);
    await page.goto('about:blank');
    await page.goto(`${env.server.url}?video=240#room=book-club&name=Auto&autojoin=1`);
    await waitFor(page, () => window.lancall?.phase() === 'in-call', { what: 'autojoin' });
    assert.match(await page.textContent('.waiting code') ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${env.server.port}/#room=book-club$`));
    // Keyboard: ? shows the shortcuts, M mutes, L leaves.
    await page.locator('body').press('?');
    await waitFor(page, () => /** @type {HTMLDialogElement} */ (document.getElementById('help')).open, { what: 'the help dialog' });
    await page.keyboard.press('Escape');
    await page.locator('body').press('m');
    assert.equal(await page.getAttribute('button[data-action="mic"]', 'aria-pressed'), 'true');
    await page.locator('body').press('l');
    await waitFor(page, () => !document.getElementById('lobby')?.hidden, { what: 'L leaves' });
    await page.close();
  });

  it('the lobby takes a new room name from the host, which makes them for the app and the command line too', async () => {
    const page = await openClient(env.browser, env.server, 'namer');
    await page.goto(env.server.url);
    const names = new Set();
    for (let i = 0; i < 4; i += 1) {
      const before = await page.inputValue('#room');
      await page.click('#gen-room');
      await waitFor(page, (was) => {
        const v = /** @type {HTMLInputElement} */ (document.getElementById('room')).value;
        return v !== was && /^[a-z]+-[a-z]+-[a-z]+-\d{4}$/.test(v);
      }, { what: 'a new spoken room name from /room-name', arg: before });
      names.add(await page.inputValue('#room'));
    }
    assert.ok(names.size > 1, `four names drawn, all the same: ${[...names]}`);
    await page.close();
  });

  it('speaks Simplified Chinese when switched, and remembers it', async () => {
    const page = await openClient(env.browser, env.server, 'zh');
    await page.goto(env.server.url);
    await page.selectOption('#lang', 'zh-CN');
    await waitFor(page, () => document.documentElement.lang === 'zh-CN', { what: 'the language switch' });
    assert.equal(await page.getByLabel('名字', { exact: true }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: '加入', exact: true }).isVisible(), true);
    await page.reload();
    await waitFor(page, () => document.getElementById('join')?.textContent === '加入', { what: 'Chinese after a reload' });
    await page.selectOption('#lang', 'en');
    await waitFor(page, () => document.getElementById('join')?.textContent === 'Join', { what: 'back to English' });
    await page.close();
  });

  it('a window without RTCPeerConnection (Linux WebKitGTK) says so and offers the link for a browser', async () => {
    const page = await openClient(env.browser, env.server, 'webkitgtk');
    await page.addInitScript(() => { delete (/** @type {any} */ (window)).RTCPeerConnection; });
    await page.goto(`${env.server.url}#room=garden`);
    await waitFor(page, () => document.getElementById('unsupported')?.hidden === false, { what: 'the "can\'t make calls" notice' });
    assert.equal(await page.textContent('#unsupported strong'), "This window can't make calls yet");
    assert.equal(await page.textContent('#unsupported-link'), `http://127.0.0.1:${env.server.port}/#room=garden`);
    assert.equal(await page.getByRole('button', { name: 'Join', exact: true }).isDisabled(), true);
    await page.close();
  });

  it('every string exists in both languages, with the same placeholders', async () => {
    const load = async (/** @type {string} */ l) => JSON.parse(await readFile(join(REPO, 'ui', 'locales', `${l}.json`), 'utf8'));
    const en = await load('en');
    const zh = await load('zh-CN');
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    const holes = (/** @type {string} */ s) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(en)) assert.deepEqual(holes(zh[k]), holes(en[k]), k);
  });
});
