#!/bin/sh
# Runs every libFuzzer harness for FUZZ_SECONDS (default 30) each, from a copy of its seed corpus;
# or, with FUZZ_RUNS=N, for exactly N executions from a fixed seed (FUZZ_SEED, default 1), which
# repeats the same inputs on every machine: that is what CI runs.
# A finding (crash, sanitizer report, failed property) is copied to fuzz/regressions/<name>/ and
# the script exits 1; every build then replays it as a test. Prints the executions per harness.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
build=${BUILD_FUZZ:-build-fuzz}
sh scripts/deps.sh fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DACTLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DACTLAB_ENGINE="${ACTLAB_ENGINE:-ON}" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" >/dev/null
status=0
for bin in "$build"/fuzz_*; do
  case "$bin" in *_replay) continue ;; esac
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  work=$(mktemp -d)
  cp fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
  art=$(mktemp -d)
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget="-runs=$FUZZ_RUNS -seed=${FUZZ_SEED:-1}" how="seed ${FUZZ_SEED:-1}"
  else
    budget="-max_total_time=$secs" how="${secs} s"
  fi
  # shellcheck disable=SC2086 # budget is two arguments
  if "$bin" $budget -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$art/" \
       -print_final_stats=1 "$work" >"$art/log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$art/log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $name: $runs executions ($how), no findings"
  else
    status=1
    mkdir -p fuzz/regressions/"$name"
    cp "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* fuzz/regressions/"$name"/ 2>/dev/null || true
    echo "fuzz $name: FINDING, saved to fuzz/regressions/$name/:" >&2
    tail -30 "$art/log" >&2
  fi
  rm -rf "$work" "$art"
done
exit $status
