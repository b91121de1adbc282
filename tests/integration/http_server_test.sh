#!/usr/bin/env bash
# Drives http_echo_server (the gateway's HTTP library) with curl and openssl s_client: routing,
# keep-alive, the body limit, TLS versions, ciphers and groups, client certificates, metrics.
# Usage: http_server_test.sh HTTP_ECHO_SERVER
set -uo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect_eq() {  # expect_eq NAME ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', expected '$3'"; fi
}
expect_grep() {  # expect_grep NAME PATTERN FILE
  if grep -q -- "$2" "$3"; then pass; else fail "$1: no '$2' in $3"; head -20 "$3"; fi
}
expect_fail() {  # expect_fail NAME COMMAND...: the command must exit non-zero
  local name=$1
  shift
  if "$@" >out 2>err </dev/null; then fail "$name: succeeded"; else pass; fi
}

# Keys: a server certificate for 127.0.0.1, a partner CA and a client certificate it signed.
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout server.key -out server.pem -days 2 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null || exit 2
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=partner-ca 2>/dev/null || exit 2
openssl req $ec -keyout client.key -out client.csr -subj /CN=partner 2>/dev/null || exit 2
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -out client.pem 2>/dev/null || exit 2

"$bin" server.pem server.key ca.pem ports 2>server.err &
server_pid=$!
for _ in $(seq 100); do [ -f ports ] && break; sleep 0.1; done
[ -f ports ] || { echo "server did not start"; cat server.err; exit 1; }
read -r hp sp <ports
http="http://127.0.0.1:$hp"
https="https://127.0.0.1:$sp"

# HTTP: echo (answered from a worker thread), 404, 405, keep-alive, body limit.
expect_eq "echo" "$(curl -s --data-binary hello "$http/echo")" "hello"
expect_eq "404" "$(curl -s -o /dev/null -w '%{http_code}' "$http/nothing")" "404"
expect_eq "405" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$http/echo")" "405"
curl -sv --http1.1 "$http/echo" "$http/echo" -o /dev/null -o /dev/null 2>keepalive.log
expect_grep "keep-alive" "Re-using existing connection" keepalive.log
head -c 2000000 /dev/zero >big
expect_eq "413" "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @big "$http/echo")" "413"
curl -s -D head.txt -o /dev/null "$http/echo"
# Requests the server refuses itself reach its refusal observer (the daemon audits them).
expect_grep "413 reported" "refused plain 413 127.0.0.1 \[POST /echo\] the request body is over the limit of 1048576 bytes" server.err
raw() {  # raw PORT: send stdin as it is, print what comes back
  python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
data = sys.stdin.buffer.read()
stall = data.endswith(b"STALL")
s.sendall(data[:-5] if stall else data)
out = b""
while True:
    try:
        chunk = s.recv(4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode("latin-1").split("\r\n")[0])' "$1"
}
expect_eq "malformed request" "$(printf 'GARBAGE\r\n\r\n' | raw "$hp")" "HTTP/1.1 400 Bad Request"
expect_grep "400 reported" "refused plain 400 127.0.0.1 \[ \] malformed HTTP" server.err
expect_eq "headers over the limit" \
  "$(printf 'GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$(head -c 9000 /dev/zero | tr '\0' a)" | raw "$hp")" \
  "HTTP/1.1 431 Request Header Fields Too Large"
expect_grep "431 reported" "refused plain 431 127.0.0.1 \[GET /echo\] the request headers are over the limit of 8192 bytes" server.err
# A body that stops coming: the connection is closed after the timeout, and reported.
expect_eq "stalled body" "$(printf 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalfSTALL' | raw "$hp")" ""
expect_grep "408 reported" "refused plain 408 127.0.0.1 \[POST /echo\] the request body was not received in time" server.err
# An idle keep-alive connection that says nothing is not a refusal.
[ "$(grep -c '^refused' server.err)" = 4 ] && pass || { fail "exactly four refusals reported"; cat server.err; }
expect_grep "Date header" "^Date: " head.txt
expect_grep "Content-Length header" "^Content-Length: 0" head.txt

