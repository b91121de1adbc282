#!/usr/bin/env bash
# Drives the real edigate binary: exit codes, standard input, JSON output, acknowledgements.
# Usage: cli_test.sh EDIGATE FIXTURES_DIR
set -uo pipefail
bin=$1
fixtures=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  if [ "$status" -eq "$expected" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $status, expected $expected"
    head -5 "$tmp/out" "$tmp/err"
  fi
}

expect_output() {  # expect_output NAME PATTERN (in the last command's stdout+stderr)
  if grep -q -- "$2" "$tmp/out" "$tmp/err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: output lacks '$2'"
  fi
}

x12="$fixtures/edi/x12/850-4010-basic.edi"
bad="$fixtures/edi/x12/envelope-errors.edi"
edifact="$fixtures/edi/edifact/orders-d96a-basic.edi"

check "parse a file" 0 "$bin" edi parse "$x12"
expect_output "parse shows segments" "BEG\*00\*SA\*PO-45001"
check "parse stdin" 0 sh -c "\"$bin\" edi parse - < \"$x12\""
check "parse --json is JSON per line" 0 bash -o pipefail -c "\"$bin\" edi parse --json \"$edifact\" | python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin]; assert d and d[0][\"transactions\"][0][\"segments\"], d'"
check "missing file exits 2" 2 "$bin" edi validate "$tmp/does-not-exist.edi"
expect_output "missing file says why" "No such file"
check "bad option exits 2" 2 "$bin" edi validate --no-such-option "$x12"
check "validate envelope errors exits 1" 1 "$bin" edi validate "$bad"
expect_output "problems have file:line" "envelope-errors.edi:5: error at offset"
expect_output "problems name their code" "set_segment_count_mismatch"
check "validate --json is one JSON document" 0 sh -c "\"$bin\" edi validate --json \"$bad\" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"summary\"][\"valid\"] is False and d[\"summary\"][\"errors\"] >= 8, d[\"summary\"]'"
check "help on each command" 0 "$bin" edi ack --help
expect_output "ack help lists types" "CONTRL"
check "ack of envelope errors exits 1" 1 "$bin" edi ack --first-control 41 "$bad"
expect_output "997 with AK5 code 4" "AK5\*R\*4"
expect_output "ack control number from --first-control" "000000041"
check "ack of envelope errors, kept" 1 sh -c "\"$bin\" edi ack \"$bad\" >\"$tmp/ack.edi\""
check "ack is itself readable" 0 "$bin" edi parse "$tmp/ack.edi"
expect_output "the ack parses as a 997 with its rejection" "AK5\*R\*4"
check "TA1 alone" 1 "$bin" edi ack --type TA1 "$bad"
expect_output "TA1 note code" "TA1\*000000401\*241105\*1432\*R\*024"
check "bad ack type exits 2" 2 "$bin" edi ack --type 998 "$x12"
check "CONTRL for EDIFACT" 0 sh -c "\"$bin\" edi ack \"$edifact\" | grep -q 'UCI+00000000000101'"
check "problems table" 0 "$bin" edi problems
expect_output "table lists TA1 codes" "interchange_control_mismatch\` | interchange | 001"
head -c 3000 /dev/urandom > "$tmp/random.bin"
check "random bytes are an error, not a crash" 1 "$bin" edi validate "$tmp/random.bin"
expect_output "random bytes are reported" "unrecognized_data"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
