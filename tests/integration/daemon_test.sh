#!/usr/bin/env bash
# The real daemon on loopback: AS2 in from `edigate as2 send` and from `openssl cms` + curl,
# HTTPS upload with curl (token and client certificate), an ERP played by a Python server that
# fails on demand, duplicates, bad input, the admin API, SIGHUP with a broken config, the audit
# chain, and a clean SIGTERM.
# Usage: daemon_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
ERP_FAIL_FIRST=1
# The retailer may also log in to SFTP with a password (its profile holds only the hash).
sftp_password_hash=$(printf 'retailer sftp pw\n' | "$bin" config hash-password)
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
sed -i 's|<file name="files" dir="erp"/>|<file name="files" dir="erp" raw="true"/>|' edigate.xml
# SFTP limits from edigate.xml: a 2-second login grace (the default is 30).
sed -i 's|jails="var/jails"/>|jails="var/jails"><limits login-grace-seconds="2" sessions-total="8"/></sftp>|' edigate.xml
# A second partner that uploads with a token of its own: it must not see the retailer's messages.
cat >partners/other.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="other" name="Another Partner">
  <upload><token sha256="$(printf 'other-token' | "$bin" config hash-token)"/></upload>
  <acks send="none"/>
</partner>
XML
check "config check" 0 "$bin" config check -c edigate.xml
start_daemon
ok
# A second daemon on the same store (other ports) is refused before it touches anything.
sed -e "s/port=\"$http_port\"/port=\"$(free_port)\"/; s/port=\"$https_port\"/port=\"$(free_port)\"/" \
  -e "s/port=\"$admin_port\"/port=\"$(free_port)\"/; s/port=\"$sftp_port\"/port=\"$(free_port)\"/" \
  edigate.xml >second.xml
check "a second daemon on the same store exits" 2 timeout 20 "$bin" serve --config second.xml
has "it says which process has it" err "another edigate process uses the store .*var/edigate.db (pid $daemon)"
# The same through a symbolic link to the database file (SQLite follows it to the same WAL).
mkdir -p linked && ln -s "$PWD/var/edigate.db" linked/edigate.db
sed "s|var/edigate.db|linked/edigate.db|" second.xml >linked.xml
check "a second daemon on a link to the store's file exits" 2 timeout 20 "$bin" serve --config linked.xml
has "the link is the same store" err "another edigate process uses the store .*linked/edigate.db (pid $daemon)"
[ ! -e linked/edigate.db.lock ] && ok || fail "the lock is taken beside the real file, not the link"

po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
# renumbered N: the sample 850 with interchange and group control number N (6 digits), so that
# it is not a duplicate of the others.
renumbered() {
  sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po"
}
# processed_show NAME FILE: waits until message $id is processed, then shows it into FILE.
processed_show() {
  wait_for 10 sh -c "'$bin' messages show --db var/edigate.db $id | grep -q '\"status\": \"processed\"'" &&
    ok || fail "$1 is processed"
  "$bin" messages show --db var/edigate.db "$id" >"$2"
}
# The 5010 orders fixture comes from another sender (01:081466849): the copy sent here is
# addressed from the retailer (08:6111470100), as its profile says, ISA06 still 15 wide.
po5010=po5010.edi
sed 's/\*01\*081466849      \*/*08*6111470100     */' \
  "$src/tests/fixtures/edi/canonical/850-5010-retail-orders.edi" >"$po5010"
grep -q '^ISA\*00\*          \*00\*          \*08\*6111470100     \*' "$po5010" && ok ||
  fail "the 5010 orders renamed to the retailer's sender"

# --- AS2 with edigate as2 send: a signed MDN with the MIC, then the ERP gets both orders ----
pack_retailer_message "$po" msg
check "as2 send" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" msg \
  --partner-cert certs/as2/our.pem --expect-mic "$mic"
has "positive signed MDN" out "mdn_disposition: processed"
wait_for 10 sh -c 'ls erp | grep -c json | grep -q 2' && ok || fail "two documents in the file connector"
wait_for 15 sh -c "[ \$(wc -l <erp-requests.jsonl) -ge 3 ]" && ok ||
  fail "the ERP got both documents (one retried after a 500)"
