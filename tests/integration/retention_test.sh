#!/usr/bin/env bash
# Retention: with <store retain-days="2"> the daemon purges, soon after it starts, the messages
# received more than two days ago whose work has ended (their rows, their bytes in the database
# and their spool files), audits it, counts it, and keeps recent messages and old ones that still
# have work waiting. A retain-days of 0 is refused by `config check` at its line. Also: a job
# whose stored payload no longer matches its id is dead with that reason at once (waiting will
# not mend it), not retried every few seconds for ever.
# Usage: retention_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell missing (Debian package sqlite3)"; exit 2; }

sed -i 's|<store database="var/edigate.db" spool="var/spool"/>|<store database="var/edigate.db" spool="var/spool" retain-days="0"/>|' edigate.xml
check "retain-days 0 refused" 1 "$bin" config check --config edigate.xml
has "refusal names the attribute" err "retain-days"
has "refusal names the line" err "edigate.xml:9"
sed -i 's|retain-days="0"|retain-days="2"|' edigate.xml
check "retain-days 2 accepted" 0 "$bin" config check --config edigate.xml

# The store as a daemon would have left it: messages added, their work done, three days old.
add() {  # add NAME FILE
  "$bin" messages add --db var/edigate.db --spool var/spool --partner retailer "$2" >"$1.id" 2>&1 ||
    fail "add $1: $(cat "$1.id")"
}
printf 'ISA*old done~' >old.edi
head -c 100000 /dev/urandom >old-large.bin
printf 'ISA*old waiting~' >waiting.edi
printf 'ISA*recent~' >recent.edi
add old old.edi
add large old-large.bin
add waiting waiting.edi
add recent recent.edi
printf 'ISA*to be corrupted~' >corrupt.edi
add corrupt corrupt.edi
old=$(cat old.id) large=$(cat large.id) waiting=$(cat waiting.id) recent=$(cat recent.id)
corrupt=$(cat corrupt.id)
corrupt_sha=$(sha256sum corrupt.edi | cut -d' ' -f1)
large_sha=$(sha256sum old-large.bin | cut -d' ' -f1)
old_sha=$(sha256sum old.edi | cut -d' ' -f1)
check "age the store" 0 sqlite3 var/edigate.db "
  UPDATE messages SET created_at = created_at - 3 * 86400000 WHERE id IN ($old, $large, $waiting);
  UPDATE jobs SET state = 'done' WHERE message_id IN ($old, $large, $recent);
  UPDATE jobs SET run_at = run_at + 86400000 WHERE message_id = $waiting;"
find var/spool -type f -exec touch -d '2 hours ago' {} +
check "corrupt a payload" 0 sqlite3 var/edigate.db "UPDATE blobs SET bytes = CAST('changed' AS BLOB) WHERE id = '$corrupt_sha'"

start_daemon
count() { sqlite3 var/edigate.db "SELECT count(*) FROM messages WHERE id IN ($1)"; }
purged() { [ "$(count "$old, $large")" = 0 ]; }
wait_for 30 purged && ok || fail "old messages not purged: $(count "$old, $large") left"
[ "$(count "$waiting, $recent")" = 2 ] && ok || fail "a recent or waiting message was purged"
[ ! -e "var/spool/${large_sha:0:2}/$large_sha" ] && ok || fail "the large payload's spool file stayed"
[ "$(sqlite3 var/edigate.db "SELECT count(*) FROM blobs WHERE id = '$old_sha'")" = 0 ] && ok ||
  fail "the small payload stayed"
has "logged" daemon.log "retention: purged 2 message(s) older than 2 day(s), 1 spool file(s)"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "counted" metrics.txt "edigate_store_purged_messages_total 2"
check "audit export" 0 "$bin" audit export --db var/edigate.db
has "audited" out '"action":"store.purged","actor":"retention"'
check "audit verifies" 0 "$bin" audit verify --db var/edigate.db

job_state() { sqlite3 var/edigate.db "SELECT state || ' ' || attempts || ' ' || last_error FROM jobs WHERE message_id = $corrupt"; }
wait_for 10 sh -c "sqlite3 var/edigate.db \"SELECT state FROM jobs WHERE message_id = $corrupt\" | grep -q dead" && ok ||
  fail "the corrupt payload's job is not dead: $(job_state)"
job_state >corrupt-job.txt
has "dead after one attempt, with the reason" corrupt-job.txt "^dead 1 blob $corrupt_sha does not match its id"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "counted dead" metrics.txt 'edigate_queue_dead{kind="process"} 1'

echo "retention: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
