#!/usr/bin/env bash
# Runs the mapping libFuzzer target: tests/fuzz/run_mapping.sh BUILD_DIR SECONDS
# Seeds: the canonical fixtures and the X12/EDIFACT fixtures. New inputs and crashes go to a
# temp directory, which is kept and printed. Exits non-zero if the target fails.
set -euo pipefail
build=${1:?usage: run_mapping.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run_mapping.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures/edi"
out=$(mktemp -d "${TMPDIR:-/tmp}/edigate-fuzz-mapping.XXXXXX")
mkdir -p "$out/corpus" "$out/artifacts"
status=0
"$build/tests/fuzz/fuzz_mapping" "$out/corpus" "$here/corpus/mapping" "$fixtures/canonical" "$fixtures/x12" \
  "$fixtures/edifact" -dict="$here/x12.dict" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
  >"$out/fuzz.log" 2>&1 || status=$?
execs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" || true)
if [ "$status" -eq 0 ]; then
  echo "fuzz_mapping: ok, ${execs##* } runs, $(ls "$out/corpus" | wc -l) corpus files ($out)"
  exit 0
fi
echo "fuzz_mapping: FAILED (exit $status); log $out/fuzz.log"
tail -n 40 "$out/fuzz.log"
ls -l "$out/artifacts"
exit 1
