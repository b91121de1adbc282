#!/usr/bin/env bash
# Drives `edigate as2 pack|unpack|mdn` with keys made by the openssl CLI (PEM, DER, PKCS#12),
# and uses `openssl cms` as the independent peer on both sides.
# Usage: as2_cli_test.sh EDIGATE
set -uo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap '[ -f "$tmp/pids" ] && kill $(cat "$tmp/pids") 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
passed=0
failed=0

check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >out 2>err
  local status=$?
  if [ "$status" -eq "$expected" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $status, expected $expected"
    head -5 out err
  fi
}

expect_output() {  # expect_output NAME PATTERN (in the last command's stdout+stderr)
  if grep -q -- "$2" out err; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: output lacks '$2'"
  fi
}

for who in us partner stranger; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $who.key -out $who.pem -subj "/CN=$who" -days 2 2>/dev/null
done
openssl x509 -in partner.pem -outform DER -out partner.der
openssl pkey -in us.key -outform DER -out us.key.der
openssl pkcs12 -export -in us.pem -inkey us.key -out us.p12 -passout pass:secret
printf 'ISA*00*~\nGS*PO*A*B~\nST*850*0001~\n' >payload.edi

# Partner -> us: the partner packs with its PEM keys, we unpack with our PKCS#12.
check "pack signed+encrypted+compressed" 0 "$bin" as2 pack payload.edi -o msg --from "PARTNER A" --to US \
  --cert partner.pem --key partner.key --partner-cert us.pem --compress before --cipher aes128-gcm
expect_output "pack prints the expected MIC" "Expected-MIC: .*, sha-256"
mic=$(sed -n 's/^Expected-MIC: //p' out)
check "unpack with PKCS#12 and DER partner cert" 0 "$bin" as2 unpack msg --p12 us.p12 --password secret \
  --partner-cert partner.der --require-signed --require-encrypted -o got.edi --mdn-out mdn --json
expect_output "unpack reports the layers" '"compressed": true'
expect_output "unpack reports the MIC" "\"mic\": \"$mic\""
expect_output "unpack reports the content cipher" '"content_cipher": "id-aes128-GCM"'
check "payload is byte-identical" 0 cmp payload.edi got.edi
# The password from a file (first line), so it is not on the command line; an encrypted PEM
# key the same way.
printf 'secret\n' >p12.pass
chmod 600 p12.pass
check "unpack with --password-file" 0 "$bin" as2 unpack msg --p12 us.p12 --password-file p12.pass \
  --partner-cert partner.der -o got2.edi
check "the same payload" 0 cmp payload.edi got2.edi
openssl pkey -in us.key -aes256 -passout file:p12.pass -out us.enc.key 2>/dev/null
check "unpack with an encrypted PEM key and --password-file" 0 "$bin" as2 unpack msg --cert us.pem \
  --key us.enc.key --password-file p12.pass --partner-cert partner.der -o got3.edi
check "a wrong password is an error" 2 "$bin" as2 unpack msg --cert us.pem --key us.enc.key \
  --password wrong --partner-cert partner.der -o got4.edi
expect_output "says so" "us.enc.key: the password does not decrypt the key"
check "unpack of a signed message without --partner-cert" 1 "$bin" as2 unpack msg --cert us.pem \
  --key us.enc.key --password-file p12.pass -o got-unpinned.edi
expect_output "says there is nothing to verify with" "no partner certificate to verify it with"
chmod 644 p12.pass
check "a password file readable by everyone is refused" 2 "$bin" as2 unpack msg --p12 us.p12 \
  --password-file p12.pass --partner-cert partner.der -o got5.edi
expect_output "says why" "readable by everyone"
check "--password and --password-file exclude each other" 2 "$bin" as2 unpack msg --p12 us.p12 \
  --password secret --password-file p12.pass --partner-cert partner.der -o got6.edi
