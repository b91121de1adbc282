#!/usr/bin/env bash
# Acknowledgements and outbound documents pushed to the partner's own SFTP server (<acks
# send="sftp"/> and <sftp-push>): a real OpenSSH sshd plays the partner; its host key is
# pinned (a wrong one: dead letters, revived or resent once it is mended). Our SFTP key is encrypted (ssh-keygen -N), its passphrase in <keys passphrase-file>.
# Usage: ack_push_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
cleanup_extra() { [ -n "${sshd_pid:-}" ] && kill "$sshd_pid" 2>/dev/null; }
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
# shellcheck source=test_sshd.sh
. "$src/tests/integration/test_sshd.sh"

mkdir -p sshd remote
ssh-keygen -q -t ed25519 -N 'push key passphrase' -f sshd/client_key
printf 'push key passphrase\n' >keys.pass
chmod 600 keys.pass
sed -i 's|<listeners>|<keys passphrase-file="keys.pass"/>\n  <listeners>|' edigate.xml
start_test_sshd "$tmp/sshd" || exit 1
fingerprint=$(ssh-keygen -lf sshd/host_key.pub | awk '{print $2}')
push="<sftp-push host=\"127.0.0.1\" port=\"$sshd_port\" user=\"$(id -un)\" key=\"../sshd/client_key\" host-key-sha256=\"$fingerprint\" dir=\"$tmp/remote\"/>"
sed -i -e "s|</sftp>|</sftp>\n  $push|" -e 's|<acks type="auto" send="none"/>|<acks type="auto" send="sftp"/>|' \
  partners/retailer.xml
check "config with an SFTP push" 0 "$bin" config check --config edigate.xml
"$bin" serve --config edigate.xml >daemon.log 2>&1 &
daemon=$!
pids+=($daemon)
wait_for 10 curl -sf "http://127.0.0.1:$admin_port/health" || { cat daemon.log; exit 1; }

po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
check "upload an 850" 0 curl -sf -H "Authorization: Bearer upload-token" --data-binary @"$po" \
  "http://127.0.0.1:$http_port/upload"
wait_for 15 sh -c 'ls remote | grep -q "^edigate-997-.*\.edi$"' && ok ||
  { fail "the 997 arrived on the partner's SFTP server"; tail -5 daemon.log; }
ack=$(ls remote/edigate-997-*.edi 2>/dev/null | head -1)
[ -n "$ack" ] && has "the pushed file is our 997 accepting both sets" "$ack" "AK9\*A\*2\*2\*2"
[ -z "$(ls -A remote | grep '^\.')" ] && ok || fail "no temporary file left behind"
# An outbound document for a partner without an AS2 url goes to their SFTP server the same way.
check "an outbound ship notice" 0 curl -s -o out.json -w '%{http_code}' \
  -H 'Authorization: Bearer admin-token' --data-binary @"$src/docs/schemas/examples/ship_notice.json" \
  "http://127.0.0.1:$admin_port/api/outbound?partner=retailer"
has "202" out "202"
out_id=$(python3 -c "import json; print(json.load(open('out.json'))['message_id'])")
wait_for 15 test -s "remote/edigate-out-$out_id.edi" && ok || { fail "the interchange on their server"; tail -5 daemon.log; }
curl -s -H 'Authorization: Bearer admin-token' \
  "http://127.0.0.1:$admin_port/api/messages/$out_id/raw?as=received" >out.edi
cmp -s out.edi "remote/edigate-out-$out_id.edi" && ok || fail "exactly the interchange we rendered"
wait_for 5 sh -c "curl -s -H 'Authorization: Bearer admin-token' http://127.0.0.1:$admin_port/api/messages/$out_id | grep -q '\"status\":\"sent\"'" &&
  ok || fail "the outbound message is sent"
