// A private Wayland desktop with a ScreenCast portal, made and removed by a
// test (tests/e2e/app-screen-portal.test.js): its own D-Bus session bus, a
// headless sway (wlroots, software rendering) whose only output shows one
// colour, PipeWire and WirePlumber, and xdg-desktop-portal with the wlroots
// backend (xdg-desktop-portal-wlr) set to cast that output with no picker.
// Nothing of it touches the machine's own session: every socket sits in a
// folder of the test's own.
import { execFile, spawn } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const XDP = '/usr/libexec/xdg-desktop-portal';
const XDPW = '/usr/libexec/xdg-desktop-portal-wlr';
const SHIM = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'xdpw-shm.c');
/** sway refuses to run as root (it could not drop the privilege); as root the test runs it as nobody. */
const NOBODY = 65534;

/**
 * Why the desktop can't be made here (a program missing), or null.
 * @returns {Promise<string | null>}
 */
export async function desktopUnavailable() {
  const need = [['sway', 'sway'], ['swaybg', 'swaybg'], ['pipewire', 'pipewire'], ['wireplumber', 'wireplumber'],
    ['dbus-daemon', 'dbus-daemon'], ['dbus-send', 'dbus-bin'], ['cc', 'build-essential'], [XDP, 'xdg-desktop-portal'], [XDPW, 'xdg-desktop-portal-wlr']];
  for (const [program, pkg] of need) {
    const found = program.startsWith('/') ? await access(program).then(() => true, () => false)
      : await run('sh', ['-c', `command -v ${program}`]).then(() => true, () => false);
    if (!found) return `${program} is missing (apt package ${pkg}; scripts/install-deps.sh installs it)`;
  }
  return null;
}

/**
 * @typedef {'none' | 'fail'} Chooser  none: xdpw casts the output it is told,
 *   with no picker; fail: its picker command fails, as a person cancelling it
 */

/**
 * Make the desktop, its one output painted `background` (#rrggbb).
 * `env` is what a program needs to use its portal (the session bus).
 * @param {{ background: string }} options
 */
