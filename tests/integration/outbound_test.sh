#!/usr/bin/env bash
# Outbound documents from the ERP: canonical JSON posted to the admin API's /api/outbound is
# rendered with our control numbers into the partner's EDI at once (a bad document gets a 422
# naming its JSON path), stored, and sent to the partner over AS2 (signed, encrypted, a signed
# sync MDN tracked in as2_sent). A second edigate plays the partner. The same Idempotency-Key
# twice is one message; the partner down: retried, sent once it is back, or given up after its
# <send-retry max-attempts>; resend from the API.
# Usage: outbound_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
asn="$src/docs/schemas/examples/ship_notice.json"
p_port=$(free_port)
p_admin=$(free_port)

sed -i "s|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\">|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\" url=\"http://127.0.0.1:$p_port/as2\">|" \
  partners/retailer.xml
# Tokens with scopes: the ERP's may only send documents and read its outbound messages; a
# monitor's may read, not see partners' data nor act.
erp_hash=$(printf 'erp-outbound-token' | "$bin" config hash-token)
monitor_hash=$(printf 'monitor-token' | "$bin" config hash-token)
retailer_hash=$(printf 'retailer-desk-token' | "$bin" config hash-token)
sed -i "s|<token name=\"test\" sha256=\"$admin_hash\"/>|&<token name=\"erp\" sha256=\"$erp_hash\" scopes=\"outbound\"/><token name=\"monitor\" sha256=\"$monitor_hash\" scopes=\"read\"/><token name=\"desk\" sha256=\"$retailer_hash\" partners=\"retailer\"/>|" edigate.xml
# A second partner, for the token limited to the retailer not to see.
cat >partners/other.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="other" name="Another partner">
  <x12 qualifier="ZZ" id="OTHERPARTNER"/>
  <sftp-push host="127.0.0.1" port="1" user="x" key="../sftp_key"
             host-key-sha256="SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" dir="/in"/>
  <mapping dir="$src/mappings/partners/retailer"/>
  <acks type="none" send="none"/>
