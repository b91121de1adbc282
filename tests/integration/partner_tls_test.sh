#!/usr/bin/env bash
# Reaching a partner's HTTPS AS2 endpoint that has a private CA and asks for a client
# certificate: with the partner's <as2 tls-ca> and our <as2 tls-cert tls-key>, our 997 arrives
# there over a verified connection presenting our certificate; without tls-ca (after a reload)
# the connection is refused by us (unknown issuer) and the failed attempt is audited.
# Usage: partner_tls_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
p_port=$(free_port)

# The partner's endpoint: TLS with the dev CA's server certificate, a client certificate
# required and verified against the same CA; it records who called and answers 200.
cat >partner.py <<'PY'
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        subject = dict(x[0] for x in self.connection.getpeercert()["subject"])
        with open("partner-requests.jsonl", "a") as f:
            f.write(json.dumps({"client": subject.get("commonName"),
                                "from": self.headers.get("AS2-From")}) + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("certs/tls/server.pem", "certs/tls/server.key")
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations("certs/ca/ca.pem")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
python3 partner.py "$p_port" 2>partner.err &
pids+=($!)

sed -i -e "s|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\">|<as2 id=\"TEST-RETAILER\" cert=\"../certs/partners/demo-retailer.pem\" url=\"https://127.0.0.1:$p_port/as2\" tls-ca=\"../certs/ca/ca.pem\">|" \
  -e 's|<acks type="auto" send="none"/>|<acks type="auto" send="as2"/>|' partners/retailer.xml
grep -q 'tls-ca=' partners/retailer.xml && ok || fail "partner profile edited"
sed 's|cert="certs/as2/our.pem"/>|cert="certs/as2/our.pem" tls-cert="certs/clients/upload-client.pem"/>|' \
  edigate.xml >half.xml
check "tls-cert without tls-key refused" 1 "$bin" config check --config half.xml
has "named" err "tls-cert and tls-key go together"
sed -i 's|cert="certs/as2/our.pem"/>|cert="certs/as2/our.pem" tls-cert="certs/clients/upload-client.pem" tls-key="certs/clients/upload-client.key"/>|' edigate.xml
check "config check" 0 "$bin" config check --config edigate.xml

start_daemon
upload() {  # upload CONTROL: an 850 with its own control numbers, over HTTPS upload
  sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po" >"order-$1.edi"
  check "upload $1" 0 curl -sf -H "Authorization: Bearer upload-token" \
    --data-binary @"order-$1.edi" "http://127.0.0.1:$http_port/upload"
}
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "our client certificate's expiry exported" metrics.txt 'edigate_certificate_expiry_timestamp_seconds{use="as2-tls-client"}'
has "the partner's tls-ca expiry exported" metrics.txt 'edigate_certificate_expiry_timestamp_seconds{use="partner-tls-ca",partner="retailer"}'
upload 771001
wait_for 15 test -s partner-requests.jsonl && ok || { fail "the partner got our 997"; cat partner.err; tail -5 daemon.log; }
has "over a connection with our client certificate" partner-requests.jsonl \
  '"client": "demo-retailer upload client", "from": "EDIGATE-TEST"'

# The partner's tls-ca gone: its certificate's issuer is unknown to the system store.
sed -i 's| tls-ca="../certs/ca/ca.pem"||' partners/retailer.xml
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge 1 ]" && ok || fail "reload"
before=$(wc -l <partner-requests.jsonl)
upload 771002
audit_failed() { "$bin" audit export --db var/edigate.db | grep '"action":"ack.attempt_failed"' | grep -qi 'certificate'; }
wait_for 15 audit_failed && ok || fail "the failed attempt (certificate) is audited"
[ "$(wc -l <partner-requests.jsonl)" = "$before" ] && ok || fail "a request reached the partner without tls-ca"

echo "partner_tls: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
