# Shared by the daemon integration tests: a temp directory to run in (removed at exit with
# every process whose pid the test adds to `pids`), assertion helpers, a temp gateway with dev
# certificates, free loopback ports, an ERP played by a Python HTTPS server, edigate.xml and a
# partner profile. Source it after setting bin and src; a test with more to stop at exit
# defines cleanup_extra first.
tmp=$(mktemp -d)
pids=()
cleanup() {
  if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  # KEEP_TMP=1 keeps the run's directory (to look at what it left, or to compare benchmark
  # runs without one's deleted files slowing the next one's file creation).
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
cd "$tmp" || exit 2
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}
check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >out 2>err
  local status=$?
  if [ "$status" -eq "$expected" ]; then ok; else
    fail "$name: exit $status, expected $expected"
    head -5 out err
  fi
}
has() {  # has NAME FILE PATTERN
  if grep -q -- "$3" "$2"; then ok; else
    fail "$1: $2 lacks '$3'"
    head -c 600 "$2"
    echo
  fi
}
wait_for() {  # wait_for SECONDS COMMAND...
  local until=$((SECONDS + $1))
  shift
  while [ $SECONDS -lt $until ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# SHA-256 fingerprints (lowercase hex): of a PEM file, and of what a TLS port on loopback serves.
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f; }
served_fingerprint() {
  echo | openssl s_client -connect "127.0.0.1:$1" -CAfile certs/ca/ca.pem 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f
}
# A new server key and certificate from the same CA, in place (the old ones go to renewed/).
renew_server_certificate() {
  mkdir -p renewed && mv certs/tls/server.pem certs/tls/server.key renewed/
  "$src/certs/make-dev-certs.sh" certs >/dev/null 2>&1
}
# Starts the gateway under test on edigate.xml (its log: daemon.log), sets daemon, and waits
# until it is ready; a daemon that does not start ends the test.
start_daemon() {
  # Emptied here, not by the child's redirection: a child slow to start would leave the last
  # run's "ready" in the log for the wait below to find (seen on a loaded machine: the next
  # request met a closed port).
  : >daemon.log
  "$bin" serve --config edigate.xml >>daemon.log 2>&1 &
  daemon=$!
  pids+=($daemon)
  wait_for 10 grep -q "edigate: ready" daemon.log || { echo "daemon did not start"; cat daemon.log; exit 1; }
}
# The retailer's AS2 message to the gateway: PAYLOAD signed and encrypted into OUT (more
# `as2 pack` options may follow); sets mic, the MIC its MDN must return.
pack_retailer_message() {  # pack_retailer_message PAYLOAD OUT [OPTION...]
  local payload=$1 out=$2
  shift 2
  "$bin" as2 pack "$payload" -o "$out" --from TEST-RETAILER --to EDIGATE-TEST \
    --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
    --partner-cert certs/as2/our.pem "$@" >pack.out
  mic=$(sed -n 's/^Expected-MIC: //p' pack.out)
}
# The retailer's 997 (ISA13 00000NNNN) for the 856 in OUR_EDI (an outbound interchange of ours),
# accepting (A) or rejecting (R) it, sent to the gateway over AS2. With a fourth argument, its
# IEA02 is that instead of the ISA13 (an envelope our TA1 rejects).
ack997() {  # ack997 NNNN OUR_EDI A|R [IEA02]
  local gs st iea=${4:-00000$1}
  gs=$(sed -n 's/^GS\*\([^*]*\*\)\{5\}\([0-9]*\)\*.*/\2/p' "$2")
  st=$(sed -n 's/^ST\*856\*\([0-9]*\).*/\1/p' "$2")
  local ak5="AK5*A" ak9="AK9*A*1*1*1"
  [ "$3" = R ] && ak5="AK5*R*5" && ak9="AK9*R*1*1*0"
  printf '%s\n' "ISA*00*          *00*          *08*6111470100     *ZZ*BLUERIDGEHW    *261130*2100*U*00401*00000$1*0*P*>~" \
    "GS*FA*6111470100*BLUERIDGEHW*20261130*2100*$1*X*004010~" "ST*997*0001~" "AK1*SH*$gs~" \
    "AK2*856*$st~" "$ak5~" "$ak9~" "SE*6*0001~" "GE*1*$1~" "IEA*1*$iea~" >"ack-$1.edi"
  pack_retailer_message "ack-$1.edi" "ack-$1.msg"
  check "the partner's 997 ($3) over AS2" 0 "$bin" as2 send "http://127.0.0.1:$http_port/as2" \
    "ack-$1.msg" --partner-cert certs/as2/our.pem --expect-mic "$mic"
}
# Whether every outbound_status event the ERP got (erp-events.jsonl) is as its JSON Schema
# says; prints the problems.
events_valid() {
  python3 - "$src/docs/schemas/events/outbound_status.schema.json" <<'PY'
import json, sys
import jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
lines = open("erp-events.jsonl").read().splitlines()
bad = [e.message for line in lines for e in validator.iter_errors(json.loads(line))]
if bad or not lines:
    print(len(lines), "events", bad)
sys.exit(1 if bad or not lines else 0)
PY
}
# A loopback port nothing listens on now, and never one this test was given before: the kernel
# may hand out the same free port twice in a row (two listeners on one port fail the start).
free_port() {
  python3 - "$tmp/ports-given" <<'PY'
import os, socket, sys
given = set(open(sys.argv[1]).read().split()) if os.path.exists(sys.argv[1]) else set()
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = str(s.getsockname()[1]); s.close()
    if port not in given:
        break
open(sys.argv[1], "a").write(port + "\n")
print(port)
PY
}

"$src/certs/make-dev-certs.sh" certs >/dev/null 2>&1 || { echo "cannot make certificates"; exit 2; }
http_port=$(free_port)
https_port=$(free_port)
admin_port=$(free_port)
erp_port=$(free_port)
sftp_port=$(free_port)
ssh-keygen -q -t ed25519 -N "" -C retailer-sftp -f sftp_key
mkdir -p partners erp archive var/spool
cat >erp.py <<'PY'
# The ERP: answers 500 to the first N posts (argv[2]), then 200, but 422 with a reason to an
# order numbered REJECT-ME, and the status in the file erp-answer while there is one;
# records each request (an outbound_status event with its status, and its body in
# erp-events.jsonl; a body that is not JSON, an interchange, in posted-<n>.edi).
import http.server, json, os, sys
fail_first = int(sys.argv[2])
seen = []
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen.append(1)
        content_type = self.headers.get("Content-Type", "")
        doc = json.loads(body) if content_type == "application/json" else {}
        if not doc:  # an interchange posted to a partner's API: kept as it came
            with open(f"posted-{len(seen)}.edi", "wb") as f:
                f.write(body)
        with open("erp-requests.jsonl", "a") as f:
            f.write(json.dumps({"key": self.headers.get("Idempotency-Key"),
                                "auth": self.headers.get("Authorization"),
                                "content_type": content_type, "path": self.path, "n": len(seen),
                                "type": doc.get("type"),
                                "status": (doc.get("message") or {}).get("status")}) + "\n")
        if os.path.exists("erp-answer"):  # the test makes the ERP answer this for now
            self.send_response(int(open("erp-answer").read()))
            self.send_header("Content-Length", "0"); self.end_headers()
            return
        if doc.get("type") == "outbound_status":
            with open("erp-events.jsonl", "ab") as f:
                f.write(body + b"\n")
        if b"REJECT-ME" in body:
            reason = b'{"error":"order REJECT-ME: unknown ship-to"}'
            self.send_response(422); self.send_header("Content-Length", str(len(reason)))
            self.end_headers(); self.wfile.write(reason)
            return
        status = 500 if len(seen) <= fail_first else 200
        self.send_response(status); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
import ssl
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("certs/tls/server.pem", "certs/tls/server.key")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
python3 erp.py "$erp_port" "${ERP_FAIL_FIRST:-0}" &
pids+=($!)
printf 'erp-secret-token\n' >erp-token
chmod 600 erp-token
admin_hash=$(printf 'admin-token' | "$bin" config hash-token)
upload_hash=$(printf 'upload-token' | "$bin" config hash-token)
client_fp=$(cat certs/clients/upload-client.sha256 2>/dev/null | tr -d ' \n')
write_config() {  # write_config EXTRA_CONNECTOR_XML
  cat >edigate.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<edigate xmlns="urn:edigate:config:1">
  <listeners>
    <http address="127.0.0.1" port="$http_port" serve="as2 upload"/>
    <https address="127.0.0.1" port="$https_port" serve="as2 upload mdn"
           cert="certs/tls/server.pem" key="certs/tls/server.key" client-ca="certs/ca/ca.pem"/>
  </listeners>
  <admin address="127.0.0.1" port="$admin_port"><token name="test" sha256="$admin_hash"/></admin>
  <store database="var/edigate.db" spool="var/spool"/>
  <limits body-bytes="1048576" idle-seconds="5" request-seconds="10"/>
  <workers count="2"/>
  <partners dir="partners"/>
  <mappings standard="$src/mappings/standard"/>
  <as2 our-id="EDIGATE-TEST" key="certs/as2/our.key" cert="certs/as2/our.pem"/>
  <sftp address="127.0.0.1" port="$sftp_port" host-keys="var/host_keys" jails="var/jails"/>
  <connectors>
    <file name="files" dir="erp"/>
    <http name="erp" url="https://127.0.0.1:$erp_port/documents" timeout="5" max-attempts="5"
          ca="certs/ca/ca.pem">
      <bearer token-file="erp-token"/>
    </http>
    $1
  </connectors>
</edigate>
XML
}
write_config ""
# <send-retry max-interval="1">: what we send the retailer is tried again within a second (the
# default waits grow to an hour), as the partners these tests start listen a moment late.
cat >partners/retailer.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="retailer" name="Test Retail">
  <as2 id="TEST-RETAILER" cert="../certs/partners/demo-retailer.pem">
    <policy require-signed="true" require-encrypted="true"/>
    <mdn mode="sync" signed="true" micalg="sha256"/>
  </as2>
  <x12 qualifier="08" id="6111470100"/>
  <upload><token sha256="$upload_hash"/>${client_fp:+<client-cert sha256-fingerprint=\"$client_fp\"/>}</upload>
  <sftp><key>$(cat sftp_key.pub)</key>${sftp_password_hash:+<password-hash>$sftp_password_hash</password-hash>}</sftp>
  <mapping dir="$src/mappings/partners/retailer"/>
  <acks type="auto" send="none"/>
  <send-retry max-interval="1"/>
  <duplicates interchange="reject"/>
  <route document="purchase_order" connector="files"/>
  <route document="purchase_order" connector="erp"/>
</partner>
XML

# A second edigate playing the retailer's side of AS2 (AS2 id TEST-RETAILER, the demo retailer
# key), with the gateway under test as its partner: start_partner_side AS2_PORT ADMIN_PORT.
# Sets partner_daemon; its log is partner.log.
start_partner_side() {
  mkdir -p partner-side/partners partner-side/var/spool
  cat >partner-side/edigate.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<edigate xmlns="urn:edigate:config:1">
  <listeners><http address="127.0.0.1" port="$1" serve="as2"/></listeners>
  <admin address="127.0.0.1" port="$2"><token name="test" sha256="$admin_hash"/></admin>
  <store database="var/edigate.db" spool="var/spool"/>
  <partners dir="partners"/>
  <mappings standard="$src/mappings/standard"/>
  <as2 our-id="TEST-RETAILER" key="../certs/partners/demo-retailer.key"
       cert="../certs/partners/demo-retailer.pem"/>
  <connectors/>
</edigate>
XML
  cat >partner-side/partners/gateway.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="gateway" name="The gateway under test">
  <as2 id="EDIGATE-TEST" cert="../../certs/as2/our.pem"/>
  <acks type="none" send="none"/>
</partner>
XML
  "$bin" serve --config partner-side/edigate.xml >partner.log 2>&1 &
  partner_daemon=$!
  pids+=($partner_daemon)
}
