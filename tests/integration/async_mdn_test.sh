#!/usr/bin/env bash
# Async MDNs for the AS2 messages we send: two real daemons on loopback, each the other's
# partner. A (the gateway under test) gets an 850 from `edigate as2 send`, sends its 997 to B
# over AS2 asking for an async MDN at A's <as2 mdn-url>; B posts the signed MDN back later and A
# records mdn-ok. Then MDNs posted with curl: a duplicate, one signed by a stranger's key, one
# for a Message-ID A never sent, one whose MIC is not the one A sent, a negative one; a partner
# whose MDN overtakes its answer to our POST; and a partner that takes the 997 but never sends
# its MDN, so it times out. An outbound document from the ERP whose async MDN is negative fails
# and is sent again.
# Usage: async_mdn_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
# A listener body limit above /mdn's own 1 MiB, so that one is what refuses a large MDN.
sed -i 's/body-bytes="1048576"/body-bytes="33554432"/' edigate.xml

po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
b_port=$(free_port)
b_admin=$(free_port)
sink_port=$(free_port)
overtake_port=$(free_port)
api() { curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port$1"; }
audit_count() { "$bin" audit export --db var/edigate.db | grep -c "\"action\":\"$1\""; }
sent_state() {  # sent_state AS2_MESSAGE_ID
  "$bin" messages sent --db var/edigate.db | awk -F'\t' -v id="$1" '$8 == id {print $6}'
}
# An 850 with its own control numbers (a repeated interchange would be a duplicate).
order() {
  sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po" >"order-$1.edi"
  "$bin" as2 pack "order-$1.edi" -o "order-$1.msg" --from TEST-RETAILER --to EDIGATE-TEST \
    --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
    --partner-cert certs/as2/our.pem >"order-$1.out"
  check "as2 send order $1" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" "order-$1.msg" \
    --partner-cert certs/as2/our.pem --expect-mic "$(sed -n 's/^Expected-MIC: //p' "order-$1.out")"
}
# The Message-ID of the newest AS2 message A sent.
newest_sent() { "$bin" messages sent --db var/edigate.db --limit 1 | awk -F'\t' 'NR == 2 {print $8}'; }
# An MDN from TEST-RETAILER for MESSAGE_ID, signed with KEY: the partner's side of a message
# with that Message-ID, opened by `edigate as2 unpack`, which writes the MDN it would return.
# Split into a curl header file and a body.
# With ENCRYPT_TO another certificate than CERT, it cannot be decrypted: a negative MDN.
make_mdn() {  # make_mdn NAME MESSAGE_ID CERT KEY [ENCRYPT_TO]
  printf 'not the 997 we sent\n' >"$1.payload"
  "$bin" as2 pack "$1.payload" -o "$1.msg" --from EDIGATE-TEST --to TEST-RETAILER \
    --cert certs/as2/our.pem --key certs/as2/our.key --partner-cert "${5:-$3}" \
    --message-id "$2" --async-mdn-url "http://127.0.0.1:$http_port/mdn" >/dev/null
  "$bin" as2 unpack "$1.msg" --cert "$3" --key "$4" --partner-cert certs/as2/our.pem \
    --mdn-out "$1.mdn" >/dev/null
  python3 - "$1" <<'PY'
import sys
name = sys.argv[1]
data = open(name + ".mdn", "rb").read()
head, body = data.split(b"\r\n\r\n", 1)
open(name + ".headers", "wb").write(head.replace(b"\r\n", b"\n") + b"\n")
open(name + ".body", "wb").write(body)
PY
}
post_mdn() {  # post_mdn NAME -> HTTP status on stdout
  curl -s -o "$1.answer" -w '%{http_code}' -H @"$1.headers" --data-binary @"$1.body" \
    "http://127.0.0.1:$http_port/mdn"
}

# --- B: the partner, a second edigate whose AS2 id is TEST-RETAILER ------------------------
start_partner_side "$b_port" "$b_admin"

# --- A: our MDN URL on the plain listener, the retailer asked for async MDNs ----------------
sed -i -e "s|serve=\"as2 upload\"/>|serve=\"as2 upload mdn\"/>|" \
  -e "s|cert=\"certs/as2/our.pem\"/>|cert=\"certs/as2/our.pem\" mdn-url=\"http://127.0.0.1:$http_port/mdn\"/>|" \
  edigate.xml
set_partner() {  # set_partner URL TIMEOUT
  sed -i -e "s|<as2 id=\"TEST-RETAILER\" [^>]*>|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\" url=\"$1\">|" \
    -e "s|<mdn [^>]*/>|<mdn mode=\"async\" signed=\"true\" micalg=\"sha256\" timeout=\"$2\"/>|" \
    -e 's|<acks type="auto" send="none"/>|<acks type="auto" send="as2"/>|' partners/retailer.xml
}
set_partner "http://127.0.0.1:$b_port/as2" 60
check "config with async MDNs" 0 "$bin" config check --config edigate.xml
"$bin" serve --config edigate.xml >daemon.log 2>&1 &
daemon=$!
pids+=($daemon)
wait_for 10 curl -sf "http://127.0.0.1:$admin_port/health" || { cat daemon.log; exit 1; }
wait_for 10 curl -sf "http://127.0.0.1:$b_admin/health" || { cat partner.log; exit 1; }
reload() {
  local before
  before=$(grep -c 'configuration reloaded' daemon.log)
  kill -HUP "$daemon"
  wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -gt $before ]" && ok ||
    fail "reload: $(tail -3 daemon.log)"
}

