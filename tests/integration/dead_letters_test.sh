#!/usr/bin/env bash
# Dead letters after the ERP failed for a while (503 until the attempts ran out, then 401: its
# token rotated): listed by `messages dead` and GET /api/jobs?state=dead, put back to work one
# by one from the CLI or all of a connector's from the API, each with a full set of attempts
# again (a 503 after the revival is retried, not dead at once), then delivered; audited as
# job.retry.
# Usage: dead_letters_test.sh EDIGATE SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
# shellcheck source=gateway_env.sh
. "$src/tests/integration/gateway_env.sh"
po="$src/tests/fixtures/edi/canonical/partners/retailer/850-4010-retailer.edi"
db() { sqlite3 -cmd ".timeout 5000" var/edigate.db "$@"; }
api="http://127.0.0.1:$admin_port/api"
admin() { curl -s -H 'Authorization: Bearer admin-token' "$@"; }

# Two attempts; the ERP connector's breaker holds 120 s once open (far longer than the default's
# 30 s plus its spread, so the holds checked below show the setting reached the daemon).
sed -i 's|max-attempts="5"|max-attempts="2" breaker-cool-down="120"|' edigate.xml
# The file connector's threshold, not the default: /health shows it reached the daemon.
sed -i 's|<file name="files" dir="erp"/>|<file name="files" dir="erp" breaker-failures="9"/>|' edigate.xml
# Due more than 60 s from now (the default cool-down is at most 37.5 s; sqlite3 3.40 has no
# millisecond clock), and a delivery the ERP connector's open breaker holds so.
due_after_a_minute="run_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 60000"
held_by_erp_breaker="kind = 'deliver:erp' AND state = 'ready' AND last_error = 'circuit open' AND $due_after_a_minute"
for n in 1 2 3 4 5 6; do
  sed -e "s/000118830/00011883$n/g" -e "s/\*118830\*/*11883$n*/; s/GE\*2\*118830/GE*2*11883$n/" "$po" >"po$n.edi"
done
upload() { check "upload order $1" 0 curl -sf -H "Authorization: Bearer upload-token" --data-binary @"po$1.edi" \
  "http://127.0.0.1:$http_port/upload"; }
dead_count() { "$bin" messages dead --db var/edigate.db --kind deliver:erp --json | wc -l; }
wait_dead() {  # wait_dead N: until N deliveries to the ERP are dead letters
  wait_for 20 sh -c "[ \$('$bin' messages dead --db var/edigate.db --kind deliver:erp --json | wc -l) -eq $1 ]" && ok ||
    { fail "$1 deliveries to the ERP dead, not $(dead_count)"; tail -5 daemon.log; }
}
start_daemon

# The ERP fails (503) until the deliveries of an order (two sets) have used their two attempts.
echo 503 >erp-answer
upload 1
wait_dead 2
"$bin" messages dead --db var/edigate.db >dead.txt
has "the table names kind, and whether it can be revived" dead.txt "deliver:erp.*yes.*503"
[ "$(db "SELECT count(*) FROM documents WHERE status = 'dead_letter'")" = 2 ] && ok || fail "their documents are dead_letter"

# One back from the CLI while the ERP still answers 503: tried, and waiting to be tried again
# rather than dead at once (the attempts before its dead letter are not counted again).
first=$(db "SELECT id FROM jobs WHERE kind = 'deliver:erp' AND state = 'dead' ORDER BY id LIMIT 1")
doc=$(db "SELECT document_id FROM jobs WHERE id = $first")
check "retry-dead one job" 0 "$bin" messages retry-dead --db var/edigate.db "$first"
has "names it" out "\"jobs\":\[$first\]"
wait_for 15 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM deliveries WHERE document_id = $doc AND connector = 'erp'\") -ge 3 ]" &&
  ok || fail "the revived job was tried"
[ "$(db "SELECT status FROM documents WHERE id = $doc")" = mapped ] && ok || fail "its document left dead_letter"
[ "$(db "SELECT state FROM jobs WHERE id = $first")" != dead ] && ok ||
  fail "a failure after the revival is retried (a full set of attempts), not dead at once"
# Five failures in a row have opened the ERP connector's circuit breaker, which holds the job
# (not an attempt) until its 120 s cool-down ends. A restart (or a reload) builds the connector
# afresh, its breaker closed, and the jobs the old one held are due at once, not 120 s later.
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM jobs WHERE id = $first AND $held_by_erp_breaker\") -eq 1 ]" &&
  ok || fail "the revived job held by the open circuit breaker: $(db "SELECT state, last_error FROM jobs WHERE id = $first")"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "the metrics say the ERP's circuit is open" metrics.txt '^edigate_connector_circuit_open{connector="erp"} 1$'
