// The module graph of lancall, read from the sources: which Rust module
// (one per file under src-tauri/src) names which, and which client module
// (ui/js) imports which. `rules.test.mjs` checks the layering on it;
// `node tests/architecture/graph.mjs` prints it as Mermaid for
// docs/architecture.md.
//
// A reading of `use`, `crate::`/`super::` paths and `import` lines, not a
// compiler's: enough to see which module leans on which. Tests
// (`#[cfg(test)] mod tests`) are left out, as they may reach anywhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// LANCALL_ROOT reads another checkout (e.g. an older commit, to compare).
export const ROOT = process.env.LANCALL_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUST_SRC = join(ROOT, 'src-tauri', 'src');
const UI_JS = join(ROOT, 'ui', 'js');

/** @param {string} dir @returns {string[]} */
function filesUnder(dir, ext) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/** `src-tauri/src/signal/room.rs` → `signal::room`; `mod.rs` → its folder. */
function rustModuleOf(file) {
  const parts = relative(RUST_SRC, file).replace(/\.rs$/, '').split('/');
  if (parts.at(-1) === 'mod') parts.pop();
  if (parts.length === 1 && (parts[0] === 'lib' || parts[0] === 'main')) return parts[0] === 'lib' ? 'crate' : 'main';
  return parts.join('::');
}

