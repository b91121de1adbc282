#!/usr/bin/env bash
# Runs the AS2 libFuzzer targets one after another: tests/fuzz/run_as2.sh BUILD_DIR SECONDS
# (MIME, MDN, CMS/CompressedData, whole requests, the daemon's HTTP handlers on a real store,
# then the HTTP server's connection handling over loopback sockets; SECONDS each). Seeds: tests/fuzz/corpus/<name>/. New
# inputs and any crash go to a temp directory, which is kept and printed. Non-zero on a finding.
set -uo pipefail

build=${1:?usage: run_as2.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run_as2.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/edigate-fuzz-as2.XXXXXX")
failed=0

for target in as2_mime as2_mdn as2_cms as2_receive gateway_http http_session; do
  bin="$build/tests/fuzz/fuzz_$target"
  [ -x "$bin" ] || { echo "missing $bin"; exit 2; }
  out="$work/$target"
  mkdir -p "$out/corpus" "$out/artifacts"
  "$bin" "$out/corpus" "$here/corpus/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
    >"$out/fuzz.log" 2>&1
  status=$?
  execs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" || true)
  if [ "$status" -eq 0 ]; then
    echo "fuzz_$target: ok, ${execs##* } runs, $(ls "$out/corpus" | wc -l) corpus files"
  else
    echo "fuzz_$target: FAILED (exit $status); log $out/fuzz.log"
    tail -n 40 "$out/fuzz.log"
    failed=1
  fi
done
echo "new corpus and artifacts: $work"
exit "$failed"