# --- the 997 goes to B, B's async MDN comes back: mdn-ok ----------------------------------
order 500001
wait_for 20 sh -c "'$bin' messages sent --db var/edigate.db | grep -q mdn-ok" && ok ||
  { fail "A recorded B's async MDN as mdn-ok"; "$bin" messages sent --db var/edigate.db; tail -5 daemon.log partner.log; }
first=$(newest_sent)
# The ack's id and a digest of its bytes: another gateway's first ack is not this one.
echo "$first" | grep -Eq '^<edigate-ack-[0-9]+-[0-9a-f]{16}@EDIGATE-TEST>$' && ok ||
  fail "the sent Message-ID: '$first'"
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$b_admin/api/messages" >b-messages.json
has "B got our 997 asking for an async MDN" b-messages.json "edigate-ack-"
api "/api/sent?state=mdn-ok" >sent.json
has "admin API lists it as mdn-ok" sent.json '"state":"mdn-ok"'
has "it was async" sent.json '"mdn_mode":"async"'
has "the MDN bytes are kept" sent.json '"mdn_spool":"[0-9a-f]\{64\}"'
has "B's disposition recorded" sent.json '"disposition":"processed"'
message_id=$(python3 -c 'import json,sys; print(json.load(open("sent.json"))[0]["message_id"])')
api "/api/messages/$message_id" >message.json
has "the message shows what was sent for it" message.json '"as2_sent":\[{'
has "with its MDN state" message.json '"as2_sent":\[{[^]]*"state":"mdn-ok"'
check "edigate messages show" 0 "$bin" messages show --db var/edigate.db "$message_id"
has "messages show: MDN state" out '"state": "mdn-ok"'
[ "$(audit_count as2.sent)" -eq 1 ] && ok || fail "as2.sent audited once"
[ "$(audit_count as2.mdn_received)" -eq 1 ] && ok || fail "as2.mdn_received audited once"

# --- MDNs posted with curl --------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.pem \
  -subj "/CN=STRANGER" -days 2 2>/dev/null
retailer=(certs/partners/demo-retailer.pem certs/partners/demo-retailer.key)

make_mdn dup "$first" "${retailer[@]}"
[ "$(post_mdn dup)" = 200 ] && ok || fail "a duplicate MDN is answered 200"
[ "$(audit_count as2.mdn_received)" -eq 1 ] && ok || fail "a duplicate is not recorded twice"
[ "$(audit_count as2.mdn_duplicate)" -ge 1 ] && ok || fail "a duplicate is audited"
[ "$(sent_state "$first")" = mdn-ok ] && ok || fail "a duplicate changes nothing"

