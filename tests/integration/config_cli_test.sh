#!/usr/bin/env bash
# Drives `edigate config check|hash-token`: dev certificates from certs/make-dev-certs.sh, a
# configuration written from scratch in a temp dir (checks ok), the demo configuration, then
# broken variants that must exit 1 with file:line messages.
# Usage: config_cli_test.sh EDIGATE REPO
set -uo pipefail
bin=$(realpath "$1")
repo=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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

expect_output() {  # expect_output NAME PATTERN (extended regex, in stdout+stderr)
  if grep -Eq -- "$2" out err; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: no '$2' in:"
    head -5 out err
  fi
}

# Dev certificates, twice: the second run keeps the files.
check "make-dev-certs" 0 "$repo/certs/make-dev-certs.sh" "$tmp/gw/certs"
sum1=$(sha256sum gw/certs/as2/our.pem gw/certs/tls/server.key)
check "make-dev-certs again" 0 "$repo/certs/make-dev-certs.sh" "$tmp/gw/certs"
sum2=$(sha256sum gw/certs/as2/our.pem gw/certs/tls/server.key)
if [ "$sum1" = "$sum2" ]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: make-dev-certs replaced existing files"; fi
check "server cert verifies" 0 openssl verify -CAfile gw/certs/ca/ca.pem gw/certs/tls/server.pem
check "key is owner-only" 0 test "$(stat -c %a gw/certs/as2/our.key)" = 600

# hash-token
printf 'edigate-demo-admin-token\n' > token
check "hash-token" 0 "$bin" config hash-token < token
expect_output "hash-token value" '^d637ba5f9ad818cdf5b920acbcfb9e69a3640306c0b58ce50789bb3ee3f807c2$'
check "hash-token empty" 1 "$bin" config hash-token < /dev/null
admin_hash=$(printf 'admin-secret' | "$bin" config hash-token)
upload_hash=$(printf 'upload-secret' | "$bin" config hash-token)
client_fp=$(cat gw/certs/clients/upload-client.sha256)

mkdir -p gw/partners gw/var gw/secrets
printf 'hook-secret' > gw/secrets/hmac
chmod 600 gw/secrets/hmac
cat > gw/edigate.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<edigate xmlns="urn:edigate:config:1">
  <listeners>
    <https address="127.0.0.1" port="18443" serve="as2 upload mdn"
           cert="certs/tls/server.pem" key="certs/tls/server.key" client-ca="certs/ca/ca.pem"/>
  </listeners>
  <admin><token name="ops" sha256="$admin_hash"/></admin>
  <store database="var/edigate.db" spool="var/spool"/>
  <partners dir="partners"/>
  <mappings standard="$repo/mappings/standard"/>
  <as2 our-id="TEST-GATEWAY" key="certs/as2/our.key" cert="certs/as2/our.pem"/>
  <connectors>
    <http name="erp" url="https://erp.example/edi">
      <hmac secret-file="secrets/hmac"/>
    </http>
    <file name="drop" dir="var/drop"/>
  </connectors>
</edigate>
XML
cat > gw/partners/retailer.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="retailer" name="Retailer">
  <as2 id="RETAILER" cert="../certs/partners/demo-retailer.pem"/>
  <x12 qualifier="08" id="6111470100"/>
  <upload>
    <token sha256="$upload_hash"/>
    <client-cert sha256-fingerprint="$client_fp"/>
  </upload>
  <mapping dir="$repo/mappings/partners/retailer"/>
  <route document="purchase_order" connector="erp"/>
  <route document="ship_notice" connector="drop"/>
</partner>
XML
check "config check ok" 0 "$bin" config check --config gw/edigate.xml
expect_output "config check summary" '^ok: 1 partners, 2 connectors$'
if grep -q warning err; then failed=$((failed + 1)); echo "FAIL: warnings for fresh certificates"; cat err
else passed=$((passed + 1)); fi
check "config check -c" 0 "$bin" config check -c "$tmp/gw/edigate.xml"

# The demo configuration, in a copy of the tree with its certificates where the docs say.
mkdir -p demo-tree/gateway
cp -r "$repo/gateway/demo" demo-tree/gateway/demo
rm -rf demo-tree/gateway/demo/var
ln -s "$repo/mappings" demo-tree/mappings
check "demo certs" 0 "$repo/certs/make-dev-certs.sh" demo-tree/gateway/demo/var/certs
check "demo config check" 0 "$bin" config check -c demo-tree/gateway/demo/edigate.xml
expect_output "demo summary" '^ok: 1 partners, 2 connectors$'