has "ERP got the bearer token" erp-requests.jsonl '"auth": "Bearer erp-secret-token"'
has "ERP got an Idempotency-Key" erp-requests.jsonl '"key": "edigate-document-'
keys_before=$(sort -u erp-requests.jsonl | grep -c key)
has "the canonical JSON names the gateway partner" "$(ls erp/*.json | head -1)" '"partner":"retailer"'
first_json=$(ls erp/*.json | head -1)
cmp -s "${first_json%.json}.edi" "$po" && ok || fail "raw=\"true\": the interchange as received beside the JSON"

# the same message again: the stored MDN, nothing processed twice
check "as2 resend" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" msg \
  --partner-cert certs/as2/our.pem --expect-mic "$mic"
has "duplicate gets the MDN" out "mdn_disposition: processed"
sleep 1
[ "$(ls erp/*.json | wc -l)" -eq 2 ] && ok || fail "a duplicate AS2 message was processed again"
[ "$(sort -u erp-requests.jsonl | grep -c key)" -eq "$keys_before" ] && ok ||
  fail "a duplicate AS2 message was posted to the ERP again"

# A new message sent four times at once (a sender retrying before its first try was answered):
# one is taken, the others are refused by the message's unique key whether they come before
# or after its commit, and every one gets the same stored signed MDN.
renumbered 118931 >race.edi
"$bin" as2 pack race.edi -o race --from TEST-RETAILER --to EDIGATE-TEST \
  --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
  --partner-cert certs/as2/our.pem >race.out
race_mic=$(sed -n 's/^Expected-MIC: //p' race.out)
for i in 1 2 3 4; do
  "$bin" as2 send "http://127.0.0.1:$http_port/as2" race --partner-cert certs/as2/our.pem \
    --expect-mic "$race_mic" >"race.$i.out" 2>&1 &
  race_pids[i]=$!
done
for i in 1 2 3 4; do
  wait "${race_pids[i]}" && grep -q "mdn_disposition: processed" "race.$i.out" && ok ||
    fail "concurrent copy $i got the signed MDN: $(cat "race.$i.out")"
done
race_id=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
  "$(sed -n 's/^Message-ID: //p' race.out)")
[ "$(curl -s -H 'Authorization: Bearer admin-token' \
    "http://127.0.0.1:$admin_port/api/messages?as2_message_id=$race_id" | grep -o '"id":' | wc -l)" -eq 1 ] &&
  ok || fail "four concurrent copies are one message"
wait_for 10 sh -c '[ $(ls erp/*.json | wc -l) -eq 4 ]' && sleep 1 &&
  [ "$(ls erp/*.json | wc -l)" -eq 4 ] && ok || fail "the concurrent copies' two orders were delivered once"

# --- searching the message log (admin API) --------------------------------------------------
search() { curl -s -o search.json -w '%{http_code}' -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages?$1"; }
as2_id=$(sed -n 's/^Message-ID: //p' pack.out)
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$as2_id")
[ "$(search "as2_message_id=$encoded")" = 200 ] && ok || fail "search by AS2 Message-ID"
[ "$(grep -o '"id":' search.json | wc -l)" -eq 1 ] && ok || fail "one message has that Message-ID"
has "it is the one sent" search.json "\"as2_message_id\":\"$(printf '%s' "$as2_id" | sed 's/[.[\*^$]/\\&/g')\""
[ "$(search "control=000118830")" = 200 ] && ok || fail "search by interchange control number"
has "the interchange is found by its ISA13" search.json "\"as2_message_id\""
[ "$(search "control=999999999")" = 200 ] && [ "$(cat search.json)" = "[]" ] && ok ||
  fail "no message for an unknown control number"
[ "$(search "since=2999-01-01")" = 200 ] && [ "$(cat search.json)" = "[]" ] && ok ||
  fail "nothing received after 2999"
[ "$(search "since=yesterday")" = 400 ] && ok || fail "a malformed time is 400"
[ "$(search "direction=sideways")" = 400 ] && ok || fail "a malformed direction is 400"
check "CLI search by control number" 0 "$bin" messages list --db var/edigate.db --control 000118830 --json
has "CLI finds it" out '"transport":"as2"'
check "CLI: a malformed time" 2 "$bin" messages list --db var/edigate.db --since 30/11/2026

# --- async MDN: 200 at once, the signed MDN posted later to the URL the sender gave -------
mdn_port=$(free_port)
# The sender's MDN endpoint: refuses the first post (503), keeps the ones after it.
cat >mdn_sink.py <<'PY'
import http.server, sys
posts = []
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        posts.append(1)
        if len(posts) == 1:
            self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
            return
        with open("async-mdn.txt", "ab") as f:
            f.write(self.headers.get("Content-Type", "").encode() + b"\n" + body)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 mdn_sink.py "$mdn_port" &
pids+=($!)
renumbered 777001 >async.edi
"$bin" as2 pack async.edi -o async.msg --from TEST-RETAILER --to EDIGATE-TEST \
  --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
  --partner-cert certs/as2/our.pem --async-mdn-url "http://127.0.0.1:$mdn_port/mdn" >async.out
check "as2 send asking for an async MDN" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" \
  async.msg --partner-cert certs/as2/our.pem --expect-mic "$(sed -n 's/^Expected-MIC: //p' async.out)"
wait_for 10 test -s async-mdn.txt && ok || fail "the async MDN was posted"
has "async MDN is signed" async-mdn.txt "multipart/signed"
has "async MDN says processed" async-mdn.txt "processed"
if grep -q "X-Edigate" async-mdn.txt; then fail "internal header leaked into the MDN"; else ok; fi

# --- AS2 built by openssl cms, posted with curl ---------------------------------------------
printf 'Content-Type: application/edi-x12\r\nContent-Transfer-Encoding: binary\r\n\r\n' >part.mime
cat "$po5010" >>part.mime
openssl cms -sign -binary -in part.mime -signer certs/partners/demo-retailer.pem \
  -inkey certs/partners/demo-retailer.key -md sha256 -out signed.mime 2>/dev/null
openssl cms -encrypt -binary -in signed.mime -aes256 -outform DER -out enc.der certs/as2/our.pem \
  2>/dev/null
# post_cms MESSAGE_ID DER NAME: the enveloped DER posted as AS2 with curl; the MDN in NAME.bin,
# the answer's headers in NAME.headers.
post_cms() {
  curl -sS -o "$3.bin" -D "$3.headers" "http://127.0.0.1:$http_port/as2" \
    -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "AS2-Version: 1.2" \
    -H "Message-ID: <$1@test>" -H "Disposition-Notification-To: test@example.com" \
    -H 'Disposition-Notification-Options: signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256' \
    -H 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m' \
    --data-binary @"$2"
}
check "curl AS2 post" 0 post_cms openssl-1 enc.der mdn
has "openssl message: MDN is a signed report" mdn.headers "multipart/signed"
has "openssl message: processed" mdn.bin "processed"
wait_for 10 sh -c 'ls erp | grep -c json | grep -q 8' && ok || fail "openssl-made 850s delivered"
# 3DES, as partners still send it, is decrypted (the profile lists no accept-ciphers); the
# refusal when a profile does is in the unit tests (receive: accepted ciphers and digests).
openssl cms -encrypt -binary -in signed.mime -des3 -outform DER -out enc3.der certs/as2/our.pem \
  2>/dev/null
check "curl AS2 post, 3DES" 0 post_cms openssl-3des enc3.der mdn3
has "3DES message: processed" mdn3.bin "processed"

# --- bad AS2: unknown partner, unsigned, garbage --------------------------------------------
"$bin" as2 pack "$po" -o stranger --from NOBODY --to EDIGATE-TEST \
  --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
  --partner-cert certs/as2/our.pem >/dev/null
sed -n 's/^Expected-MIC: //p' pack.out >/dev/null
check "unknown partner is refused with an MDN" 1 "$bin" as2 send \
  "http://127.0.0.1:$http_port/as2" stranger --partner-cert certs/as2/our.pem \
  --expect-mic "$mic" --attempts 1
has "authentication-failed" out "authentication-failed"
# A stranger asking for an async MDN at a URL of its choosing: the gateway posts nothing there
# (it would make requests into its own network for anyone); the refusal comes in the answer.
"$bin" as2 pack "$po" -o stranger-async --from NOBODY --to EDIGATE-TEST \
  --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
  --partner-cert certs/as2/our.pem --async-mdn-url "http://127.0.0.1:$mdn_port/stranger" >/dev/null
mdn_posts=$(grep -c 'Message-ID\|Original-Message-ID' async-mdn.txt)
check "a stranger's async request: the refusal in the answer" 0 sh -c \
  "python3 - stranger-async <<'PY' | grep -q authentication-failed
import sys, urllib.request
raw = open(sys.argv[1], 'rb').read()
head, _, body = raw.partition(b'\\r\\n\\r\\n')
headers = dict(l.split(': ', 1) for l in head.decode().split('\\r\\n') if ': ' in l)
req = urllib.request.Request('http://127.0.0.1:$http_port/as2', data=body, headers=headers, method='POST')
print(urllib.request.urlopen(req).read().decode('latin-1'))
PY"
sleep 1
[ "$(grep -c 'Message-ID\|Original-Message-ID' async-mdn.txt)" -eq "$mdn_posts" ] && ok ||
  fail "an MDN was posted to the URL a stranger gave"
"$bin" as2 pack "$po" -o wrong-signer --from TEST-RETAILER --to EDIGATE-TEST \
  --cert certs/as2/our.pem --key certs/as2/our.key --partner-cert certs/as2/our.pem >/dev/null
check "a message signed by someone else's certificate is refused" 1 "$bin" as2 send \
  "http://127.0.0.1:$http_port/as2" wrong-signer --partner-cert certs/as2/our.pem \
  --expect-mic "$mic" --attempts 1
has "wrong signer: authentication-failed" out "authentication-failed"
check "garbage AS2 body" 0 curl -sS -o garbage.mdn "http://127.0.0.1:$http_port/as2" \
  -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "Message-ID: <garbage@test>" \
  -H "Disposition-Notification-To: x" -H "Content-Type: application/pkcs7-mime" --data-binary "not cms"
has "garbage gets a negative disposition" garbage.mdn "processed/error"
# Header bytes that are not UTF-8 (Beast lets 0x80-0xFF through): stored and audited, twice
# (the second time as a duplicate), listed by the admin API, and the daemon keeps serving.
for attempt in first again; do
  check "a Message-ID that is not UTF-8 ($attempt)" 0 curl -sS -o latin1.mdn -w '%{http_code}' \
    "http://127.0.0.1:$http_port/as2" -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" \
    -H $'Message-ID: <caf\xe9-\xff@test>' -H "Disposition-Notification-To: x" \
    -H "Content-Type: application/pkcs7-mime" --data-binary "not cms"
  has "not UTF-8 ($attempt): answered" out "200"
done
has "not UTF-8: the stored negative MDN again" latin1.mdn "processed/error"
check "the admin API lists it" 0 curl -sf -o latin1.json -H 'Authorization: Bearer admin-token' \
  "http://127.0.0.1:$admin_port/api/messages"
has "listed, its bytes replaced" latin1.json "caf"
check "still serving" 0 curl -sf "http://127.0.0.1:$admin_port/health"

# --- HTTPS upload --------------------------------------------------------------------------
# upload NAME FILE: FILE posted with the partner's token must get a 202; sets id to its message.
upload() {
  check "$1" 0 curl -sS -o up.json -w '%{http_code}' -H "Authorization: Bearer upload-token" \
    "http://127.0.0.1:$http_port/upload" --data-binary @"$2"
  has "$1: 202" out "202"
  id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
}
check "upload without credentials" 0 curl -sS -o up.json -w '%{http_code}' \
  "http://127.0.0.1:$http_port/upload" --data-binary @"$po"
has "401 without a token" out "401"
check "upload with the token" 0 curl -sS -o up.json -w '%{http_code}' \
  -H "Authorization: Bearer upload-token" -H "X-Filename: orders.edi" \
  "http://127.0.0.1:$http_port/upload" --data-binary @"$po5010"
has "202 for an upload" out "202"
id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
# already seen over AS2 (the openssl message): the interchange is a duplicate by policy
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer upload-token' http://127.0.0.1:$http_port/upload/$id | grep -q '\"status\":\"processed\"'" &&
  ok || fail "upload status processed"
curl -s -H 'Authorization: Bearer upload-token' "http://127.0.0.1:$http_port/upload/$id" >status.json
has "duplicate interchange flagged" status.json '"status":"duplicate"'
# Rejected by policy as a duplicate: the ack says so (TA1 R 025), not that it was taken.
sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT b.bytes FROM acks a JOIN blobs b ON b.id = a.spool_id
  WHERE a.message_id = $id" >duplicate-ack.edi
has "the duplicate's TA1 rejects it with 025" duplicate-ack.edi 'TA1\*000000517\*[0-9]*\*[0-9]*\*R\*025'
# The original, from 01:081466849: the retailer's token does not make it the retailer's. Its
# sets are rejected and not delivered, nothing acknowledges it, and the audit says why.
erp_before=$(ls erp | grep -c json)
acks_before=$(sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT count(*) FROM acks WHERE direction = 'out'")
check "an upload of another sender's interchange" 0 curl -sS -o up.json -w '%{http_code}' \
  -H "Authorization: Bearer upload-token" "http://127.0.0.1:$http_port/upload" \
  --data-binary @"$src/tests/fixtures/edi/canonical/850-5010-retail-orders.edi"
has "202: it is kept" out "202"
id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer upload-token' http://127.0.0.1:$http_port/upload/$id | grep -q '\"status\":\"failed\"'" &&
  ok || fail "another sender's interchange fails the message"
"$bin" messages show --db var/edigate.db "$id" >foreign.json
has "it names the sender it claims and the one expected" foreign.json \
  "interchange sender 01:081466849 is not this partner's (08:6111470100)"
has "its sets are rejected" foreign.json '"status": "rejected"'
sleep 1
[ "$(ls erp | grep -c json)" = "$erp_before" ] && ok || fail "another sender's orders reached the ERP"
[ "$(sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT count(*) FROM acks WHERE direction = 'out'")" = "$acks_before" ] &&
  ok || fail "another sender's interchange was acknowledged"
"$bin" audit export --db var/edigate.db | grep -q '"action":"interchange.refused"' && ok ||
  fail "the refusal is audited"
# GE01 counting three sets of two (new control numbers: no duplicate): the 997 rejects the
# group (AK9 R), so neither order is delivered, though each set is sound on its own.
sed -e 's/^GE\*2\*517~/GE*3*518~/' -e 's/\*000000517\*/*000000518*/; s/^IEA\*1\*000000517/IEA*1*000000518/' \
  -e 's/^GS\*\(.*\)\*517\*X/GS*\1*518*X/' "$po5010" >miscounted.edi
erp_before=$(ls erp | grep -c json)
check "an upload whose group count is wrong" 0 curl -sS -o up.json -w '%{http_code}' \
  -H "Authorization: Bearer upload-token" "http://127.0.0.1:$http_port/upload" --data-binary @miscounted.edi
id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db $id | grep -q 'its group 518 is rejected'" &&
  ok || fail "the sets of a rejected group are rejected"
sleep 1
[ "$(ls erp | grep -c json)" = "$erp_before" ] && ok || fail "the orders of a rejected group reached the ERP"
# The 999 we built (a 5010 partner), as the admin API shows it.
check "the 999 we built for it" 0 curl -sf -o miscounted-997.edi -H "Authorization: Bearer admin-token" \
  "http://127.0.0.1:$admin_port/api/messages/$id/raw?as=ack"
has "its 999 rejects the group" miscounted-997.edi 'AK9\*R\*3\*2\*2'
has "it is a whole interchange" miscounted-997.edi '^ISA\*.*~ST\*999\*'
# Addressed to someone else than us (ISA08 not BLUERIDGEHW): refused the same way.
sed 's/\*ZZ\*BLUERIDGEHW    \*/*ZZ*SOMEOTHERCO    */' "$po5010" >elsewhere.edi
check "an upload addressed to someone else" 0 curl -sS -o up.json -w '%{http_code}' \
  -H "Authorization: Bearer upload-token" "http://127.0.0.1:$http_port/upload" --data-binary @elsewhere.edi
id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db $id | grep -q 'interchange receiver ZZ:SOMEOTHERCO is not us (ZZ:BLUERIDGEHW)'" &&
  ok || fail "an interchange not addressed to us is refused"
# A payload over 64 KiB is a spool file (smaller ones are database blobs), read back from there
# by the pipeline: a 120 KB 850 is processed and delivered like any other.
python3 - <<'PY'
lines = ["ISA*00*          *00*          *08*6111470100     *ZZ*BLUERIDGEHW    *250307*2305*U*00401*000000777*0*P*>",
         "GS*PO*6111470100*BLUERIDGEHW*20250307*2305*777*X*004010", "ST*850*0001",
         "BEG*00*SA*PO-LARGE-777**20250307", "CUR*BY*USD", "N1*ST*CRESTLINE DC AUSTIN*UL*0614141000036"]
line = 0
while sum(len(l) + 2 for l in lines) < 120000:
    line += 1
    lines += ["PO1*%d*24*PC*12.9**UP*0773120%05d*VP*BRH-%05d" % (line, line, line),
              "PID*F****CAST IRON SKILLET 10 IN", "REF*IA*00778812"]
lines += ["CTT*%d" % line, "SE*%d*0001" % (len(lines) - 2 + 2), "GE*1*777", "IEA*1*000000777"]
open("large.edi", "w").write("~\n".join(lines) + "~\n")
PY
# An order the ERP refuses with a 4xx: dead letter at once (no retry), its answer kept; the
# file connector still got it. Its drop fails first (the directory gone for a moment) and
# succeeds on a retry after the ERP's refusal: the document stays dead_letter (one status for
# all its connectors, a dead letter wins over a later delivery elsewhere).
sed -e 's/000118830/000444001/g' -e 's/\*118830\*/*444001*/; s/GE\*2\*118830/GE*2*444001/' \
  -e 's/BEG\*00\*SA\*0047712093/BEG*00*SA*REJECT-ME/' "$po" >reject.edi
mv erp erp.away
upload "an order the ERP refuses" reject.edi
reject_id=$id
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db $reject_id | grep -q '\"status\": \"dead_letter\"'" &&
  ok || fail "the refused order is in dead letter"
drops="SELECT count(*) FROM deliveries d JOIN documents x ON x.id = d.document_id WHERE x.message_id = $reject_id AND d.connector = 'files' AND d.outcome"
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"$drops = 'retry'\") -ge 1 ]" && ok ||
  fail "the refused order's file drop failed while its directory was gone"
mv erp.away erp
# (Up to a minute: on a loaded machine the test sees the first failure late, and the retries
# meanwhile, of both sets, can make five failures in a row, which opens the file connector's
# circuit breaker for 30 s plus up to a quarter.)
wait_for 60 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"$drops = 'delivered'\") -ge 2 ]" && ok ||
  fail "the refused order's file drops (both sets) succeeded on a retry"
"$bin" messages show --db var/edigate.db "$reject_id" >rejected.json
python3 - <<'PY' && ok || fail "dead letter: one 422 attempt with the ERP's answer, the job dead, the file delivered"
import json
shown = json.load(open("rejected.json"))
doc = next(d for d in shown["documents"] if d["status"] == "dead_letter")
erp = [a for a in doc["deliveries"] if a["connector"] == "erp"]
assert len(erp) == 1 and erp[0]["outcome"] == "dead" and erp[0]["http_status"] == 422, erp
assert "unknown ship-to" in erp[0]["response"], erp
assert any(a["connector"] == "files" and a["outcome"] == "delivered" for a in doc["deliveries"]), doc
jobs = [j for j in shown["jobs"] if j.get("document_id") == doc["id"] and j["kind"] == "deliver:erp"]
assert len(jobs) == 1 and jobs[0]["state"] == "dead", jobs
PY
upload "a large upload" large.edi
large_id=$id
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer upload-token' http://127.0.0.1:$http_port/upload/$large_id | grep -q '\"status\":\"processed\"'" &&
  ok || fail "the large upload was processed"
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer upload-token' http://127.0.0.1:$http_port/upload/$large_id | grep -q '\"status\":\"delivered\"'" ||
  true
curl -s -H 'Authorization: Bearer upload-token' "http://127.0.0.1:$http_port/upload/$large_id" >status.large.json
large_sha=$(sha256sum large.edi | cut -d' ' -f1)
[ -f "var/spool/${large_sha:0:2}/$large_sha" ] && ok || fail "the large payload is a spool file"
[ "$(sqlite3 var/edigate.db "SELECT count(*) FROM blobs WHERE id = '$large_sha'")" = 0 ] && ok ||
  fail "the large payload is not also a database blob"
wait_for 10 grep -l "PO-LARGE-777" -r erp >/dev/null && ok || fail "the large order was delivered"
has "its document was delivered" status.large.json '"status":"delivered"'
if [ -n "$client_fp" ]; then
  check "upload over HTTPS with a client certificate" 0 curl -sS -o up2.json -w '%{http_code}' \
    --cacert certs/ca/ca.pem --cert certs/clients/upload-client.pem --key certs/clients/upload-client.key \
    "https://127.0.0.1:$https_port/upload" --data-binary "ISA garbage that is not EDI"
  has "202 with a client certificate" out "202"
  # A token presented must be right: a wrong token, or another partner's, beside the
  # retailer's certificate is refused (the scheme read in any case).
  for auth in "Bearer wrong" "Bearer other-token" "bearer wrong"; do
    check "a client certificate with '$auth'" 0 curl -sS -o /dev/null -w '%{http_code}' \
      --cacert certs/ca/ca.pem --cert certs/clients/upload-client.pem \
      --key certs/clients/upload-client.key -H "Authorization: $auth" \
      "https://127.0.0.1:$https_port/upload" --data-binary "ISA garbage that is not EDI"
    has "401 for a client certificate with '$auth'" out "401"
  done
fi
# The client offers TLS 1.1 (OpenSSL 3's default security level would not even let it try):
# the refusal is the server's.
check "TLS 1.1 refused" 35 curl -sS --cacert certs/ca/ca.pem --tlsv1.1 --tls-max 1.1 \
  --ciphers 'DEFAULT@SECLEVEL=0' "https://127.0.0.1:$https_port/upload"
has "TLS 1.1: the server answered with a protocol version alert" err "protocol version"
check "a wrong token" 0 curl -s -o other.json -w '%{http_code}' \
  -H 'Authorization: Bearer wrong' "http://127.0.0.1:$http_port/upload/$id"
has "401 for a wrong token" out "401"
check "another partner's token" 0 curl -s -o other.json -w '%{http_code}' \
  -H 'Authorization: Bearer other-token' "http://127.0.0.1:$http_port/upload/$id"
has "another partner's message is as good as absent (404)" out "404"
check "its owner's token" 0 curl -s -o mine.json -w '%{http_code}' \
  -H 'Authorization: Bearer upload-token' "http://127.0.0.1:$http_port/upload/$id"
has "its owner sees it (200)" out "200"
head -c 2000000 /dev/zero | tr '\0' 'x' >big.bin
check "an oversized body" 0 curl -s -o /dev/null -w '%{http_code}' \
  -H 'Authorization: Bearer upload-token' --data-binary @big.bin "http://127.0.0.1:$http_port/upload"
has "413 for an oversized body" out "413"
# The token is taken with the scheme in any case and spaces after it (an empty body: past the
# credentials, refused for itself).
check "an upload with the scheme in lower case" 0 curl -s -o /dev/null -w '%{http_code}' \
  -H 'Authorization: bearer   upload-token' --data-binary '' "http://127.0.0.1:$http_port/upload"
has "400, not 401: the token was taken" out "400"
check "an empty upload" 0 curl -s -o empty.json -w '%{http_code}' -H 'Authorization: Bearer upload-token' \
  --data-binary '' "http://127.0.0.1:$http_port/upload"
has "400 for an empty body" out "400"
"$bin" audit export --db var/edigate.db | grep '"action":"upload.refused"' >refused-uploads.txt
python3 - <<'PY' && ok || fail "the empty upload is audited as the partner's: $(cat refused-uploads.txt)"
import json
entries = [json.loads(l) for l in open("refused-uploads.txt")]
empty = [e for e in entries if "the body is empty" in e["details"]]
assert len(empty) == 2, empty  # this one and the lower-case scheme's above
assert all(e["subject"] == "partner:retailer" for e in empty), empty
assert all(json.loads(e["details"])["partner"] == "retailer" for e in empty), empty
PY
# A flood of malformed requests from one address: each is refused (400) and counted, the first
# ten of the minute (the 413 above among them) audited one by one, the rest summed up once.
python3 - "$http_port" <<'PY' && ok || fail "a flood of malformed requests is refused with 400s"
import socket, sys
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    assert s.recv(64).startswith(b"HTTP/1.1 400"), "no 400"
    s.close()
PY
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "flood: refusals counted" metrics.txt 'edigate_http_refused_total{listener="http-0",status="400"} 20'
has "flood: the rest not audited one by one" metrics.txt 'edigate_http_refusals_unaudited_total{reason="rate"} 11'

# --- SFTP: the login grace set in edigate.xml; a connection that never logs in is dropped ---
python3 - "$sftp_port" <<'PY' && ok || fail "SFTP login grace from edigate.xml (2 s)"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
start = time.monotonic()
s.recv(256)  # the server's banner; then say nothing
while s.recv(4096):
    pass
sys.exit(0 if time.monotonic() - start < 6 else 1)
PY

# --- SFTP: OpenSSH's sftp uploads into the partner's inbox; the pipeline takes it ---------
renumbered 555001 >sftp-orders.edi
printf 'put sftp-orders.edi inbox/orders-555001.edi\nls inbox\n' >sftp.batch
check "sftp put" 0 sftp -q -b sftp.batch -i sftp_key -P "$sftp_port" -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null retailer@127.0.0.1
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer admin-token' 'http://127.0.0.1:$admin_port/api/messages' | grep -q orders-555001.edi" &&
  ok || fail "the SFTP upload became a message"
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages" >sftp-messages.json
has "SFTP message has its transport" sftp-messages.json '"transport":"sftp"'
# every document delivered so far (the large upload's included) and the SFTP file's
wait_for 10 sh -c "ls erp | grep -c json | grep -q 13" && ok || fail "SFTP documents delivered"
# A good interchange followed by one whose ISA is cut short: the good one is processed and
# delivered, the broken one is skipped, and the message says so with the position.
renumbered 556001 >skipped.edi
printf 'ISA*00*          *00*          *08*6111470100~\nGS*PO*X~\n' >>skipped.edi
upload "an upload with a broken interchange after a good one" skipped.edi
processed_show "the message with a skipped interchange" skipped.json
python3 - <<'PY' && ok || fail "the skipped interchange is noted on the message with its line"
import json
shown = json.load(open("skipped.json"))
err = shown["message"]["error"]
assert "1 envelope error(s) outside the transaction sets" in err and "line 63" in err, err
assert len(shown["documents"]) == 2, shown["documents"]
PY
# Interchange 000556001 again from the retailer (a duplicate), and from another sender in the
# same file (not one: duplicates are per sender).
renumbered 556001 >dupmix.edi
renumbered 556001 | sed -e 's/\*08\*6111470100     \*/*ZZ*OTHERSENDER    */' >>dupmix.edi
upload "the same interchange number from two senders" dupmix.edi
processed_show "the two-sender upload" dupmix.json
python3 - <<'PY' && ok || fail "only the retailer's repeated interchange is a duplicate"
import json
docs = json.load(open("dupmix.json"))["documents"]
assert len(docs) == 4, docs
assert [d["status"] == "duplicate" for d in docs] == [True, True, False, False], [d["status"] for d in docs]
PY
# The same interchange twice in one file: the second copy is the duplicate.
renumbered 558001 >twice.edi
cat twice.edi twice.edi >twice2.edi
upload "one interchange twice in a file" twice2.edi
processed_show "the file with an interchange twice" twice.json
python3 - <<'PY' && ok || fail "the second copy of an interchange in one file is a duplicate"
import json
docs = json.load(open("twice.json"))["documents"]
assert [d["status"] == "duplicate" for d in docs] == [False, False, True, True], [d["status"] for d in docs]
PY
# Reprocessed after its maps changed (as if the first set had been mapped differently before):
# nothing goes to the connectors again on its own (the ERP may have acted on the first one); the
# document says to resend it.
twice_id=$id
both_delivered() {
  "$bin" messages show --db var/edigate.db "$twice_id" | python3 -c "
import json, sys
docs = [d for d in json.load(sys.stdin)['documents'] if d['status'] != 'duplicate']
got = lambda d: {a['connector'] for a in d['deliveries'] if a['outcome'] == 'delivered'}
sys.exit(0 if len(docs) == 2 and all(got(d) == {'erp', 'files'} for d in docs) else 1)"
}
wait_for 15 both_delivered && ok || fail "both documents delivered to both connectors"
sqlite3 -cmd '.timeout 5000' var/edigate.db \
  "UPDATE documents SET canonical_id = 'an-earlier-mapping' WHERE message_id = $twice_id AND set_index = 0"
jobs_before=$("$bin" messages show --db var/edigate.db "$twice_id" | grep -c '"kind"')
check "reprocess after a remap" 0 "$bin" messages reprocess --db var/edigate.db "$twice_id"
wait_for 15 sh -c "'$bin' messages show --db var/edigate.db $twice_id | grep -q 'resend to deliver this mapping'" ||
  fail "the remapped document says so"
sleep 1
"$bin" messages show --db var/edigate.db "$twice_id" >remapped.json
python3 - "$jobs_before" <<'PY' && ok || fail "a reprocess sends nothing again, and says what maps differently"
import json, sys
shown = json.load(open("remapped.json"))
docs = shown["documents"]
assert not any("-resend-" in a["idempotency_key"] for d in docs for a in d["deliveries"]), docs
assert docs[0]["status"] == "delivered" and "resend to deliver this mapping" in docs[0]["error"], docs[0]
assert docs[1]["error"] == "", docs[1]
assert len(shown["jobs"]) == int(sys.argv[1]) + 1, shown["jobs"]  # the process job only
PY
[ -z "$(ls var/jails/retailer/inbox)" ] && ok || fail "the inbox copy is removed once stored"
printf 'put sftp-orders.edi ../escape.edi\n' >escape.batch
check "no way out of the jail" 1 sftp -q -b escape.batch -i sftp_key -P "$sftp_port" \
  -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null retailer@127.0.0.1
[ ! -e var/jails/escape.edi ] && ok || fail "a file escaped the jail"
# Password login (SSH_ASKPASS forced: no terminal, no sshpass needed; BatchMode=no before -b).
printf '#!/bin/sh\ncat "$PASSWORD_FILE"\n' >askpass && chmod +x askpass
sftp_password() {  # sftp_password PASSWORD BATCH
  printf '%s\n' "$1" >pw.txt
  PASSWORD_FILE=$tmp/pw.txt SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    sftp -q -o BatchMode=no -b "$2" -P "$sftp_port" -o PreferredAuthentications=password \
    -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null retailer@127.0.0.1 </dev/null
}
sed -e 's/555001/555002/g' sftp-orders.edi >sftp-pw-orders.edi
printf 'put sftp-pw-orders.edi inbox/orders-555002.edi\n' >pw.batch
check "sftp put with the profile's password" 0 sftp_password 'retailer sftp pw' pw.batch
wait_for 10 sh -c "curl -s -H 'Authorization: Bearer admin-token' 'http://127.0.0.1:$admin_port/api/messages' | grep -q orders-555002.edi" &&
  ok || fail "the password upload became a message"
check "wrong SFTP password refused" 255 sftp_password 'retailer sftp PW' pw.batch
# Uploaded under a temporary name and renamed into place (as WinSCP does with larger files),
# the times then set (put -p): one message, under the final name, taken at the rename.
renumbered 555003 >sftp-part-orders.edi
cat >part.batch <<'B'
put -p sftp-part-orders.edi inbox/orders-555003.edi.filepart
rename inbox/orders-555003.edi.filepart inbox/orders-555003.edi
chmod 600 inbox/orders-555003.edi
B
check "sftp put as .filepart, rename, chmod" 0 sftp -q -b part.batch -i sftp_key -P "$sftp_port" \
  -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null retailer@127.0.0.1
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages" >part-messages.json
python3 - <<'PY' && ok || fail "the renamed upload is one message under its final name"
import json
names = [m["filename"] for m in json.load(open("part-messages.json")) if m["transport"] == "sftp"]
assert names.count("orders-555003.edi") == 1 and not any(".filepart" in n for n in names), names
PY
has "the held upload logged" daemon.log "held upload file=orders-555003.edi.filepart renamed to orders-555003.edi"
has "wrong password logged" daemon.log "user 'retailer' method=password (wrong password)"

# --- admin API ----------------------------------------------------------------------------
admin="http://127.0.0.1:$admin_port"
check "health" 0 curl -sf "$admin/health"
check "messages need a token" 0 curl -s -o /dev/null -w '%{http_code}' "$admin/api/messages"
has "401 for the admin API" out "401"
check "messages list" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/messages"
has "list has the AS2 message" out '"transport":"as2"'
check "message show" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/messages/1"
has "show has deliveries" out '"outcome":"delivered"'
has "show has the MDN" out '"disposition"'
# The payload unwrapped, and the request as it came: signed and encrypted, with its headers.
check "raw payload" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/messages/1/raw"
has "raw is the EDI" out '^ISA'
check "raw as received" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/messages/1/raw?as=received"
has "as received has the AS2 headers" out '^AS2-From: '
has "as received is still encrypted" out 'application/pkcs7-mime'
# A message from before the request was named with it (schema 4): 404, not the payload instead.
check "forget the request" 0 sqlite3 -cmd ".timeout 5000" var/edigate.db "UPDATE messages SET raw_id = '' WHERE id = 1"
check "raw as received, not named" 0 curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer admin-token" "$admin/api/messages/1/raw?as=received"
has "404 when not named" out "404"
check "raw: a bad as" 0 curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer admin-token" "$admin/api/messages/1/raw?as=other"
has "a bad as is a 400" out "400"
# The acknowledgement built for the first message (acks send="none" still builds it).
check "raw as ack" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/messages/1/raw?as=ack"
has "the 997 we built" out 'ST\*997\*'
"$bin" audit export --db var/edigate.db | grep '"action":"message.raw"' | grep -q 'as\\":\\"ack' && ok ||
  fail "reading the acknowledgement is audited"
check "resend" 0 curl -sf -X POST -H "Authorization: Bearer admin-token" "$admin/api/messages/1/resend"
wait_for 10 sh -c "[ \$(grep -c resend erp-requests.jsonl) -ge 2 ]" && ok || fail "resend reached the ERP"
# A message with no mapped document (the garbage one): nothing to resend is a 409, not a 202.
# A typo in a list's parameters is a 400, not an empty list.
for q in "status=faild" "limit=abc" "limit=-1"; do
  check "list with $q" 0 curl -s -o badlist.json -w '%{http_code}' -H "Authorization: Bearer admin-token" \
    "$admin/api/messages?$q"
  has "400 for $q" out "400"
done
has "it names the statuses" badlist.json "whole number"
check "messages list --status faild" 2 "$bin" messages list --db var/edigate.db --status faild
# (Refused before anything verified it, it is not keyed by its Message-ID: its error names it.)
garbage_id=$(curl -s -H "Authorization: Bearer admin-token" "$admin/api/messages?status=failed&limit=1000" |
  python3 -c 'import json, sys; print([m["id"] for m in json.load(sys.stdin) if "(Message-ID <garbage@test>)" in m["error"]][0])')
check "resend of nothing" 0 curl -s -o nothing.json -w '%{http_code}' -X POST \
  -H "Authorization: Bearer admin-token" "$admin/api/messages/$garbage_id/resend"
has "409 when nothing can be resent" out "409"
has "it says why" nothing.json "nothing to resend"
# Nor can it be processed again: what it keeps is the request as received, not EDI.
check "reprocess of a message refused at receipt" 0 curl -s -o refused.json -w '%{http_code}' -X POST \
  -H "Authorization: Bearer admin-token" "$admin/api/messages/$garbage_id/reprocess"
has "409 for it" out "409"
has "it says it was refused at receipt" refused.json "was refused at receipt"
check "the CLI refuses it too" 1 "$bin" messages reprocess --db var/edigate.db "$garbage_id"
has "saying so" err "no unwrapped payload to process"
"$bin" messages show --db var/edigate.db "$garbage_id" >refused-show.json
has "its refusal stays as it was" refused-show.json "(Message-ID <garbage@test>)"
check "reprocess (API)" 0 curl -sf -X POST -H "Authorization: Bearer admin-token" "$admin/api/messages/1/reprocess"
has "reprocess names its job" out '"job":[1-9]'
check "metrics" 0 curl -sf "$admin/metrics"
has "metrics count messages" out 'edigate_messages_received_total{partner="retailer",transport="as2"}'
has "metrics: delivery latency" out 'edigate_delivery_latency_seconds_count'
# Certificate expiry: one series per configured certificate, the value its notAfter.
not_after() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
expiry_is() {  # expiry_is NAME LABELS CERT: the gauge with exactly LABELS reads CERT's notAfter
  awk -v want="edigate_certificate_expiry_timestamp_seconds{$2}" -v at="$(not_after "$3")" \
    '$1 == want && $2 + 0 == at + 0 { found = 1 } END { exit !found }' out && ok ||
    { fail "$1: no $2 at $(not_after "$3")"; grep certificate_expiry out; }
}
expiry_is "metrics: the partner's certificate expiry" 'use="partner-as2",partner="retailer"' \
  certs/partners/demo-retailer.pem
expiry_is "metrics: our AS2 certificate expiry" 'use="as2"' certs/as2/our.pem
expiry_is "metrics: the https listener's certificate expiry" 'use="tls-listener",name="https-1"' \
  certs/tls/server.pem
[ "$(grep -c '^edigate_certificate_expiry_timestamp_seconds{' out)" -eq 3 ] && ok ||
  fail "three certificates gauged (the partner without AS2 has none)"
check "partners list" 0 curl -sf -H "Authorization: Bearer admin-token" "$admin/api/partners"
python3 - "$(not_after certs/partners/demo-retailer.pem)" <<'PY' && ok || fail "partners list: certificate_not_after"
import datetime, json, sys
partners = {p["id"]: p for p in json.load(open("out"))}
at = datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc)
assert partners["retailer"]["certificate_not_after"] == at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), partners
assert partners["other"]["certificate_not_after"] is None, partners
PY