make_mdn stranger "$first" stranger.pem stranger.key
[ "$(post_mdn stranger)" = 403 ] && ok || fail "an MDN signed by a stranger's key is refused"
has "the refusal says why" stranger.answer "not signed by the partner"

make_mdn unknown "<never-sent@EDIGATE-TEST>" "${retailer[@]}"
[ "$(post_mdn unknown)" = 404 ] && ok || fail "an MDN for an unknown Message-ID is 404"
"$bin" audit export --db var/edigate.db >audit.jsonl
has "unknown Message-ID audited" audit.jsonl '"action":"as2.mdn_unknown".*never-sent'
has "stranger's signature audited" audit.jsonl '"action":"as2.mdn_refused".*not signed by'

sed 's/^AS2-From: .*/AS2-From: NOBODY/' unknown.headers >nobody.headers
cp unknown.body nobody.body
[ "$(post_mdn nobody)" = 403 ] && ok || fail "an MDN from no partner of ours is refused"
sed 's/^AS2-To: .*/AS2-To: SOMEONE-ELSE/' dup.headers >elsewhere.headers
cp dup.body elsewhere.body
[ "$(post_mdn elsewhere)" = 403 ] && ok || fail "an MDN addressed to someone else is refused"
# Larger than 1 MiB: 413, audited. One announced that large is answered before its body is
# read (a client that never sends the body still gets its answer at once).
refused_before=$(audit_count as2.mdn_refused)
head -c 2000000 /dev/zero | tr '\0' 'x' >huge.body
cp dup.headers huge.headers
[ "$(post_mdn huge)" = 413 ] && ok || fail "an MDN over 1 MiB is refused with 413"
answer=$(python3 - "$http_port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /mdn HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/report\r\n"
          b"Content-Length: 20000000\r\n\r\n")
try:
    print(s.recv(200).split(b"\r\n")[0].decode())
except socket.timeout:
    print("no answer")
PY
)
[ "$answer" = "HTTP/1.1 413 Payload Too Large" ] && ok ||
  fail "an MDN announced at 20 MB is refused before its body comes (got: $answer)"
[ "$(audit_count as2.mdn_refused)" -ge $((refused_before + 2)) ] && ok || fail "both refusals audited"

