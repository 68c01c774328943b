#!/usr/bin/env bash
# Run every fuzz target (fuzz/fuzz_targets/) in turn, each for RUNS
# executions or SECONDS of time, whichever ends first, growing
# fuzz/corpus/<target>/; then minimise each corpus so the repo keeps only
# inputs that add coverage. Prints each target's execution count.
#   scripts/fuzz.sh                 # 60 s a target
#   RUNS=10000000 SECONDS_EACH=0 scripts/fuzz.sh protocol
#   SANITIZER=none scripts/fuzz.sh rooms   # no AddressSanitizer: ~6x faster
#   MAX_LEN=4096 scripts/fuzz.sh frames     # short inputs: ~10x more executions
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_EACH=${SECONDS_EACH:-60}
RUNS=${RUNS:--1}
SANITIZER=${SANITIZER:-address}
# The server refuses frames over 64 KiB; longer inputs test nothing new.
MAX_LEN=${MAX_LEN:-70000}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi

cargo +nightly fuzz build -O -s "$SANITIZER"
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp)
  # The fuzzer's own status, whatever grep finds to show.
  set +e
  cargo +nightly fuzz run -O -s "$SANITIZER" "$t" -- -runs="$RUNS" -max_total_time="$SECONDS_EACH" \
    -max_len="$MAX_LEN" -print_final_stats=1 2>&1 | tee "$log" | grep -E 'DONE|ERROR|panicked|SUMMARY'
  status=${PIPESTATUS[0]}
  set -e
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  rm -f "$log"
  if [ "$status" -ne 0 ]; then
    echo "fuzz $t: FAILED after $execs executions; the crashing input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  cargo +nightly fuzz cmin -O -s "$SANITIZER" "$t" >/dev/null 2>&1
  echo "fuzz $t: $execs executions ($SANITIZER sanitizer), no crash; corpus $(ls "corpus/$t" | wc -l) inputs"
done
