// The desktop app as a person runs it: `lancall host|join …` in a real
// window on a private Xvfb display, with WebKitGTK's mock camera and
// microphone, watched through its log and screenshots of its display.
import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LANCALL_BIN } from './server.js';

const run = promisify(execFile);

/**
 * A private X display on a number Xvfb picks (-displayfd).
 * @returns {Promise<{ display: string, stop: () => Promise<void> }>}
 */
export async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb gave no display number in 10 s')), 10_000);
    /** @type {import('node:stream').Readable} */ (child.stdio[3]).on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(timer); resolve(`:${out.trim()}`); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`Xvfb did not start (run scripts/install-deps.sh): ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited (${code})`)); });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    display,
    async stop() { child.kill('SIGTERM'); await exited; },
  };
}

/** @type {Map<string, Promise<boolean>>} */
const hooked = new Map();

/**
 * The mock camera and the state probe are test hooks, compiled only into
 * builds with the `test-hooks` feature (their names are in the binary only
 * then): fail at once, saying so, rather than wait for reports that never come.
 * @param {string} bin
 */
async function assertTestHooks(bin) {
  if (!hooked.has(bin)) {
    hooked.set(bin, readFile(bin).then((b) => {
      // A wrapper script (support/netns.js wrapIn) names the program it runs.
      const runs = b.subarray(0, 2).toString() === '#!' ? b.toString().match(/^# runs: (.+)$/m)?.[1] : undefined;
      return runs ? readFile(runs).then((r) => r.includes('LANCALL_STATE_PROBE')) : b.includes('LANCALL_STATE_PROBE');
    }));
  }
  if (!(await hooked.get(bin))) {
    throw new Error(`${bin} was built without the test hooks: build it with \`cargo build --bin lancall --features test-hooks\` (make test does)`);
  }
}

/**
 * Start the app with `args` on `display`, its settings in a fresh folder.
 * The log (stderr) and stdout are kept; `states()` gives what the app's
 * state probe reported so far.
 * @param {string[]} args
 * @param {string} display
 * @param {{ bin?: string, probe?: boolean, settings?: Record<string, unknown>, bus?: string, env?: Record<string, string>, config?: string }} [options]
 *   another build (the benchmark's); probe: false leaves the state probe
 *   off; settings: what the app finds saved from an earlier run; bus: a
 *   D-Bus session (startBus) where apps sharing it are one instance (the
 *   single-instance plugin), else each app is alone, whatever bus the
 *   machine running the tests has, so tests may run several at once; env:
 *   more variables (HOME, or a bus given as DBUS_SESSION_BUS_ADDRESS);
 *   config: a config folder (XDG_CONFIG_HOME) of the test's, kept when the
 *   app stops, for a second run
 */
export async function startApp(args, display, { bin = LANCALL_BIN, probe = true, settings, bus, env = {}, config: given } = {}) {
  if (probe) await assertTestHooks(bin);
  const config = given ?? await mkdtemp(join(tmpdir(), 'lancall-app-config-'));
  if (settings) {
    // Where Tauri keeps the app's config (XDG_CONFIG_HOME below, then the identifier).
    const dir = join(config, 'app.lancall.desktop');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'settings.json'), JSON.stringify(settings));
  }
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DISPLAY: display,
      XDG_CONFIG_HOME: config,
      RUST_LOG: process.env.APP_RUST_LOG || 'info',
      NO_COLOR: '1',
      LANCALL_MOCK_CAPTURE: '1',
      // No mDNS: tests never send to the shared network.
      LANCALL_MDNS: '0',
      // A bus that isn't there: no single-instance hand-over to another
      // test's app, or to a lancall the person runs.
      DBUS_SESSION_BUS_ADDRESS: bus ?? `unix:path=${join(config, 'no-bus')}`,
      ...(probe ? { LANCALL_STATE_PROBE: '1' } : {}),
      // Software rendering: Xvfb has no GPU.
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
      LIBGL_ALWAYS_SOFTWARE: '1',
      ...env,
    },
  });
  let stdout = '';
  let log = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    process: child,
    config,
    stdout: () => stdout,
    log: () => log,
    /** Every `state probe` result logged so far, oldest first, each with `at`: when it was logged (ms since the epoch). */
    states() {
      return [...log.matchAll(/^(\S+)\s.*state probe.*?result=(\{.*\})\s*$/gm)].map((m) => ({ at: Date.parse(m[1]), ...JSON.parse(m[2]) }));
    },
    /** Wait for a line of stdout matching `re`; resolves to the match. */
    async stdoutMatch(/** @type {RegExp} */ re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = stdout.match(re);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${log}`);
        if (Date.now() > deadline) throw new Error(`no ${re} on the app's stdout in ${timeoutMs} ms:\n${stdout}\n${log}`);
        await sleep(100);
      }
    },
    /** SIGTERM (like a session ending), and wait for the exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const result = await exited;
        clearTimeout(timer);
        if (!given) await rm(config, { recursive: true, force: true });
        return result;
      }
      if (!given) await rm(config, { recursive: true, force: true });
      return exited;
    },
  };
}

/**
 * A private D-Bus session bus, for apps that should find each other (the
 * single-instance plugin looks for the running lancall there).
 * @returns {Promise<{ address: string, stop: () => Promise<void> }>}
 */
