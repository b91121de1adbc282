#!/usr/bin/env bash
# The ERP connectors against erp_stub.py, a real HTTP(S) server started here on loopback ports:
# headers and auth as sent, status classification, Retry-After, timeouts, OAuth2 token reuse and
# refresh, HMAC verified by the stub, mTLS with certificates made here with openssl.
# Usage: connectors_test.sh CONNECTOR_PROBE ERP_STUB
set -uo pipefail
probe=$(realpath "$1")
stub=$(realpath "$2")
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
cd "$tmp" || exit 1

# start_stub NAME STUB_ARGS...: starts a stub recording to NAME.jsonl; sets $port.
start_stub() {
  local name=$1
  shift
  python3 "$stub" --port-file "$name.port" --record "$name.jsonl" "$@" 2>"$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    [ -s "$name.port" ] && break
    sleep 0.1
  done
  port=$(cat "$name.port" 2>/dev/null) || { echo "stub $name did not start"; cat "$name.log"; exit 1; }
}
control() {  # control PORT JSON
  curl -sf -o /dev/null -X POST --data "$2" "http://127.0.0.1:$1/_control" || echo "control failed"
}
run() { "$probe" "$@" >out 2>&1; }
# expect NAME RECORD PYTHON_EXPRESSION over: rs (probe result lines), r (the last one),
# recs (stub records), docs (document requests), last (the last document request), tokens.
expect() {
  if python3 - "$2" "$3" <<'PY'; then passed=$((passed + 1)); else
import json, sys
rs = []
for line in open("out"):
    try:
        rs.append(json.loads(line))
    except ValueError:
        pass
r = rs[-1] if rs else {}
try:
    recs = [json.loads(line) for line in open(sys.argv[1])]
except FileNotFoundError:
    recs = []
docs = [x for x in recs if x["path"] != "/token"]
tokens = [x for x in recs if x["path"] == "/token"]
last = docs[-1] if docs else {}
h = last.get("headers", {})
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
PY
    failed=$((failed + 1))
    echo "FAIL: $1"
    echo "  probe: $(cat out)"
    echo "  stub:  $(tail -2 "$2" 2>/dev/null)"
  fi
}

echo "secret-bearer-token" >token.txt
echo "pa55word" >password.txt
echo "hmac-shared-secret" >hmac.txt
echo "wrong" >wrong.txt
echo "client-s3cret" >client_secret.txt
json='{"document":"850","po":"PO-77"}'

# --- bearer, headers, status classification -------------------------------------------------
start_stub bearer --bearer secret-bearer-token
b=$port
url="http://127.0.0.1:$b/erp/documents"
run --url "$url" --plain-http --auth bearer --token-file token.txt --id PO-77 \
  --idempotency-key key-PO-77 --type 850 --partner acme --json "$json"
expect "200 delivered with headers" bearer.jsonl "r['outcome']=='delivered' and r['http_status']==200
  and h['Idempotency-Key']=='key-PO-77' and h['Authorization']=='Bearer secret-bearer-token'
  and h['Content-Type']=='application/json' and h['X-Edigate-Document-Type']=='850'
  and h['X-Edigate-Partner']=='acme' and h['X-Edigate-Document-Id']=='PO-77'
  and last['body']=='$json' and last['auth']=='ok'"
: >bearer.jsonl
run --url "$url" --plain-http --auth bearer --token-file token.txt --idempotency-key k2 --count 2
expect "re-delivery keeps the idempotency key" bearer.jsonl "len(docs)==2
  and [d['headers']['Idempotency-Key'] for d in docs]==['k2','k2']
  and [d['headers']['X-Edigate-Attempt'] for d in docs]==['1','2']"
run --url "$url" --plain-http --auth bearer --token-file wrong.txt
expect "wrong bearer token: 401 dead" bearer.jsonl "r['outcome']=='dead' and r['http_status']==401"
run --url "$url" --auth bearer --token-file token.txt
expect "plain http refused without --plain-http" bearer.jsonl "'allow_plain_http' in open('out').read()"