# --- our 997 back to the partner over AS2: a second edigate plays the partner --------------
p_port=$(free_port)
p_admin=$(free_port)
start_partner_side "$p_port" "$p_admin"
wait_for 10 curl -sf "http://127.0.0.1:$p_admin/health" && ok || { fail "partner daemon"; cat partner.log; }
sed -i -e "s|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\">|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\" url=\"http://127.0.0.1:$p_port/as2\">|" \
  -e 's|<acks type="auto" send="none"/>|<acks type="auto" send="as2"/>|' partners/retailer.xml
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge 1 ]" && ok || fail "reload with acks over AS2"
renumbered 888001 >acked.edi
check "upload for an ack" 0 curl -sf -H "Authorization: Bearer upload-token" \
  --data-binary @acked.edi "http://127.0.0.1:$http_port/upload"
wait_for 15 sh -c "curl -s -H 'Authorization: Bearer admin-token' http://127.0.0.1:$p_admin/api/messages | grep -q edigate-ack-" &&
  ok || { fail "the partner received our 997 over AS2"; tail -5 partner.log; }
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$p_admin/api/messages" >partner-messages.json
has "the partner got it from us" partner-messages.json '"partner":"gateway"'
wait_for 10 sh -c "'$bin' audit export --db var/edigate.db 2>/dev/null | grep -q ack.sent" && ok ||
  fail "ack.sent audited (signed MDN from the partner matched)"