export async function startBus() {
  const dir = await mkdtemp(join(tmpdir(), 'lancall-bus-'));
  const child = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const address = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dbus-daemon gave no address in 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(timer); resolve(out.trim()); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`dbus-daemon did not start (install dbus): ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dbus-daemon exited (${code})`)); });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    address,
    async stop() { child.kill('SIGTERM'); await exited; await rm(dir, { recursive: true, force: true }); },
  };
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `fn` until it returns a truthy value (or throw after `timeoutMs`).
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {string | (() => string)} what  what is awaited; a function is asked only on a timeout, to say what was seen
 */
export async function until(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(200);
  }
}

/**
 * A PNG of the whole display, written to `file`.
 * @param {string} display
 * @param {string} file
 */
export async function screenshot(display, file) {
  await run('import', ['-display', display, '-window', 'root', file]);
}

/**
 * Mean and standard deviation of a picture's pixels (0..1): a blank
 * window has a deviation near zero.
 * @param {string} file
 */
export async function pixelStats(file) {
  const { stdout } = await run('convert', [file, '-colorspace', 'Gray', '-format', '%[fx:mean] %[fx:standard_deviation]', 'info:']);
  const [mean, sd] = stdout.trim().split(/\s+/).map(Number);
  return { mean, sd };
}

/**
 * How many pixels differ between two pictures of the same size.
 * @param {string} a
 * @param {string} b
 */
export async function differingPixels(a, b) {
  // `compare` exits 1 when the pictures differ; the count is on stderr.
  const out = await run('compare', ['-metric', 'AE', '-fuzz', '2%', a, b, 'null:']).catch((e) => e);
  return Number(String(out.stderr).trim().split(/\s+/)[0]);
}

/**
 * The X windows of the app (`lancall` in their title), as xdotool finds them.
 * @param {string} display
 */
export async function appWindows(display) {
  const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--name', 'lancall'], { env: { ...process.env, DISPLAY: display } });
  return stdout.trim().split(/\s+/).filter(Boolean);
}

/**
 * The app's top-level window (the largest of its windows holding the whole
 * page) and its place and size on the screen, as xdotool reads them.
 * @param {string} display
 * @param {{ width: number, height: number }} [viewport]  the page's size, from the probe
 */
export async function appWindow(display, viewport = { width: 0, height: 0 }) {
  const env = { ...process.env, DISPLAY: display };
  /** @type {{ id: string, x: number, y: number, width: number, height: number } | null} */
  let win = null;
  for (const id of await appWindows(display)) {
    const { stdout } = await run('xdotool', ['getwindowgeometry', '--shell', id], { env });
    const g = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('=')));
    const candidate = { id, x: Number(g.X), y: Number(g.Y), width: Number(g.WIDTH), height: Number(g.HEIGHT) };
    if (candidate.width >= viewport.width && candidate.height >= viewport.height && (!win || candidate.height > win.height)) win = candidate;
  }
  return win;
}

/**
 * Click, with the X server's own pointer, the point (x, y) of the page in
 * the app's window: the window's place on the screen from xdotool, the
 * page at the bottom of it (the menu bar above), as the probe measured it.
 * @param {string} display
 * @param {{ x: number, y: number }} point  in the page's CSS pixels (the window has a scale of 1)
 * @param {{ width: number, height: number }} viewport  the page's size, from the probe
 */
export async function clickInApp(display, point, viewport) {
  const env = { ...process.env, DISPLAY: display };
  // A window that goes while xdotool looks (a menu, a tooltip) fails the search: look again.
  const win = await until(() => appWindow(display, viewport).catch(() => null), `the app's window on ${display} (xdotool)`, 10_000);
  const x = Math.round(win.x + point.x);
  const y = Math.round(win.y + (win.height - viewport.height) + point.y);
  // Off the window first: `mousemove --sync` waits for the pointer to move,
  // and one already on that pixel (a button clicked again in the same
  // place) never does; that wait took 16 s.
  await run('xdotool', ['mousemove', '--sync', '0', '0', 'mousemove', '--sync', String(x), String(y), 'click', '1'], { env });
  return { x, y };
}

/** The centre of a box the probe measured. @param {{ x: number, y: number, width: number, height: number }} r */
export const centre = (r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });

/**
 * Another window in front, with the keyboard focus: the app is in the background.
 * `focus()` gives it the focus again (after a click in the app).
 * @param {string} display
 */
export async function otherWindow(display) {
  const env = { ...process.env, DISPLAY: display };
  const child = spawn('xmessage', ['-geometry', '240x80+0+0', 'another window'], { env, stdio: 'ignore' });
  const id = await until(async () => (await run('xdotool', ['search', '--name', '^xmessage$'], { env }).catch(() => ({ stdout: '' }))).stdout.trim().split(/\s+/)[0],
    'the other window');
  const focus = () => run('xdotool', ['windowfocus', '--sync', id], { env });
  await focus();
  return { focus, close: () => child.kill() };
}
