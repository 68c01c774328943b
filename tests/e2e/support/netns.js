// Two network namespaces joined by a veth pair: two "machines" on one LAN,
// made and removed by the test (root only). Nothing else is reachable from
// inside them: each has only its loopback and its end of the veth, with an
// address of the test's own and no route anywhere else.
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM } from './browser.js';

/** @typedef {{ name: string, ip: string, link: string, exec: (cmd: string, args: string[], o?: import('node:child_process').SpawnOptions) => import('node:child_process').ChildProcess }} Host */

/** @param {string[]} args */
const ip = (args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/**
 * Why namespaces can't be made here, or null when they can.
 * @returns {string | null}
 */
export function netnsUnavailable() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'not root: network namespaces need CAP_SYS_ADMIN (run `make test` as root, as CI does)';
  }
  try {
    ip(['netns', 'list']);
  } catch (e) {
    return `the ip command cannot manage namespaces: ${/** @type {Error} */ (e).message}`;
  }
  return null;
}

/**
 * Make the two hosts: `a` at 10.213.0.1/24 and `b` at 10.213.0.2/24.
 * `remove()` deletes both namespaces (and with them the veth pair); it is
 * also run if the process exits first.
 */
export function makeLan() {
  const tag = `${process.pid % 100000}`;
  const names = [`lancall-a${tag}`, `lancall-b${tag}`];
  const links = [`lcva${tag}`, `lcvb${tag}`];
  const ips = ['10.213.0.1', '10.213.0.2'];
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const ns of names) {
      try { ip(['netns', 'del', ns]); } catch { /* already gone */ }
    }
  };
  process.once('exit', remove);
  try {
    for (const ns of names) ip(['netns', 'add', ns]);
    ip(['link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]]);
    names.forEach((ns, i) => {
      ip(['link', 'set', links[i], 'netns', ns]);
      ip(['-n', ns, 'addr', 'add', `${ips[i]}/24`, 'dev', links[i]]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', links[i], 'up']);
    });
  } catch (e) {
    remove();
    throw e;
  }
  /** @type {(i: number) => Host} */
  const host = (i) => ({
    name: names[i],
    ip: ips[i],
    /** Its end of the veth (in its namespace). */
    link: links[i],
    exec: (cmd, args, o = {}) => spawn('ip', ['netns', 'exec', names[i], cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...o }),
  });
  return { a: host(0), b: host(1), remove };
}

/**
 * An executable that runs `executable` inside `host`'s namespace, with the
 * arguments and environment it is given: for playwright's executablePath
 * (its pipe to Chromium survives `ip netns exec`) or the app's binary.
 * @param {Host} host
 * @param {string} [executable] Debian's Chromium unless told
 */
export async function wrapIn(host, executable = CHROMIUM) {
  const dir = await mkdtemp(join(tmpdir(), 'lancall-netns-'));
  const path = join(dir, 'in-netns');
  // The second line names what it runs, for whoever must look at the
  // program itself (support/app.js checks it was built with the test hooks).
  await writeFile(path, `#!/bin/sh\n# runs: ${executable}\nexec ip netns exec ${host.name} ${executable} "$@"\n`);
  await chmod(path, 0o755);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Debian's Chromium inside `host`'s namespace (see `wrapIn`). @param {Host} host */
export const chromiumIn = (host) => wrapIn(host);

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `lancall serve` (the binary `bin`) inside `host`'s namespace, on every
 * address of it and a port it picks, with `flags`; resolves once its banner
 * names the port. `stop()` ends it (SIGTERM, then SIGKILL after 5 s).
 * @param {Host} host
 * @param {string} bin
 * @param {string[]} flags
 * @param {number} timeoutMs  for the banner
 */
export async function serveIn(host, bin, flags, timeoutMs) {
  const server = host.exec(bin, ['serve', '--bind', '0.0.0.0', '--port', '0', ...flags],
    { env: { ...process.env, RUST_LOG: 'warn' } });
  let log = '';
  server.stderr?.on('data', (d) => { log += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`lancall serve in ${host.name} printed no banner in ${timeoutMs / 1000} s:\n${log}`)), timeoutMs);
    server.stdout?.on('data', (d) => {
      out += d;
      const m = out.match(/ws:\/\/[^\s/]+:(\d+)\/ws/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`lancall serve exited (${code}):\n${log}`)); });
  });
  return {
    port: /** @type {number} */ (port),
    log: () => log,
    async stop() {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Take `host`'s end of the veth down for `ms`, as a pulled cable or a
 * Wi-Fi drop would, then up again.
 * @param {Host} host @param {number} ms
 */
export async function linkDown(host, ms) {
  const set = (/** @type {string} */ state) => ip(['-n', host.name, 'link', 'set', host.link, state]);
  set('down');
  try {
    await sleep(ms);
  } finally {
    set('up');
  }
}