# A partner whose certificate expires in 9 days: a warning at its <as2> line, still exit 0.
rm -rf soon && cp -r gw soon
openssl req -x509 -newkey rsa:2048 -nodes -days 9 -subj /CN=SOON -keyout soon/soon.key \
  -out soon/certs/partners/soon.pem 2>/dev/null
sed -e 's/id="retailer"/id="soon"/' -e 's/RETAILER/SOON/' -e 's/6111470100/6111470199/' \
  -e 's#demo-retailer.pem#soon.pem#' -e '/<upload>/,/<\/upload>/d' gw/partners/retailer.xml \
  >soon/partners/soon.xml
soon_date=$(date -u -d "$(openssl x509 -in soon/certs/partners/soon.pem -noout -enddate | cut -d= -f2)" +%F)
check "expiring partner certificate" 0 "$bin" config check --config soon/edigate.xml
expect_output "expiring partner certificate summary" '^ok: 2 partners, 2 connectors$'
expect_output "expiring partner certificate warning" \
  "^warning: soon/partners/soon.xml:3: soon's AS2 certificate \(certs/partners/soon.pem\) expires $soon_date \(in [89] days\)$"
[ "$(grep -c warning err)" -eq 1 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: one warning expected"; cat err; }

# Upload on plain HTTP beyond loopback and an admin API on another address: warned, exit 0.
rm -rf open && cp -r gw open
sed -i -e 's#<listeners>#<listeners><http address="0.0.0.0" port="18080" serve="upload"/>#' \
  -e 's#<admin>#<admin address="0.0.0.0">#' open/edigate.xml
check "exposed secrets" 0 "$bin" config check --config open/edigate.xml
expect_output "plain upload warned" \
  "^warning: open/edigate.xml:3: upload is served on plain HTTP at 0.0.0.0:18080: partners' bearer tokens"
expect_output "remote admin warned" "^warning: open/edigate.xml:7: the admin API listens on 0.0.0.0 without TLS"

# Broken variants: each exits 1 and names the file and line.
broken() {  # broken NAME FILE SED-EXPRESSION PATTERN
  local name=$1 file=$2 expr=$3 pattern=$4
  rm -rf bad && cp -r gw bad
  sed -i "$expr" "bad/$file"
  check "$name" 1 "$bin" config check --config bad/edigate.xml
  expect_output "$name message" "$pattern"
}
# (libxml2 gives an attribute error the line where its start tag ends)
broken "xsd violation" edigate.xml 's/port="18443"/port="eighty"/' \
  "^bad/edigate.xml:5: .*'port': 'eighty'"

broken "sftp limit of zero" edigate.xml \
  's#  <connectors>#  <sftp port="2222" host-keys="var/keys" jails="var/jails"><limits sessions-total="0"/></sftp>\n  <connectors>#' \
  "^bad/edigate.xml:12: .*'sessions-total': .*'0' is less than"
broken "sftp packet limit over 16 MiB" edigate.xml \
  's#  <connectors>#  <sftp port="2222" host-keys="var/keys" jails="var/jails"><limits packet-bytes="16777217"/></sftp>\n  <connectors>#' \
  "^bad/edigate.xml:12: .*'packet-bytes': .*'16777217' is greater than"

broken "temporary suffix without its dot" partners/retailer.xml \
  's#</upload>#</upload>\n  <sftp temporary-suffixes=".filepart part"><key>ssh-ed25519 AAAAC3Nz x</key></sftp>#' \
  "^bad/partners/retailer.xml:9: temporary suffix 'part' is not a dot and 1-31 of letters"
broken "unknown connector" partners/retailer.xml 's/connector="drop"/connector="nowhere"/' \
  "^bad/partners/retailer.xml:11: route to unknown connector 'nowhere'"
broken "missing key" edigate.xml 's#certs/as2/our.key#certs/as2/none.key#' \
  '^bad/edigate.xml:11: key: .*none.key'
broken "unreadable secret" edigate.xml 's#secrets/hmac#secrets/none#' \
  '^bad/edigate.xml:14: secret-file'
broken "doctype" edigate.xml '2s#^#<!DOCTYPE edigate [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n#' \
  '^bad/edigate.xml:2: a DOCTYPE'
broken "bad mapping dir" partners/retailer.xml "s#$repo/mappings/partners/retailer#../nowhere#" \
  '^bad/partners/retailer.xml:9: dir: '
rm -rf bad && cp -r gw bad && cp bad/partners/retailer.xml bad/partners/zz-copy.xml
check "duplicate partner" 1 "$bin" config check --config bad/edigate.xml
expect_output "duplicate partner message" "^bad/partners/zz-copy.xml:2: duplicate partner id 'retailer'"
check "missing config" 1 "$bin" config check --config "$tmp/none.xml"

echo "config_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
