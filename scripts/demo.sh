#!/usr/bin/env bash
# `make run`: the gateway daemon (`edigate serve`) arrives with a later issue. Until then this
# demonstrates the EDI engine from the command line on the sample files, and says what to try.
set -euo pipefail
bin=${1:-build/edigate}
here=$(cd "$(dirname "$0")/.." && pwd)
x12="$here/tests/fixtures/edi/x12/850-4010-basic.edi"
edifact="$here/tests/fixtures/edi/edifact/orders-d96a-basic.edi"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || true; }

echo "edigate $("$bin" --version | awk '{print $2}'): the daemon (edigate serve) is not built yet;"
echo "this run shows the EDI engine on the sample files instead."
step "$bin" edi parse "$x12"
step "$bin" edi validate "$x12"
step "$bin" edi ack "$x12"
step "$bin" edi validate "$edifact"
step "$bin" edi ack "$edifact"
retailer="$here/mappings/partners/retailer"
po="$here/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
step "$bin" map in --partner "$retailer" "$po"
cat <<MSG

Try next:
  $bin edi parse --json FILE       # the envelope and segment tree as JSON
  $bin edi validate --json FILE    # every problem with its location, for machines
  $bin edi ack --type 999 FILE     # 997, 999, TA1 or CONTRL for a received file
  $bin edi validate - < FILE       # '-' reads standard input
  $bin map in --partner $retailer FILE > docs.jsonl    # canonical JSON
  $bin map out --partner $retailer --type purchase_order docs.jsonl   # and back
  $bin edi --help; $bin map --help
MSG
