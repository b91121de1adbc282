#!/usr/bin/env bash
# The admin API over HTTPS (<admin cert= key=>): curl with the CA reaches /health and, with its
# token, the API; plain HTTP gets no answer; TLS 1.1 is refused; a renewed certificate takes
# effect at SIGHUP without a restart; config check does not warn about an admin API off
# loopback that has TLS.
# Usage: admin_tls_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"

sed -i "s|<admin address=\"127.0.0.1\" port=\"$admin_port\">|<admin address=\"127.0.0.1\" port=\"$admin_port\" cert=\"certs/tls/server.pem\" key=\"certs/tls/server.key\">|" edigate.xml
grep -q 'key="certs/tls/server.key">' edigate.xml && ok || fail "admin TLS configured"
check "config check" 0 "$bin" config check --config edigate.xml
sed 's|<admin address="127.0.0.1"|<admin address="0.0.0.0"|' edigate.xml >open.xml
check "config check, admin on every address with TLS" 0 "$bin" config check --config open.xml
if grep -q "admin API listens" err; then fail "a warning for an admin API that has TLS"; else ok; fi
sed 's| key="certs/tls/server.key">|>|' edigate.xml >half.xml
check "cert without key refused" 1 "$bin" config check --config half.xml
has "cert and key together" err "cert and key go together"

start_daemon
has "logged as https" daemon.log "admin API on 127.0.0.1:$admin_port (https)"
admin="https://127.0.0.1:$admin_port"
check "health over HTTPS" 0 curl -sf --cacert certs/ca/ca.pem "$admin/health"
has "health answers" out '"status":"ok"'
check "API with the token over HTTPS" 0 curl -sf --cacert certs/ca/ca.pem \
  -H "Authorization: Bearer admin-token" "$admin/api/partners"
has "partners listed" out '"retailer"'
check "API without the token" 0 curl -s -o /dev/null -w '%{http_code}' --cacert certs/ca/ca.pem "$admin/api/partners"
has "401 without the token" out "401"
if curl -s -m 5 "http://127.0.0.1:$admin_port/health" >plain.out 2>&1; then
  fail "plain HTTP answered: $(head -c 200 plain.out)"
else
  ok
fi
if echo | openssl s_client -connect "127.0.0.1:$admin_port" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
  >tls11.out 2>&1 && grep -q "^    Protocol  *: TLSv1.1" tls11.out; then
  fail "TLS 1.1 accepted"
else
  ok
fi

old=$(fingerprint certs/tls/server.pem)
[ "$(served_fingerprint "$admin_port")" = "$old" ] && ok || fail "the admin listener serves its certificate"
renew_server_certificate
new=$(fingerprint certs/tls/server.pem)
[ "$new" != "$old" ] && ok || fail "the renewed certificate differs"
kill -HUP "$daemon"
# The https partner listener and the admin listener share the file here: both reloaded.
wait_for 5 grep -q "2 TLS certificate" daemon.log && ok || { fail "reload with the renewed certificate"; cat daemon.log; }
[ "$(served_fingerprint "$admin_port")" = "$new" ] && ok || fail "the admin listener serves the renewed certificate"
check "health after the reload" 0 curl -sf --cacert certs/ca/ca.pem "$admin/health"

# A reload that would move the admin API off loopback without TLS takes a restart: until then
# the HTTPS one on loopback serves, and warnings and the certificate series say so.
sed -i 's|<admin address="127.0.0.1" port="\([0-9]*\)" cert="certs/tls/server.pem" key="certs/tls/server.key">|<admin address="0.0.0.0" port="\1">|' edigate.xml
grep -q '<admin address="0.0.0.0"' edigate.xml && ok || fail "admin moved in the file"
kill -HUP "$daemon"
wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' daemon.log) -ge 2 ]" && ok || { fail "second reload"; tail -3 daemon.log; }
has "the move waits for a restart" daemon.log "admin 0.0.0.0:$admin_port changed"
if grep -q "admin API listens on 0.0.0.0" daemon.log; then fail "warned about an admin API that is not running"; else ok; fi
check "still HTTPS on loopback" 0 curl -sf --cacert certs/ca/ca.pem "$admin/metrics"
has "its certificate still exported" out 'edigate_certificate_expiry_timestamp_seconds{use="tls-listener",name="admin"}'

echo "admin_tls: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