"$bin" messages sent --db var/edigate.db --json --limit 1 >sent.json
has "the partner's signed sync MDN is kept" sent.json '"mdn_spool":"[0-9a-f]\{64\}"'
sent_id=$(python3 -c 'import json; print(json.load(open("sent.json"))["id"])')
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/sent/$sent_id/mdn" >sync.mdn
has "API: its bytes as received" sync.mdn "disposition-notification"
kill -TERM "$partner_daemon"
# Queue gauges by kind: an acknowledgement's job counts under send_ack (not one series per
# acknowledgement), every kind the configuration can queue has its series, 0 when idle.
wait_for 10 sh -c "curl -s '$admin/metrics' | grep -q '^edigate_queue_ready{kind=\"send_ack\"} 0'" &&
  ok || fail "send_ack jobs gauged under one label, back to 0"
check "metrics again" 0 curl -sf "$admin/metrics"
grep -q 'kind="send_ack:' out && fail "a queue series per acknowledgement" || ok
has "running jobs are gauged too" out '^edigate_queue_running{kind="process"} 0'
has "the ERP's dead letter is gauged" out '^edigate_queue_dead{kind="deliver:erp"} 1'
has "a connector's resends are gauged" out '^edigate_queue_ready{kind="redeliver:files"} 0'

