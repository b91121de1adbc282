#!/usr/bin/env bash
# kill -9, again and again, while a partner sends a stream of AS2 messages and retries each
# (same Message-ID) until it gets an MDN. Afterwards every message that got an MDN must have
# been delivered — every canonical document reached the ERP under its Idempotency-Key — and the
# audit chain must verify. Then the ERP goes down for a while: everything is delivered once it
# is back.
# Usage: crash_test.sh EDIGATE SOURCE_DIR [MESSAGES]   (CRASH_MESSAGES overrides; default 200)
set -uo pipefail
bin=$1
src=$2
messages=${3:-${CRASH_MESSAGES:-200}}
daemon=0
cleanup_extra() { kill -9 "$daemon" 2>/dev/null; }
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"

start_daemon() {
  "$bin" serve --config edigate.xml >>daemon.log 2>&1 &
  daemon=$!
  wait_for 10 curl -sf "http://127.0.0.1:$admin_port/health"
}

# Each message is the retailer's 850 file with its own interchange control number (the gateway
# rejects a repeated one), packed once: a retry sends the same bytes and Message-ID.
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
mkdir -p msgs
for i in $(seq 1 "$messages"); do
  isa=$(printf '%09d' "$i")
  sed -e "s/000118830/$isa/g" -e "s/\*118830\*/*$i*/; s/GE\*2\*118830/GE*2*$i/" "$po" >"msgs/$i.edi"
  "$bin" as2 pack "msgs/$i.edi" -o "msgs/$i.as2" --from TEST-RETAILER --to EDIGATE-TEST \
    --cert certs/partners/demo-retailer.pem --key certs/partners/demo-retailer.key \
    --partner-cert certs/as2/our.pem | sed -n 's/^Expected-MIC: //p' >"msgs/$i.mic"
done

start_daemon || { echo "daemon did not start"; cat daemon.log; exit 1; }
# The sender: each message until it is acknowledged with a positive MDN.
(
  for i in $(seq 1 "$messages"); do
    until "$bin" as2 send "http://127.0.0.1:$http_port/as2" "msgs/$i.as2" --attempts 1 \
      --partner-cert certs/as2/our.pem --expect-mic "$(cat "msgs/$i.mic")" >"msgs/$i.send" 2>&1; do
      sleep 0.05
    done
    echo "$i" >>acknowledged
  done
) &
sender=$!
# The killer: kill -9 at random moments (0.3 to 1.2 s apart) while the sender runs.
kills=0
while kill -0 "$sender" 2>/dev/null; do
  sleep "0.$((3 + RANDOM % 10))"
  kill -9 "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  kills=$((kills + 1))
  start_daemon || { echo "daemon did not restart"; tail -20 daemon.log; exit 1; }
done
wait "$sender"
acked=$(wc -l <acknowledged)
[ "$acked" -eq "$messages" ] && ok || fail "$acked of $messages messages acknowledged"
echo "crash_test: $messages messages, $kills kill -9"

# Everything acknowledged must be delivered: two purchase orders per message, each key once at
# least (the ERP dedupes on the key; a retry after a crash may repeat a key, never lose one).
expected=$((messages * 2))
distinct() { python3 -c 'import json,sys; print(len({json.loads(l)["key"] for l in open("erp-requests.jsonl")}))' 2>/dev/null || echo 0; }
wait_for 120 sh -c "[ \$(python3 -c 'import json; print(len({json.loads(l)[\"key\"] for l in open(\"erp-requests.jsonl\")}))' 2>/dev/null || echo 0) -ge $expected ]" &&
  ok || fail "$(distinct) of $expected documents reached the ERP"
total=$(wc -l <erp-requests.jsonl)
echo "crash_test: ERP saw $total requests for $(distinct) distinct keys"
files=$(ls erp | grep -c '\.json$')
[ "$files" -eq "$expected" ] && ok || fail "$files of $expected documents in the file connector"

# The ERP goes away: deliveries wait and retry, then arrive when it is back.
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
isa=$(printf '%09d' 999999)
sed -e "s/000118830/$isa/g" -e "s/\*118830\*/*999999*/; s/GE\*2\*118830/GE*2*999999/" "$po" >late.edi
check "upload while the ERP is down" 0 curl -sf -H "Authorization: Bearer upload-token" \
  --data-binary @late.edi "http://127.0.0.1:$http_port/upload"
sleep 3
python3 erp.py "$erp_port" 0 &
pids[0]=$!
wait_for 60 sh -c "[ \$(python3 -c 'import json; print(len({json.loads(l)[\"key\"] for l in open(\"erp-requests.jsonl\")}))' 2>/dev/null || echo 0) -ge $((expected + 2)) ]" &&
  ok || fail "documents sent while the ERP was down were not delivered after it came back"

kill -TERM "$daemon"
wait "$daemon"
check "audit chain verifies after every crash" 0 "$bin" audit verify --db var/edigate.db
# File drops are recorded in the runner's next transaction, after the files are written: a
# crash in between must leave the delivery to be made and recorded again, never unrecorded.
python3 - var/edigate.db "$((expected + 2))" <<'PY' && ok || fail "every file drop recorded as delivered, every deliver job done"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
undone = db.execute("SELECT count(*) FROM jobs WHERE kind LIKE 'deliver:%' AND state != 'done'").fetchone()[0]
recorded = db.execute("SELECT count(DISTINCT document_id) FROM deliveries WHERE connector = 'files' "
                      "AND outcome = 'delivered'").fetchone()[0]
print(f"crash_test: {recorded} documents recorded as delivered to files, {undone} deliver jobs not done")
assert undone == 0 and recorded == int(sys.argv[2])
PY
echo "crash_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
