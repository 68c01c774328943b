#!/usr/bin/env bash
# Everything `make test` runs, in order, sharing one debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "build (debug, once for every stage)"
cargo build --workspace --all-targets

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "client type check (tsc --checkJs over ui/)"
npx --no-install tsc --noEmit -p .

step "architecture rules (module graph, layering, file sizes)"
node --test tests/architecture/

step "rust tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast
fi

step "browser tests (node --test, Chromium)"
LANCALL_BIN="$PWD/target/debug/lancall" node --test --test-concurrency=1 tests/e2e/

step "bundle (.deb from the debug build) installs and runs"
# The release bundle is `make bundle`; CI checks the packaging itself on the
# debug build it already has, so nothing is compiled twice.
npx --no-install tauri build --debug --bundles deb
bash scripts/check-deb.sh target/debug/bundle/deb/lancall_*_amd64.deb