control "$b" '{"mode":"500"}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "500 retry" bearer.jsonl "r['outcome']=='retry' and r['http_status']==500 and r['retry_after']==0"
control "$b" '{"mode":"503","retry_after":120}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "503 with Retry-After" bearer.jsonl "r['outcome']=='retry' and r['retry_after']==120"
control "$b" '{"mode":"429","retry_after":7}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "429 retry after 7 s" bearer.jsonl "r['outcome']=='retry' and r['http_status']==429 and r['retry_after']==7"
control "$b" '{"mode":"408","retry_after":null}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "408 retry" bearer.jsonl "r['outcome']=='retry' and r['http_status']==408"
control "$b" '{"mode":"400"}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "400 dead with the body" bearer.jsonl "r['outcome']=='dead' and r['http_status']==400
  and 'PO number missing' in r['response_excerpt']"
control "$b" '{"mode":"404"}'
run --url "$url" --plain-http --auth bearer --token-file token.txt
expect "404 dead" bearer.jsonl "r['outcome']=='dead' and r['http_status']==404"
control "$b" '{"mode":"slow","delay":3}'
run --url "$url" --plain-http --auth bearer --token-file token.txt --timeout-ms 1000
expect "timeout retry" bearer.jsonl "r['outcome']=='retry' and r['http_status']==0
  and 'imeout' in r['error']"
control "$b" '{"mode":"200"}'
run --url "http://127.0.0.1:9/nothing-listens" --plain-http --connect-timeout-ms 2000
expect "connection refused retry" bearer.jsonl "r['outcome']=='retry' and r['http_status']==0 and r['error']"

# --- basic ----------------------------------------------------------------------------------
start_stub basic --basic gateway:pa55word
run --url "http://127.0.0.1:$port/in" --plain-http --auth basic --user gateway --password-file password.txt
expect "basic delivered" basic.jsonl "r['outcome']=='delivered' and last['auth']=='ok'
  and h['Authorization'].startswith('Basic ')"
run --url "http://127.0.0.1:$port/in" --plain-http --auth basic --user gateway --password-file wrong.txt
expect "basic wrong password dead" basic.jsonl "r['outcome']=='dead' and r['http_status']==401"

# --- HMAC -----------------------------------------------------------------------------------
start_stub hmac --hmac-secret hmac-shared-secret
run --url "http://127.0.0.1:$port/in" --plain-http --auth hmac --hmac-secret-file hmac.txt --json "$json"
expect "HMAC verified by the stub" hmac.jsonl "r['outcome']=='delivered' and last['auth']=='ok'
  and h['X-Edigate-Signature'].startswith('sha256=') and h['X-Edigate-Timestamp'].isdigit()"
run --url "http://127.0.0.1:$port/in" --plain-http --auth hmac --hmac-secret-file wrong.txt
expect "HMAC with the wrong secret refused" hmac.jsonl "r['outcome']=='dead' and last['auth']=='failed: signature'"
# <hmac header="X-Sig" algorithm="sha512">: that header, an HMAC-SHA512 named so.
start_stub hmac512 --hmac-secret hmac-shared-secret --hmac-header X-Sig --hmac-algorithm sha512
run --url "http://127.0.0.1:$port/in" --plain-http --auth hmac --hmac-secret-file hmac.txt \
  --hmac-header X-Sig --hmac-algorithm sha512 --json "$json"
expect "HMAC-SHA512 under its own header verified by the stub" hmac512.jsonl "r['outcome']=='delivered'
  and last['auth']=='ok' and h['X-Sig'].startswith('sha512=') and 'X-Edigate-Signature' not in h"