# --- the operator CLI on the live store --------------------------------------------------
resends_before=$(grep -c resend erp-requests.jsonl)
check "messages resend (CLI)" 0 "$bin" messages resend --db var/edigate.db --connector erp 1
wait_for 10 sh -c "[ \$(grep -c resend erp-requests.jsonl) -gt $resends_before ]" && ok ||
  fail "CLI resend reached the ERP"
# With the daemon's configuration the CLI checks connector names, and without --connector
# follows the partner's routes (as the API's resend does).
check "messages resend: unknown connector" 2 "$bin" messages resend --db var/edigate.db \
  --config edigate.xml --connector nosuch 1
has "the unknown connector is named with those there are" err "no connector 'nosuch' in edigate.xml (it has: "
check "messages resend: no connector, no configuration" 2 "$bin" messages resend --db var/edigate.db 1
has "it asks for either" err "--config FILE"
resends_before=$(grep -c resend erp-requests.jsonl)
check "messages resend --config (the partner's routes)" 0 "$bin" messages resend --db var/edigate.db \
  --config edigate.xml 1
python3 - <<'PY' && ok || fail "the routes' connectors got a resend job per document"
import json
queued = json.load(open("out"))
assert queued["message"] == 1 and len(queued["jobs"]) >= 2, queued
PY
"$bin" messages show --db var/edigate.db 1 >shown.json
python3 - <<'PY' && ok || fail "the resend jobs are those of the routes"
import json
shown = json.load(open("shown.json"))
kinds = {j["kind"] for j in shown["jobs"] if j["kind"].startswith("redeliver:")}
assert kinds == {"redeliver:erp", "redeliver:files"}, kinds
PY
wait_for 10 sh -c "[ \$(grep -c resend erp-requests.jsonl) -gt $resends_before ]" && ok ||
  fail "the routed CLI resend reached the ERP"
