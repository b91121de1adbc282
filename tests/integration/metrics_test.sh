#!/usr/bin/env bash
# The counters a partner's alerts watch exist from the start, at 0: messages per transport the
# partner can use, documents, EDI errors, delivery failures per routed connector; a partner
# added by a reload gets its series at that reload; counting then moves them.
#
# Usage: metrics_test.sh EDIGATE SOURCE_DIR
set -u
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
metrics() { curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt; }
start_daemon

metrics
for series in \
  'edigate_messages_received_total{partner="retailer",transport="as2"} 0' \
  'edigate_messages_received_total{partner="retailer",transport="https"} 0' \
  'edigate_messages_received_total{partner="retailer",transport="sftp"} 0' \
  'edigate_bytes_received_total{partner="retailer",transport="as2"} 0' \
  'edigate_receive_errors_total{partner="retailer",transport="as2"} 0' \
  'edigate_documents_total{partner="retailer"} 0' \
  'edigate_edi_errors_total{partner="retailer"} 0' \
  'edigate_delivery_failures_total{partner="retailer",connector="files"} 0' \
  'edigate_delivery_failures_total{partner="retailer",connector="erp"} 0' \
  'edigate_mdn_timeouts_total 0' \
  'edigate_jobs_released_total 0' \
  'edigate_store_purged_messages_total 0' \
  'edigate_as2_refusals_unrecorded_total 0' \
  'edigate_upload_refusals_unaudited_total 0'; do
  grep -qxF "$series" metrics.txt && ok || fail "at start: $series"
done
grep -q 'edigate_outbound_messages_total{partner="retailer"}' metrics.txt &&
  fail "a partner we cannot send to has an outbound series" || ok

# An upload moves its series.
check "an upload" 0 curl -sS -o up.json -w '%{http_code}' -H 'Authorization: Bearer upload-token' \
  "http://127.0.0.1:$http_port/upload" \
  --data-binary @"$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
has "202" out 202
wait_for 10 sh -c "curl -s http://127.0.0.1:$admin_port/metrics | grep -qxF 'edigate_documents_total{partner=\"retailer\"} 2'" &&
  ok || fail "the upload's two transaction sets are counted"
metrics
has "the upload is counted" metrics.txt '^edigate_messages_received_total{partner="retailer",transport="https"} 1$'

# A partner added by a reload: its series at the reload, AS2 only (no upload, no SFTP).
cat >partners/newcomer.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="newcomer" name="New Partner">
  <as2 id="NEWCOMER" cert="../certs/partners/demo-retailer.pem"/>
  <mapping dir="$src/mappings/partners/retailer"/>
  <acks send="none"/>
  <route document="purchase_order" connector="files"/>
</partner>
XML
check "config check with the newcomer" 0 "$bin" config check -c edigate.xml
kill -HUP "$daemon"
wait_for 10 grep -q "configuration reloaded" daemon.log && ok || { fail "reload"; tail -5 daemon.log; }
metrics
has "the newcomer's AS2 series" metrics.txt '^edigate_messages_received_total{partner="newcomer",transport="as2"} 0$'
has "its delivery series" metrics.txt '^edigate_delivery_failures_total{partner="newcomer",connector="files"} 0$'
grep -q 'partner="newcomer",transport="https"' metrics.txt && fail "an upload series without upload credentials" || ok

# The header limit counts the whole block: many small fields, each far below header-bytes
# (16384), 24 KB in all, get 431 and are counted as such (Beast's own count let them through).
python3 - "$http_port" <<'PY' && ok || fail "24 KB of small header fields get 431"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.1 431") else 1)
PY
metrics
has "the refusal is counted" metrics.txt 'edigate_http_refused_total{listener="http-0",status="431"} 1'

echo "metrics: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
