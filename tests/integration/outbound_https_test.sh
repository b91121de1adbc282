#!/usr/bin/env bash
# Outbound documents to a partner's own HTTPS API (<https-push connector="..."/>): the
# interchange we rendered is POSTed through an <http> connector (its URL, bearer token, CA,
# max-attempts) as application/edi-x12 with an Idempotency-Key stable over retries (a resend
# gets its own); a 503 is retried, a 400 fails it for good (resend after the fix); the message
# becomes sent / failed like over AS2, and the ERP is told.
# The partner's API is the test's HTTPS server (erp.py).
# Usage: outbound_https_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
asn="$src/docs/schemas/examples/ship_notice.json"
write_config "<http name=\"partner-api\" url=\"https://127.0.0.1:$erp_port/edi/inbound\" timeout=\"5\"
          max-attempts=\"5\" ca=\"certs/ca/ca.pem\"><bearer token-file=\"erp-token\"/></http>"
sed -i 's|</sftp>|</sftp>\n  <https-push connector="partner-api"/>|' partners/retailer.xml
sed -i 's|<connectors>|<connectors outbound-status="erp">|' edigate.xml
check "config check" 0 "$bin" config check --config edigate.xml
# Only an <http> connector of edigate.xml will do.
mkdir -p bad/partners
sed 's|connector="partner-api"|connector="files"|' partners/retailer.xml >bad/partners/retailer.xml
sed 's|<partners dir="partners"/>|<partners dir="bad/partners"/>|' edigate.xml >bad-edigate.xml
check "https-push through a file connector" 1 "$bin" config check --config bad-edigate.xml
has "is refused at the element" err "retailer.xml:[0-9]*: https-push names 'files', which is not an <http> connector"

start_daemon
api="http://127.0.0.1:$admin_port/api"
message() { curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$1"; }
status_of() { message "$1" | python3 -c "import json, sys; m = json.load(sys.stdin); print(m['status'], m['transport'])"; }
post_asn() {  # sets id
  check "a ship notice" 0 curl -s -o post.json -w '%{http_code}' -H 'Authorization: Bearer admin-token' \
    -H 'Content-Type: application/json' --data-binary @"$asn" "$api/outbound?partner=retailer"
  has "202" out "^202$"
  id=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
}
wait_status() {  # wait_status ID STATUS NAME
  wait_for 20 sh -c "$(declare -f message status_of); api='$api' status_of $1 | grep -q '^$2 https$'" && ok ||
    { fail "$3"; status_of "$1"; tail -5 daemon.log; }
}
request_for() {  # the recorded request(s) for this message, one JSON per line
  grep "\"key\": \"edigate-out-$1-" erp-requests.jsonl
}
keys_for() { request_for "$1" | python3 -c "import json, sys; print(len({json.loads(l)['key'] for l in sys.stdin}))"; }

# Taken by the partner's API: sent, the body exactly what we rendered.
post_asn
first=$id
wait_status "$first" sent "sent over HTTPS"
request_for "$first" | head -1 >req.json
has "as X12" req.json '"content_type": "application/edi-x12"'
has "to the connector's path" req.json '"path": "/edi/inbound"'
has "with its bearer token" req.json '"auth": "Bearer erp-secret-token"'
n=$(python3 -c "import json; print(json.load(open('req.json'))['n'])")
curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$first/raw?as=received" >rendered.edi
cmp -s rendered.edi "posted-$n.edi" && ok || fail "the partner's API got exactly the interchange we rendered"
audit_has() { "$bin" audit export --db var/edigate.db | grep "\"action\":\"$1\"" | grep -q "message:$2"; }
audit_has outbound.sent "$first" && ok || fail "audited as outbound.sent"

# Their API unavailable for a while (503): retried under the same key, then sent. (Five
# attempts: with three, backoff of 1 s and 2 s spent them all when a loaded machine took over
# 3 s to see the first failure in the audit log and bring the API back.)
echo 503 >erp-answer
post_asn
second=$id
wait_for 15 audit_has outbound.attempt_failed "$second" && ok || fail "the failed attempt is audited"
rm -f erp-answer
wait_status "$second" sent "sent once their API is back"
[ "$(request_for "$second" | wc -l)" -ge 2 ] && [ "$(keys_for "$second")" = 1 ] && ok ||
  fail "posted again under the same Idempotency-Key"

# Refused for good (400): failed at once; after the fix, resent from the API under the same key.
echo 400 >erp-answer
post_asn
third=$id
wait_status "$third" failed "failed when the partner's API refuses it"
audit_has outbound.failed "$third" && ok || fail "audited as outbound.failed"
rm -f erp-answer
check "resend" 0 curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer admin-token' \
  "$api/messages/$third/resend"
has "202" out "202"
wait_status "$third" sent "sent again after the fix"
[ "$(keys_for "$third")" = 2 ] && ok || fail "the resend under a key of its own (an API may keep its refusal of the first)"

# The ERP was told of each status, HTTPS ones too, as the event schema says.
wait_for 10 sh -c "grep -q '\"status\": \"sent\"' erp-requests.jsonl" && ok || fail "the ERP told of the statuses"
events_valid && ok || fail "every event as its JSON Schema says"

kill -TERM "$daemon"
wait "$daemon"
"$bin" audit verify --db var/edigate.db >/dev/null && ok || fail "the audit chain verifies"
echo "outbound_https: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