kill -TERM "$daemon"
wait "$daemon"
check "audited" 0 sh -c "'$bin' audit export --db var/edigate.db | grep 'ack.sent' | grep -q sftp"
check "the outbound push audited" 0 sh -c "'$bin' audit export --db var/edigate.db | grep 'outbound.sent' | grep -q sftp"

# A wrong pinned host key: the push is refused at once (not retried), the job is a dead letter
# and the failure is in the audit log.
ssh-keygen -q -t ed25519 -N '' -f other_host_key
wrong=$(ssh-keygen -lf other_host_key.pub | awk '{print $2}')
sed -i "s|host-key-sha256=\"$fingerprint\"|host-key-sha256=\"$wrong\"|" partners/retailer.xml
"$bin" serve --config edigate.xml >daemon2.log 2>&1 &
daemon=$!
pids+=($daemon)
wait_for 10 curl -sf "http://127.0.0.1:$admin_port/health" || { cat daemon2.log; exit 1; }
sed -e 's/000118830/000555009/g' -e 's/\*118830\*/*555009*/; s/GE\*2\*118830/GE*2*555009/' "$po" >po2.edi
before=$(ls remote | wc -l)
check "upload another 850" 0 curl -sf -H "Authorization: Bearer upload-token" --data-binary @po2.edi \
  "http://127.0.0.1:$http_port/upload"
wait_for 15 sh -c "'$bin' audit export --db var/edigate.db | grep 'ack.failed' | grep -q sftp" && ok ||
  { fail "a push refused for its host key is audited as ack.failed"; tail -5 daemon2.log; }
[ "$(ls remote | wc -l)" -eq "$before" ] && ok || fail "nothing reached a server with the wrong host key"
# An outbound document refused the same way fails for good; once the host key is right again
# (a reload), the operator sends it again from the API and it arrives.
admin_api() { curl -s -H 'Authorization: Bearer admin-token' "$@"; }
check "another outbound ship notice" 0 curl -s -o out2.json -w '%{http_code}' \
  -H 'Authorization: Bearer admin-token' --data-binary @"$src/docs/schemas/examples/ship_notice.json" \
  "http://127.0.0.1:$admin_port/api/outbound?partner=retailer"
out2=$(python3 -c "import json; print(json.load(open('out2.json'))['message_id'])")
wait_for 15 sh -c "$(declare -f admin_api); admin_api http://127.0.0.1:$admin_port/api/messages/$out2 | grep -q '\"status\":\"failed\"'" &&
  ok || fail "the refused outbound message is failed"
check "resend before the fix" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages/$out_id/resend"
has "409 for a message that was sent" out "409"
sed -i "s|host-key-sha256=\"$wrong\"|host-key-sha256=\"$fingerprint\"|" partners/retailer.xml
kill -HUP "$daemon"
wait_for 5 grep -q "configuration reloaded" daemon2.log && ok || fail "reload with the right host key"
check "resend from the API" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "http://127.0.0.1:$admin_port/api/messages/$out2/resend"
has "202" out "202"
wait_for 15 test -s "remote/edigate-out-$out2.edi" && ok || { fail "sent again, it arrives"; tail -5 daemon2.log; }
wait_for 5 sh -c "$(declare -f admin_api); admin_api http://127.0.0.1:$admin_port/api/messages/$out2 | grep -q '\"status\":\"sent\"'" &&
  ok || fail "and is sent"
# The acknowledgement that went dead for the wrong host key: revived from the CLI, it arrives.
check "revive the dead acknowledgement" 0 "$bin" messages retry-dead --db var/edigate.db --kind send_ack:
has "one job revived" out '"jobs":\[[0-9][0-9]*\]'
wait_for 15 sh -c '[ "$(ls remote | grep -c "^edigate-997-")" -eq 2 ]' && ok ||
  { fail "the second 997 arrived once revived"; ls remote; tail -5 daemon2.log; }
kill -TERM "$daemon"
wait "$daemon"
echo "ack_push_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
