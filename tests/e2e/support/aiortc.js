// aiortc, the independent WebRTC peer of the interop tests
// (tests/interop/aiortc-peer.py), run from the venv scripts/install-deps.sh
// makes, and watched through the JSON lines it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './server.js';

export const VENV_PYTHON = join(REPO, 'target', 'interop-venv', 'bin', 'python');
const SCRIPT = join(REPO, 'tests', 'interop', 'aiortc-peer.py');

/**
 * @typedef {{ event: string, [field: string]: any }} Report
 * @typedef {{ ws: string, room: string, name?: string, protocol?: 'seed' | 'v1', offer?: 'join' | 'always' | 'never',
 *   chatBytes?: number }} PeerOptions  chatBytes: send a chat message this long over the data channel (a hostile peer)
 */

/**
 * Start an aiortc peer in `room`. `until(fn)` waits for `fn(reports)` to be
 * truthy; `frames(peer)` is the last frame count it reported from a peer.
 * @param {PeerOptions} o
 */
export function startAiortc(o) {
  if (!existsSync(VENV_PYTHON)) throw new Error(`no aiortc venv at ${VENV_PYTHON}: run scripts/install-deps.sh`);
  const args = [SCRIPT, '--ws', o.ws, '--room', o.room, '--name', o.name ?? 'aiortc',
    '--protocol', o.protocol ?? 'v1', '--offer', o.offer ?? 'join', ...(o.chatBytes ? ['--chat-bytes', String(o.chatBytes)] : []),
    ...(process.env.AIORTC_VERBOSE ? ['--verbose'] : [])];
  const child = spawn(VENV_PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  /** @type {Report[]} */
  const reports = [];
  let log = '';
  let partial = '';
  /** @type {(() => void)[]} */
  let waiters = [];
  const wake = () => { const w = waiters; waiters = []; for (const f of w) f(); };
  child.stdout.on('data', (d) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try { reports.push(JSON.parse(line)); } catch { log += `${line}\n`; }
    }
    wake();
  });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => child.on('exit', (code, signal) => { wake(); r({ code, signal }); }));
  const errors = () => reports.filter((r) => r.event === 'error').map((r) => r.message);
  return {
    reports,
    log: () => log,
    errors,
    /** The id the host gave it (v1), once joined. */
    id: () => reports.find((r) => r.event === 'joined')?.peer_id ?? null,
    /**
     * Wait until `fn(reports)` is truthy; resolves to its value.
     * @template T
     * @param {(reports: Report[]) => T} fn
     * @param {string} what
     * @param {number} [timeoutMs]
     * @returns {Promise<T>}
     */
    async until(fn, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = fn(reports);
        if (v) return v;
        if (child.exitCode !== null) throw new Error(`aiortc exited (${child.exitCode}) before ${what}:\n${log}`);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`timed out waiting for aiortc: ${what}; its errors: ${JSON.stringify(errors())}; last reports: ${JSON.stringify(reports.slice(-5))}\n${log}`);
        }
        await new Promise((r) => { const t = setTimeout(r, left); waiters.push(() => { clearTimeout(t); r(undefined); }); });
      }
    },
    /** Frames decoded from each remote, by its key (peer id, or `seed`). */
    frames() {
      /** @type {Record<string, Report>} */
      const last = {};
      for (const r of reports) if (r.event === 'frames') last[r.peer] = r;
      return last;
    },
    /** Close its stdin (it closes its connections and exits), then wait. */
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Wait until aiortc decodes moving video from `n` remotes, more than
 * `min` frames and several different pictures from each.
 * @param {ReturnType<typeof startAiortc>} peer
 * @param {number} n
 * @param {string} what
 * @param {number} [timeoutMs]
 */
export function aiortcDecodes(peer, n, what, timeoutMs = 30_000, min = 10) {
  return peer.until(() => {
    const failed = peer.reports.find((r) => r.event === 'state' && r.state === 'failed');
    if (failed) throw new Error(`aiortc's connection to ${failed.peer} failed (waiting for moving video from ${what}); its errors: ${JSON.stringify(peer.errors())}`);
    const f = Object.values(peer.frames());
    return f.length >= n && f.every((r) => r.decoded > min && r.distinct > 3) && f;
  }, `moving video decoded from ${what}`, timeoutMs);
}
