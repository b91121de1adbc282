#!/usr/bin/env bash
# The hardened unit: systemd-analyze must rate its exposure 2.0 or lower, and `cmake --install`
# must lay out the binary, the standard maps and the systemd files where the unit expects them.
# Usage: systemd_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze security --offline=true "$src/systemd/edigate.service" 2>&1)
  level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for edigate.service: \([0-9.]*\).*/\1/p')
  echo "exposure level: ${level:-unknown}"
  [ -n "$level" ] || fail "no exposure level in: $(printf '%s\n' "$out" | tail -3)"
  [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || fail "exposure $level > 2.0"
else
  echo "systemd-analyze not installed: exposure not checked"
fi

DESTDIR="$tmp/root" cmake --install "$build" --prefix /usr >/dev/null || fail "cmake --install"
for f in usr/bin/edigate usr/lib/systemd/system/edigate.service usr/lib/sysusers.d/edigate.conf \
         usr/lib/tmpfiles.d/edigate.conf usr/share/edigate/mappings/schema/mapping.xsd \
         usr/share/edigate/mappings/standard/x12/850.xml usr/share/doc/edigate/operations.md \
         usr/share/edigate/examples/edigate.xml usr/share/edigate/examples/partners/demo-retailer.xml; do
  [ -e "$tmp/root/$f" ] || fail "not installed: /$f"
done
grep -q '^ExecStart=/usr/bin/edigate serve' "$src/systemd/edigate.service" || fail "ExecStart"
grep -q '^ExecStart=/usr/bin/edigate serve' "$tmp/root/usr/lib/systemd/system/edigate.service" ||
  fail "the unit installed under /usr starts /usr/bin/edigate"
# The installed examples name the installed layout, nothing of the source tree's.
examples="$tmp/root/usr/share/edigate/examples"
if grep -n '"var/\|"\.\./' "$examples/edigate.xml" "$examples/partners/demo-retailer.xml"; then
  fail "an installed example names a path of the source tree"
fi
grep -q 'standard="/usr/share/edigate/mappings/standard"' "$examples/edigate.xml" ||
  fail "the example edigate.xml names the installed standard maps"
grep -q 'database="/var/lib/edigate/edigate.db"' "$examples/edigate.xml" ||
  fail "the example edigate.xml keeps its store under /var/lib/edigate"
grep -q 'dir="/usr/share/edigate/mappings/partners/retailer"' "$examples/partners/demo-retailer.xml" ||
  fail "the example partner names the installed example maps"
# The demo's public tokens are not carried into them: each must be replaced before it loads.
if grep -n 'd637ba5f\|f3cd1ffa\|edigate-demo-admin-token\|demo-retailer-upload-token' \
  "$examples/edigate.xml" "$examples/partners/demo-retailer.xml"; then
  fail "an installed example carries a public demo token"
fi
# Under another prefix the unit starts the binary installed there.
DESTDIR="$tmp/local" cmake --install "$build" --prefix /usr/local >/dev/null || fail "cmake --install (/usr/local)"
grep -q '^ExecStart=/usr/local/bin/edigate serve' "$tmp/local/usr/local/lib/systemd/system/edigate.service" ||
  fail "the unit installed under /usr/local starts /usr/local/bin/edigate"
# The directories operations.md lays out are made by tmpfiles; nothing the unit does not use.
for d in /etc/edigate /etc/edigate/partners /etc/edigate/partners/certs /etc/edigate/tls \
         /etc/edigate/as2 /etc/edigate/secrets /etc/edigate/push /var/lib/edigate \
         /var/lib/edigate/spool; do
  grep -q "^d $d " "$src/systemd/edigate.tmpfiles" || fail "tmpfiles does not make $d"
done
! grep -q '^LogsDirectory=' "$src/systemd/edigate.service" || fail "a logs directory nothing writes"
[ "$failed" -eq 0 ] && echo "systemd_test: ok"
exit "$failed"
