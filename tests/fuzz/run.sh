#!/usr/bin/env bash
# Runs the EDI libFuzzer targets: tests/fuzz/run.sh BUILD_DIR SECONDS
#
# Both targets run at the same time, one process each (the build machines have two cores), for
# SECONDS each. Seeds: tests/fuzz/corpus/<standard>/ and tests/fixtures/edi/. New inputs and any
# crash go to a temp directory, which is kept and printed. Exits non-zero if a target fails.
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures/edi"
work=$(mktemp -d "${TMPDIR:-/tmp}/edigate-fuzz.XXXXXX")

start() {
  local standard=$1 out="$work/$1"
  mkdir -p "$out/corpus" "$out/artifacts"
  # A file among corpus directories would switch libFuzzer to replay mode: copy it in instead.
  cp "$fixtures/mixed-x12-edifact.edi" "$out/corpus/"
  "$build/tests/fuzz/fuzz_$standard" "$out/corpus" "$here/corpus/$standard" \
    "$fixtures/$standard" -dict="$here/$standard.dict" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=4096 -artifact_prefix="$out/artifacts/" \
    -print_final_stats=1 >"$out/fuzz.log" 2>&1 &
}

report() {
  local standard=$1 status=$2 out="$work/$1"
  local execs
  execs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" || true)
  if [ "$status" -eq 0 ]; then
    echo "fuzz_$standard: ok, ${execs##* } runs, $(ls "$out/corpus" | wc -l) corpus files"
    return 0
  fi
  echo "fuzz_$standard: FAILED (exit $status); log $out/fuzz.log"
  tail -n 40 "$out/fuzz.log"
  ls -l "$out/artifacts"
  return 1
}

for standard in x12 edifact; do
  [ -x "$build/tests/fuzz/fuzz_$standard" ] || { echo "missing $build/tests/fuzz/fuzz_$standard"; exit 2; }
done
start x12
pid_x12=$!
start edifact
pid_edifact=$!
status_x12=0
status_edifact=0
wait "$pid_x12" || status_x12=$?
wait "$pid_edifact" || status_edifact=$?

failed=0
report x12 "$status_x12" || failed=1
report edifact "$status_edifact" || failed=1
echo "new corpus and artifacts: $work"
exit "$failed"
