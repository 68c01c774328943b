// The tray icon while the Linux app hosts (issue 16, point 8), on a session
// bus of the test's own with a StatusNotifierWatcher on it, as a desktop
// panel serves one (support/sni-watcher.py); the icon's menu is read and
// clicked over D-Bus (com.canonical.dbusmenu, with gdbus) as a panel does:
// - `lancall host` puts up "Hosting “room” — 1 person", Show, Copy invite
//   link and Stop hosting; a Chromium guest joining makes it "2 people";
// - Copy puts the invite link on the clipboard;
// - closing the window (WM_DELETE_WINDOW, as a window manager's close
//   button sends) asks whether to keep hosting in the tray; Keep hides the
//   window and the guest stays in the call; Show brings the window back;
// - Stop hosting ends the call for the guest and takes the icon down (its
//   status Passive, which panels hide); a close then quits the app, as it
//   did before there was a tray.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launch, waitFor } from './support/browser.js';
import { REPO } from './support/server.js';
import { sleep, startApp, startXvfb, until } from './support/app.js';

const run = promisify(execFile);
/** Debian's python3, which has the dbus and GLib modules (not another on the PATH). */
const PYTHON = '/usr/bin/python3';

/**
 * A private session bus, and a StatusNotifierWatcher on it that reports
 * each icon that registers.
 */