# (the third process job of message 1: its first, the API reprocess above, this one)
check "messages reprocess (CLI)" 0 "$bin" messages reprocess --db var/edigate.db 1
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db 1 | grep -c '\"kind\": \"process\"' | grep -q 3" &&
  ok || fail "CLI reprocess ran"

# --- a file drop that fails: recorded as a retry, delivered once the directory is back ------
# The job runner that maps a document delivers it to a file connector itself; a failure there
# is recorded and retried like any delivery's. First the reprocessed message's own file drops
# must be done: failing too, they would make five failures in a row, and the connector's
# circuit breaker would hold every delivery for its 30-second cool-down.
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db 1 | python3 -c 'import json, sys; sys.exit(any(j[\"state\"] in (\"ready\", \"running\") for j in json.load(sys.stdin)[\"jobs\"]))'" &&
  ok || fail "the reprocessed message's deliveries are done"
# Processed three times, delivered once: a connector that has a document does not get it again
# from a reprocess (resend is for that), and the documents stay delivered.
"$bin" messages show --db var/edigate.db 1 >reprocessed.json
python3 - <<'PY' && ok || fail "reprocess does not deliver again what was delivered"
import json
shown = json.load(open("reprocessed.json"))
for d in shown["documents"]:
    assert d["status"] == "delivered", d
    files = [a for a in d["deliveries"] if a["connector"] == "files" and a["outcome"] == "delivered"
             and "-resend-" not in a["idempotency_key"]]  # the resends above are operators'
    assert len(files) == 1, d["deliveries"]