check "our signed MDN verifies and its MIC matches" 0 "$bin" as2 mdn mdn --partner-cert us.pem --expect-mic "$mic"
expect_output "mdn shows the disposition" "disposition: processed"
check "MIC mismatch is reported" 1 "$bin" as2 mdn mdn --partner-cert us.pem \
  --expect-mic "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, sha-256"
expect_output "mismatch shown" '"mic_matches": false\|mic_matches: false'
check "MDN signed by someone else is rejected" 1 "$bin" as2 mdn mdn --partner-cert stranger.pem

# Wrong signer certificate and missing signature are negative dispositions.
check "DER private key loads" 0 "$bin" as2 unpack msg --cert us.pem --key us.key.der --partner-cert partner.pem
check "wrong partner certificate" 1 "$bin" as2 unpack msg --cert us.pem --key us.key --partner-cert stranger.pem
expect_output "authentication-failed" "processed/error: authentication-failed"
check "pack unsigned" 0 "$bin" as2 pack payload.edi -o plain --from "PARTNER A" --to US --no-sign --no-encrypt
check "unsigned where signing is required" 1 "$bin" as2 unpack plain --cert us.pem --key us.key \
  --partner-cert partner.pem --require-signed
expect_output "insufficient-message-security" "processed/error: insufficient-message-security"
check "decrypting with the wrong key" 1 "$bin" as2 unpack msg --cert stranger.pem --key stranger.key \
  --partner-cert partner.pem
expect_output "decryption-failed" "processed/error: decryption-failed"

# openssl as the peer: a message made by `openssl cms` opens in edigate ...
printf 'Content-Type: application/edi-x12\r\n\r\n' | cat - payload.edi >part.mime
openssl cms -sign -binary -md sha256 -in part.mime -signer partner.pem -inkey partner.key -outform SMIME -out signed.msg
openssl cms -encrypt -binary -aes256 -in signed.msg -outform SMIME -out enc.msg us.pem
{ printf 'AS2-From: "PARTNER A"\r\nAS2-To: US\r\nMessage-ID: <o-1@p>\r\n'; cat enc.msg; } >openssl.msg
check "openssl-made message unpacks" 0 "$bin" as2 unpack openssl.msg --cert us.pem --key us.key \
  --partner-cert partner.pem --require-signed --require-encrypted -o got2.edi
check "openssl payload intact" 0 cmp payload.edi got2.edi
for cipher in aes128:AES-128-CBC aes256:AES-256-CBC des3:DES-EDE3-CBC; do
  openssl cms -encrypt -binary "-${cipher%%:*}" -in signed.msg -outform SMIME -out enc-c.msg us.pem
  { printf 'AS2-From: "PARTNER A"\r\nAS2-To: US\r\nMessage-ID: <o-2@p>\r\n'; cat enc-c.msg; } >cipher.msg
  check "openssl -${cipher%%:*} message unpacks" 0 "$bin" as2 unpack cipher.msg --cert us.pem \
    --key us.key --partner-cert partner.pem --json
  expect_output "unpack names ${cipher#*:}" "\"content_cipher\": \"${cipher#*:}\""
done

# ... and a message made by edigate opens in openssl cms.
check "pack for openssl" 0 "$bin" as2 pack payload.edi -o ours --from US --to "PARTNER A" --cert us.pem \
  --key us.key --partner-cert partner.pem --oaep
sed '1,/^\r$/d' ours >ours.der
check "openssl decrypts ours" 0 openssl cms -decrypt -binary -inform DER -in ours.der -inkey partner.key -out ours.mime
# Our signature part is base64, as S/MIME readers take it: `openssl cms -verify -inform SMIME`
# checks it on the decrypted entity. (OpenSSL's SMIME reader makes text lines CRLF, and in
# -binary mode keeps the CRLF before the boundary: an interchange with CRLF line ends, or none,
# verifies this way; one with bare LFs needs its two parts split and `-binary -content`.)
printf 'ISA*00*~\r\nGS*PO*A*B~\r\nST*850*0001~\r\n' >crlf.edi
check "pack CRLF for openssl" 0 "$bin" as2 pack crlf.edi -o ours-crlf --from US --to "PARTNER A" \
  --cert us.pem --key us.key --partner-cert partner.pem
