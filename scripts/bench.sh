#!/usr/bin/env bash
# The signaling benchmark: lancall and peerjs-server under the same load,
# measured in the same run, printed side by side. Not part of `make test`.
#
#   scripts/bench.sh            full run (about 6 minutes)
#   BENCH_QUICK=1 scripts/bench.sh   a short smoke run
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p lancall --bin lancall -p lancall-bench --bin loadgen
LOADGEN=target/release/loadgen
LANCALL=target/release/lancall
OUT=$(mktemp -d)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$OUT"' EXIT

if [ -n "${BENCH_QUICK:-}" ]; then
  HOLD_CONNS=2000; HOLD_RATE=4000; SECS=5
  STEP_CONNS=1000; STEP_RATES="5000 10000"
else
  HOLD_CONNS=10000; HOLD_RATE=20000; SECS=20
  STEP_CONNS=2000; STEP_RATES="10000 20000 40000 60000 80000"
fi

# start_server NAME: starts it on 127.0.0.1, sets SERVER_PID and URL.
start_server() {
  local log="$OUT/$1.log"
  case "$1" in
    lancall)
      # The per-connection rate limit (50/s by default) is raised for the
      # throughput steps, which send up to 40 msg/s per client.
      "$LANCALL" serve --bind 127.0.0.1 --port 0 --max-connections 20000 --rate 1000 >"$log" 2>&1 &
      SERVER_PID=$!
      for _ in $(seq 1 100); do grep -q 'ws://' "$log" && break; sleep 0.1; done
      URL="ws://127.0.0.1:$(grep -oE 'ws://127.0.0.1:[0-9]+' "$log" | head -1 | cut -d: -f3)/ws" ;;
    peerjs)
      node bench/peerjs-server.mjs >"$log" 2>&1 &
      SERVER_PID=$!
      for _ in $(seq 1 100); do grep -q 'listening on' "$log" && break; sleep 0.1; done
      URL="ws://127.0.0.1:$(grep -oE 'listening on [0-9]+' "$log" | awk '{print $3}')/peerjs" ;;
  esac
  sleep 0.5
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# run NAME LABEL CONNS RATE SECS
run() {
  echo "--- $1: $2 ($3 clients, $4 msg/s, ${5}s)"
  "$LOADGEN" --target "$1" --url "$URL" --connections "$3" --rate "$4" --duration "$5" \
    --server-pid "$SERVER_PID" --label "$2" | tee -a "$OUT/results.txt"
}

for server in lancall peerjs; do
  start_server "$server"
  run "$server" hold "$HOLD_CONNS" "$HOLD_RATE" "$SECS"
  stop_server
  start_server "$server"
  for rate in $STEP_RATES; do
    run "$server" "step-$rate" "$STEP_CONNS" "$rate" "$((SECS / 2))"
  done
  stop_server
done

echo
echo "=== lancall vs peerjs-server, same machine, same run ($(nproc) cores)"
grep '^RESULT ' "$OUT/results.txt" | sed 's/^RESULT //' | node -e '
const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const f = (x, d = 1) => (x === null || Number.isNaN(x) ? "-" : Number(x).toFixed(d));
const head = ["load", "server", "clients held", "RSS idle MiB", "KiB/conn", "offered/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "lost"];
const lines = [head];
for (const label of [...new Set(rows.map((r) => r.label))]) {
  for (const r of rows.filter((r) => r.label === label)) {
    lines.push([label, r.target, `${r.held}/${r.connections}`, f(r.rss_idle_mib), f(r.kib_per_conn), f(r.offered, 0), f(r.throughput, 0), f(r.p50_ms, 2), f(r.p99_ms, 2), f(r.max_ms, 1), String(r.lost)]);
  }
}
const w = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
for (const l of lines) console.log(l.map((c, i) => c.padStart(w[i])).join("  "));
'