# --- a partner that takes the 997 and never sends the MDN ---------------------------------
cat >sink.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("sink.log", "a") as f: f.write(self.headers.get("Message-ID", "") + " " + self.path + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 sink.py "$sink_port" &
pids+=($!)
set_partner "http://127.0.0.1:$sink_port/as2" 60
reload
order 500002
wait_for 15 sh -c "'$bin' messages sent --db var/edigate.db | grep -q sent-awaiting-mdn" && ok ||
  fail "the 997 to the silent partner awaits its MDN"
second=$(newest_sent)
make_mdn forged "$second" stranger.pem stranger.key
[ "$(post_mdn forged)" = 403 ] && ok || fail "a stranger's MDN for a waiting message is refused"
[ "$(sent_state "$second")" = sent-awaiting-mdn ] && ok || fail "and changes nothing"
# Its MDN, properly signed, but for other content: the MIC is not the one we sent.
make_mdn mic "$second" "${retailer[@]}"
[ "$(post_mdn mic)" = 200 ] && ok || fail "an MDN with the wrong MIC is taken (and recorded)"
[ "$(sent_state "$second")" = mdn-failed ] && ok || fail "a wrong MIC makes it mdn-failed"
api "/api/sent?state=mdn-failed" >failed.json
has "mdn-failed keeps why" failed.json '"error":"MIC mismatch'
has "and the disposition" failed.json '"disposition":"processed"'
[ "$(audit_count as2.mdn_failed)" -eq 1 ] && ok || fail "as2.mdn_failed audited"

order 500004
wait_for 15 sh -c "'$bin' messages sent --db var/edigate.db | grep -q sent-awaiting-mdn" && ok ||
  fail "the 997 for the negative MDN awaits it"
negative=$(newest_sent)
make_mdn negative "$negative" "${retailer[@]}" stranger.pem
has "a negative MDN was made" negative.body "decryption-failed"
[ "$(post_mdn negative)" = 200 ] && ok || fail "a negative MDN is taken (and recorded)"
[ "$(sent_state "$negative")" = mdn-failed ] && ok || fail "a negative MDN makes it mdn-failed"
api "/api/sent?state=mdn-failed" >failed.json
has "with its disposition" failed.json '"disposition":"processed/error: decryption-failed"'
[ "$(audit_count as2.mdn_failed)" -eq 2 ] && ok || fail "both mdn-failed audited"

# --- an outbound document (from the ERP) whose async MDN is negative: the message fails, and a
# resend of its sent message makes it sent again ---------------------------------------------
message_status() { api "/api/messages/$1" | python3 -c "import json, sys; print(json.load(sys.stdin)['status'])"; }
check "an outbound ship notice" 0 curl -s -o outbound.json -w '%{http_code}' \
  -H 'Authorization: Bearer admin-token' --data-binary @"$src/docs/schemas/examples/ship_notice.json" \
  "http://127.0.0.1:$admin_port/api/outbound?partner=retailer"
has "202" out 202
out_id=$(python3 -c "import json; print(json.load(open('outbound.json'))['message_id'])")
out_mid=$(python3 -c "import json; print(json.load(open('outbound.json'))['as2_message_id'])")
wait_for 15 sh -c "[ \"\$('$bin' messages sent --db var/edigate.db | awk -F'\t' -v id='$out_mid' '\$8 == id {print \$6}')\" = sent-awaiting-mdn ]" &&
  ok || fail "the outbound message awaits its async MDN"
[ "$(message_status "$out_id")" = sent ] && ok || fail "the outbound message is sent, not $(message_status "$out_id")"
make_mdn outneg "$out_mid" "${retailer[@]}" stranger.pem
[ "$(post_mdn outneg)" = 200 ] && ok || fail "its negative MDN is taken"
[ "$(message_status "$out_id")" = failed ] && ok || fail "a negative async MDN fails the outbound message"
out_sent=$(api "/api/messages/$out_id" | python3 -c "import json, sys; print(json.load(sys.stdin)['as2_sent'][0]['id'])")
check "resend its sent message" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/sent/$out_sent/resend"
has "202" out 202
wait_for 15 sh -c "[ \$(grep -c '$out_mid' sink.log) -ge 2 ]" && ok || fail "the partner got it again"
wait_for 5 sh -c "$(declare -f api message_status); admin_port=$admin_port; [ \"\$(message_status $out_id)\" = sent ]" &&
  ok || fail "sent again: the message is sent"

# --- a partner whose async MDN arrives before its answer to our POST ------------------------
# It posts an MDN for the Message-ID it got (made as above) and only then answers 200.
export bin http_port
export -f make_mdn post_mdn
cat >overtake.py <<'PY'
import http.server, subprocess, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        subprocess.run(["bash", "-c", 'make_mdn first "$1" certs/partners/demo-retailer.pem '
                        'certs/partners/demo-retailer.key && post_mdn first >first.status',
                        "_", self.headers.get("Message-ID")])
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 overtake.py "$overtake_port" &
pids+=($!)
set_partner "http://127.0.0.1:$overtake_port/as2" 60
reload
order 500005
wait_for 20 sh -c "[ \$('$bin' messages sent --db var/edigate.db | grep -c edigate-ack-) -eq 4 ]" &&
  ok || fail "the 997 to the overtaking partner was sent"
overtaken=$(newest_sent)
wait_for 10 grep -q 200 first.status && ok || fail "its MDN was taken before the POST was answered"
wait_for 10 sh -c "'$bin' audit export --db var/edigate.db | grep -q mdn_came_first" && ok ||
  fail "as2.sent audited, saying the MDN came first"
[ "$(sent_state "$overtaken")" = mdn-failed ] && ok || fail "the MDN that came first was kept"
"$bin" messages sent --db var/edigate.db --json | grep "$overtaken" >overtaken.json
has "no deadline for it" overtaken.json '"mdn_deadline":null'

set_partner "http://127.0.0.1:$sink_port/as2" 3
reload
order 500003
# Five sent now; on a slow machine the newest may already have timed out when we look.
wait_for 15 sh -c "[ \$('$bin' messages sent --db var/edigate.db | grep -c edigate-ack-) -eq 5 ]" &&
  ok || fail "the third 997 was sent"
third=$(newest_sent)
case "$(sent_state "$third")" in sent-awaiting-mdn | mdn-timeout) ok ;;
  *) fail "the third 997 awaits its MDN: $(sent_state "$third")" ;; esac
