#!/usr/bin/env bash
# SIGHUP: with a renewed TLS certificate a connection opened before the reload keeps working
# (with the certificate it started with), new connections get the new certificate, and a reload
# whose key does not fit its certificate is refused with the running certificate kept. A
# partner's rotated SFTP key works after a reload and the old one no longer does. A partner
# whose certificate expires soon is warned about at start and at each reload, and its expiry
# series goes when the partner is removed.
# Usage: reload_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj /CN=SOON -keyout soon.key \
  -out certs/partners/soon.pem 2>/dev/null
cat >partners/soon.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="soon" name="Expires soon">
  <as2 id="SOON" cert="../certs/partners/soon.pem"/>
  <acks type="none" send="none"/>
</partner>
XML
start_daemon
soon_warning="edigate: warning: .*partners/soon.xml:3: soon's AS2 certificate (certs/partners/soon.pem) expires "
[ "$(grep -c "$soon_warning" daemon.log)" -eq 1 ] && ok || { fail "the expiring certificate is logged at start"; cat daemon.log; }
soon_series='^edigate_certificate_expiry_timestamp_seconds{use="partner-as2",partner="soon"} '
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "the expiring certificate is gauged" metrics.txt "$soon_series"

old=$(fingerprint certs/tls/server.pem)

# One keep-alive connection across the reload, driven from a Python process that waits for a
# flag file between its two requests; prints the server certificate it saw on each connection.
cat >conn.py <<'PY'
import hashlib, http.client, os, ssl, sys, time
port = int(sys.argv[1])
ctx = ssl.create_default_context(cafile="certs/ca/ca.pem")
def fp(conn): return hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest()
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
c.request("GET", "/upload"); r = c.getresponse(); r.read()
print("first", r.status, fp(c), flush=True)
open("conn-ready", "w").close()
while not os.path.exists("reloaded"): time.sleep(0.05)
c.request("GET", "/upload"); r = c.getresponse(); r.read()
print("same-connection", r.status, fp(c), flush=True)
n = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
n.request("GET", "/upload"); r = n.getresponse(); r.read()
print("new-connection", r.status, fp(n), flush=True)
PY
python3 conn.py "$https_port" >conn.out 2>&1 &
conn=$!
pids+=($conn)
wait_for 10 test -f conn-ready && ok || { fail "first TLS request"; cat conn.out; }

# Renew: a new key and certificate from the same CA, in place.
renew_server_certificate
new=$(fingerprint certs/tls/server.pem)
[ "$new" != "$old" ] && ok || fail "the renewed certificate differs"
kill -HUP "$daemon"
wait_for 5 grep -q "1 TLS certificate" daemon.log && ok || { fail "reload with the renewed certificate"; cat daemon.log; }
[ "$(grep -c "$soon_warning" daemon.log)" -eq 2 ] && ok || fail "the expiring certificate is logged again at the reload"
touch reloaded
wait "$conn"
has "the first request saw the old certificate" conn.out "first 405 $old"
has "the open connection still works, on its old certificate" conn.out "same-connection 405 $old"
has "a new connection gets the renewed certificate" conn.out "new-connection 405 $new"
served=$(served_fingerprint "$https_port")
[ "$served" = "$new" ] && ok || fail "openssl s_client sees the renewed certificate ($served)"

# A key that does not fit the certificate: refused, the renewed certificate stays in service.
cp certs/tls/server.key good.key
cp renewed/server.key certs/tls/server.key
kill -HUP "$daemon"
wait_for 5 grep -q "reload refused" daemon.log && ok || { fail "mismatched key refused"; cat daemon.log; }
served=$(served_fingerprint "$https_port")
[ "$served" = "$new" ] && ok || fail "after a refused reload the running certificate is served ($served)"
check "health after a refused reload" 0 curl -sf "http://127.0.0.1:$admin_port/health"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "a refused reload is gauged" metrics.txt "^edigate_config_last_reload_successful 0"
has "with when it was tried" metrics.txt "^edigate_config_last_reload_timestamp_seconds [0-9]"

# SFTP key rotation: the partner's new key is accepted after a reload, the old one refused.
cp good.key certs/tls/server.key
ssh-keygen -q -t ed25519 -N "" -C rotated -f rotated_key
sftp_ls() {
  sftp -q -b ls.batch -i "$1" -P "$sftp_port" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes retailer@127.0.0.1 >/dev/null 2>&1
}
printf 'ls inbox\n' >ls.batch
sftp_ls sftp_key && ok || fail "SFTP login with the partner's key"
sftp_ls rotated_key && fail "a key not in the profile logged in" || ok
python3 - <<'PY'
old, new = open("sftp_key.pub").read().strip(), open("rotated_key.pub").read().strip()
p = "partners/retailer.xml"; s = open(p).read()
assert old in s
open(p, "w").write(s.replace(old, new))
PY
reloads=$(grep -c "configuration reloaded" daemon.log)
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -gt $reloads ]" && ok ||
  { fail "reload with the rotated SFTP key"; cat daemon.log; }