async function startBus() {
  // A bus of its own with no services to start: the machine's session
  // services (portals, accessibility) stay out of the test.
  const dir = await mkdtemp(join(tmpdir(), 'lancall-bus-'));
  const config = join(dir, 'bus.conf');
  await writeFile(config, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`);
  const daemon = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise((resolve, reject) => {
    createInterface({ input: /** @type {import('node:stream').Readable} */ (daemon.stdout) }).once('line', resolve);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  const watcher = spawn(PYTHON, [join(REPO, 'tests/e2e/support/sni-watcher.py'), String(address)], { stdio: ['ignore', 'pipe', 'inherit'] });
  /** @type {{ service: string, path: string }[]} */
  const items = [];
  let ready = false;
  createInterface({ input: /** @type {import('node:stream').Readable} */ (watcher.stdout) }).on('line', (line) => {
    const m = JSON.parse(line);
    if (m.ready) ready = true;
    else items.push(m);
  });
  await until(() => ready, 'the StatusNotifierWatcher on the test\'s bus', 10_000);
  return {
    address: String(address),
    items,
    stop() {
      watcher.kill();
      daemon.kill();
      return rm(dir, { recursive: true, force: true });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startBus>>} Bus */

/**
 * `gdbus call` on the test's bus; its GVariant text answer.
 * @param {Bus} bus @param {string} dest @param {string} path @param {string} method @param {string[]} args
 */
async function call(bus, dest, path, method, ...args) {
  const { stdout } = await run('gdbus', ['call', '--address', bus.address, '--dest', dest, '--object-path', path, '--method', method, ...args], { timeout: 10_000 });
  return stdout;
}

/** A GVariant text string ('…' with escapes) as JS. @param {string} s */
const unquote = (s) => s.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, '$1');

/**
 * The icon's menu as a panel shows it: each item's id, label and whether
 * it can be clicked.
 * @param {Bus} bus @param {{ service: string, path: string }} item
 */
async function menuOf(bus, item) {
  const menu = (await call(bus, item.service, item.path, 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', 'Menu'))
    .match(/objectpath '([^']+)'/)?.[1];
  assert.ok(menu, 'the icon has a menu');
  const layout = await call(bus, item.service, menu, 'com.canonical.dbusmenu.GetLayout', '0', 'int32 -1', '@as []');
  /** @type {{ id: number, label: string, enabled: boolean }[]} */
  const items = [];
  for (const m of layout.matchAll(/\((\d+), \{([^{}]*)\}/g)) {
    const label = m[2].match(/'label': <'((?:[^'\\]|\\.)*)'>/)?.[1];
    if (label === undefined) continue;
    items.push({ id: Number(m[1]), label: unquote(label).replace(/_/g, ''), enabled: !/'enabled': <false>/.test(m[2]) });
  }
  return { menu, items };
}

/**
 * Click the menu item whose label is `label`, as a panel does.
 * @param {Bus} bus @param {{ service: string, path: string }} item @param {string} label
 */
async function clickItem(bus, item, label) {
  const { menu, items } = await menuOf(bus, item);
  const entry = items.find((i) => i.label === label);
  assert.ok(entry, `"${label}" in the tray menu (${items.map((i) => i.label).join(' | ')})`);
  await call(bus, item.service, menu, 'com.canonical.dbusmenu.Event', String(entry.id), 'clicked', '<0>', 'uint32 0');
}

/** The app's visible top-level windows on `display`. @param {string} display */
const visibleWindows = (display) => run('xdotool', ['search', '--onlyvisible', '--name', 'lancall'], { env: { ...process.env, DISPLAY: display } })
  .then((r) => r.stdout.trim().split(/\s+/).filter(Boolean), () => /** @type {string[]} */ ([]));

describe('the tray icon while the Linux app hosts', () => {
  /** @type {Awaited<ReturnType<typeof startXvfb>>} */ let x;
  /** @type {Bus} */ let bus;
  /** @type {Awaited<ReturnType<typeof launch>>} */ let browser;
  /** @type {Awaited<ReturnType<typeof startApp>>} */ let app;
  /** @type {import('playwright-core').Page} */ let guest;
  /** @type {{ service: string, path: string }} */ let icon;
  const room = `tray-${process.pid}`;

  before(async () => {
    x = await startXvfb();
    bus = await startBus();
    browser = await launch();
    app = await startApp(['host', '--room', room, '--port', '0', '--no-waiting-room'], x.display, { bus: bus.address });
  });

  after(async () => {
    const result = await app?.stop();
    if ((result && result.code !== 0 && result.signal !== null) || process.env.APP_LOG) console.error(app?.log());
    await browser?.close();
    await bus?.stop();
    await x?.stop();
  });

  /** The status line of the icon's menu, once it says `re`. @param {RegExp} re @param {string} what */
  const statusSays = (re, what) => until(async () => {
    const { items } = await menuOf(bus, icon).catch(() => ({ items: [] }));
    return items.find((i) => re.test(i.label)) ?? false;
  }, what, 20_000);

  it('hosting puts up the icon: the room and 1 person, then 2 when a guest joins', async () => {
    const [, link] = await app.stdoutMatch(/^Invite: (http:\/\/127\.0\.0\.1:\d+\/#room=\S+)$/m);
    await until(() => app.states().some((s) => s.phase === 'in-call'), 'the app in its own call', 45_000);
    icon = await until(() => bus.items[0], 'the app\'s icon registered with the watcher', 20_000);
    const one = await statusSays(new RegExp(`^Hosting “${room}” — 1 person$`), 'the icon saying the room and 1 person');
    assert.equal(one.enabled, false, 'the status line is not a button');
    const { items } = await menuOf(bus, icon);
    assert.deepEqual(items.filter((i) => i.enabled).map((i) => i.label), ['Show lancall', 'Copy invite link', 'Stop hosting']);
    guest = await browser.page(new URL(link).origin);
    await guest.goto(`${link}&name=Guest&autojoin=1`);
    await waitFor(guest, () => window.lancall?.phase() === 'in-call', { what: 'the guest in the call', timeout: 30_000 });
    await statusSays(/— 2 people$/, 'the icon counting 2 people');
  });

  it('Copy invite link puts the link on the clipboard', async () => {
    await clickItem(bus, icon, 'Copy invite link');
    const copied = await until(() => run('xclip', ['-o', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: x.display }, timeout: 5000 })
      .then((r) => r.stdout.includes(`#room=${room}`) && r.stdout, () => false), 'the invite link on the clipboard', 10_000);
    assert.match(String(copied), /^https?:\/\/[^/]+\/#room=/);
  });

  it('closing the window asks; Keep hosting hides it, the guest stays; Show brings it back', async () => {
    const [win] = await visibleWindows(x.display);
    assert.ok(win, 'the app\'s window is on screen');
    await run(PYTHON, [join(REPO, 'tests/e2e/support/wm-close.py'), win], { env: { ...process.env, DISPLAY: x.display } });
    // The dialog opens with its first button, Cancel, focused: Tab to Stop
    // hosting and quit, Tab to Keep hosting in the tray, Enter.
    await sleep(1500);
    assert.deepEqual(await visibleWindows(x.display), [win], 'the window stays until the person answers');
    await run('xdotool', ['windowactivate', '--sync', win, 'key', '--clearmodifiers', 'Tab', 'Tab', 'Return'], { env: { ...process.env, DISPLAY: x.display } })
      .catch(() => run('xdotool', ['windowfocus', '--sync', win, 'key', '--window', win, 'Tab', 'Tab', 'Return'], { env: { ...process.env, DISPLAY: x.display } }));
    await until(async () => (await visibleWindows(x.display)).length === 0, 'the window hidden, kept in the tray', 10_000);
    await sleep(2000);
    assert.equal(await guest.evaluate(() => window.lancall.phase()), 'in-call', 'the guest is still in the call');
    assert.equal(app.process.exitCode, null, 'the app runs on');
    await clickItem(bus, icon, 'Show lancall');
    await until(async () => (await visibleWindows(x.display)).length > 0, 'the window back from the tray', 10_000);
  });

  it('Stop hosting ends the call for the guest and takes the icon down; a close then quits', async () => {
    await clickItem(bus, icon, 'Stop hosting');
    await waitFor(guest, () => window.lancall?.phase() !== 'in-call', { what: 'the guest told the call ended', timeout: 20_000 });
    // Gone, or Passive: the status a panel hides an icon for (how
    // libayatana-appindicator takes one down).
    const gone = await until(() => call(bus, icon.service, icon.path, 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', 'Status')
      .then((s) => s.includes("'Passive'") && 'passive', () => 'gone'), 'the icon taken down', 10_000);
    console.log(`after Stop hosting the icon is ${gone}`);
    const [win] = await visibleWindows(x.display);
    await run(PYTHON, [join(REPO, 'tests/e2e/support/wm-close.py'), win], { env: { ...process.env, DISPLAY: x.display } });
    await until(() => app.process.exitCode !== null || app.process.signalCode !== null, 'the app quitting on close, not hosting', 15_000);
    assert.equal(app.process.exitCode, 0);
  });
});