# The deadline is a job in the store, not a timer: it survives a kill -9 and a restart.
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
"$bin" serve --config edigate.xml >>daemon.log 2>&1 &
daemon=$!
pids+=($daemon)
wait_for 10 curl -sf "http://127.0.0.1:$admin_port/health" && ok || fail "A restarted"
wait_for 15 sh -c "'$bin' messages sent --db var/edigate.db | grep -q mdn-timeout" && ok ||
  fail "no MDN within 3 s: mdn-timeout"
[ "$(sent_state "$third")" = mdn-timeout ] && ok || fail "the third one timed out"
[ "$(audit_count as2.mdn_timeout)" -eq 1 ] && ok || fail "as2.mdn_timeout audited"

# --- sending again: an operator resends the timed-out 997 (same Message-ID) -----------------
sent_id() { "$bin" messages sent --db var/edigate.db | awk -F'\t' -v id="$1" '$8 == id {print $1}'; }
third_id=$(sent_id "$third")
first_id=$(sent_id "$first")
resends_before=$(audit_count as2.resend)
requests_before=$(audit_count as2.resend_requested)
check "messages resend-sent: the timed-out 997" 0 "$bin" messages resend-sent --db var/edigate.db "$third_id"
wait_for 15 sh -c "[ \$(grep -cF '$third' sink.log) -ge 2 ]" && ok ||
  fail "sent again with the same Message-ID"
[ "$(audit_count as2.resend)" -eq $((resends_before + 1)) ] && ok || fail "as2.resend audited"
[ "$(audit_count as2.resend_requested)" -eq $((requests_before + 1)) ] && ok ||
  fail "the operator's request audited"
wait_for 15 sh -c "[ \"\$('$bin' messages sent --db var/edigate.db | awk -F'\t' -v id='$third' '\$8 == id {print \$6}')\" = mdn-timeout ]" &&
  ok || fail "no MDN again: timed out again"
check "resend-sent of one settled by its MDN is refused" 1 "$bin" messages resend-sent --db var/edigate.db "$first_id"
check "resend-sent of an unknown id" 1 "$bin" messages resend-sent --db var/edigate.db 999999
code=$(curl -s -o resend.json -w '%{http_code}' -X POST -H 'Authorization: Bearer admin-token' \
  "http://127.0.0.1:$admin_port/api/sent/$first_id/resend")
[ "$code" = 409 ] && ok || fail "API: resend of a settled one is 409 (got $code)"
code=$(curl -s -o resend.json -w '%{http_code}' -X POST -H 'Authorization: Bearer admin-token' \
  "http://127.0.0.1:$admin_port/api/sent/$third_id/resend")
[ "$code" = 202 ] && ok || fail "API: resend of the timed-out one is 202 (got $code)"
wait_for 15 sh -c "[ \$(grep -cF '$third' sink.log) -ge 3 ]" && ok || fail "API resend sent it a third time"
api "/api/sent/$first_id/mdn" >first.mdn
has "API: the MDN kept for the first 997" first.mdn "disposition-notification"
api "/api/sent/$third_id" >third.json
has "API: one sent message" third.json "\"as2_message_id\":\"$third\""

sleep_until() { local left=$(($1 - $(date +%s))); [ "$left" -le 0 ] || sleep "$left"; }
# --- a resend's deadline is its own: the first send's deadline job does not time it out -----
set_partner "http://127.0.0.1:$sink_port/as2" 10
reload
check "a ship notice with a 10 s MDN deadline" 0 curl -s -o outbound2.json -w '%{http_code}' \
  -H 'Authorization: Bearer admin-token' --data-binary @"$src/docs/schemas/examples/ship_notice.json" \
  "http://127.0.0.1:$admin_port/api/outbound?partner=retailer"