export async function startDesktop({ background }) {
  const root = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'lancall-desktop-'));
  await chmod(dir, 0o755);
  const runtime = join(dir, 'run');
  const swayRuntime = join(dir, 'sway-run');
  const config = join(dir, 'config');
  for (const d of [runtime, swayRuntime, join(dir, 'home'), join(dir, 'data'), join(config, 'xdg-desktop-portal-wlr')]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
  if (root) await chown(swayRuntime, NOBODY, NOBODY);
  const swayConfig = join(dir, 'sway.conf');
  await writeFile(swayConfig, `output * bg ${background} solid_color\n`, { mode: 0o644 });
  const shim = join(dir, 'xdpw-shm.so');
  await run('cc', ['-shared', '-fPIC', '-O2', '-o', shim, SHIM, '-ldl']);

  /** @type {{ name: string, child: import('node:child_process').ChildProcess, log: string[] }[]} */
  const procs = [];
  const env = {
    ...process.env,
    XDG_RUNTIME_DIR: runtime,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: config,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CURRENT_DESKTOP: 'sway',
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(runtime, 'bus')}`,
    WAYLAND_DISPLAY: '',
  };
  delete env.DISPLAY;
  /**
   * @param {string} name @param {string} cmd @param {string[]} args
   * @param {Record<string, string | undefined>} [extra]
   */
  const start = (name, cmd, args, extra = {}) => {
    const child = spawn(cmd, args, { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {string[]} */
    const log = [];
    const keep = (/** @type {Buffer} */ d) => { log.push(d.toString()); if (log.length > 400) log.splice(0, 100); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const p = { name, child, log };
    procs.push(p);
    return p;
  };
  /** @param {() => Promise<unknown>} check @param {string} what */
  const until = async (check, what, ms = 15_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check().catch(() => null);
      if (v) return v;
      const dead = procs.find((p) => p.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}) before ${what}:\n${dead.log.join('').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no ${what} in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** @param {string} name */
  const owned = (name) => run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner', `string:${name}`], { env }).then((r) => r.stdout.includes('boolean true'));

  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        const gone = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const bus = start('dbus-daemon', 'dbus-daemon', ['--session', `--address=${env.DBUS_SESSION_BUS_ADDRESS}`, '--nofork', '--print-address']);
    await until(async () => bus.log.join('').includes('unix:path='), 'session bus address');

    const swayEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      XDG_RUNTIME_DIR: swayRuntime,
      HOME: swayRuntime,
      WLR_BACKENDS: 'headless',
      WLR_RENDERER: 'pixman',
      WLR_LIBINPUT_NO_DEVICES: '1',
    };
    const swayArgs = ['-c', swayConfig];
    const envArgs = Object.entries(swayEnv).map(([k, v]) => `${k}=${v}`);
    // env -i: sway gets only what it needs (no session bus of ours: it
    // must not start portals itself), as nobody when we are root.
    start('sway', 'env', ['-i', ...envArgs, ...(root ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : []), 'sway', ...swayArgs]);
    const socket = /** @type {string} */ (await until(async () => (await readdir(swayRuntime)).find((f) => /^wayland-\d+$/.test(f)), 'sway\'s Wayland socket'));
    const swaysock = /** @type {string} */ (await until(async () => (await readdir(swayRuntime)).find((f) => f.startsWith('sway-ipc.')), 'sway\'s IPC socket'));
    env.WAYLAND_DISPLAY = join(swayRuntime, socket);
    const swaymsg = (/** @type {string[]} */ args) => run('swaymsg', ['-s', join(swayRuntime, swaysock), ...args]);
    // sway answers on its IPC socket, its headless output there.
    await until(async () => (await swaymsg(['-t', 'get_outputs'])).stdout.includes('HEADLESS-1'), 'sway\'s headless output');

    start('pipewire', 'pipewire', []);
    await until(async () => (await readdir(runtime)).includes('pipewire-0'), 'PipeWire\'s socket');
    start('wireplumber', 'wireplumber', []);

    /** @type {ReturnType<typeof start> | null} */
    let backend = null;
    /** Start (or start again) the wlroots portal backend with `chooser`. @param {Chooser} chooser */
    const startBackend = async (chooser) => {
      if (backend) {
        // xdpw 0.7.0 may have crashed already, on a cast ended under it.
        if (backend.child.exitCode === null && backend.child.signalCode === null) {
          const gone = new Promise((r) => backend?.child.once('exit', r));
          backend.child.kill('SIGTERM');
          await gone;
        }
        procs.splice(procs.indexOf(backend), 1);
      }
      const picker = chooser === 'none'
        ? 'chooser_type=none\noutput_name=HEADLESS-1\n'
        // A picker that fails: xdpw answers SelectSources "cancelled".
        : 'chooser_type=simple\nchooser_cmd=false\n';
      await writeFile(join(config, 'xdg-desktop-portal-wlr', 'config'), `[screencast]\n${picker}max_fps=15\n`);
      backend = start('xdg-desktop-portal-wlr', XDPW, ['-l', 'DEBUG'], { LD_PRELOAD: shim });
      await until(() => owned('org.freedesktop.impl.portal.desktop.wlr'), 'xdg-desktop-portal-wlr on the bus');
    };
    await startBackend('none');
    start('xdg-desktop-portal', XDP, ['-v']);
    await until(() => owned('org.freedesktop.portal.Desktop'), 'xdg-desktop-portal on the bus');

    return {
      env: { DBUS_SESSION_BUS_ADDRESS: env.DBUS_SESSION_BUS_ADDRESS },
      swaymsg,
      startBackend,
      /**
       * End every cast as the system would: xdpw's sessions closed from
       * outside the app. xdpw 0.7.0 removes the stream at its next frame,
       * which comes when the output changes: the caller repaints it.
       */
      async endCasts() {
        const log = backend?.log.join('') ?? '';
        const sessions = [...new Set([...log.matchAll(/session_handle: (\/\S+)/g)].map((m) => m[1]))];
        for (const path of sessions) {
          await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.impl.portal.desktop.wlr', path,
            'org.freedesktop.impl.portal.Session.Close'], { env }).catch(() => {});
        }
        return sessions.length;
      },
      /** The portal processes' logs, for a failure's report. */
      log: () => procs.map((p) => `== ${p.name}\n${p.log.join('').slice(-4000)}`).join('\n'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
