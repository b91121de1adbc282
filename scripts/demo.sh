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
cat <<MSG

Try next:
  $bin edi parse --json FILE       # the envelope and segment tree as JSON
  $bin edi validate --json FILE    # every problem with its location, for machines
  $bin edi ack --type 999 FILE     # 997, 999, TA1 or CONTRL for a received file
  $bin edi validate - < FILE       # '-' reads standard input
  $bin edi --help
MSG
