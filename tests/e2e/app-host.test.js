// The desktop app hosting a call, in a real window under Xvfb with
// WebKitGTK's mock camera: `lancall host --room R` shows its local preview
// with frames from the mock camera, its server counts the window's own
// client in the room, a Chromium guest joins through the printed invite
// link and the server counts two, a second app joins with `lancall join`.
// Saves a screenshot of the app window.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './support/browser.js';
import { REPO, health } from './support/server.js';
import { differingPixels, pixelStats, screenshot, startApp, startXvfb, until } from './support/app.js';

const SHOTS = join(REPO, 'docs', 'screenshots');

describe('the app hosts a call', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let browser;
  /** @type {string} */ let scratch;
  const room = `app-host-${process.pid}`;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lancall-app-shots-'));
    x = await startXvfb();
    // Guests come straight in: the waiting room has tests of its own.
    app = await startApp(['host', '--room', room, '--port', '0', '--no-waiting-room'], x.display);
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    const result = await app?.stop();
    await x?.stop();
    await rm(scratch, { recursive: true, force: true });
    if (result && result.code !== 0) console.error(app.log());
  });

  it('prints invite links, joins its own room and previews the mock camera', async () => {
    const [, port] = await app.stdoutMatch(/^Invite: http:\/\/127\.0\.0\.1:(\d+)\/#room=(\S+)$/m);
    // A failure says what the app logged: the forge's run failed here once, unseen.
    const seen = (/** @type {string} */ what) => () => `${what}; the app's stdout:\n${app.stdout()}\nits log:\n${app.log().split('\n').filter((l) => !l.includes('state probe')).slice(-40).join('\n')}\nits last state: ${JSON.stringify(app.states().at(-1))}`;
    const h = await until(async () => { const s = await health(Number(port)); return s.peers >= 1 && s; }, seen("the app's own client in its room"));
    assert.equal(h.rooms, 1);
    // LAN guests get https (their browsers need a secure origin for the
    // camera) and the certificate's fingerprint to check the warning against.
    assert.match(app.stdout(), /^Certificate SHA-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m, seen('the certificate line')());
    for (const [, scheme, host] of app.stdout().matchAll(/^Invite: (\w+):\/\/([^/:]+)/gm)) {
      assert.equal(scheme, host === '127.0.0.1' ? 'http' : 'https', `invite scheme for ${host}: ${app.stdout()}`);
    }
    assert.equal(h.peers, 1);
    // The preview plays: a size from the mock camera, and time moving on.
    const playing = await until(() => {
      const local = app.states().map((s) => s.local).filter((l) => l && l.width > 0);
      return local.length >= 2 && local.at(-1).time > local[0].time && local;
    }, seen('the local preview to play frames from the mock camera'), 30_000);
    assert.ok(playing.at(-1).width > 0 && playing.at(-1).height > 0);
    const last = app.states().at(-1);
    assert.equal(last.title.includes(room), true, `window title names the room: ${last.title}; ${seen('')()}`);
  });

  it('a Chromium guest joins through the invite link and the server counts two', async () => {
    const [, link, port] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:(\d+)\/#room=\S+)$/m);
    const page = await browser.page(new URL(link).origin);
    await page.goto(`${link}&name=Guest&autojoin=1`);
    await until(async () => (await health(Number(port))).peers === 2, 'two people in the room');
  });

  it('a second install joins with `lancall join <invite-link>` and the server counts three', async () => {
    const [, link, port] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:(\d+)\/#room=\S+)$/m);
    const joiner = await startApp(['join', link, '--name', 'Second'], x.display);
    try {
      await until(async () => (await health(Number(port))).peers === 3, 'the joining app in the room');
      const state = await until(() => joiner.states().find((s) => s.phase === 'in-call'), 'the joining app in the call');
      assert.ok(state.title.includes(room), `title names the room: ${state.title}`);
      // The app keeps its settings in the OS's config folder (XDG_CONFIG_HOME here).
      const file = join(joiner.config, 'app.lancall.desktop', 'settings.json');
      const settings = await until(async () => {
        const s = JSON.parse(await readFile(file, 'utf8'));
        return s.name === 'Second' && s.recent_hosts?.length && s;
      }, 'the joining app to save its settings');
      assert.equal(settings.recent_hosts[0], `127.0.0.1:${port}`);
    } finally {
      await joiner.stop();
    }
    await until(async () => (await health(Number(port))).peers === 2, 'the joining app gone after it quits');
  });

  it('the window is drawn and its preview moves; a screenshot is saved', async () => {
    const a = join(scratch, 'a.png');
    const b = join(scratch, 'b.png');
    await screenshot(x.display, a);
    await new Promise((r) => setTimeout(r, 1000));
    await screenshot(x.display, b);
    const { sd } = await pixelStats(b);
    assert.ok(sd > 0.05, `the window is not blank (pixel deviation ${sd})`);
    const moved = await differingPixels(a, b);
    assert.ok(moved > 100, `the preview moves between screenshots (${moved} pixels differ)`);
    await mkdir(SHOTS, { recursive: true });
    await copyFile(b, join(SHOTS, 'app-host.png'));
  });
});
