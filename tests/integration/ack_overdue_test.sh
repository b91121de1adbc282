#!/usr/bin/env bash
# Acknowledgements we wait for: with <expect-acks within="N"/> in a partner's profile, an
# outbound message sent to them whose documents are not all acknowledged N seconds later
# becomes overdue (audited as outbound.ack_overdue, counted per partner, listed by status);
# a late 997 still settles it. A reload that makes the window longer moves a pending deadline.
# Each status an outbound message takes is told to the ERP (<connectors outbound-status>), its
# first answer a 500 (retried). A second edigate plays the partner (it takes our AS2 messages
# and never acknowledges them).
# Usage: ack_overdue_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
export ERP_FAIL_FIRST=1
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
asn="$src/docs/schemas/examples/ship_notice.json"
p_port=$(free_port)
p_admin=$(free_port)

sed -i -e "s|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\">|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\" url=\"http://127.0.0.1:$p_port/as2\">|" \
  -e 's|<acks type="auto" send="none"/>|<acks type="auto" send="none"/>\n  <expect-acks within="2"/>|' \
  partners/retailer.xml
sed -i 's|<connectors>|<connectors outbound-status="erp">|' edigate.xml
check "config check" 0 "$bin" config check --config edigate.xml
sed 's|within="2"|within="0"|' partners/retailer.xml >bad.xml
mkdir -p bad-partners && mv bad.xml bad-partners/retailer.xml
sed 's|<partners dir="partners"/>|<partners dir="bad-partners"/>|' edigate.xml >bad-edigate.xml
check "a window of 0 s is refused" 1 "$bin" config check --config bad-edigate.xml
has "at its line" err "retailer.xml:[0-9]*:.*within"
start_daemon
start_partner_side "$p_port" "$p_admin"
wait_for 10 grep -q "edigate: ready" partner.log || { echo "partner side did not start"; cat partner.log; exit 1; }
api="http://127.0.0.1:$admin_port/api"
message() { curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$1"; }
status_of() { message "$1" | python3 -c "import json, sys; m = json.load(sys.stdin); print(m['status'], [d['status'] for d in m['documents']])"; }
post_asn() {  # post_asn: a ship notice to the retailer; sets id
  check "a ship notice" 0 curl -s -o post.json -w '%{http_code}' -H 'Authorization: Bearer admin-token' \
    -H 'Content-Type: application/json' --data-binary @"$asn" "$api/outbound?partner=retailer"
  has "202" out "^202$"
  id=$(python3 -c "import json; print(json.load(open('post.json'))['message_id'])")
}

reload_profile() {  # reload_profile SED_EXPRESSION NAME: change the retailer's profile, reload
  sed -i "$1" partners/retailer.xml
  reloads=$((reloads + 1))
  kill -HUP "$daemon"
  wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge $reloads ]" && ok || fail "reloaded ($2)"
}
reloads=0
wait_sent() {  # wait_sent ID NAME
  wait_for 15 sh -c "$(declare -f message status_of); api='$api' status_of $1 | grep -q \"^sent \"" && ok ||
    { fail "$2 is sent"; status_of "$1"; }
}

# Sent, then no 997 within 2 s: overdue, with the document still awaiting its acknowledgement.
post_asn
first=$id
wait_for 15 sh -c "$(declare -f message status_of); api='$api' status_of $first | grep -q \"^sent \\|^overdue \"" && ok ||
  { fail "the ship notice is sent"; status_of "$first"; tail -5 daemon.log; }
wait_for 15 sh -c "$(declare -f message status_of); api='$api' status_of $first | grep -q \"^overdue \\['awaiting_ack'\\]\"" && ok ||
  { fail "overdue after 2 s without an acknowledgement"; status_of "$first"; }
message "$first" >overdue.json
has "the message says why" overdue.json '1 of 1 document(s) not acknowledged within 2 s'
curl -s -H 'Authorization: Bearer admin-token' "$api/messages?direction=out&status=overdue" >list.json
has "listed by status" list.json "\"id\":$first"
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "counted for the partner" metrics.txt '^edigate_outbound_ack_overdue_total{partner="retailer"} 1$'
audit_has() { "$bin" audit export --db var/edigate.db | grep "\"action\":\"$1\"" | grep -q "message:$2"; }
audit_has outbound.ack_overdue "$first" && ok || fail "audited as outbound.ack_overdue"
"$bin" audit export --db var/edigate.db | grep '"action":"outbound.ack_overdue"' >overdue-audit.txt
sed -n 's/^GS\*\([^*]*\*\)\{5\}\([0-9]*\)\*.*/\2/p' <(curl -s -H 'Authorization: Bearer admin-token' \
  "$api/messages/$first/raw?as=received") >gs06
[ -n "$(cat gs06)" ] && ok || fail "our GS06 read from the interchange"
has "the audit entry names the unanswered set's group" overdue-audit.txt "group_control[^0-9]*$(cat gs06)[^0-9]"

