#!/usr/bin/env bash
# The soak: minutes of join/relay/exit/drop churn against a release
# `lancall serve` on loopback (bench/src/soak). Not part of `make test`.
#
#   scripts/soak.sh                   10 minutes
#   SOAK_SECONDS=60 scripts/soak.sh   a short smoke run
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p lancall --bin lancall -p lancall-bench --bin soak
# A short resume grace, so the last dropped peers are gone soon after the
# run; the soak waits this long (plus 5 s) for /healthz to show 0 rooms.
GRACE=2
LOG=$(mktemp)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -f "$LOG"' EXIT

target/release/lancall serve --bind 127.0.0.1 --port 0 --resume-grace "$GRACE" >"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q 'ws://127.0.0.1:' "$LOG" && break; sleep 0.1; done
PORT=$(grep -oE 'ws://127.0.0.1:[0-9]+' "$LOG" | head -1 | cut -d: -f3)
if [ -z "$PORT" ]; then
  echo "soak: the server did not start:" >&2
  cat "$LOG" >&2
  exit 1
fi

target/release/soak --url "ws://127.0.0.1:$PORT/ws" --server-pid "$SERVER_PID" \
  --resume-grace "$GRACE" --seconds "${SOAK_SECONDS:-600}"
