#!/usr/bin/env bash
# Backup and restore of the store: `edigate store backup` while the daemon runs and takes
# uploads (a consistent database copy and every spool file it names, verified), then more
# messages the backup does not have, then `edigate store restore` (refused while the daemon
# runs; the replaced database and its WAL set aside, not deleted; a backup missing a spool file
# refused with nothing changed). After the restore the audit chain and the bytes check out, and
# the restarted daemon hands out no id, Idempotency-Key or control number it handed out after
# the backup.
# Usage: backup_restore_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
db=var/edigate.db

# The retailer's 850 under interchange, group and set control number N (6 digits).
po_numbered() { sed -e "s/000118830/000$1/g" -e "s/\*118830\*/*$1*/; s/GE\*2\*118830/GE*2*$1/" "$po"; }
upload() {  # upload FILE: 202 expected; sets id
  check "upload $1" 0 curl -sS -o up.json -w '%{http_code}' -H "Authorization: Bearer upload-token" \
    "http://127.0.0.1:$http_port/upload" --data-binary @"$1"
  has "upload $1: 202" out "202"
  id=$(python3 -c 'import json; print(json.load(open("up.json"))["message_id"])')
}

start_daemon
po_numbered 200001 >first.edi
upload first.edi
# Large enough for the spool (byte strings over 64 KiB are files, not rows): not EDI, so the
# message fails, and is kept.
head -c 120000 /dev/urandom | base64 >big.txt
upload big.txt
big_id=$id
wait_for 15 sh -c "[ \$(grep -c '\"path\": \"/documents\"' erp-requests.jsonl 2>/dev/null) -ge 2 ]" && ok ||
  fail "the first order reached the ERP"
wait_for 10 sh -c "'$bin' messages show --db $db $big_id | grep -q failed" && ok ||
  fail "the large upload was processed (failed: not EDI)"

check "backup while the daemon runs" 0 "$bin" store backup --db $db --spool var/spool --to backup
cp out backup.json
python3 - <<'PY' && ok || fail "the backup says what it copied"
import json
b = json.load(open("backup.json"))
assert b["audit_ok"] and b["missing"] == 0 and b["spool_files"] >= 1, b
PY
[ ! -e backup/edigate.db.users ] && ok || fail "the backup has no lock file of its own"
check "the backup's bytes check out" 0 "$bin" store check --db backup/edigate.db \
  --spool backup/spool --verify-bytes
check "the backup's audit chain verifies" 0 "$bin" audit verify --db backup/edigate.db
check "a backup into a directory that is not empty" 2 "$bin" store backup --db $db \
  --spool var/spool --to backup
has "it says so" err "not empty"

# After the backup: an order the backup does not have, delivered (an id, an Idempotency-Key,
# a 997's control numbers handed out).
po_numbered 200002 >second.edi
upload second.edi
after_backup_id=$id
wait_for 15 sh -c "[ \$(grep -c '\"path\": \"/documents\"' erp-requests.jsonl 2>/dev/null) -ge 4 ]" && ok ||
  fail "the second order reached the ERP"
sqlite3 $db "SELECT kind, last FROM control_numbers WHERE kind IN ('interchange','group','transaction') ORDER BY partner, kind" >numbers-before.txt
[ -s numbers-before.txt ] && ok || fail "997s took control numbers"

check "restore while the daemon runs" 2 "$bin" store restore --from backup --db $db --spool var/spool
has "it says to stop the daemon" err "stop the daemon"
check "restore into a directory that is not there" 2 "$bin" store restore --from backup \
  --db nowhere/sub/edigate.db --spool nowhere/spool
has "it names the missing directory" err "no directory nowhere/sub"

# A backup whose spool lacks a file it names, restored where that file is not either: refused,
# nothing written.
cp -r backup broken
find broken/spool -type f | head -1 | xargs rm -f
mkdir -p other/spool
check "restore of a backup missing a spool file" 1 "$bin" store restore --from broken \
  --db other/edigate.db --spool other/spool
has "it names what is missing" err "nothing restored"
[ ! -e other/edigate.db ] && ok || fail "nothing restored to other/"
[ ! -e other/edigate.db.restoring ] && ok || fail "the staged copy is removed when a restore is refused"
check "restore with an id gap past the bound" 2 "$bin" store restore --from backup \
  --db other/edigate.db --spool other/spool --id-gap 9000000000000000000
has "it says the bounds" err "--id-gap must be from 1 to"
# With --accept-missing the operator takes the loss: restored, the file listed and audited,
# and `store check` still reports it.
lost=$(comm -23 <(find backup/spool -type f -printf '%f\n' | sort) \
  <(find broken/spool -type f -printf '%f\n' | sort))
check "restore accepting the missing file" 0 "$bin" store restore --from broken \
  --db other/edigate.db --spool other/spool --accept-missing
has "it says it restores without it" err "restoring without them"
has "it names the file" err "$lost"
python3 -c 'import json,sys; r=json.load(open("out")); assert r["missing"] == 1, r' && ok ||
  fail "the summary counts the missing file"
check "audit export of the store restored without a file" 0 "$bin" audit export --db other/edigate.db
python3 - "$lost" <<'PY' && ok || fail "the file accepted as lost is audited"
import json, sys
entries = [json.loads(l) for l in open("out")]
details = [json.loads(e["details"]) for e in entries if e["action"] == "store.restored"]
assert details and details[-1]["missing_spool_ids"] == [sys.argv[1]], details
assert details[-1]["missing_spool_files"] == 1, details
PY
check "store check reports the lost file" 1 "$bin" store check --db other/edigate.db \
  --spool other/spool