# The partner's 997 comes late: it still settles the message. First in an interchange whose IEA02
# is not its ISA13: our TA1 rejects that interchange and goes to them (acks sent over AS2), so
# its 997 settles nothing; the copy they send again does.
curl -s -H 'Authorization: Bearer admin-token' "$api/messages/$first/raw?as=received" >first.edi
reload_profile 's|<acks type="auto" send="none"/>|<acks type="auto" send="as2"/>|' "acks sent"
ack997 9100 first.edi A 000009199
ta1_for_9100() {
  sqlite3 -cmd '.timeout 5000' var/edigate.db \
    "SELECT count(*) FROM acks a JOIN messages m ON m.id = a.message_id WHERE a.type = 'TA1' AND m.direction = 'in'" |
    grep -qv '^0$'
}
wait_for 10 ta1_for_9100 && ok || fail "a TA1 rejects the 997's interchange"
status_of "$first" | grep -q "^overdue \['awaiting_ack'\]" && ok ||
  { fail "the 997 inside a rejected interchange leaves the message overdue"; status_of "$first"; }
reload_profile 's|<acks type="auto" send="as2"/>|<acks type="auto" send="none"/>|' "acks kept"
ack997 9101 first.edi A
wait_for 10 sh -c "$(declare -f message status_of); api='$api' status_of $first | grep -q \"^accepted \\['accepted'\\]\"" && ok ||
  { fail "a late 997 accepts the overdue message"; status_of "$first"; }

# A longer window by reload: the pending deadline moves with it.
# (10 s, not less: on a loaded machine the reload below has come more than 3 s after the send.)
reload_profile 's|within="2"|within="10"|' "10 s"
post_asn
second=$id
wait_sent "$second" "the second ship notice"
sent_at=$(date +%s)
reload_profile 's|within="10"|within="600"|' "600 s"
# Until past the 10 s deadline it had before the reload.
left=$((sent_at + 11 - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
status_of "$second" | grep -q "^sent " && ok || { fail "still sent under the longer window"; status_of "$second"; }
due=$(sqlite3 -cmd ".timeout 5000" var/edigate.db \
  "SELECT count(*) FROM jobs WHERE kind = 'ack_due' AND message_id = $second AND state = 'ready' AND run_at > (strftime('%s','now') + 500) * 1000")
[ "$due" = 1 ] && ok || fail "its deadline queued again 600 s after it was sent (found $due)"

# A partner that is not watched: the deadline job of its messages ends at once, nothing changes.
reload_profile 's|  <expect-acks within="600"/>||' "not watched"
post_asn
third=$id
wait_sent "$third" "the third ship notice"
wait_for 10 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT group_concat(state) FROM jobs WHERE kind = 'ack_due' AND message_id = $third\")\" = done ]" &&
  ok || fail "no deadline kept for a partner without <expect-acks>"
status_of "$third" | grep -q "^sent " && ok || { fail "the third message stays sent"; status_of "$third"; }

# <expect-acks> back in the profile: a message sent while it was not there is watched from the
# reload, from when it was sent.
reload_profile 's|<acks type="auto" send="none"/>|<acks type="auto" send="none"/>\n  <expect-acks within="2"/>|' "watched again"
wait_for 15 sh -c "$(declare -f message status_of); api='$api' status_of $third | grep -q \"^overdue \"" && ok ||
  { fail "a message sent before <expect-acks> is watched once it is there"; status_of "$third"; }
grep -q "1 message(s) sent to retailer before its <expect-acks> now watched" daemon.log && ok ||
  fail "the daemon says it watches them"
# The second message's deadline was queued under the 600 s window: the 2 s one brings it
# forward, and it is overdue now rather than in ten minutes.
wait_for 15 sh -c "$(declare -f message status_of); api='$api' status_of $second | grep -q \"^overdue \"" && ok ||
  { fail "a shortened window takes effect at the reload"; status_of "$second"; }
grep -q "1 acknowledgement deadline(s) of retailer brought forward" daemon.log && ok ||
  fail "the daemon says it brought the deadline forward"

# The ERP was told of the statuses under their own Idempotency-Keys, each event showing the
# message as it was when it went out (a status overtaken before its event could go is not told
# on its own); the first event's 500 was retried.
events() { python3 -c "
import json
for line in open('erp-requests.jsonl'):
    r = json.loads(line)
    if r['type'] == 'outbound_status' and r['key'].startswith('edigate-outbound-$1-'):
        print(r['key'], r['status'], r['auth'])"; }
wait_for 15 sh -c "$(declare -f events); events $first | grep -q accepted" && ok || fail "the ERP was told of the verdict"
events "$first" | sort -u >first-events.txt
grep -q "^edigate-outbound-$first-[0-9]*-overdue overdue Bearer erp-secret-token$" first-events.txt && ok ||
  { fail "the ERP was told it is overdue"; cat first-events.txt; }
grep -v -q "^edigate-outbound-$first-[0-9]*-\([a-z]*\) \1 Bearer erp-secret-token$" first-events.txt && 
  { fail "each event's key names the status it shows"; cat first-events.txt; } || ok
first_key=$(head -1 erp-requests.jsonl | python3 -c "import json, sys; print(json.load(sys.stdin)['key'])")
[ "$(grep -c "\"$first_key\"" erp-requests.jsonl)" -ge 2 ] && ok ||
  fail "the event the ERP answered with 500 was posted again ($first_key)"
events_valid && ok || fail "every event as its JSON Schema says"
wait_for 15 sh -c "$(declare -f events); events $third | grep -q sent" && ok || fail "the third message's event"
audit_has outbound.notified "$first" && ok || fail "audited as outbound.notified"

kill -TERM "$daemon"
wait "$daemon"
"$bin" audit verify --db var/edigate.db >/dev/null && ok || fail "the audit chain verifies"
echo "ack_overdue: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
