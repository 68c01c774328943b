// A real `lancall serve` process for browser tests, and a static file server
// to serve pages from another origin.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * The seed page's folder, ../shared/seed beside the checkout. The forge's
 * workflow has no ../shared and sets LANCALL_SEED_OPTIONAL=1, which makes the
 * seed tests skips there; anywhere else a missing seed page fails them.
 */
export const SEED_DIR = join(REPO, '..', 'shared', 'seed');
export const seedMissing = () =>
  process.env.LANCALL_SEED_OPTIONAL === '1' && !existsSync(join(SEED_DIR, 'video.html')) ? 'no ../shared/seed here' : false;

export const LANCALL_BIN = process.env.LANCALL_BIN || join(REPO, 'target/debug/lancall');

/**
 * Start `lancall serve` with `args` (add `--port 0` for any free port) and
 * wait for its banner. Resolves to { port, url, wsUrl, stop, process }.
 * @param {string[]} args
 */
export async function startServer(args = ['--bind', '127.0.0.1', '--port', '0']) {
  const child = spawn(LANCALL_BIN, ['serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let log = '';
  let out = '';
  child.stderr.on('data', (d) => { log += d; });
  // LANCALL_SERVE_START_MS: a slower start, for lancall.exe under Wine
  // (make windows-check), whose first start in a session boots Wine.
  const startMs = Number(process.env.LANCALL_SERVE_START_MS) || 15_000;
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`lancall serve printed no banner in ${startMs / 1000} s; log:\n${log}`)), startMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/ws:\/\/[^\s/]+:(\d+)\/ws/);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`lancall serve exited (${code}):\n${log}`)); });
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    process: child,
    log: () => log,
    /** What it printed on stdout so far (the banner). */
    stdout: () => out,
    /** SIGTERM, and wait for a graceful exit. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** GET /healthz of a server on `port`. */
export async function health(port) {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return res.json();
}

/** True if something already listens on 127.0.0.1:`port`. */
export function portInUse(port) {
  return new Promise((r) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

/**
 * Take the machine-wide lock for a fixed port (a directory made atomically),
 * then wait until nothing listens on it. Tests that need the seed page's
 * hard-coded port 8070 share a machine with other runs; they take turns.
 * Resolves to a function that releases the lock.
 * @param {number} port
 * @param {number} [timeoutMs]
 */
export async function claimPort(port, timeoutMs = 180_000) {
  const lock = join(tmpdir(), `lancall-port-${port}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      // A lock left by a run that died is stale after five minutes.
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`port ${port} stayed locked by another test run (${lock})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  while (await portInUse(port)) {
    if (Date.now() > deadline) {
      await rm(lock, { recursive: true, force: true });
      throw new Error(`port ${port} is taken by another program; the seed page only talks to ws://localhost:${port}/ws`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return () => rm(lock, { recursive: true, force: true });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

/**
 * Serve the files of `dir` on 127.0.0.1, port 0. Resolves to { origin, close }.
 * @param {string} dir
 */
export async function serveStatic(dir) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r(undefined))),
  };
}