PY
mv erp erp.away && touch erp
sed -e 's/000118830/000000888/g' -e 's/\*118830\*/*888*/; s/GE\*2\*118830/GE*2*888/' "$po" >po888.edi
upload "upload while the file drop fails" po888.edi
wait_for 10 sh -c "'$bin' messages show --db var/edigate.db $id | grep -q '\"outcome\": \"retry\"'" &&
  ok || fail "the failed file drop is recorded as a retry"
rm erp && mv erp.away erp
# (Longer than the breaker's cool-down, 30 s plus up to a quarter, should retries that came
# quickly have opened it.)
wait_for 60 sh -c "ls erp | grep -c '^message-$id-set-.*json' | grep -q 2" && ok ||
  fail "both documents delivered once the directory is back"
"$bin" messages show --db var/edigate.db "$id" >shown.json
python3 - "$id" <<'PY' && ok || fail "the file drop: one retry, then delivered, per document"
import json, sys
shown = json.load(open("shown.json"))
per_doc = {doc["id"]: [a["outcome"] for a in doc["deliveries"] if a["connector"] == "files"]
           for doc in shown["documents"]}
assert len(per_doc) == 2, per_doc
assert all(o[0] == "retry" and o[-1] == "delivered" and o.count("delivered") == 1 for o in per_doc.values()), per_doc
PY

