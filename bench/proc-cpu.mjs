// CPU time of process trees and their threads from /proc (Linux), for
// bench/screen-share.mjs: a sender's whole tree (a browser's renderer, GPU
// and utility processes; the app's WebKit processes) counted over a window.
import { readFileSync, readdirSync } from 'node:fs';

/** utime + stime of each process of the tree under `root` (itself included), in clock ticks, by pid. @param {number} root */
export function treeTicks(root) {
  /** @type {Map<number, { ppid: number, ticks: number }>} */
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
    // After the name, which may hold spaces: state(0) ppid(1) … utime(11) stime(12).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    all.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  /** @type {Map<number, number>} */
  const out = new Map();
  const todo = [root];
  while (todo.length) {
    const pid = /** @type {number} */ (todo.pop());
    const p = all.get(pid);
    if (!p || out.has(pid)) continue;
    out.set(pid, p.ticks);
    for (const [child, c] of all) if (c.ppid === pid) todo.push(child);
  }
  return out;
}

/**
 * Ticks of each thread of `pids`, by pid/tid, with a name: the process's
 * (Chromium's --type, "browser" for its main one) and the thread's own.
 * @param {Iterable<number>} pids
 */
export function threadTicks(pids) {
  /** @type {Map<string, { name: string, ticks: number }>} */
  const out = new Map();
  for (const pid of pids) {
    try {
      // Chromium's children rewrite their command line as one string.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const proc = /chrom/.test(cmd) ? (cmd.match(/--type=([\w-]+)/)?.[1] ?? 'browser') : (cmd.split(' ')[0].split('/').pop() ?? '');
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { name: `${proc}: ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`, ticks: Number(f[11]) + Number(f[12]) });
      }
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** The pid of the browser this process started with `marker` among its flags. @param {string} marker */
export function browserPid(marker) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(marker)) return Number(name);
    } catch { /* gone meanwhile */ }
  }
  throw new Error(`no browser process with ${marker}`);
}