# TLS versions: 1.2 and 1.3 accepted (with the certificate checked), 1.1 refused.
for v in 1.2 1.3; do
  out=$(curl -s --cacert server.pem --tlsv$v --tls-max $v -w ' %{http_code}' "$https/echo")
  expect_eq "TLS $v" "$out" " 200"
done
expect_fail "TLS 1.1 refused (curl)" curl -s --cacert server.pem --tlsv1.1 --tls-max 1.1 \
  --ciphers 'DEFAULT@SECLEVEL=0' "$https/echo"
expect_fail "TLS 1.1 refused (s_client)" openssl s_client -connect "127.0.0.1:$sp" -tls1_1 \
  -cipher 'DEFAULT@SECLEVEL=0'
expect_fail "TLS 1.0 refused (s_client)" openssl s_client -connect "127.0.0.1:$sp" -tls1 \
  -cipher 'DEFAULT@SECLEVEL=0'

# Ciphers and groups: ECDHE + AEAD on 1.2, no compression; CBC and unlisted groups refused.
openssl s_client -connect "127.0.0.1:$sp" -tls1_2 </dev/null >s12.txt 2>&1
expect_grep "s_client 1.2 cipher" "TLSv1.2, Cipher is ECDHE-ECDSA-.*GCM\|TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20" s12.txt
expect_grep "no compression" "Compression: NONE" s12.txt
openssl s_client -connect "127.0.0.1:$sp" -tls1_3 </dev/null >s13.txt 2>&1
expect_grep "s_client 1.3" "TLSv1.3, Cipher is TLS_" s13.txt
expect_fail "CBC cipher refused" openssl s_client -connect "127.0.0.1:$sp" -tls1_2 \
  -cipher 'ECDHE-ECDSA-AES128-SHA'
expect_fail "X448 group refused" openssl s_client -connect "127.0.0.1:$sp" -tls1_3 -groups X448
openssl s_client -connect "127.0.0.1:$sp" -tls1_3 -groups X25519 </dev/null >x25519.txt 2>&1
expect_grep "X25519 accepted" "Server Temp Key: X25519" x25519.txt

printf 'R\n' | timeout 10 openssl s_client -connect "127.0.0.1:$sp" -tls1_2 >reneg.txt 2>&1
expect_grep "renegotiation refused" "no renegotiation" reneg.txt

# Client certificates: the verified certificate's SHA-256 reaches the handler.
want=$(openssl x509 -in client.pem -outform DER | sha256sum | cut -d' ' -f1)
curl -s --cacert server.pem --cert client.pem --key client.key -D cert_head.txt -o /dev/null \
  "$https/echo"
expect_grep "client cert fingerprint" "X-Client-Cert-SHA256: $want" cert_head.txt
curl -s --cacert server.pem -D nocert_head.txt -o /dev/null "$https/echo"
expect_grep "no client cert" "X-Client-Cert-SHA256: none" nocert_head.txt
expect_grep "listener name" "X-Listener: secure" nocert_head.txt
openssl req -x509 $ec -keyout rogue.key -out rogue.pem -days 2 -subj /CN=rogue 2>/dev/null
expect_fail "unknown client cert refused" curl -s --cacert server.pem --cert rogue.pem \
  --key rogue.key "$https/echo"

# Metrics in Prometheus text format.
curl -s "$http/metrics" >metrics.txt
expect_grep "requests metric" 'edigate_http_requests_total{listener="plain",code="2xx"}' metrics.txt
expect_grep "4xx metric" 'edigate_http_requests_total{listener="plain",code="4xx"}' metrics.txt
expect_grep "secure metric" 'edigate_http_requests_total{listener="secure",code="2xx"}' metrics.txt
expect_grep "histogram" 'edigate_http_request_duration_seconds_bucket{listener="plain",le="+Inf"}' metrics.txt
expect_grep "open connections" '# TYPE edigate_http_open_connections gauge' metrics.txt

# Graceful stop on SIGTERM.
kill -TERM "$server_pid"
wait "$server_pid"
expect_eq "clean exit" "$?" "0"
server_pid=

echo "http_server: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