# --- reload: a broken config is refused, the daemon keeps serving ------------------------
cp edigate.xml edigate.good
printf '<broken' >>edigate.xml
kill -HUP "$daemon"
wait_for 5 grep -q "reload refused" daemon.log && ok || fail "broken reload refused"
check "still serving after a refused reload" 0 curl -sf "$admin/health"
cp edigate.good edigate.xml
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge 2 ]" && ok || fail "reload"

# --- stop, then the audit chain --------------------------------------------------------------
kill -TERM "$daemon"
wait "$daemon"
status=$?
[ "$status" -eq 0 ] && ok || fail "SIGTERM exit status $status"
check "audit verify" 0 "$bin" audit verify --db var/edigate.db
check "audit export" 0 "$bin" audit export --db var/edigate.db
for action in message.received as2.duplicate mdn.sent ack.sent config.reloaded config.reload_failed message.resend http.refused daemon.stopped; do
  has "audited: $action" out "\"$action\""
done
has "the async MDN's failed first post is audited" out '"action":"mdn.attempt_failed"'
grep '"message.resend"' out | grep -q '"actor":"admin:test"' && ok ||
  fail "an admin action is audited with the name of the token that made it"
grep '"http.refused"' out >refused.txt
has "the oversized upload's refusal is audited with its status and target" refused.txt '413.*/upload'
[ "$(wc -l <refused.txt)" -eq 10 ] && ok || fail "$(wc -l <refused.txt) refusals audited one by one, not 10"
python3 - <<'PY' && ok || fail "the flood is summed up in one http.refusals_suppressed entry"
import json
entries = [json.loads(l) for l in open("out") if l.strip()]
summed = [json.loads(e["details"]) for e in entries if e["action"] == "http.refusals_suppressed"]
assert len(summed) == 1, summed
assert summed[0]["suppressed"] == 11 and summed[0]["top"] == [{"address": "127.0.0.1", "count": 11}], summed
PY

# --- SFTP: what a stop left in an inbox is handled at the next start -----------------------
# A complete upload renamed to its name but not stored, one stored whose removal was cut off,
# and a temporary file of an upload cut off mid-way.
inbox=var/jails/retailer/inbox
renumbered 557001 >"$inbox/left-behind.edi"
cp sftp-orders.edi "$inbox/orders-555001.edi"
head -c 5000 /dev/zero >"$inbox/.edigate-upload-cutoff"
cp big.bin "$inbox/too-big.edi"  # over the body limit (1 MiB) lowered since it came, say
start_daemon
[ -z "$(ls -A "$inbox")" ] && ok || fail "the inbox is emptied at start: $(ls -A "$inbox")"
ls var/jails/.quarantine/retailer/ | grep -q '^too-big.edi\.' && ok ||
  fail "the file that cannot be stored is moved aside, not left to block its name"
count_file() { sqlite3 -cmd '.timeout 5000' var/edigate.db "SELECT count(*) FROM messages WHERE filename = '$1'"; }
[ "$(count_file left-behind.edi)" = 1 ] && ok || fail "the upload left complete in the inbox is stored"
[ "$(count_file orders-555001.edi)" = 1 ] && ok || fail "the upload stored before is not stored again"
wait_for 10 grep -lr "557001" erp >/dev/null && ok || fail "the recovered upload is processed and delivered"
kill -TERM "$daemon"
wait "$daemon"
"$bin" audit export --db var/edigate.db >out
has "the recovered upload is audited" out '"sftp.recovered_upload"'
has "the cut-off temporary file is audited" out 'cut off by a stop before its close'
has "the file moved aside is audited" out '"sftp.quarantined_upload"'
check "audit verify after the restart" 0 "$bin" audit verify --db var/edigate.db
echo "daemon_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