has "and the file connector's closed" metrics.txt '^edigate_connector_circuit_open{connector="files"} 0$'
curl -s "http://127.0.0.1:$admin_port/health" >health.json
python3 -c "
import json; c = json.load(open('health.json'))['connectors']
assert c['erp']['circuit'] == 'open' and 60 < c['erp']['retry_in_seconds'] <= 120, c
assert c['erp']['failure_threshold'] == 5, c
assert c['files'] == {'circuit': 'closed', 'failures': 0, 'failure_threshold': 9}, c" && ok ||
  fail "/health names the ERP's open circuit and each threshold: $(cat health.json)"
admin "$api/partners" >partners.json
python3 -c "
import json; p = {x['id']: x for x in json.load(open('partners.json'))}['retailer']
erp = [r for r in p['routes'] if r['connector'] == 'erp']
assert erp and all(r['circuit']['circuit'] == 'open' for r in erp), p['routes']
files = [r for r in p['routes'] if r['connector'] == 'files']
assert all(r['circuit']['circuit'] == 'closed' for r in files), p['routes']" && ok ||
  fail "the partner view shows its routes to the ERP held by the open circuit: $(cat partners.json)"
kill -TERM "$daemon"
wait "$daemon"
rm -f erp-answer
start_daemon
wait_for 15 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT status FROM documents WHERE id = $doc\")\" = delivered ]" &&
  ok || fail "then delivered once the ERP takes it"
curl -s "http://127.0.0.1:$admin_port/metrics" >metrics.txt
has "the ERP's circuit closed" metrics.txt '^edigate_connector_circuit_open{connector="erp"} 0$'
curl -s "http://127.0.0.1:$admin_port/health" >health.json
has "and /health says so" health.json '"erp":{"circuit":"closed","failure_threshold":5,"failures":0}'

# The ERP refuses (401: its token rotated): dead at once. The API lists them.
echo 401 >erp-answer
upload 2
upload 3
wait_dead 5
admin "$api/jobs?state=dead&kind=deliver:erp" >listed.json
python3 -c "
import json; jobs = json.load(open('listed.json'))
assert len(jobs) == 5 and all(j['revivable'] and j['state'] == 'dead' for j in jobs), jobs" && ok ||
  fail "the API lists them"
check "a list without state=dead" 0 curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer admin-token' "$api/jobs"
has "is a 400" out "400"
rm -f erp-answer

# The rest from the API, in one request.
check "retry the connector's dead deliveries" 0 curl -s -o retried.json -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "$api/jobs/retry?kind=deliver:erp"
has "202" out "202"
python3 -c "import json; assert len(json.load(open('retried.json'))['jobs']) == 5" && ok || fail "five revived"
wait_for 20 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM documents WHERE status = 'delivered'\") -eq 6 ]" &&
  ok || fail "every document delivered to the ERP"
[ "$(dead_count)" -eq 0 ] && ok || fail "no dead letter left"
check "retry of a job that is done" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "$api/jobs/$first/retry"
has "is a 409" out "409"
check "retry of a job that does not exist" 0 curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "$api/jobs/999999/retry"
has "is a 404" out "404"
check "retry-dead with nothing named" 2 "$bin" messages retry-dead --db var/edigate.db

# A resend that died too, revived by `retry-dead --all` together with the deliveries it was to
# replace: each document reaches the ERP once, under one key; the other job ends audited as
# delivery.superseded.
echo 401 >erp-answer
upload 4
order4=$(sed -n 's/.*"message_id":\([0-9]*\).*/\1/p' out)
wait_dead 2
check "resend order 4" 0 "$bin" messages resend --db var/edigate.db --connector erp "$order4"
wait_for 20 sh -c "[ \$('$bin' messages dead --db var/edigate.db --kind redeliver:erp --json | wc -l) -eq 2 ]" && ok ||
  { fail "the resend of order 4 dead too"; tail -5 daemon.log; }
rm -f erp-answer
check "retry-dead --all" 0 "$bin" messages retry-dead --db var/edigate.db --all
ended="SELECT count(*) FROM jobs WHERE message_id = $order4 AND kind LIKE '%deliver:erp' AND state = 'done'"
wait_for 20 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"$ended\") -eq 4 ]" && ok ||
  fail "the four revived jobs of order 4 ended"
[ "$(db "SELECT count(*) FROM deliveries d JOIN documents x ON x.id = d.document_id
        WHERE x.message_id = $order4 AND d.connector = 'erp' AND d.outcome = 'delivered'")" = 2 ] && ok ||
  fail "each document of order 4 delivered to the ERP once, not $(db "SELECT count(*) FROM deliveries d JOIN documents x ON x.id = d.document_id WHERE x.message_id = $order4 AND d.connector = 'erp' AND d.outcome = 'delivered'") times"