# --- OAuth2 client credentials --------------------------------------------------------------
start_stub oauth --oauth gw-client:client-s3cret
o=$port
oauth=(--url "http://127.0.0.1:$o/in" --plain-http --auth oauth2 --token-url "http://127.0.0.1:$o/token"
  --client-id gw-client)
run "${oauth[@]}" --client-secret-file client_secret.txt --count 3
expect "OAuth2 token fetched once, reused" oauth.jsonl "[x['outcome'] for x in rs]==['delivered']*3
  and r['token_fetches']==1 and len(tokens)==1 and len(docs)==3
  and {d['headers']['Authorization'] for d in docs}=={'Bearer tok-1'}
  and 'grant_type=client_credentials' in tokens[0]['body']"
: >oauth.jsonl
run "${oauth[@]}" --client-secret-file client_secret.txt --threads 6 --count 2
expect "OAuth2 one token for concurrent deliveries" oauth.jsonl "[x['outcome'] for x in rs]==['delivered']*12
  and r['token_fetches']==1 and len(tokens)==1 and len(docs)==12"
: >oauth.jsonl
control "$o" '{"token_uses":2}'
run "${oauth[@]}" --client-secret-file client_secret.txt --count 3
expect "OAuth2 token refreshed once after a 401" oauth.jsonl "[x['outcome'] for x in rs]==['delivered']*3
  and r['token_fetches']==2 and len(tokens)==2 and [d['status'] for d in docs]==[200,200,401,200]
  and docs[-1]['headers']['Authorization']!=docs[0]['headers']['Authorization']"
control "$o" '{"token_uses":0,"token_ttl":2}'
: >oauth.jsonl
run "${oauth[@]}" --client-secret-file client_secret.txt --count 2 --pause-ms 1200
expect "OAuth2 token renewed before expires_in" oauth.jsonl "[x['outcome'] for x in rs]==['delivered']*2
  and r['token_fetches']==2 and [d['status'] for d in docs]==[200,200]"
run "${oauth[@]}" --client-secret-file wrong.txt
expect "OAuth2 bad client secret: retry" oauth.jsonl "r['outcome']=='retry' and 'OAuth2 token: HTTP 401' in r['error']"

# --- TLS and mTLS ---------------------------------------------------------------------------
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj /CN=edigate-test-ca 2>/dev/null
openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca 2>/dev/null
make_cert() {  # make_cert NAME CN EXTENDED_KEY_USAGE
  openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' \
    "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
make_cert server localhost serverAuth
make_cert client edigate-gateway clientAuth
start_stub mtls --tls-cert server.pem --tls-key server.key --client-ca ca.pem --bearer secret-bearer-token
tls=(--url "https://127.0.0.1:$port/in" --auth bearer --token-file token.txt --connect-timeout-ms 3000)
run "${tls[@]}" --ca-file ca.pem --cert client.pem --key client.key
expect "mTLS delivered with the client certificate" mtls.jsonl "r['outcome']=='delivered'
  and last['client_cn']=='edigate-gateway' and last['auth']=='ok'"
: >mtls.jsonl
run "${tls[@]}" --ca-file ca.pem
expect "mTLS without a client certificate: retry, nothing delivered" mtls.jsonl "r['outcome']=='retry'
  and r['http_status']==0 and len(docs)==0"
run "${tls[@]}" --ca-file other-ca.pem --cert client.pem --key client.key
expect "untrusted server certificate: retry, nothing delivered" mtls.jsonl "r['outcome']=='retry'
  and len(docs)==0"

# --- file drop through the same probe -------------------------------------------------------
mkdir drop
run --dir drop --id PO-77 --json "$json" --raw-edi 'ISA*00~'
expect "file drop" none "r['outcome']=='delivered' and open('drop/PO-77.json').read()=='$json'
  and open('drop/PO-77.edi').read()=='ISA*00~'"
run --dir drop --id ../escape
expect "file drop refuses an unsafe id" none "r['outcome']=='dead'"

echo "connectors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
