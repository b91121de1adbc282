#!/usr/bin/env bash
# Encrypted private keys: our AS2 key, the HTTPS listener's key and an ERP connector's mTLS key
# encrypted with `openssl pkey -aes256`, their passphrase given as a systemd credential
# (<keys passphrase-credential>, read from $CREDENTIALS_DIRECTORY as systemd sets it). Without
# the credential, or with a wrong passphrase, `config check` names the problem; with it the
# daemon decrypts AS2 over HTTPS, signs the MDN, serves TLS and delivers to the ERP over mTLS;
# a reload with a wrong passphrase is refused and the daemon keeps serving; `messages resend
# --config` works without the credential (it reads no keys).
# Usage: key_passphrase_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"

mkdir -p creds
printf 'a long passphrase for the keys\n' >keys.pass
chmod 600 keys.pass
for key in certs/as2/our certs/tls/server certs/clients/upload-client; do
  openssl pkey -in "$key.key" -aes256 -passout file:keys.pass -out "$key.enc.key" 2>/dev/null
  chmod 600 "$key.enc.key"
done
grep -q "ENCRYPTED PRIVATE KEY" certs/as2/our.enc.key && ok || fail "openssl encrypted the key"
# systemd writes a credential as given; this one without the line end.
printf 'a long passphrase for the keys' >creds/edigate-keys
chmod 600 creds/edigate-keys

sed -i -e 's|key="certs/as2/our.key"|key="certs/as2/our.enc.key"|' \
  -e 's|key="certs/tls/server.key"|key="certs/tls/server.enc.key"|' \
  -e 's|<bearer token-file="erp-token"/>|<bearer token-file="erp-token"/><mtls cert="certs/clients/upload-client.pem" key="certs/clients/upload-client.enc.key"/>|' \
  edigate.xml
check "encrypted keys without <keys>" 1 "$bin" config check --config edigate.xml
has "says the key is encrypted" err "certs/as2/our.enc.key' is encrypted"
has "the listener's key too" err "certs/tls/server.enc.key' is encrypted"
has "the connector's key too" err "certs/clients/upload-client.enc.key' is encrypted"

sed -i 's|<listeners>|<keys passphrase-credential="edigate-keys"/>\n  <listeners>|' edigate.xml
unset CREDENTIALS_DIRECTORY
check "no credentials directory" 1 "$bin" config check --config edigate.xml
has "names the missing credentials directory" err 'CREDENTIALS_DIRECTORY is not set'
export CREDENTIALS_DIRECTORY=$PWD/creds
printf 'not the passphrase' >creds/edigate-keys
check "wrong passphrase" 1 "$bin" config check --config edigate.xml
has "says it does not decrypt" err "does not decrypt with the passphrase in <keys>"
printf 'a long passphrase for the keys' >creds/edigate-keys
check "config check with the credential" 0 "$bin" config check --config edigate.xml

start_daemon
! grep -q "a long passphrase" daemon.log && ok || fail "the passphrase is not logged"

# AS2 over HTTPS: TLS with the encrypted listener key, the CMS content key decrypted and the MDN
# signed with our encrypted AS2 key.
pack_retailer_message "$po" msg
check "as2 send over https" 0 "$bin" as2 send "https://127.0.0.1:$https_port/as2" msg \
  --cacert certs/ca/ca.pem --partner-cert certs/as2/our.pem --expect-mic "$mic"
has "a signed positive MDN" out "mdn_disposition: processed"
# The ERP over mTLS with the encrypted connector key (curl decrypts it, or connects not at all).
wait_for 15 test -s erp-requests.jsonl && ok || { fail "the ERP got the document"; tail -5 daemon.log; }

# A reload whose passphrase no longer decrypts the keys is refused; the old keys keep serving.
printf 'changed by mistake' >creds/edigate-keys
kill -HUP "$daemon"
wait_for 5 grep -q "reload refused" daemon.log && ok || fail "reload with a wrong passphrase refused"
sed -e 's/000118830/000118831/g' -e 's/\*118830\*/*118831*/; s/GE\*2\*118830/GE*2*118831/' "$po" >second.edi
check "upload over https after the refused reload" 0 curl -sf --cacert certs/ca/ca.pem \
  -H "Authorization: Bearer upload-token" --data-binary @second.edi \
  "https://127.0.0.1:$https_port/upload"
printf 'a long passphrase for the keys' >creds/edigate-keys
kill -HUP "$daemon"
wait_for 5 grep -q "configuration reloaded" daemon.log && ok || fail "reload with the passphrase"
wait_for 15 sh -c "[ \$(ls erp/*.json 2>/dev/null | wc -l) -ge 2 ]" && ok || fail "both documents delivered"

# An operator's resend from a shell, where no credential is: following the partner's routes
# needs only names and routes from the file, not the keys or their passphrase.
resends_before=$(grep -c resend erp-requests.jsonl)
check "messages resend --config without the credential" 0 env -u CREDENTIALS_DIRECTORY \
  "$bin" messages resend --db var/edigate.db --config edigate.xml 1
wait_for 15 sh -c "[ \$(grep -c resend erp-requests.jsonl) -gt $resends_before ]" && ok ||
  fail "the resend reached the ERP"

echo "key_passphrase: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
