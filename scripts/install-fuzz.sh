#!/usr/bin/env bash
# cargo-fuzz and the nightly toolchain it drives, installed only when missing,
# so `make fuzz` can call this every time.
set -euo pipefail

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