sed '1,/^\r$/d' ours-crlf >ours-crlf.der
check "openssl decrypts it" 0 openssl cms -decrypt -binary -inform DER -in ours-crlf.der -inkey partner.key -out ours-crlf.mime
check "openssl verifies our signature as S/MIME" 0 openssl cms -verify -inform SMIME -in ours-crlf.mime \
  -CAfile us.pem -out ours-crlf.content
check "and reads the part we signed" 0 grep -q "ST\*850\*0001" ours-crlf.content
# send: a loopback HTTP server (python3) that answers 202 without a body (async MDN), then 404.
cat >server.py <<'PY'
import http.server, sys
status = int(sys.argv[1])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        open("seen-" + str(status), "w").write(self.headers.get("Message-ID", ""))
        self.send_response(status); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port-" + str(status), "w").write(str(s.server_address[1]))
s.serve_forever()
PY
for st in 202 404; do python3 server.py $st & echo $! >>pids; done
for _ in $(seq 50); do [ -s port-202 ] && [ -s port-404 ] && break; sleep 0.1; done
ourmic=$("$bin" as2 pack payload.edi -o async --from US --to "PARTNER A" --cert us.pem --key us.key \
  --partner-cert partner.pem --async-mdn-url http://127.0.0.1:1/mdn | sed -n 's/^Expected-MIC: //p')
check "send to a 202 server" 0 "$bin" as2 send "http://127.0.0.1:$(cat port-202)/as2" async \
  --partner-cert partner.pem --expect-mic "$ourmic"
expect_output "send delivered" "status: delivered"
check "server saw our Message-ID" 0 grep -q "$(sed -n 's/^Message-ID: //p' async | tr -d '\r')" seen-202
check "send to a 404 server is not retried" 1 "$bin" as2 send "http://127.0.0.1:$(cat port-404)/as2" async \
  --partner-cert partner.pem --expect-mic "$ourmic" --attempts 3
expect_output "one attempt on 404" "attempts: 1"

# send over HTTPS to a server that requires a client certificate (TLS 1.2+, verified peer).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca \
  >/dev/null 2>&1
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=127.0.0.1 >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1\n' >$who.ext
  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2 \
    -extfile $who.ext >/dev/null 2>&1
done
cat >tls_server.py <<'PY'
import http.server, ssl
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.pem", "server.key")
ctx.load_verify_locations("ca.pem")
ctx.verify_mode = ssl.CERT_REQUIRED
s.socket = ctx.wrap_socket(s.socket, server_side=True)
open("port-tls", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 tls_server.py & echo $! >>pids
for _ in $(seq 50); do [ -s port-tls ] && break; sleep 0.1; done
check "https send without a client certificate fails" 1 "$bin" as2 send \
  "https://127.0.0.1:$(cat port-tls)/as2" async --partner-cert partner.pem --expect-mic "$ourmic" \
  --attempts 1 --cacert ca.pem
check "https send with the client certificate is delivered" 0 "$bin" as2 send \
  "https://127.0.0.1:$(cat port-tls)/as2" async --partner-cert partner.pem --expect-mic "$ourmic" \
  --cacert ca.pem --tls-cert client.pem --tls-key client.key
expect_output "https delivered" "status: delivered"
check "https send to an untrusted server fails" 1 "$bin" as2 send \
  "https://127.0.0.1:$(cat port-tls)/as2" async --partner-cert partner.pem --expect-mic "$ourmic" \
  --attempts 1 --tls-cert client.pem --tls-key client.key

check "bad usage exits 2" 2 "$bin" as2 unpack missing-file --cert us.pem --key us.key

echo "as2 cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
