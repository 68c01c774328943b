// The desktop app's cost to a person: cold start to a ready window (process
// spawned → page loaded, as the app logs it), idle memory of the app and its
// webview processes, and the .deb size — each beside the same figure for a
// minimal Tauri window (bench/minimal-window) built and measured in the same
// run, alternating runs so both see the same machine. Goals: ready in under
// 1 s, idle under 150 MiB, .deb under 10 MiB.
//
//   make bench-app           (or: node bench/app-start.mjs [--runs N])
//
// Needs both release builds and bundles (`make bench-app` makes them) and
// Xvfb. "Cold" means a new process each run; the OS's file cache is warm
// after the first, for both alike.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from '../tests/e2e/support/server.js';
import { sleep, startApp, startXvfb } from '../tests/e2e/support/app.js';

const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 7;
/** How long a window idles before its memory is read. */
const IDLE_MS = 5_000;

const SUBJECTS = [
  { name: 'lancall', bin: join(REPO, 'target/release/lancall'), args: [], ready: /window ready/, deb: /^lancall_.*\.deb$/ },
  { name: 'minimal Tauri window', bin: join(REPO, 'target/release/minimal-window'), args: [], ready: /^ready after/m, deb: /^minimal-window_.*\.deb$/ },
];

/** Pids of `pid` and all its descendants. */
async function tree(pid) {
  const children = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const out = [];
  const todo = [pid];
  while (todo.length) {
    const p = /** @type {number} */ (todo.pop());
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * Summed RSS, PSS and anonymous memory (KiB) of `pid` and its descendants,
 * with their names. RSS counts shared libraries once per process; PSS
 * shares them out, so it is the fair total; anonymous is what the processes
 * made themselves (heaps, JIT), without any library.
 */
async function memory(pid) {
  let rss = 0;
  let pss = 0;
  let anon = 0;
  const names = [];
  for (const p of await tree(pid)) {
    const rollup = await readFile(`/proc/${p}/smaps_rollup`, 'utf8').catch(() => '');
    rss += Number(rollup.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
    pss += Number(rollup.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
    anon += Number(rollup.match(/^Anonymous:\s+(\d+)/m)?.[1] ?? 0);
    names.push((await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '?')).trim());
  }
  return { rss, pss, anon, names };
}

/** One cold start: ms to ready, then idle memory. */
async function once(subject, display) {
  const t0 = performance.now();
  const app = await startApp(subject.args, display, { bin: subject.bin, probe: false });
  let ready = 0;
  while (!ready) {
    if (subject.ready.test(app.log())) ready = performance.now() - t0;
    else if (app.process.exitCode !== null) throw new Error(`${subject.name} exited:\n${app.log()}`);
    else if (performance.now() - t0 > 30_000) throw new Error(`${subject.name} was not ready in 30 s:\n${app.log()}`);
    else await sleep(5);
  }
  await sleep(IDLE_MS);
  const mem = await memory(/** @type {number} */ (app.process.pid));
  await app.stop();
  return { ready, ...mem };
}

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (/** @type {number} */ kib) => (kib / 1024).toFixed(1);

async function debSize(subject) {
  for (const dir of ['target/release/bundle/deb']) {
    const files = await readdir(join(REPO, dir)).catch(() => []);
    const f = files.find((n) => subject.deb.test(n));
    if (f) return (await stat(join(REPO, dir, f))).size;
  }
  return NaN;
}

const x = await startXvfb();
try {
  /** @type {Record<string, Awaited<ReturnType<typeof once>>[]>} */
  const results = Object.fromEntries(SUBJECTS.map((s) => [s.name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const s of SUBJECTS) results[s.name].push(await once(s, x.display));
  }
  console.log(`app start and idle memory, ${RUNS} cold starts each, alternating, under Xvfb (median)`);
  console.log('subject                 ready ms   idle RSS MiB   idle PSS MiB  anon MiB   .deb MiB   processes');
  for (const s of SUBJECTS) {
    const r = results[s.name];
    const deb = await debSize(s);
    console.log(
      `${s.name.padEnd(22)} ${median(r.map((v) => v.ready)).toFixed(0).padStart(8)} ${mib(median(r.map((v) => v.rss))).padStart(14)} ` +
      `${mib(median(r.map((v) => v.pss))).padStart(14)} ${mib(median(r.map((v) => v.anon))).padStart(9)} ${(deb / 1048576).toFixed(2).padStart(10)}   ${r[0].names.join(', ')}`,
    );
  }
  console.log('goals for lancall: ready < 1000 ms, idle < 150 MiB (PSS), .deb < 10 MiB');
} finally {
  await x.stop();
}
