// The layering docs/architecture.md describes, checked on the sources:
// no import cycles, each layer importing only what is below it, the view
// never touching an engine, and files of a size a newcomer can hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, cycles, jsGraph, rustGraph, topLevel } from './graph.mjs';

const rust = rustGraph();
const js = jsGraph();
const top = (m) => m.split('::')[0];

/** Edges out of the modules `from` matches into modules `to` matches. */
const crossing = (edges, from, to) => edges.filter(([a, b]) => from(a) && to(b)).map(([a, b]) => `${a} -> ${b}`);

describe('Rust modules (src-tauri/src)', () => {
  it('has no import cycle between top-level modules', () => {
    const t = topLevel(rust);
    assert.deepEqual(cycles(t.nodes, t.edges), []);
  });

  it('has no import cycle between files', () => {
    assert.deepEqual(cycles(rust.nodes, rust.edges), []);
  });

  it('keeps signal a library of its own: it imports no other module of the crate', () => {
    assert.deepEqual(crossing(rust.edges, (a) => top(a) === 'signal', (b) => top(b) !== 'signal'), []);
  });

  it('keeps signal free of GUI code: no tauri, gtk or webkit in it', () => {
    const hits = filesUnder(join(ROOT, 'src-tauri', 'src', 'signal'), '.rs')
      .filter((f) => /\b(tauri|gtk|webkit2gtk|gstreamer)::/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    assert.deepEqual(hits, []);
  });

  it('keeps media (the native engine) apart from the app, the server and the command line', () => {
    assert.deepEqual(crossing(rust.edges, (a) => top(a) === 'media', (b) => top(b) !== 'media'), []);
  });

  it('lets discovery lean on signal alone', () => {
    assert.deepEqual(crossing(rust.edges, (a) => top(a) === 'discovery', (b) => !['discovery', 'signal'].includes(top(b))), []);
  });

  it('puts the command line on top: nothing imports cli', () => {
    assert.deepEqual(crossing(rust.edges, (a) => top(a) !== 'cli', (b) => top(b) === 'cli'), []);
  });
});

describe('client modules (ui/js)', () => {
  it('has no import cycle', () => {
    assert.deepEqual(cycles(js.nodes, js.edges), []);
  });

  it('keeps the view off every engine: ui/js/view/ imports no connection, peer or engine module', () => {
    const engine = (m) => /^(engine|native-engine|peer|signaling|platform|media|call|hosting|desktop|main)\.js$|^(native|call)\//.test(m);
    assert.deepEqual(crossing(js.edges, (a) => a.startsWith('view/'), engine), []);
  });

  it('keeps networking apart from the page: signaling, peers, calls and engines import nothing from view/', () => {
    const network = (m) => /^(engine|native-engine|peer|signaling|call|sas|stats)\.js$|^(native|call)\//.test(m);
    assert.deepEqual(crossing(js.edges, network, (b) => b.startsWith('view/')), []);
  });

  it('has index.html preload every module main.js reaches, and no other', () => {
    // Without the preloads the browser finds the modules one import level at
    // a time, a round trip each, before the pre-join screen can start.
    const reached = new Set(['main.js']);
    for (let grew = true; grew;) {
      grew = false;
      for (const [a, b] of js.edges) if (reached.has(a) && !reached.has(b)) { reached.add(b); grew = true; }
    }
    const html = readFileSync(join(ROOT, 'ui', 'index.html'), 'utf8');
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="js\/([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual([...preloaded].sort(), [...reached].sort());
  });
});

describe('file size', () => {
  // ~400 lines is the aim (shared/style.md); past 450 a file says why at its top.
  const LIMIT = 450;
  it(`has no file over ${LIMIT} lines in src-tauri/src or ui/js without a reason at its top`, () => {
    const long = [...filesUnder(join(ROOT, 'src-tauri', 'src'), '.rs'), ...filesUnder(join(ROOT, 'ui', 'js'), '.js')]
      .map((f) => ({ f: relative(ROOT, f), text: readFileSync(f, 'utf8') }))
      .filter(({ text }) => text.split('\n').length > LIMIT)
      .filter(({ text }) => !/\bSize:/.test(text.split('\n').slice(0, 20).join('\n')))
      .map(({ f, text }) => `${f}: ${text.split('\n').length} lines`);
    assert.deepEqual(long, []);
  });
});

/** @param {string} dir @param {string} ext @returns {string[]} */
function filesUnder(dir, ext) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}
