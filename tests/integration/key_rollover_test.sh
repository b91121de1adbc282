#!/usr/bin/env bash
# Renewing our own AS2 certificate while partners switch one by one: with the old key kept as
# <as2><previous>, a partner still encrypting to the old certificate is received (and, with
# sign-with, gets its MDN signed with the old key, the only one it can verify); without it, the
# refusal names the certificate the message was encrypted to. config check refuses a sign-with
# that names no previous key, and the previous certificate's expiry is a metric.
#
# Usage: key_rollover_test.sh EDIGATE SOURCE_DIR
set -u
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
renumbered() {
  sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po"
}
# reload NAME COUNT: SIGHUP, then wait for the COUNTth "configuration reloaded".
reload() {
  kill -HUP "$daemon"
  wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge $2 ]" && ok ||
    { fail "reload $1"; tail -5 daemon.log; }
}
# send_order NUMBER CERT: the retailer's order NUMBER, encrypted to our old certificate, sent
# with CERT as the one our MDN must verify with.
send_order() {
  renumbered "$1" >"order-$1.edi"
  pack_retailer_message "order-$1.edi" "msg-$1"
  "$bin" as2 send "http://127.0.0.1:$http_port/as2" "msg-$1" --partner-cert "$2" --expect-mic "$mic"
}

# Our renewed key and certificate; certs/as2/our.* (what the retailer has) becomes previous.
openssl req -x509 -newkey rsa:2048 -nodes -keyout our-2027.key -out our-2027.pem -days 400 \
  -subj /CN=EDIGATE-TEST-2027 2>/dev/null
chmod 600 our-2027.key
rollover='<as2 our-id="EDIGATE-TEST" key="our-2027.key" cert="our-2027.pem"><previous name="2026" key="certs/as2/our.key" cert="certs/as2/our.pem"/></as2>'
sed -i "s|<as2 our-id=\"EDIGATE-TEST\" key=\"certs/as2/our.key\" cert=\"certs/as2/our.pem\"/>|$rollover|" edigate.xml
grep -q 'previous name="2026"' edigate.xml || { echo "cannot write the rollover config"; exit 2; }
check "config check with a previous key" 0 "$bin" config check -c edigate.xml
start_daemon

# 1. The retailer still encrypts to our old certificate: received, decrypted with the old key.
#    The MDN is signed with our new key: it verifies with the new certificate, not the old one.
check "a message to our old certificate is taken" 0 send_order 200001 our-2027.pem
has "its MDN is positive" out "mdn_disposition: processed"
has "and signed" out "mdn_signed: 1"
check "an MDN signed with the new key does not verify with the old certificate" 1 \
  send_order 200002 certs/as2/our.pem
has "its signature is what fails" out "error: MDN not accepted: message is signed by a certificate that is not the partner's"

# 2. sign-with="2026": what we sign for the retailer is signed with the old key again.
sed -i 's|<as2 id="TEST-RETAILER" cert="../certs/partners/demo-retailer.pem">|<as2 id="TEST-RETAILER" cert="../certs/partners/demo-retailer.pem" sign-with="2026">|' \
  partners/retailer.xml
check "config check with sign-with" 0 "$bin" config check -c edigate.xml
reload "with sign-with" 1
check "with sign-with the MDN verifies with the old certificate" 0 \
  send_order 200003 certs/as2/our.pem
has "positive" out "mdn_disposition: processed"
wait_for 10 sh -c '[ $(ls erp/*.json 2>/dev/null | wc -l) -ge 3 ]' && ok ||
  fail "the three orders reached the file connector ($(ls erp | wc -l) files)"

# 3. The previous certificate's expiry is reported like our own.
curl -s "http://127.0.0.1:$admin_port/metrics" -H 'Authorization: Bearer admin-token' >metrics
has "the previous certificate's expiry gauge" metrics \
  'edigate_certificate_expiry_timestamp_seconds{use="as2-previous",name="2026"}'

# 4. A previous certificate on our current key is taken (a partner pinning a certificate
#    renewed on the same key still needs sign-with); the current certificate itself is not. A
#    sign-with naming no previous key is refused at its line.
openssl req -x509 -key our-2027.key -out our-2027-again.pem -days 30 -subj /CN=EDIGATE-TEST-AGAIN 2>/dev/null
sed 's|<previous name="2026" key="certs/as2/our.key" cert="certs/as2/our.pem"/>|<previous name="2026" key="our-2027.key" cert="our-2027-again.pem"/>|' \
  edigate.xml >same-key.xml
check "config check: a previous certificate on the current key" 0 "$bin" config check -c same-key.xml
sed 's|<previous name="2026" key="certs/as2/our.key" cert="certs/as2/our.pem"/>|<previous name="2026" key="our-2027.key" cert="our-2027.pem"/>|' \
  edigate.xml >same-cert.xml
check "config check: the current certificate as a previous one" 1 "$bin" config check -c same-cert.xml
has "is refused" err "this is our current certificate"
sed 's|sign-with="2026"|sign-with="2025"|' partners/retailer.xml >retailer-2025.xml
mkdir -p bad/partners && cp retailer-2025.xml bad/partners/retailer.xml
sed -e 's|dir="partners"|dir="bad/partners"|' edigate.xml >bad.xml
check "config check: sign-with names no previous key" 1 "$bin" config check -c bad.xml
has "the problem is at the partner's <as2>" err 'retailer.xml:3: sign-with="2025" names no <previous name>'

# 5. The old key removed (every partner switched, or so we thought): a message to the old
#    certificate is refused, and the refusal says which certificate it was encrypted to.
sed -i "s|<previous name=\"2026\" key=\"certs/as2/our.key\" cert=\"certs/as2/our.pem\"/>||" edigate.xml
sed -i 's| sign-with="2026"||' partners/retailer.xml
reload "without the previous key" 2
check "a message to a certificate we no longer have is refused" 1 send_order 200004 our-2027.pem
has "with decryption-failed" out "decryption-failed"
failed_id=$("$bin" messages list --db var/edigate.db --status failed | awk 'NR == 2 { print $1 }')
"$bin" messages show --db var/edigate.db "$failed_id" >failed.json
has "the stored refusal names the certificate by serial and issuer" failed.json \
  "encrypted to a certificate that is not ours (serial .* issued by .*CN"

echo "key_rollover: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
