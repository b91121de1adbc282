#!/usr/bin/env bash
# Retention on a large store: builds a store of MESSAGES (default 50,000) ended messages with
# SQL (each with a document, two done jobs, a delivery, an MDN, and four 1 KiB byte strings:
# payload, request as received, canonical JSON, MDN), 90% of them 100 days old, then times
# `edigate messages purge --older-than-days 30` in batches of BATCH (default 500, the daemon's).
# Baseline, measured on the same file: one read of the six columns that name byte strings,
# which each batch pays to keep the bytes other rows still name (docs/store.md, "Retention").
# Usage: purge_bench.sh EDIGATE [MESSAGES] [BATCH]   (prints figures; never pass/fail on time)
set -euo pipefail
bin=$(realpath "$1")
messages=${2:-50000}
batch=${3:-500}
command -v sqlite3 >/dev/null || { echo "sqlite3 shell missing (Debian package sqlite3)"; exit 2; }
tmp=$(mktemp -d)
# KEEP_TMP=1 keeps the store (to look into it), with the purge not run.
if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT; fi
cd "$tmp"
printf 'ISA*schema~' >first.edi
"$bin" messages add --db store.db --spool spool --partner seed first.edi >/dev/null

now_ms=$(($(date +%s) * 1000))
old_ms=$((now_ms - 100 * 86400000))
recent_from=$((messages * 9 / 10))
sqlite3 store.db >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
DELETE FROM jobs; DELETE FROM messages; DELETE FROM blobs;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO blobs (id, bytes)
  SELECT printf('%063da', i), zeroblob(1024) FROM n UNION ALL
  SELECT printf('%063db', i), zeroblob(1024) FROM n UNION ALL
  SELECT printf('%063dc', i), zeroblob(1024) FROM n UNION ALL
  SELECT printf('%063dd', i), zeroblob(1024) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO messages (id, direction, transport, partner, as2_message_id, filename, payload_id,
                      raw_id, size, content_type, status, created_at, updated_at)
  SELECT i, 'in', 'as2', 'partner', '<' || i || '@partner>', '', printf('%063da', i),
         printf('%063db', i), 1024, 'application/edi-x12', 'processed',
         CASE WHEN i > $recent_from THEN $now_ms ELSE $old_ms + i END, $old_ms FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO documents (id, message_id, set_index, type, status, canonical_id, created_at,
                       updated_at)
  SELECT i, i, 0, 'purchase_order', 'delivered', printf('%063dc', i), $old_ms, $old_ms FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO jobs (kind, message_id, document_id, state, attempts, run_at)
  SELECT 'process', i, NULL, 'done', 1, $old_ms FROM n UNION ALL
  SELECT 'deliver:files', i, i, 'done', 1, $old_ms FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO deliveries (document_id, connector, attempt, outcome, at)
  SELECT i, 'files', 1, 'delivered', $old_ms FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO mdns (message_id, spool_id, disposition, signed, created_at)
  SELECT i, printf('%063dd', i), 'processed', 1, $old_ms FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
size_mb=$(($(stat -c %s store.db) / 1048576))
[ -n "${KEEP_TMP:-}" ] && exit 0

ms() { date +%s%3N; }
t0=$(ms)
for _ in 1 2 3; do
  sqlite3 store.db "SELECT count(*) FROM (SELECT payload_id FROM messages UNION ALL SELECT raw_id
    FROM messages UNION ALL SELECT spool_id FROM mdns UNION ALL SELECT spool_id FROM acks
    UNION ALL SELECT mdn_spool_id FROM as2_sent UNION ALL SELECT canonical_id FROM documents)" >/dev/null
done
scan_ms=$((($(ms) - t0) / 3))

t0=$(ms)
"$bin" messages purge --db store.db --spool spool --older-than-days 30 --dry-run >dry.json
dry_ms=$(($(ms) - t0))
t0=$(ms)
"$bin" messages purge --db store.db --spool spool --older-than-days 30 --batch "$batch" >purge.json
purge_ms=$(($(ms) - t0))
purged=$(python3 -c 'import json; print(json.load(open("purge.json"))["messages"])')
left=$(sqlite3 store.db "SELECT count(*) FROM messages")
blobs_left=$(sqlite3 store.db "SELECT count(*) FROM blobs")
batches=$(((purged + batch - 1) / batch))
"$bin" audit verify --db store.db >/dev/null
# What must hold whatever the timing: the old ones gone (but the newest, which keeps the ids),
# the recent ones and their byte strings kept.
expected_left=$((messages - recent_from))
[ "$purged" -eq "$recent_from" ] && [ "$left" -eq "$expected_left" ] &&
  [ "$blobs_left" -eq $((expected_left * 4)) ] ||
  { echo "purge_bench: purged $purged, left $left messages and $blobs_left byte strings"; exit 1; }

echo "purge_bench: store of $messages ended messages (${size_mb} MB), $purged older than the cutoff, batches of $batch"
echo "dry run (counted in a read transaction): ${dry_ms} ms"
python3 - "$purged" "$purge_ms" "$batches" "$scan_ms" "$left" "$blobs_left" <<'PY'
import sys
purged, purge_ms, batches, scan_ms, left, blobs_left = map(int, sys.argv[1:])
# The CLI pauses after each batch as long as the batch took: half of the time is pauses.
per_batch = purge_ms / 2 / max(batches, 1)
print(f"purge: {purged} messages in {purge_ms} ms with the pauses ({purged * 1000 / max(purge_ms, 1):.0f} messages/s), "
      f"{batches} batches, ~{per_batch:.0f} ms each holding the store; {left} messages and {blobs_left} byte strings left")
print(f"baseline: one read of the six blob-naming columns: {scan_ms} ms; "
      f"batch / scan ratio {per_batch / max(scan_ms, 1):.2f}")
PY