t0=$(date +%s)
out2_id=$(python3 -c "import json; print(json.load(open('outbound2.json'))['message_id'])")
out2_mid=$(python3 -c "import json; print(json.load(open('outbound2.json'))['as2_message_id'])")
wait_for 10 sh -c "[ \"\$('$bin' messages sent --db var/edigate.db | awk -F'\t' -v id='$out2_mid' '\$8 == id {print \$6}')\" = sent-awaiting-mdn ]" &&
  ok || fail "the second ship notice awaits its MDN"
make_mdn outneg2 "$out2_mid" "${retailer[@]}" stranger.pem
[ "$(post_mdn outneg2)" = 200 ] && ok || fail "its negative MDN is taken"
out2_sent=$(api "/api/messages/$out2_id" | python3 -c "import json, sys; print(json.load(sys.stdin)['as2_sent'][0]['id'])")
sleep_until $((t0 + 5))
check "resend it 5 s later" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/sent/$out2_sent/resend"
# The first send's deadline job has run (t0 + 10 s), before the resend's (>= t0 + 15 s).
first_deadline_done() {
  "$bin" messages show --db var/edigate.db "$out2_id" | python3 -c "
import json, sys
jobs = [j for j in json.load(sys.stdin)['jobs'] if j['kind'].startswith('mdn_timeout')]
sys.exit(0 if len(jobs) == 2 and min(jobs, key=lambda j: j['id'])['state'] == 'done' else 1)"
}
wait_for 20 first_deadline_done && ok || fail "the first send's deadline job ran"
[ "$(sent_state "$out2_mid")" = sent-awaiting-mdn ] && ok ||
  fail "the resent message still awaits its MDN after the first send's deadline ($(sent_state "$out2_mid"))"
wait_for 15 sh -c "[ \"\$('$bin' messages sent --db var/edigate.db | awk -F'\t' -v id='$out2_mid' '\$8 == id {print \$6}')\" = mdn-timeout ]" &&
  ok || fail "then its own deadline times it out"

# --- a partner asking for its MDN at a URL we cannot post to (mailto:): in the response -------
sed -e "s/000118830/000118877/g" -e "s/\*118830\*/*118877*/; s/GE\*2\*118830/GE*2*118877/" "$po" >mailto.edi
"$bin" as2 pack mailto.edi -o mailto.msg --from TEST-RETAILER --to EDIGATE-TEST \
  --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
  --partner-cert certs/as2/our.pem --async-mdn-url "mailto:edi@retailer.example" >mailto.out
check "as2 send asking for an MDN by mail" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" mailto.msg \
  --partner-cert certs/as2/our.pem --expect-mic "$(sed -n 's/^Expected-MIC: //p' mailto.out)"
has "its signed MDN comes in the response" out "mdn_disposition: processed"
has "the journal says why" daemon.log "asks for its MDN at a URL we do not post to (not an http:// or https:// URL"

# --- <policy async-mdn-urls>: MDNs posted only under the prefixes the profile lists ----------
sed -i "s|<policy require-signed=\"true\" require-encrypted=\"true\"/>|<policy require-signed=\"true\" require-encrypted=\"true\" async-mdn-urls=\"http://127.0.0.1:$sink_port/mdn-allowed\"/>|" \
  partners/retailer.xml