sftp_ls rotated_key && ok || fail "the rotated SFTP key logs in after the reload"
sftp_ls sftp_key && fail "the replaced SFTP key still logs in" || ok

# A reload whose SFTP logins the running server cannot take (a partner that needs the legacy
# algorithm set, fixed when the server bound) is refused whole: the key changed in the same
# edit is not applied either.
cp partners/retailer.xml retailer.good
python3 - <<'PY'
old, new = open("rotated_key.pub").read().strip(), open("sftp_key.pub").read().strip()
p = "partners/retailer.xml"; s = open(p).read()
s = s.replace(old, new).replace("<sftp>", '<sftp legacy-algorithms="true">', 1)
open(p, "w").write(s)
PY
refusals=$(grep -c "reload refused" daemon.log)
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'reload refused' daemon.log) -gt $refusals ]" && ok ||
  { fail "a reload the SFTP server cannot take is refused"; tail -3 daemon.log; }
has "it says why" daemon.log "legacy algorithm set"
sftp_ls rotated_key && ok || fail "the running SFTP key still logs in after the refused reload"
sftp_ls sftp_key && fail "the key of the refused reload logs in" || ok
cp retailer.good partners/retailer.xml

# What a listener serves changes with a reload: upload taken off the plain-HTTP listener is gone
# from it at once (404) and still served over HTTPS. Limits and the worker count, which the
# running listeners and pool were built with, are reported as in force at the next restart.
printf 'ISA*00*~' >doc.edi
upload_to() {  # upload_to URL: prints the HTTP status of a POST /upload with the partner's token
  curl -s -o /dev/null -w '%{http_code}' --cacert certs/ca/ca.pem \
    -H "Authorization: Bearer upload-token" --data-binary @doc.edi "$1/upload"
}
[ "$(upload_to "http://127.0.0.1:$http_port")" = 202 ] && ok || fail "upload served over HTTP before"
sed -i 's/serve="as2 upload"/serve="as2"/; s/body-bytes="1048576"/body-bytes="1048575"/; s/<workers count="2"\/>/<workers count="3"\/>/' edigate.xml
reloads=$(grep -c "configuration reloaded" daemon.log)
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -gt $reloads ]" && ok ||
  { fail "reload without upload over HTTP"; tail -3 daemon.log; }
[ "$(upload_to "http://127.0.0.1:$http_port")" = 404 ] && ok || fail "upload still served over HTTP after the reload"
[ "$(upload_to "https://127.0.0.1:$https_port")" = 202 ] && ok || fail "upload no longer served over HTTPS"
has "a changed body limit is reported" daemon.log "<limits body-bytes> (HTTP listeners) changed: in force at the next restart"
has "a changed worker count is reported" daemon.log "<workers count> changed: in force at the next restart"

# A listener moved to another port is reported, not silently ignored.
sed -i "s/port=\"$http_port\"/port=\"$((http_port + 1))\"/" edigate.xml
kill -HUP "$daemon"
wait_for 5 grep -q "listeners are added, moved or removed at restart" daemon.log && ok ||
  fail "a moved listener is reported"
check "the old port still serves" 0 curl -s -o /dev/null "http://127.0.0.1:$http_port/upload"

# A removed partner's certificate is no longer gauged (nor warned about).
rm partners/soon.xml
reloads=$(grep -c "configuration reloaded" daemon.log)
warnings=$(grep -c "$soon_warning" daemon.log)
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -gt $reloads ]" && ok ||
  fail "reload without the expiring partner"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
grep -q "$soon_series" metrics.txt && fail "a removed partner's certificate is still gauged" || ok
has "the other partner's certificate still is" metrics.txt 'partner="retailer"'
has "an applied reload is gauged" metrics.txt "^edigate_config_last_reload_successful 1"
[ "$(grep -c "$soon_warning" daemon.log)" -eq "$warnings" ] && ok || fail "a removed partner is warned about"

kill -TERM "$daemon"
wait "$daemon"
"$bin" audit export --db var/edigate.db >audit.jsonl
# Every reload that took is audited, with the TLS contexts it rebuilt (the certificate swap
# itself is checked above, on the wire).
[ "$(grep -c '"config.reloaded"' audit.jsonl)" -eq "$(grep -c 'configuration reloaded' daemon.log)" ] &&
  ok || fail "$(grep -c '"config.reloaded"' audit.jsonl) reloads audited, $(grep -c 'configuration reloaded' daemon.log) made"
has "audited: the TLS contexts a reload rebuilt" audit.jsonl "tls_reloaded[^0-9]*1"
has "audited: refused reload" audit.jsonl 'config.reload_failed'
has "audited: with its problems" audit.jsonl 'config.reload_failed.*problems.*key does not belong to cert'
has "audited: what waits for a restart" audit.jsonl '<workers count>: at the next restart'
echo "reload_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