# ...and its documents say so, whichever of the two jobs ended last (the superseded one too).
[ "$(db "SELECT count(*) FROM documents WHERE message_id = $order4 AND status = 'delivered'")" = 2 ] && ok ||
  fail "order 4's documents delivered: $(db "SELECT group_concat(status) FROM documents WHERE message_id = $order4")"

# The same after a reload (SIGHUP) rather than a restart: two orders (four deliveries of two
# attempts) against an ERP answering 503 open the breaker again, and the deliveries it then
# holds are due as soon as the reload has put a closed one in its place.
echo 503 >erp-answer
upload 5
upload 6
held="SELECT id FROM jobs WHERE $held_by_erp_breaker"
wait_for 20 sh -c "[ -n \"\$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"$held\")\" ]" && ok ||
  { fail "the breaker open again holds deliveries"; tail -5 daemon.log; }
held_ids=$(db "$held" | paste -sd, -)
# A resend of a message one of them belongs to waits for that delivery (its due time, 120 s
# away, plus 2 s) without an attempt; the reload releases it too.
held_message=$(db "SELECT message_id FROM jobs WHERE id IN ($held_ids) LIMIT 1")
check "resend a message whose delivery is held" 0 "$bin" messages resend --db var/edigate.db --connector erp "$held_message"
waiting="SELECT count(*) FROM jobs WHERE message_id = $held_message AND kind = 'redeliver:erp' AND state = 'ready'
         AND last_error = 'waiting for the document''s delivery to this connector to end'
         AND $due_after_a_minute"
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"$waiting\") -ge 1 ]" && ok ||
  fail "the resend waits for the held delivery: $(db "SELECT id, state, last_error, run_at FROM jobs WHERE message_id = $held_message AND kind = 'redeliver:erp'")"
rm -f erp-answer
kill -HUP "$daemon"
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM jobs WHERE id IN ($held_ids) AND state <> 'done'\") -eq 0 ]" &&
  ok || fail "the deliveries held ($held_ids) done after the reload: $(db "SELECT id, state, last_error FROM jobs WHERE id IN ($held_ids)")"
wait_for 10 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' var/edigate.db \"SELECT count(*) FROM jobs WHERE message_id = $held_message AND kind = 'redeliver:erp' AND state <> 'done'\") -eq 0 ]" &&
  ok || fail "the resend done after the reload: $(db "SELECT id, state, last_error FROM jobs WHERE message_id = $held_message AND kind = 'redeliver:erp'")"

# A resend to a misspelt connector (the CLI without --config cannot know the names) dies "no
# connector"; the API does not offer it for revival, nor revive it: it would only die again.
check "resend to a misspelt connector" 0 "$bin" messages resend --db var/edigate.db --connector erpp "$order4"
wait_for 20 sh -c "[ \$('$bin' messages dead --db var/edigate.db --kind redeliver:erpp --json | wc -l) -ge 1 ]" && ok ||
  { fail "the misspelt resend is a dead letter"; tail -5 daemon.log; }
admin "$api/jobs?state=dead&kind=redeliver:erpp" >misspelt.json
python3 -c "
import json; jobs = json.load(open('misspelt.json'))
assert jobs and all(not j['revivable'] and 'no connector' in j['not_now'] for j in jobs), jobs" && ok ||
  fail "the API says it would die again: $(cat misspelt.json)"
misspelt=$(python3 -c "import json; print(json.load(open('misspelt.json'))[0]['id'])")
check "retry of the misspelt resend" 0 curl -s -o retry-misspelt.json -w '%{http_code}' -X POST \
  -H 'Authorization: Bearer admin-token' "$api/jobs/$misspelt/retry"
has "is a 409" out "409"
has "saying why" retry-misspelt.json "no connector 'erpp' in the running configuration"

kill -TERM "$daemon"
wait "$daemon"
"$bin" audit export --db var/edigate.db | grep '"action":"job.retry"' >retries.txt
[ "$(wc -l <retries.txt)" = 3 ] && ok || fail "three job.retry entries, not $(wc -l <retries.txt)"
grep -q '"actor":"cli"' retries.txt && grep -q '"actor":"admin:test"' retries.txt && ok ||
  fail "by the CLI and by the admin token"
[ "$("$bin" audit export --db var/edigate.db | grep -c '"action":"delivery.superseded"')" = 2 ] && ok ||
  fail "the two superseded jobs audited"
"$bin" audit verify --db var/edigate.db >/dev/null && ok || fail "the audit chain verifies"
echo "dead_letters: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