</partner>
XML
sed 's|partners="retailer"|partners="retailer nobody"|' edigate.xml >typo.xml
check "a token naming a partner without a profile" 1 "$bin" config check --config typo.xml
has "is refused" err "admin token 'desk' names partner 'nobody'"
check "config check" 0 "$bin" config check --config edigate.xml
start_daemon
start_partner_side "$p_port" "$p_admin"
wait_for 10 grep -q "edigate: ready" partner.log || { echo "partner side did not start"; cat partner.log; exit 1; }
api="http://127.0.0.1:$admin_port/api"
post() {  # post NAME EXPECTED_HTTP QUERY FILE [CURL OPTION...]
  local name=$1 code=$2 query=$3 file=$4
  shift 4
  check "$name" 0 curl -s -o post.json -w '%{http_code}' -H 'Authorization: Bearer admin-token' \
    -H 'Content-Type: application/json' --data-binary @"$file" "$@" "$api/outbound?$query"
  has "$name: $code" out "^$code$"
}
message() { curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$1"; }

# Refused before anything is stored.
printf '{"type": "ship_notice"' >broken.json
post "not JSON" 400 "partner=retailer" broken.json
post "an unknown partner" 404 "partner=nobody" "$asn"
python3 -c "
import json; d = json.load(open('$asn')); d['shipment_date'] = 'yesterday'
json.dump(d, open('bad-date.json', 'w'))"
post "a document the partner's maps cannot render" 422 "partner=retailer" bad-date.json
has "the problem names the JSON path" post.json "/shipment_date: 'yesterday' is not an ISO 8601 date"
# What the maps would write but the schemas refuse: a short SSCC, a field no schema names.
python3 -c "
import json; d = json.load(open('$asn')); d['orders'][0]['packs'][0]['sscc'] = '12345'
json.dump(d, open('short-sscc.json', 'w'))
d = json.load(open('$asn')); d['orders'][0]['packs'][0]['packs'][0]['items'][0]['colour'] = 'red'
json.dump(d, open('unknown-field.json', 'w'))"
post "an SSCC that is not 18 digits" 422 "partner=retailer" short-sscc.json
has "the SSCC is named" post.json "/orders/0/packs/0/sscc: .*SSCC"
post "a field no schema names" 422 "partner=retailer" unknown-field.json
has "the field is named" post.json "/orders/0/packs/0/packs/0/items/0/colour: unknown field"
check "no token" 0 curl -s -o /dev/null -w '%{http_code}' --data-binary @"$asn" "$api/outbound?partner=retailer"
has "401 without a token" out "401"
[ "$(sqlite3 var/edigate.db "SELECT count(*) FROM messages WHERE direction = 'out'")" = 0 ] && ok ||
  fail "a refused request stored a message"

# A ship notice for the retailer: 202, then sent and its signed MDN recorded.
post "a ship notice" 202 "partner=retailer" "$asn" -H 'Idempotency-Key: asn-0001'
id=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
sent_state() { message "$id" | python3 -c "
import json, sys; m = json.load(sys.stdin)
print(m['status'], m['as2_sent'][0]['state'] if m['as2_sent'] else '-')"; }
wait_for 15 sh -c "$(declare -f message sent_state); api='$api' id='$id' sent_state | grep -q '^sent mdn-ok$'" && ok ||
  { fail "sent, with a positive MDN"; message "$id"; tail -5 daemon.log; }
message "$id" >shown.json
has "its MDN was signed" shown.json '"mdn_signed":true'
curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$id/raw?as=received" >rendered.edi
has "the interchange we rendered" rendered.edi '^ISA\*00\*'
has "with the ship notice" rendered.edi 'BSN\*00\*ASN-20261201-01'
# The partner side has it, byte for byte what we rendered.
wait_for 10 sh -c "[ \$(sqlite3 partner-side/var/edigate.db \"SELECT count(*) FROM messages WHERE partner = 'gateway'\") -ge 1 ]" &&
  ok || fail "the partner received it"
their=$(sqlite3 partner-side/var/edigate.db "SELECT id FROM messages WHERE partner = 'gateway' LIMIT 1")
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$p_admin/api/messages/$their/raw" >theirs.edi
cmp -s rendered.edi theirs.edi && ok || fail "the partner got exactly the interchange we rendered"

isa13() { sed -n 's/^ISA\*\([^*]*\*\)\{12\}\([0-9]*\)\*.*/\2/p' "$1"; }
# The same Idempotency-Key again: the first message, nothing new sent.
post "the same request again" 200 "partner=retailer" "$asn" -H 'Idempotency-Key: asn-0001'
has "names the first message" post.json "\"message_id\":$id"
[ "$(sqlite3 var/edigate.db "SELECT count(*) FROM messages WHERE direction = 'out'")" = 1 ] && ok ||
  fail "a repeated request made a second message"

# Our control numbers, from 1 (the refused requests took none), never reused.
[ "$(isa13 rendered.edi)" = 000000001 ] && ok || fail "the first interchange is number 1, not $(isa13 rendered.edi)"
post "a second ship notice" 202 "partner=retailer" "$asn"
id2=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$id2/raw?as=received" >second.edi
[ -n "$(isa13 rendered.edi)" ] && [ "$(isa13 rendered.edi)" != "$(isa13 second.edi)" ] && ok ||
  fail "the second interchange has its own control number ($(isa13 rendered.edi) / $(isa13 second.edi))"
# The 997 we build for an order the retailer sends is numbered from the same sequence as the
# interchanges we send it: the partner never sees one ISA13 twice.
check "an order from the retailer" 0 curl -sS -o up.json -w '%{http_code}' -H "Authorization: Bearer upload-token" \
  "http://127.0.0.1:$http_port/upload" --data-binary @"$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM acks WHERE direction = 'out'\") = 1 ]" &&
  ok || fail "a 997 was built for the order"
ack_isa13=$(sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT control_number FROM acks WHERE direction = 'out'")
[ "$ack_isa13" = 000000003 ] && ok ||
  fail "the 997 takes the next number after the two interchanges sent (000000003, not $ack_isa13)"

# The partner's 997s come back over AS2: one accepts the first notice's set, one rejects the
# second's. Each outbound document gets the verdict; the messages become accepted / rejected.
status_of() { message "$1" | python3 -c "import json, sys; m = json.load(sys.stdin); print(m['status'], [d['status'] for d in m['documents']])"; }
ack997 9001 rendered.edi A
wait_for 10 sh -c "$(declare -f message status_of); api='$api' status_of $id | grep -q \"^accepted \\['accepted'\\]\"" && ok ||
  { fail "the first notice accepted by the partner's 997"; status_of "$id"; }
ack997 9002 second.edi R
wait_for 10 sh -c "$(declare -f message status_of); api='$api' status_of $id2 | grep -q \"^rejected \\['rejected'\\]\"" && ok ||
  { fail "the second notice rejected by the partner's 997"; status_of "$id2"; }
message "$id2" >rejected.json
has "the rejection says why" rejected.json '997: rejected (codes 5)'
"$bin" audit export --db var/edigate.db | grep '"action":"outbound.acknowledged"' >acknowledged.txt
[ "$(wc -l <acknowledged.txt)" = 2 ] && ok || fail "two outbound.acknowledged entries, not $(wc -l <acknowledged.txt)"
# Their 997s are not acknowledged: the one 997 we built is still the one for their order.
[ "$(sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT count(*) FROM acks WHERE direction = 'out'")" = 1 ] &&
  ok || fail "a 997 was built for the partner's 997s"

# The partner down: the attempt fails and is retried; back up, the message goes.
kill "$partner_daemon"
wait "$partner_daemon" 2>/dev/null
post "a third ship notice, partner down" 202 "partner=retailer" "$asn"
id3=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
audit_has() { "$bin" audit export --db var/edigate.db | grep "\"action\":\"$1\"" | grep -q "message:$2"; }
wait_for 15 audit_has outbound.attempt_failed "$id3" && ok || fail "the failed attempt is audited"
has "and in the journal" daemon.log "edigate: as2: outbound message:$id3 to retailer (<.*>): attempt 1 failed: "
"$bin" serve --config partner-side/edigate.xml >>partner.log 2>&1 &
partner_daemon=$!
pids+=($partner_daemon)
wait_for 40 audit_has outbound.sent "$id3" && ok || { fail "sent once the partner is back"; tail -5 daemon.log; }

# The partner down past its <send-retry max-attempts>: given up, a dead letter, the message
# failed (send-failed); the journal and the audit say so.
reload_retry() {  # reload_retry ATTRIBUTES
  local before
  before=$(grep -c 'configuration reloaded' daemon.log)
  sed -i "s|<send-retry [^>]*/>|<send-retry $1/>|" partners/retailer.xml
  kill -HUP "$daemon"
  wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -gt $before ]" && ok ||
    fail "reload with <send-retry $1/>"
}
reload_retry 'max-attempts="2" max-interval="1"'
kill "$partner_daemon"
wait "$partner_daemon" 2>/dev/null
post "a fourth ship notice, partner down for good" 202 "partner=retailer" "$asn"
id4=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
wait_for 15 audit_has outbound.failed "$id4" && ok || fail "given up after two attempts"
[ "$("$bin" audit export --db var/edigate.db | grep '"action":"outbound.attempt_failed"' | grep -c "message:$id4\"")" = 1 ] &&
  ok || fail "one failed attempt retried, the second the last"
message "$id4" | python3 -c "
import json, sys; m = json.load(sys.stdin)
assert m['status'] == 'failed' and m['as2_sent'][0]['state'] == 'send-failed', m" && ok ||
  fail "the message failed, its sending send-failed"
"$bin" serve --config partner-side/edigate.xml >>partner.log 2>&1 &
partner_daemon=$!
pids+=($partner_daemon)
reload_retry 'max-interval="1"'

# Resend from the API: the same Message-ID again; the partner answers with its stored MDN.
sent_id=$(message "$id" | python3 -c "import json, sys; print(json.load(sys.stdin)['as2_sent'][0]['id'])")
check "resend of a settled message is refused" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "$api/sent/$sent_id/resend"
has "409 for mdn-ok" out "409"

# Scoped tokens.
as_token() {  # as_token TOKEN METHOD PATH [CURL OPTION...]: prints the HTTP status
  local token=$1 method=$2 path=$3
  shift 3
  curl -s -o scoped.out -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" "$@" "$api$path"
}
scoped() {  # scoped NAME EXPECTED TOKEN METHOD PATH [CURL OPTION...]
  local name=$1 expected=$2
  shift 2
  local got
  got=$(as_token "$@")
  [ "$got" = "$expected" ] && ok || { fail "$name: $got, expected $expected"; head -c 300 scoped.out; echo; }
}
inbound=$(sqlite3 -cmd ".timeout 5000" var/edigate.db "SELECT id FROM messages WHERE direction = 'in' LIMIT 1")
scoped "the ERP's token sends documents" 202 erp-outbound-token POST "/outbound?partner=retailer" \
  -H 'Content-Type: application/json' --data-binary @"$asn"
erp_id=$(python3 -c "import json; print(json.load(open('scoped.out'))['message_id'])")
scoped "and reads its outbound message" 200 erp-outbound-token GET "/messages/$erp_id"
scoped "and what we rendered of it" 200 erp-outbound-token GET "/messages/$erp_id/raw?as=received"
scoped "but not a partner's message" 403 erp-outbound-token GET "/messages/$inbound"
scoped "it lists the outbound messages" 200 erp-outbound-token GET "/messages?direction=out&status=rejected"
python3 -c "
import json; l = json.load(open('scoped.out'))
assert l and all(m['direction'] == 'out' and m['status'] == 'rejected' for m in l), l" && ok ||
  fail "the outbound list holds the rejected outbound messages only"
scoped "nor the inbound ones" 403 erp-outbound-token GET "/messages?direction=in"
has "the refusal names the scope" scoped.out "does not have the scope 'read'"
scoped "nor its bytes" 403 erp-outbound-token GET "/messages/$inbound/raw"
scoped "nor the message list" 403 erp-outbound-token GET "/messages"
scoped "nor a message that does not exist (no 404)" 403 erp-outbound-token GET "/messages/999999"
scoped "nor resend its own" 403 erp-outbound-token POST "/messages/$erp_id/resend"
scoped "a monitor's token reads the list" 200 monitor-token GET "/messages"
scoped "and a partner's message" 200 monitor-token GET "/messages/$inbound"
scoped "but not its bytes" 403 monitor-token GET "/messages/$inbound/raw"
has "raw is a scope of its own" scoped.out "scope 'raw'"
scoped "nor sends documents" 403 monitor-token POST "/outbound?partner=retailer" --data-binary @"$asn"
scoped "nor reprocesses" 403 monitor-token POST "/messages/$inbound/reprocess"
scoped "a token with every scope still does all" 200 admin-token GET "/messages/$inbound/raw"
"$bin" audit export --db var/edigate.db | grep '"action":"admin.forbidden"' >forbidden.txt
[ "$(wc -l <forbidden.txt)" = 9 ] && ok || fail "each refusal audited (found $(wc -l <forbidden.txt))"
grep -q '"actor":"admin:monitor"' forbidden.txt && ok || fail "the refusal names the token"

# A token limited to the retailer: its messages only, every scope on them.
scoped "the desk's token lists the retailer's messages" 200 retailer-desk-token GET "/messages?partner=retailer"
scoped "nor another partner's" 403 retailer-desk-token GET "/messages?partner=other"
scoped "it reads a retailer message's bytes" 200 retailer-desk-token GET "/messages/$inbound/raw"
scoped "it sends the retailer documents" 202 retailer-desk-token POST "/outbound?partner=retailer" \
  -H 'Content-Type: application/json' --data-binary @"$asn"
scoped "not another partner's" 403 retailer-desk-token POST "/outbound?partner=other" \
  -H 'Content-Type: application/json' --data-binary @"$asn"
other_id=$(curl -s -o other.json -w '' -X POST -H 'Authorization: Bearer admin-token' \
  -H 'Content-Type: application/json' --data-binary @"$asn" "$api/outbound?partner=other";
  python3 -c "import json; print(json.load(open('other.json'))['message_id'])")
[[ $other_id =~ ^[0-9]+$ ]] && ok || fail "a message for the other partner ($other_id)"
scoped "nor reads another partner's message" 403 retailer-desk-token GET "/messages/$other_id"
cp scoped.out other-403.json
scoped "nor one that does not exist (no 404)" 403 retailer-desk-token GET "/messages/999999"
cmp -s scoped.out other-403.json && ok || fail "the same answer for another partner's message and a missing id"
! grep -q other other-403.json && ok || fail "the refusal does not name the other partner"
scoped "nor its bytes" 403 retailer-desk-token GET "/messages/$other_id/raw?as=received"
scoped "nor resends it" 403 retailer-desk-token POST "/messages/$other_id/resend"
scoped "nor lists another partner's sent messages" 403 retailer-desk-token GET "/sent?partner=other"
scoped "the desk lists its partners' sent AS2 messages" 200 retailer-desk-token GET "/sent"
python3 -c "
import json; ss = json.load(open('scoped.out'))
assert ss and {x['partner'] for x in ss} == {'retailer'}, ss" && ok || fail "the retailer's sent messages listed"
# With the other partner's message stored: listed without naming a partner, its own only.
scoped "the desk lists every message of its partners" 200 retailer-desk-token GET "/messages?limit=1000"
python3 -c "
import json; ms = json.load(open('scoped.out'))
assert ms and {m['partner'] for m in ms} == {'retailer'}, {m['partner'] for m in ms}" && ok ||
  fail "only the retailer's messages listed"
scoped "nor dead letters, which span partners" 403 retailer-desk-token GET "/jobs?state=dead"
admin_partners=$(as_token retailer-desk-token GET /partners; python3 -c "import json; print(sorted(p['id'] for p in json.load(open('scoped.out'))))")
[ "$admin_partners" = "200['retailer']" ] && ok || fail "its partner list is the retailer only ($admin_partners)"

# A store from before the shared sequence: acknowledgements numbered under the sender id (up
# to 700 here). At start the retailer's sequence is raised above them.
kill -TERM "$daemon"; wait "$daemon" 2>/dev/null
sqlite3 var/edigate.db "INSERT INTO control_numbers (partner, kind, last) VALUES ('6111470100', 'interchange', 700)"
start_daemon
sed -e 's/000118830/000118999/g' -e 's/\*118830\*/*118999*/; s/GE\*2\*118830/GE*2*118999/' \
  "$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi" >later-order.edi
check "an order after the restart" 0 curl -sS -o up.json -w '%{http_code}' -H "Authorization: Bearer upload-token" \
  "http://127.0.0.1:$http_port/upload" --data-binary @later-order.edi
later=$(python3 -c "import json; print(json.load(open('up.json'))['message_id'])")
wait_for 10 sh -c "[ -n \"\$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT 1 FROM acks WHERE message_id = $later\")\" ]" ||
  fail "a 997 was built for the later order"
later_isa13=$(sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT control_number FROM acks WHERE message_id = $later")
[ "$later_isa13" = 000000701 ] && ok || fail "the sequence starts above the old acknowledgements' (000000701, not $later_isa13)"

# An MDN whose signature does not verify with the certificate we have for the partner (here:
# the partner's profile names another certificate): the partner answered, so the MDN failed,
# not the sending.
openssl req -x509 -newkey rsa:2048 -nodes -keyout not-theirs.key -out not-theirs.pem -days 30 \
  -subj /CN=NOT-THE-RETAILER 2>/dev/null
sed -i 's|cert="../certs/partners/demo-retailer.pem"|cert="../not-theirs.pem"|' partners/retailer.xml
kill -HUP "$daemon"
wait_for 10 grep -q "configuration reloaded" daemon.log && ok || fail "reload with another certificate"
post "a ship notice answered by an MDN we cannot verify" 202 "partner=retailer" "$asn"
bad_sig=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
unverified_state() { message "$bad_sig" | python3 -c "
import json, sys; m = json.load(sys.stdin); s = m['as2_sent'][0] if m['as2_sent'] else {}
print(m['status'], s.get('state', '-'), s.get('error', ''))"; }
wait_for 20 sh -c "$(declare -f message unverified_state); api='$api' bad_sig='$bad_sig' unverified_state | grep -q '^failed mdn-failed MDN not accepted'" && ok ||
  { fail "an MDN that does not verify makes it mdn-failed"; unverified_state; }

"$bin" audit verify --db var/edigate.db >/dev/null && ok || fail "the audit chain verifies"
echo "outbound: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