/** The source without `#[cfg(test)] mod tests { … }` and comments. */
function withoutTestsAndComments(text) {
  const cut = text.search(/#\[cfg\(test\)\]\s*mod tests\b/);
  const body = cut >= 0 ? text.slice(0, cut) : text;
  return body.split('\n').map((line) => line.replace(/\/\/.*$/, '')).join('\n');
}

/** `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`. */
function expandUse(tree) {
  const open = tree.indexOf('{');
  if (open < 0) return [tree.trim()];
  const head = tree.slice(0, open).trim();
  let depth = 0;
  let start = open + 1;
  const parts = [];
  for (let i = open + 1; i < tree.length; i += 1) {
    const c = tree[i];
    if (c === '{') depth += 1;
    else if (c === '}') {
      if (depth === 0) { parts.push(tree.slice(start, i)); break; }
      depth -= 1;
    } else if (c === ',' && depth === 0) { parts.push(tree.slice(start, i)); start = i + 1; }
  }
  return parts.map((p) => p.trim()).filter(Boolean).flatMap((p) => expandUse(head + p));
}

/**
 * The Rust modules and who names whom: `{ nodes, edges }`, edges as
 * `from -> to` between file modules, with `pub use` re-exports in a folder's
 * `mod.rs` followed to the file that defines the name.
 */
export function rustGraph() {
  const files = filesUnder(RUST_SRC, '.rs');
  const modules = new Map(files.map((f) => [rustModuleOf(f), f]));
  /** name re-exported by a module → the module it comes from */
  const reexports = new Map();
  const sources = new Map();
  for (const [mod, file] of modules) {
    const text = withoutTestsAndComments(readFileSync(file, 'utf8'));
    sources.set(mod, text);
    for (const m of text.matchAll(/^\s*pub use ([^;]+);/gm)) {
      for (const path of expandUse(m[1].replace(/\s+/g, ' '))) {
        const segs = path.replace(/ as \w+$/, '').split('::');
        const name = segs.pop();
        const from = resolvePath(mod, segs, modules);
        if (from && from !== mod) reexports.set(`${mod}::${name}`, from);
      }
    }
  }
  const edges = new Set();
  for (const [mod, text] of sources) {
    // Inline modules (`mod imp { … }`) shift what `super` means inside them.
    const lines = text.split('\n');
    /** @type {{ name: string, depth: number }[]} */
    const inline = [];
    let depth = 0;
    let pendingUse = '';
    for (const line of lines) {
      const opened = line.match(/^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*\{/);
      const here = inline.length ? `${mod}::${inline.map((m) => m.name).join('::')}` : mod;
      const refs = [];
      // `use` trees may span lines.
      const useText = pendingUse ? pendingUse + line : (line.match(/^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+(.*)$/)?.[1] ?? '');
      if (useText) {
        if (useText.includes(';')) {
          pendingUse = '';
          refs.push(...expandUse(useText.slice(0, useText.indexOf(';')).replace(/\s+/g, ' ')));
        } else pendingUse = useText;
      }
      for (const m of line.matchAll(/\b(crate|super|self)((?:::\w+)+)/g)) refs.push(m[1] + m[2]);
      for (const ref of refs) {
        const segs = ref.replace(/ as \w+$/, '').split('::');
        if (!['crate', 'super', 'self'].includes(segs[0])) continue;
        const target = resolveRef(here, segs, modules, reexports);
        if (target && target !== mod) edges.add(`${mod} -> ${target}`);
      }
      if (opened) inline.push({ name: opened[1], depth });
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
      while (inline.length && depth <= inline.at(-1).depth) inline.pop();
    }
  }
  return { nodes: [...modules.keys()].filter((m) => m !== 'main'), edges: [...edges].map((e) => e.split(' -> ')) };
}

/** The module a path's leading segments name, longest match first. */
function resolvePath(here, segs, modules) {
  let base = here === 'crate' ? [] : here.split('::');
  const rest = [...segs];
  if (rest[0] === 'crate') { base = []; rest.shift(); } else if (rest[0] === 'self') rest.shift();
  else if (rest[0] === 'super') {
    while (rest[0] === 'super') { base = base.slice(0, -1); rest.shift(); }
  } else return null;
  let found = base.length ? base.join('::') : 'crate';
  for (let i = 1; i <= rest.length; i += 1) {
    const candidate = [...base, ...rest.slice(0, i)].join('::');
    if (modules.has(candidate)) found = candidate;
    else break;
  }
  return found;
}

function resolveRef(here, segs, modules, reexports) {
  // Inline modules are not files: climb to the file that holds `here`.
  let file = here;
  while (!modules.has(file) && file.includes('::')) file = file.split('::').slice(0, -1).join('::');
  const target = resolvePath(here, segs, modules);
  if (!target) return null;
  // A name a folder's mod.rs re-exports counts as the file defining it.
  const consumed = target === 'crate' ? 0 : target.split('::').length;
  let base = here.split('::');
  let rest = [...segs];
  if (rest[0] === 'crate') { base = []; rest.shift(); } else if (rest[0] === 'self') rest.shift();
  else { while (rest[0] === 'super') { base = base.slice(0, -1); rest.shift(); } }
  const after = [...base, ...rest].slice(consumed);
  const via = after.length ? reexports.get(`${target}::${after[0]}`) : undefined;
  return modules.has(target) ? (via ?? target) : file;
}

/** Client modules (paths under ui/js) and their runtime imports; `import()`
 * inside JSDoc is a type, not a dependency, and is left out. */
export function jsGraph() {
  const files = filesUnder(UI_JS, '.js');
  const edges = [];
  for (const file of files) {
    const from = relative(UI_JS, file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      edges.push([from, relative(UI_JS, resolve(dirname(file), m[1]))]);
    }
    for (const m of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      // dynamic import() at run time, outside comments
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      if (!/^\s*(\*|\/\/|\/\*\*)/.test(text.slice(lineStart, m.index))) edges.push([from, relative(UI_JS, resolve(dirname(file), m[1]))]);
    }
  }
  return { nodes: files.map((f) => relative(UI_JS, f)), edges };
}

/** Cycles among `nodes` under `edges` (Tarjan's strongly connected components). */
export function cycles(nodes, edges) {
  const out = new Map(nodes.map((n) => [n, []]));
  for (const [a, b] of edges) if (out.has(a) && out.has(b) && a !== b) out.get(a).push(b);
  let index = 0;
  const idx = new Map(); const low = new Map(); const stack = []; const on = new Set(); const found = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index += 1; stack.push(v); on.add(v);
    for (const w of out.get(v)) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) found.push(comp.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return found;
}

/** The graph folded to top-level modules (`signal::room` → `signal`). */
export function topLevel({ nodes, edges }) {
  const top = (m) => m.split('::')[0];
  const tops = [...new Set(nodes.map(top))].filter((m) => m !== 'crate');
  const folded = new Set(edges.map(([a, b]) => `${top(a)} -> ${top(b)}`).filter((e) => !e.includes('crate')));
  return { nodes: tops, edges: [...folded].map((e) => e.split(' -> ')).filter(([a, b]) => a !== b) };
}

/** Mermaid text of a graph. */
export function mermaid({ nodes, edges }) {
  const id = (n) => n.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['graph TD'];
  for (const n of [...nodes].sort()) lines.push(`  ${id(n)}["${n}"]`);
  for (const [a, b] of [...edges].sort((x, y) => `${x}`.localeCompare(`${y}`))) lines.push(`  ${id(a)} --> ${id(b)}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rust = rustGraph();
  const what = process.argv[2] ?? 'top';
  if (what === 'top') console.log(mermaid(topLevel(rust)));
  else if (what === 'rust') console.log(mermaid(rust));
  else if (what === 'js') console.log(mermaid(jsGraph()));
  else if (what === 'cycles') console.log(JSON.stringify({ rust: cycles(rust.nodes, rust.edges), top: cycles(...Object.values(topLevel(rust))), js: cycles(...Object.values(jsGraph())) }, null, 1));
}
