#!/usr/bin/env bash
# Drives `edigate messages add|list|show` and `edigate audit verify|export` on a real store,
# then tampers with the database through the sqlite3 shell and expects `audit verify` to fail.
# Usage: store_cli_test.sh EDIGATE FIXTURES
set -uo pipefail
bin=$(realpath "$1")
fixtures=$(realpath "$2")
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

expect_output() {  # expect_output NAME PATTERN (in the last command's stdout+stderr)
  if grep -q -- "$2" out err; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: no '$2' in output"
    head -5 out err
  fi
}

command -v sqlite3 >/dev/null || { echo "sqlite3 shell missing (Debian package sqlite3)"; exit 2; }
edi=$(find "$fixtures" -name '*.edi' -o -name '*.x12' | sort | head -1)
[ -n "$edi" ] || { printf 'ISA*00*~IEA*1*000000001~' >order.edi; edi=$tmp/order.edi; }
printf 'UNB+UNOC:3+SENDER+RECEIVER+200101:1200+1++ORDERS'"'"'UNZ+0+1'"'"'' >orders.edifact

# A missing store is an error, not a new empty one.
check "verify missing db" 2 "$bin" audit verify --db missing.db
[ ! -e missing.db ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: created missing.db"; }

check "add first" 0 "$bin" messages add --db store.db --spool spool --partner acme \
  --as2-message-id '<1@acme>' --content-type application/edi-x12 "$edi"
expect_output "add prints id" '^1$'
check "add second" 0 "$bin" messages add --db store.db --spool spool --partner globex orders.edifact
check "add duplicate" 1 "$bin" messages add --db store.db --spool spool --partner acme \
  --as2-message-id '<1@acme>' "$edi"
expect_output "duplicate named" "already stored"
# A store at an older schema version is the daemon's to migrate: `messages add` refuses it and
# leaves it as it was (a newer CLI next to an older daemon).
cp store.db older.db
check "older schema" 0 sqlite3 older.db "DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)"
versions=$(sqlite3 older.db "SELECT count(*) FROM schema_version")
check "add to older store" 2 "$bin" messages add --db older.db --spool spool --partner acme orders.edifact
expect_output "older store named" "start the daemon to migrate it"
[ "$(sqlite3 older.db "SELECT count(*) FROM schema_version")" = "$versions" ] &&
  [ "$(sqlite3 older.db "SELECT count(*) FROM messages")" = 2 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: messages add migrated or wrote to an older store"; }

# A small payload is a row of the blobs table under its SHA-256, with its exact bytes, and no
# spool file; a large one (the 2 MB ones below) is a spool file.
sha=$(sha256sum "$edi" | cut -d' ' -f1)
[ "$(sqlite3 store.db "SELECT hex(bytes) FROM blobs WHERE id = '$sha'")" = "$(od -An -v -tx1 "$edi" | tr -d ' \n' | tr a-f A-F)" ] &&
  [ ! -e "spool/${sha:0:2}/$sha" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: small payload not in the blobs table"; }

check "list" 0 "$bin" messages list --db store.db
expect_output "list acme" "acme"
expect_output "list globex" "globex"
check "list partner" 0 "$bin" messages list --db store.db --partner globex --json
expect_output "list partner json" '"partner":"globex"'
if grep -q acme out; then failed=$((failed + 1)); echo "FAIL: partner filter"; else passed=$((passed + 1)); fi
check "list limit" 0 "$bin" messages list --db store.db --limit 1 --json
[ "$(wc -l <out)" -eq 1 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: limit"; }
check "list status" 0 "$bin" messages list --db store.db --status processed --json
[ ! -s out ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: status filter"; }

check "show" 0 "$bin" messages show --db store.db 1
python3 - out "$sha" <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: show JSON"; cat out; }
import json, sys
j = json.load(open(sys.argv[1]))
m = j["message"]
assert m["partner"] == "acme" and m["as2_message_id"] == "<1@acme>", m
assert m["payload"] == sys.argv[2] and m["status"] == "received", m
assert j["documents"] == [] and j["acks"] == [] and j["mdn"] is None, j
assert [job["kind"] for job in j["jobs"]] == ["process"], j["jobs"]
PY
check "show missing" 1 "$bin" messages show --db store.db 99

# The rest of a message's life, as the pipeline would record it (rows written with the shell
# here; the store's own operations are unit-tested), shown by `messages show`.
check "pipeline rows" 0 sqlite3 store.db "
  INSERT INTO documents (message_id, set_index, type, standard, transaction_set, status,
    created_at, updated_at) VALUES (1, 0, 'purchase_order', 'x12', '850', 'delivered', 0, 0);
  INSERT INTO deliveries (document_id, connector, attempt, outcome, http_status, at)
    VALUES (1, 'erp', 1, 'delivered', 200, 0);
  INSERT INTO mdns (message_id, spool_id, disposition, signed, created_at)
    VALUES (1, '$sha', 'automatic-action/MDN-sent-automatically; processed', 1, 0);
  INSERT INTO acks (message_id, type, control_number, spool_id, direction, created_at)
    VALUES (1, '997', '0001', '$sha', 'out', 0);"
check "show full" 0 "$bin" messages show --db store.db 1
python3 - out <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: show full JSON"; cat out; }
import json, sys
j = json.load(open(sys.argv[1]))
d = j["documents"]
assert len(d) == 1 and d[0]["transaction"] == "850" and d[0]["status"] == "delivered", d
assert d[0]["deliveries"][0]["connector"] == "erp" and d[0]["deliveries"][0]["http_status"] == 200, d
assert j["mdn"]["signed"] is True and j["mdn"]["disposition"].endswith("processed"), j["mdn"]
assert j["acks"][0]["type"] == "997" and j["acks"][0]["direction"] == "out", j["acks"]
PY

check "verify" 0 "$bin" audit verify --db store.db
expect_output "verify ok" "audit ok: 2 entries, head 2:"
anchor=$(sed -n 's/.*head //p' out)
check "verify anchor" 0 "$bin" audit verify --db store.db --anchor "$anchor"
check "verify bad anchor" 1 "$bin" audit verify --db store.db --anchor "2:$(printf '%064d' 0)"
check "verify malformed anchor" 2 "$bin" audit verify --db store.db --anchor nonsense
check "verify anchor with junk after its number" 2 "$bin" audit verify --db store.db --anchor "${anchor%%:*}junk:${anchor#*:}"
check "verify anchor with its hash cut short" 2 "$bin" audit verify --db store.db --anchor "${anchor:0:12}"
check "export" 0 "$bin" audit export --db store.db
python3 - out <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: export"; cat out; }
import hashlib, json, sys
prev = "0" * 64
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2
# Recompute each hash from the export alone, as an auditor would (docs/store.md).
for n, line in enumerate(lines, 1):
    e = json.loads(line)
    assert e["seq"] == n and e["prev_hash"] == prev and e["action"] == "message.received"
    parts = [str(e["seq"]), str(e["time"]), e["actor"], e["action"], e["subject"], e["details"], e["prev_hash"]]
    data = b"edigate-audit-v1\n" + b"".join(b"%d:%s\n" % (len(p.encode()), p.encode()) for p in parts)
    assert hashlib.sha256(data).hexdigest() == e["hash"], e
    prev = e["hash"]
PY

# Several processes writing at once (each its own connection): all commit, the chain holds.
for i in $(seq 1 10); do
  printf 'payload %s' "$i" >"p$i.edi"
  "$bin" messages add --db store.db --spool spool --partner "p$i" --as2-message-id "<$i@p>" "p$i.edi" \
    >"add$i.out" 2>&1 &
done
wait
check "concurrent adds listed" 0 "$bin" messages list --db store.db --json
[ "$(grep -c '"transport":"cli"' out)" -eq 12 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: concurrent adds"; cat add*.out; }
check "verify after concurrent adds" 0 "$bin" audit verify --db store.db
expect_output "12 entries" "audit ok: 12 entries"

# kill -9 at random points of `messages add`: whatever committed is complete, the chain holds,
# every stored message names a blob (a spool file or, when small, a row) with exactly its
# bytes, and no visible spool file is torn.
head -c 2000000 /dev/urandom >big.bin
for i in $(seq 1 15); do
  printf '%s' "$i" >>big.bin
  "$bin" messages add --db store.db --spool spool --partner crash "big.bin" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
check "verify after kill -9" 0 "$bin" audit verify --db store.db
check "list after kill -9" 0 "$bin" messages list --db store.db --json --limit 1000
python3 - out spool store.db <<'PY' && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: spool after kill -9"; }
import hashlib, json, os, sqlite3, sys
db = sqlite3.connect(sys.argv[3])
for line in open(sys.argv[1]):
    m = json.loads(line)
    row = db.execute("SELECT bytes FROM blobs WHERE id = ?", (m["payload"],)).fetchone()
    if row:
        data = row[0]
    else:
        data = open(os.path.join(sys.argv[2], m["payload"][:2], m["payload"]), "rb").read()
    assert len(data) == m["size"] and hashlib.sha256(data).hexdigest() == m["payload"], m
for d in os.listdir(sys.argv[2]):
    for f in os.listdir(os.path.join(sys.argv[2], d)):
        if f.startswith(".tmp-"):
            continue  # a put killed mid-write; never visible under an id
        assert hashlib.sha256(open(os.path.join(sys.argv[2], d, f), "rb").read()).hexdigest() == f, f
PY

# Retention: `messages purge` deletes what was received before the cutoff and has no work left,
# with its payload bytes (row or spool file), audited; recent or unfinished messages stay.
check "purge needs a cutoff" 2 "$bin" messages purge --db store.db --spool spool
check "purge refuses a recent cutoff" 2 "$bin" messages purge --db store.db --spool spool \
  --before "$(date -u +%Y-%m-%dT%H:%MZ)"
expect_output "recent cutoff explained" "at least 1 day"
check "purge: nothing old yet" 0 "$bin" messages purge --db store.db --spool spool --older-than-days 1
expect_output "nothing purged" '"messages":0'
head -c 100000 /dev/urandom >old-large.bin
printf 'ISA*old small~' >old-small.edi
check "add old large" 0 "$bin" messages add --db store.db --spool spool --partner old old-large.bin
check "add old small" 0 "$bin" messages add --db store.db --spool spool --partner old old-small.edi
# The newest message stays whatever its age (it keeps the id counter: docs/store.md).
printf 'ISA*newest~' >newest.edi
check "add newest" 0 "$bin" messages add --db store.db --spool spool --partner newest newest.edi
large_sha=$(sha256sum old-large.bin | cut -d' ' -f1)
small_sha=$(sha256sum old-small.edi | cut -d' ' -f1)
# Three days old; the daemon has processed those of 'old' and 'crash' (p1 still waits).
check "age messages" 0 sqlite3 store.db "
  UPDATE messages SET created_at = created_at - 3 * 86400000 WHERE partner IN ('old', 'crash', 'p1');
  UPDATE jobs SET state = 'done' WHERE message_id IN
    (SELECT id FROM messages WHERE partner IN ('old', 'crash'));"
find spool -type f -exec touch -d '2 hours ago' {} +
old_count=$(sqlite3 store.db "SELECT count(*) FROM messages WHERE partner IN ('old', 'crash')")
total_before=$(sqlite3 store.db "SELECT count(*) FROM messages")
check "purge dry run" 0 "$bin" messages purge --db store.db --spool spool --older-than-days 2 --dry-run
expect_output "dry run counts" "\"messages\":$old_count"
[ "$(sqlite3 store.db "SELECT count(*) FROM messages")" = "$total_before" ] && [ -e "spool/${large_sha:0:2}/$large_sha" ] &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: dry run changed the store"; }
check "purge" 0 "$bin" messages purge --db store.db --spool spool --older-than-days 2 --batch 1
expect_output "purge counts" "\"messages\":$old_count"
[ "$(sqlite3 store.db "SELECT count(*) FROM messages WHERE partner IN ('old', 'crash')")" = 0 ] &&
  [ "$(sqlite3 store.db "SELECT count(*) FROM messages WHERE partner = 'p1'")" = 1 ] &&
  [ "$(sqlite3 store.db "SELECT count(*) FROM messages")" = $((total_before - old_count)) ] &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: purge removed the wrong messages"; }
[ ! -e "spool/${large_sha:0:2}/$large_sha" ] &&
  [ "$(sqlite3 store.db "SELECT count(*) FROM blobs WHERE id = '$small_sha'")" = 0 ] &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: purged payloads left behind"; }
check "verify after purge" 0 "$bin" audit verify --db store.db
check "export after purge" 0 "$bin" audit export --db store.db
# One transaction, one audit entry, per batch of one.
[ "$(grep -c '"action":"store.purged"' out)" = "$old_count" ] && grep -q '"actor":"cli"' out &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: purge not audited per batch"; }
check "purge again: nothing left" 0 "$bin" messages purge --db store.db --spool spool --older-than-days 2
expect_output "nothing left" '"messages":0'

# `store check`: every named byte string is there; what nothing names is counted, and removed
# with --remove-orphans once unused for an hour.
check "store check" 0 "$bin" store check --db store.db --spool spool
expect_output "nothing missing" '"missing":0'
# What the kill -9 runs above left (a file renamed into place whose row never committed, a temp
# file), aged by the purge test's touch: cleared first, so that the counts below are exact.
check "clear the kill -9 leftovers" 0 "$bin" store check --db store.db --spool spool --remove-orphans
check "nothing left over" 0 "$bin" store check --db store.db --spool spool
expect_output "no leftovers" '"orphan_files":0,"spool_files":[0-9]*,"temp_files":0'
printf 'bytes nobody names' >orphan.bin
orphan_sha=$(sha256sum orphan.bin | cut -d' ' -f1)
mkdir -p "spool/${orphan_sha:0:2}" && cp orphan.bin "spool/${orphan_sha:0:2}/$orphan_sha"
touch -d '2 hours ago' "spool/${orphan_sha:0:2}/$orphan_sha"
printf 'half written' >"spool/${orphan_sha:0:2}/.tmp-1-2-3"
touch -d '2 hours ago' "spool/${orphan_sha:0:2}/.tmp-1-2-3"
unnamed_sha=$(printf 'unnamed row' | sha256sum | cut -d' ' -f1)
check "an unnamed database blob" 0 sqlite3 store.db "INSERT INTO blobs (id, bytes) VALUES ('$unnamed_sha', CAST('unnamed row' AS BLOB))"
check "store check counts orphans" 0 "$bin" store check --db store.db --spool spool
expect_output "orphan file counted" '"orphan_files":1'
expect_output "temp file counted" '"temp_files":1'
expect_output "unnamed blob counted" '"unnamed_blobs":1'
check "remove orphans" 0 "$bin" store check --db store.db --spool spool --remove-orphans
expect_output "files removed, database blobs kept" '"removed":{"orphan_files":1,"temp_files":1}'
[ "$(sqlite3 store.db "SELECT count(*) FROM blobs WHERE id = '$unnamed_sha'")" = 1 ] &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: an unnamed blob went without --remove-unnamed-blobs"; }
check "remove unnamed blobs" 0 "$bin" store check --db store.db --spool spool --remove-orphans --remove-unnamed-blobs
expect_output "blob removed" '"removed":{"orphan_files":0,"temp_files":0,"unnamed_blobs":1}'
[ ! -e "spool/${orphan_sha:0:2}/$orphan_sha" ] && [ ! -e "spool/${orphan_sha:0:2}/.tmp-1-2-3" ] &&
  [ "$(sqlite3 store.db "SELECT count(*) FROM blobs WHERE id = '$unnamed_sha'")" = 0 ] &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: orphans not removed"; }
check "clean after removal" 0 "$bin" store check --db store.db --spool spool --verify-bytes
expect_output "no orphans left" '"orphan_files":0'
# A named spool file gone (a restore that missed it), a database blob changed: exit 1, named.
head -c 100000 /dev/urandom >check-large.bin
check "add a large one" 0 "$bin" messages add --db store.db --spool spool --partner check check-large.bin
large_id=$(cat out)
check_sha=$(sha256sum check-large.bin | cut -d' ' -f1)
rm "spool/${check_sha:0:2}/$check_sha"
check "store check finds it missing" 1 "$bin" store check --db store.db --spool spool
expect_output "missing named with its row" "missing: messages $large_id: $check_sha"
small_sha=$(sha256sum orders.edifact | cut -d' ' -f1)
check "change a database blob" 0 sqlite3 store.db "UPDATE blobs SET bytes = CAST('changed' AS BLOB) WHERE id = '$small_sha'"
check "store check --verify-bytes finds it" 1 "$bin" store check --db store.db --spool spool --verify-bytes
expect_output "corrupt blob named" "corrupt: database blob $small_sha"

# The trigger stops a plain UPDATE...
if sqlite3 store.db "UPDATE audit SET actor = 'mallory' WHERE seq = 1" >out 2>err; then
  failed=$((failed + 1))
  echo "FAIL: trigger: UPDATE on audit succeeded"
else
  passed=$((passed + 1))
fi
expect_output "trigger message" "append-only"
# ...but not someone who drops it; the chain still names the edited entry.
check "tamper" 0 sqlite3 store.db "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 1"
check "verify tampered" 1 "$bin" audit verify --db store.db
expect_output "tampered seq" "audit broken at seq 1"
# Cutting off the newest entry leaves a valid chain; only the recorded anchor exposes it.
rm -f store.db store.db-wal store.db-shm && check "re-add" 0 "$bin" messages add --db store.db --spool spool --partner acme "$edi"
check "re-add 2" 0 "$bin" messages add --db store.db --spool spool --partner acme orders.edifact
check "anchor verify" 0 "$bin" audit verify --db store.db
anchor=$(sed -n 's/.*head //p' out)
check "truncate" 0 sqlite3 store.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2"
check "truncated chain verifies" 0 "$bin" audit verify --db store.db
check "anchor catches truncation" 1 "$bin" audit verify --db store.db --anchor "$anchor"
expect_output "truncation named" "audit broken at seq 2: entry missing"

echo "store_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