check "config with async-mdn-urls" 0 "$bin" config check --config edigate.xml
reload
listed() {  # listed NUMBER URL: an 850 asking for its MDN at URL
  sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po" >"listed-$1.edi"
  "$bin" as2 pack "listed-$1.edi" -o "listed-$1.msg" --from TEST-RETAILER --to EDIGATE-TEST \
    --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
    --partner-cert certs/as2/our.pem --async-mdn-url "$2" >"listed-$1.out"
  "$bin" as2 send "http://127.0.0.1:$http_port/as2" "listed-$1.msg" --partner-cert certs/as2/our.pem \
    --expect-mic "$(sed -n 's/^Expected-MIC: //p' "listed-$1.out")" >"listed-$1.answer" 2>&1
}
check "an MDN asked for under the listed prefix" 0 listed 118878 "http://127.0.0.1:$sink_port/mdn-allowed/x"
wait_for 15 grep -q " /mdn-allowed/x\$" sink.log && ok || fail "it is posted there"
# The same message again, now asking for its MDN at a URL the profile does not list: the MDN
# stored for the first copy comes in the answer, without the header that told us where to
# post it.
python3 - listed-118878.msg "http://127.0.0.1:$http_port/as2" >duplicate.answer <<'PY'
import sys, urllib.request
raw = open(sys.argv[1], 'rb').read()
head, _, body = raw.partition(b'\r\n\r\n')
headers = dict(l.split(': ', 1) for l in head.decode().split('\r\n') if ': ' in l)
for name in list(headers):
    if name.lower() == 'receipt-delivery-option':
        headers[name] = 'http://127.0.0.1:1/elsewhere'
answer = urllib.request.urlopen(urllib.request.Request(sys.argv[2], data=body, headers=headers, method='POST'))
print(answer.headers)
print(answer.read().decode('latin-1'))
PY
has "a duplicate asking elsewhere gets the stored MDN" duplicate.answer "disposition-notification"
if grep -qi "X-Edigate-Deliver-To" duplicate.answer; then fail "without our internal header"; else ok; fi
check "an MDN asked for at a URL the profile does not list" 0 listed 118879 "http://127.0.0.1:$sink_port/mdn-elsewhere"
has "its signed MDN comes in the response" listed-118879.answer "mdn_disposition: processed"
has "the journal says why" daemon.log "at a URL we do not post to (not under the partner's <policy async-mdn-urls>)"
sleep 1
if grep -q "/mdn-elsewhere" sink.log; then fail "nothing is posted to the unlisted URL"; else ok; fi
# A path that climbs out of the prefix once normalised (libcurl drops "..", servers decode
# %2e): under none.
check "an MDN asked for at a path that climbs out of the prefix" 0 listed 118880 \
  "http://127.0.0.1:$sink_port/mdn-allowed/../secret"
has "its MDN comes in the response" listed-118880.answer "mdn_disposition: processed"
check "and one with the dots percent-encoded" 0 listed 118881 \
  "http://127.0.0.1:$sink_port/mdn-allowed/%2e%2e/secret"
has "its MDN comes in the response too" listed-118881.answer "mdn_disposition: processed"
# Judged again before each post: an MDN waiting for its URL to answer (nothing listens on
# its port) is given up at its next try once a reload no longer lists that URL.
closed_port=$(free_port)
sed -i "s|async-mdn-urls=\"[^\"]*\"|async-mdn-urls=\"http://127.0.0.1:$sink_port/mdn-allowed http://127.0.0.1:$closed_port/\"|" \
  partners/retailer.xml
reload
check "an MDN asked for at a listed URL nobody answers" 0 listed 118882 "http://127.0.0.1:$closed_port/mdn"
wait_for 10 sh -c "'$bin' audit export --db var/edigate.db | grep -q '\"mdn.attempt_failed\"'" && ok ||
  fail "its posts fail and are retried"
sed -i "s| http://127.0.0.1:$closed_port/||" partners/retailer.xml
reload
wait_for 10 sh -c "'$bin' audit export --db var/edigate.db | grep '\"mdn.failed\"' | grep -q 'not under the partner'" &&
  ok || fail "after the reload its next try gives it up, saying why"
sed -i "s|async-mdn-urls=\"[^\"]*\"|async-mdn-urls=\"http://127.0.0.1:$sink_port\"|" partners/retailer.xml
check "a prefix that ends at the host is refused" 1 "$bin" config check --config edigate.xml

kill -TERM "$daemon"
wait "$daemon"
check "the audit chain verifies" 0 "$bin" audit verify --db var/edigate.db
echo "async_mdn_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
