#!/usr/bin/env bash
# What a stranger can make the gateway keep. A refused AS2 request (an AS2-From that is no
# partner's, or one that names a partner and fails its checks) is answered with a negative MDN;
# the first ten a minute from an address are stored, each with only the first <limits
# refused-keep-bytes> of its body (and the size and SHA-256 of all of it); the rest get the same
# answer but unsigned (no private-key operation for them), are counted, and are summed up in one
# as2.refusals_suppressed audit entry. Strangers' AS2-From values never become metric labels. A
# partner's good message is untouched.
# Usage: strangers_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
sed -i 's|<limits body-bytes="1048576"|<limits body-bytes="1048576" refused-keep-bytes="4096"|' edigate.xml
check "config check" 0 "$bin" config check --config edigate.xml

start_daemon
db() { sqlite3 -cmd ".timeout 5000" var/edigate.db "$@"; }

# A partner's message that fails (garbage): stored, cut the same way; it takes one of the ten.
head -c 50000 /dev/zero | tr '\0' 'g' >garbage.bin
check "a partner's garbage" 0 curl -sS -o garbage.mdn "http://127.0.0.1:$http_port/as2" \
  -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "Message-ID: <garbage@test>" \
  -H "Disposition-Notification-To: x" -H "Content-Type: application/pkcs7-mime" --data-binary @garbage.bin
has "a negative MDN" garbage.mdn "processed/error"
db "SELECT size, error, as2_message_id IS NULL FROM messages WHERE partner = 'retailer' AND error LIKE '%(Message-ID <garbage@test>)%'" >partner.txt
has "its size and what was kept" partner.txt "^50000|.*stored the first 4096 of 50000 bytes"
# Nothing verified it is the retailer's: its Message-ID is in its error, not its key.
has "not keyed by its Message-ID" partner.txt "|1$"
has "the journal says it was refused" daemon.log "as2: refused message [0-9]* from retailer (127.0.0.1): processed/error: "

# The retailer's order encrypted to three recipients (us, and two more), as openssl cms makes
# it: within the share, every RecipientInfo may be tried and it is processed.
printf 'Content-Type: application/edi-x12\r\nContent-Transfer-Encoding: binary\r\n\r\n' >part.mime
cat "$po" >>part.mime
openssl cms -sign -binary -in part.mime -signer certs/partners/demo-retailer.pem \
  -inkey certs/partners/demo-retailer.key -md sha256 -out signed.mime 2>/dev/null
openssl cms -encrypt -binary -in signed.mime -aes256 -outform DER -out three.der \
  certs/partners/demo-retailer.pem certs/tls/server.pem certs/as2/our.pem 2>/dev/null
post_three() {  # post_three MESSAGE_ID: the MDN in MESSAGE_ID.mdn
  curl -sS -o "$1.mdn" "http://127.0.0.1:$http_port/as2" \
    -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "Message-ID: <$1@test>" \
    -H "Disposition-Notification-To: x" \
    -H 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data' --data-binary @three.der
}
check "three recipients, within the share" 0 post_three three-1
has "processed" three-1.mdn "processed"
! grep -q "processed/error" three-1.mdn && ok || fail "three recipients within the share: no error"

# 14 strangers' requests of 100,000 bytes each, each with an AS2-From of its own, asking for a
# signed MDN: the nine that fit in the ten a minute get one, the five past them an unsigned one.
# (The processed order above is no refusal: it takes none of the ten.)
python3 - "$http_port" <<'PY' && ok || fail "every stranger's request is answered with a negative MDN, signed while stored"
import hashlib, sys, urllib.request
body = bytes(range(256)) * 390 + b"x" * 160  # 100,000 bytes
open("stranger-sha256", "w").write(hashlib.sha256(body).hexdigest())
signed = []
for i in range(14):
    req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/as2", data=body, method="POST",
        headers={"AS2-From": f"STRANGER-{i}", "AS2-To": "EDIGATE-TEST",
                 "Message-ID": f"<stranger-{i}@test>", "Disposition-Notification-To": "x",
                 "Disposition-Notification-Options": "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256",
                 "Content-Type": "application/pkcs7-mime"})
    with urllib.request.urlopen(req, timeout=10) as r:
        answer = r.read().decode("latin-1")
        signed.append(r.headers.get("Content-Type", "").startswith("multipart/signed"))
    assert "authentication-failed" in answer, (i, answer[:300])
assert signed == [True] * 9 + [False] * 5, signed
PY
[ "$(db "SELECT count(*) FROM messages WHERE partner LIKE 'unknown:%'")" = 9 ] && ok ||
  fail "nine strangers' requests stored, not $(db "SELECT count(*) FROM messages WHERE partner LIKE 'unknown:%'")"
sha=$(cat stranger-sha256)
db "SELECT error FROM messages WHERE partner = 'unknown:STRANGER-0'" >error.txt
has "the error says what was kept" error.txt "stored the first 4096 of 100000 bytes of the body (SHA-256 of all: $sha)"
id=$(db "SELECT id FROM messages WHERE partner = 'unknown:STRANGER-0'")
curl -s -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages/$id/raw" >raw.bin
size=$(wc -c <raw.bin)
[ "$size" -gt 4096 ] && [ "$size" -lt 6000 ] && ok || fail "the stored request is headers + 4096 bytes, not $size"
grep -qi "AS2-From: STRANGER-0" raw.bin && ok || fail "the stored request keeps its headers"

curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "strangers counted under one label" metrics.txt 'edigate_messages_received_total{partner="unknown",transport="as2"} 14'
has "their bytes too" metrics.txt 'edigate_bytes_received_total{partner="unknown",transport="as2"} 1400000'
has "the unrecorded ones counted" metrics.txt 'edigate_as2_refusals_unrecorded_total 5'

# Past the share, at most two RecipientInfos are tried (each is a private-key operation): the
# same order encrypted to three recipients is not decrypted.
check "three recipients, past the share" 0 post_three three-2
has "decryption-failed" three-2.mdn "decryption-failed"

# A partner's name in a request that fails its checks earns it nothing past the share: answered,
# not stored.
check "a partner's garbage past the share" 0 curl -sS -o garbage2.mdn "http://127.0.0.1:$http_port/as2" \
  -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "Message-ID: <garbage-2@test>" \
  -H "Disposition-Notification-To: x" -H "Content-Type: application/pkcs7-mime" --data-binary @garbage.bin
has "a negative MDN for it too" garbage2.mdn "processed/error"
[ "$(db "SELECT count(*) FROM messages WHERE as2_message_id = '<garbage-2@test>'")" = 0 ] && ok ||
  fail "a refusal past the share is not stored, whatever partner it names"
! grep -q 'STRANGER' metrics.txt && ok || fail "a stranger's AS2-From became a metric label"

# Uploads without a partner's token: each answered 401, the first ten from an address audited
# one by one (a commit each), the rest counted and summed up (upload.refusals_suppressed).
printf 'ISA*00*~' >anon.edi
refused=0
for i in $(seq 25); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer not-a-token" \
    --data-binary @anon.edi "http://127.0.0.1:$http_port/upload")
  [ "$code" = 401 ] && refused=$((refused + 1))
done
[ "$refused" = 25 ] && ok || fail "uploads without a valid token answered 401 ($refused of 25)"

# A partner's good message after all that: processed, delivered.
pack_retailer_message "$po" msg
check "a partner's message" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" msg \
  --partner-cert certs/as2/our.pem --expect-mic "$mic"
wait_for 15 sh -c 'ls erp | grep -q json' && ok || fail "the partner's order delivered"

kill -TERM "$daemon"
wait "$daemon"
"$bin" audit export --db var/edigate.db >audit.jsonl
python3 - <<'PY' && ok || fail "the seven not stored are summed up in one as2.refusals_suppressed entry"
import json
entries = [json.loads(l) for l in open("audit.jsonl")]
summed = [json.loads(e["details"]) for e in entries if e["action"] == "as2.refusals_suppressed"]
assert len(summed) == 1, summed
assert summed[0]["suppressed"] == 7 and summed[0]["top"] == [{"address": "127.0.0.1", "count": 7}], summed
PY
python3 - <<'PY' && ok || fail "ten refused uploads audited one by one, fifteen summed up"
import json
entries = [json.loads(l) for l in open("audit.jsonl")]
assert sum(e["action"] == "upload.refused" for e in entries) == 10, "one by one"
summed = [json.loads(e["details"]) for e in entries if e["action"] == "upload.refusals_suppressed"]
assert len(summed) == 1 and summed[0]["suppressed"] == 15, summed
assert summed[0]["top"] == [{"address": "127.0.0.1", "count": 15}], summed
PY
check "the audit chain verifies" 0 "$bin" audit verify --db var/edigate.db

# Again with the refusal shares fresh (a new daemon).
start_daemon
# The retailer's own message under that Message-ID afterwards is no duplicate of it: taken,
# a positive MDN with its own MIC, delivered.
sed -e "s/000118830/000424242/g" -e "s/\*118830\*/*424242*/; s/GE\*2\*118830/GE*2*424242/" "$po" >po-424242.edi
pack_retailer_message po-424242.edi claimed --message-id '<garbage@test>'
check "the partner's message under a Message-ID a stranger used" 0 "$bin" as2 send \
  "http://127.0.0.1:$http_port/as2" claimed --partner-cert certs/as2/our.pem --expect-mic "$mic"
wait_for 15 sh -c 'grep -l 424242 erp/*.json' && ok || fail "the partner's order under that Message-ID delivered"
# A refused message that asked for no MDN: the HTTP status says it was refused (a 2xx would
# read as taken).
check "garbage asking for no MDN" 0 curl -sS -o nomdn.txt -w '%{http_code}' "http://127.0.0.1:$http_port/as2" \
  -H "AS2-From: TEST-RETAILER" -H "AS2-To: EDIGATE-TEST" -H "Message-ID: <nomdn@test>" \
  -H "Content-Type: application/pkcs7-mime" --data-binary "not a message"
has "400" out "^400$"
has "with the disposition" nomdn.txt "refused: processed/error: decryption-failed"
# Signed by the retailer (so kept under its Message-ID) but not encrypted, as its policy asks,
# and no MDN asked for: 400, and a retry under the same Message-ID gets 400 again, not the
# 200 a taken message's copy gets.
sed -e "s/000118830/000424243/g" -e "s/\*118830\*/*424243*/; s/GE\*2\*118830/GE*2*424243/" "$po" >po-424243.edi
pack_retailer_message po-424243.edi plain --no-encrypt --no-mdn --message-id '<plain@test>'
for attempt in first retry; do
  check "a signed, unencrypted message without MDN ($attempt)" 1 "$bin" as2 send \
    "http://127.0.0.1:$http_port/as2" plain --partner-cert certs/as2/our.pem --expect-mic "$mic"
  has "it is refused ($attempt)" out "400"
done

echo "strangers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
