#!/usr/bin/env bash
# `make run`: the gateway daemon on the demo configuration (gateway/demo/): loopback ports, a
# SQLite store and spool under gateway/demo/var/, generated development certificates, one demo
# partner (an X12 retailer sending 850s), and a file connector that writes the canonical JSON
# into gateway/demo/var/erp/. Prints what to try, then runs in the foreground (Ctrl-C stops).
set -euo pipefail
bin=$(cd "$(dirname "${1:-build/edigate}")" && pwd)/$(basename "${1:-build/edigate}")
here=$(cd "$(dirname "$0")/.." && pwd)
demo="$here/gateway/demo"
var="$demo/var"

"$here/certs/make-dev-certs.sh" "$var/certs" >/dev/null
mkdir -p "$var/erp" "$var/archive" "$var/spool"
"$bin" config check --config "$demo/edigate.xml"

po="$here/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
cat <<MSG

edigate $("$bin" --version | awk '{print $2}') is starting on the demo configuration:
  AS2 and upload   http://127.0.0.1:8080/as2   https://127.0.0.1:8443/as2   (/upload)
  admin API        http://127.0.0.1:9090        (token: edigate-demo-admin-token)
  store            $var/edigate.db, spool $var/spool
  ERP (file drop)  $var/erp/

In another terminal, send the demo retailer's 850 over AS2 (signed, encrypted, signed MDN):
  cd $var && $bin as2 pack $po -o /tmp/po.as2 \\
      --from DEMO-RETAILER --to EDIGATE-DEV --cert certs/partners/demo-retailer.pem \\
      --key certs/partners/demo-retailer.key --partner-cert certs/as2/our.pem > /tmp/po.out
  $bin as2 send http://127.0.0.1:8080/as2 /tmp/po.as2 --partner-cert $var/certs/as2/our.pem \\
      --expect-mic "\$(sed -n 's/^Expected-MIC: //p' /tmp/po.out)"

Upload it over HTTPS with the partner's token (here with a new interchange control number:
the same file again is kept, but its documents are flagged duplicate, by the partner's
policy), then ask for its status (N: message_id from the answer):
  sed 's/000118830/000118831/g' $po > /tmp/po2.edi
  curl -s --cacert $var/certs/ca/ca.pem -H 'Authorization: Bearer demo-retailer-upload-token' \\
      --data-binary @/tmp/po2.edi https://127.0.0.1:8443/upload
  curl -s -H 'Authorization: Bearer demo-retailer-upload-token' http://127.0.0.1:8080/upload/N

The ERP sends the retailer a ship notice: canonical JSON rendered into an 856 with our control
numbers, then sent over AS2 to the retailer's URL (nothing listens on 127.0.0.1:8081 in the
demo, so its attempts fail and are retried: see them in the message and the audit log; once
they run out, the ERP's file connector gets its status, $var/erp/outbound-N-failed.json):
  curl -s -H 'Authorization: Bearer edigate-demo-admin-token' \
      --data-binary @$here/docs/schemas/examples/ship_notice.json \
      'http://127.0.0.1:9090/api/outbound?partner=demo-retailer'
  curl -s -H 'Authorization: Bearer edigate-demo-admin-token' \
      'http://127.0.0.1:9090/api/messages/N/raw?as=received'   # N from the answer: the 856

See what arrived and what happened:
  ls $var/erp/
  curl -s -H 'Authorization: Bearer edigate-demo-admin-token' http://127.0.0.1:9090/api/messages
  curl -s http://127.0.0.1:9090/metrics | grep ^edigate_
  $bin audit verify --db $var/edigate.db
  $bin store check --db $var/edigate.db --spool $var/spool --verify-bytes
  curl -s -H 'Authorization: Bearer edigate-demo-admin-token' \
      'http://127.0.0.1:9090/api/messages/1/raw?as=received'   # the AS2 request as it came
  $bin map in --partner $here/mappings/partners/retailer $po      # the mapping alone

MSG
exec "$bin" serve --config "$demo/edigate.xml"