kill "$daemon"
wait "$daemon" 2>/dev/null
# A spool file the backup names, damaged in the live spool (same size, other bytes): the
# restore puts the backup's sound copy in its place.
damaged=$(find backup/spool -type f -name '[0-9a-f]*' | head -1)
live_damaged=var/spool/${damaged#backup/spool/}
[ -f "$live_damaged" ] && ok || fail "the backup's file is in the live spool: $live_damaged"
head -c "$(stat -c %s "$live_damaged")" /dev/zero >"$live_damaged"
chmod 600 $db
# A command with the store open (played by a process holding a share of its users lock): the
# restore refuses; and while a restore runs (played by holding that lock alone), commands
# refuse to open the store.
( exec 9<$db.users && flock -s 9 && exec sleep 30 ) &
holder=$!
wait_for 5 sh -c "! flock -n -x $db.users true" && ok || fail "the share is held"
check "restore while a command has the store open" 2 "$bin" store restore --from backup \
  --db $db --spool var/spool
has "it says another process has the store open" err "has the store $db open"
[ ! -e $db.restoring ] && ok || fail "a refused restore stages nothing"
kill "$holder"
wait "$holder" 2>/dev/null
check "a command during a restore" 2 flock -x $db.users "$bin" messages list --db $db
has "it says a restore is under way" err "is under way"
# What a restore stopped half way leaves: the store refuses to open while it is there.
touch $db.restoring
check "a store with an unfinished restore" 2 "$bin" messages list --db $db
has "it says to run the restore again" err "run \`edigate store restore\` again"
check "restore" 0 "$bin" store restore --from backup --db $db --spool var/spool
cp out restore.json
[ ! -e $db.restoring ] && ok || fail "the staged copy is the store now"
[ "$(stat -c %a $db)" = 600 ] && ok || fail "the restored database has the mode of the one it replaced"
cmp -s "$damaged" "$live_damaged" && ok || fail "the damaged live spool file was replaced"
python3 - <<'PY' && ok || fail "the replaced database was set aside with its name"
import json, os
r = json.load(open("restore.json"))
assert r["set_aside"] and all(os.path.exists(p) for p in r["set_aside"]), r
assert r["set_aside"][0].startswith("var/edigate.db.before-restore-"), r
PY
aside=$(python3 -c 'import json; print(json.load(open("restore.json"))["set_aside"][0])')
[ "$(sqlite3 "$aside" "SELECT count(*) FROM messages WHERE id = $after_backup_id")" = 1 ] && ok ||
  fail "the set-aside store still has the message received after the backup"
[ "$(sqlite3 $db "SELECT count(*) FROM messages WHERE id = $after_backup_id")" = 0 ] && ok ||
  fail "the restored store is the backup's"
check "the restored audit chain verifies" 0 "$bin" audit verify --db $db
check "audit export" 0 "$bin" audit export --db $db
has "the restore is audited" out '"action":"store.restored"'
check "the restored bytes check out" 0 "$bin" store check --db $db --spool var/spool --verify-bytes
# Every counter of the backup moved on by the control gap (1,000,000 by default): past what the
# second order's 997 took.
sqlite3 backup/edigate.db "SELECT kind, last + 1000000 FROM control_numbers WHERE kind IN ('interchange','group','transaction') ORDER BY partner, kind" >numbers-expected.txt
sqlite3 $db "SELECT kind, last FROM control_numbers WHERE kind IN ('interchange','group','transaction') ORDER BY partner, kind" >numbers-after.txt
cmp -s numbers-expected.txt numbers-after.txt && ok || fail "control numbers moved by the gap"

start_daemon
po_numbered 200003 >third.edi
upload third.edi
[ "$id" -gt 1000000000 ] && ok || fail "a message id past the gap: $id"
wait_for 15 sh -c "[ \$(grep -c '\"path\": \"/documents\"' erp-requests.jsonl 2>/dev/null) -ge 6 ]" && ok ||
  fail "the third order reached the ERP"
python3 - <<'PY' && ok || fail "no Idempotency-Key handed out twice"
import json
keys = [json.loads(l)["key"] for l in open("erp-requests.jsonl") if '"/documents"' in l]
# Two transaction sets in each order: documents 1-2, 3-4 (after the backup), then past the gap.
assert len(keys) == 6 and len(set(keys)) == 6, keys
assert max(int(k.rsplit("-", 1)[1]) for k in keys) == 1000000004, keys
PY
check "audit still verifies after new work" 0 "$bin" audit verify --db $db

# A backup of a store with a damaged spool file: made, the file listed, exit 1.
head -c "$(stat -c %s "$live_damaged")" /dev/zero >"$live_damaged"
check "backup with a damaged spool file" 1 "$bin" store backup --db $db --spool var/spool \
  --to backup2
has "it names the damaged file" err "damaged: spool file $(basename "$live_damaged")"
has "the summary counts it" out '"damaged":1'
has "once: as damaged, not as missing too" out '"missing":0'

# A restore through a symbolic link to the database file replaces the file, not the link.
kill -TERM "$daemon"
wait "$daemon" 2>/dev/null
mkdir -p linked && ln -s "$PWD/$db" linked/edigate.db
check "restore through a link to the store" 0 "$bin" store restore --from backup \
  --db linked/edigate.db --spool var/spool
[ -L linked/edigate.db ] && [ -f $db ] && [ ! -L $db ] && ok ||
  fail "the link stays a link and the file it names is the restored store"
check "the store through the link verifies" 0 "$bin" audit verify --db linked/edigate.db

echo "backup_restore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
