#!/usr/bin/env bash
# The edigate SFTP server driven by OpenSSH's sftp client (batch mode) and a hostile paramiko
# client: normal exchange, path escapes, symlinks, bad names, limits, killed uploads, forged auth.
# Usage: sftp_server_test.sh EDIGATE
set -uo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
client="/usr/bin/python3 $here/sftp_client.py"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local status=$?
  if [ "$status" -eq "$expected" ]; then pass; else
    fail "$name: exit $status, expected $expected"
    tail -5 "$tmp/out"
  fi
}
logged() {  # logged NAME PATTERN [LOG]: the server logged it
  if grep -q -- "$2" "${3:-$tmp/server.log}"; then pass; else fail "$1: server log lacks '$2'"; fi
}
absent() {  # absent NAME PATH
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then pass; else fail "$1: $2 exists"; fi
}

cd "$tmp" || exit 1
for p in acme beta oldpeer gamma; do
  mkdir -p "jails/$p/inbox" "jails/$p/outbox"
  ssh-keygen -q -t ed25519 -N '' -C "$p" -f "$p.key"
done
echo "secret of beta" >jails/beta/outbox/beta-only.edi
echo "ISA*00*ack" >jails/acme/outbox/ack-1.edi
head -c 300000 /dev/urandom >jails/oldpeer/outbox/big.edi
ln -s /etc/passwd jails/acme/outbox/planted-link.edi
ln -s ../../beta/outbox/beta-only.edi jails/acme/outbox/relative-link.edi
mkdir -p jails/mallory && ln -s /etc jails/mallory/outbox && mkdir jails/mallory/inbox
ssh-keygen -q -t ed25519 -N '' -f mallory.key

partner() { echo "<partner id=\"$1\" jail=\"jails/$1\" ${2:-}><key>$(cat "$1.key.pub")</key></partner>"; }
# carrier logs in with a password only: its profile holds the scrypt hash, never the password.
mkdir -p jails/carrier/inbox jails/carrier/outbox
printf 'Carrier pass 1\n' >carrier.password
carrier_hash=$("$bin" config hash-password <carrier.password)
check "hash-password makes a self-describing scrypt hash" 0 \
  sh -c "echo '$carrier_hash' | grep -Eq '^[\$]scrypt[\$]ln=15,r=8,p=1[\$][A-Za-z0-9+/]{22}[\$][A-Za-z0-9+/]{43}$'"
check "hash-password does not print the password" 1 sh -c "echo '$carrier_hash' | grep -q 'Carrier'"
check "hash-password with nothing on stdin fails" 1 "$bin" config hash-password </dev/null
cat >server.xml <<XML
<sftp listen="127.0.0.1" port="0" host_keys="host_keys" journal="journal.log" ready_file="port">
  <limits max_open_handles="4" max_sessions_per_partner="2" idle_seconds="3" max_read_bytes="65536"
          max_upload_bytes="1000000" max_auth_attempts="3"/>
  $(partner acme) $(partner beta 'temporary_suffixes=""') $(partner mallory) $(partner oldpeer 'legacy_algorithms="true"')
  <partner id="carrier" jail="jails/carrier"><password_hash>$carrier_hash</password_hash></partner>
</sftp>
XML

"$bin" sftp serve --config server.xml >"$tmp/server.log" 2>&1 &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 300); do [ -s port ] && break; sleep 0.1; done  # RSA host key generation
port=$(cat port)
[ -n "$port" ] || { echo "server did not start"; cat "$tmp/server.log"; exit 1; }

check "host keys are created 0600" 0 sh -c \
  '[ "$(stat -c %a host_keys/ssh_host_ed25519_key)" = 600 ] && [ "$(stat -c %a host_keys/ssh_host_rsa_key)" = 600 ]'

sftp_as() {  # sftp_as USER BATCHFILE [ssh options...]
  local user=$1 batch=$2
  shift 2
  timeout 30 sftp -b "$batch" -i "${key:-$user.key}" -P "$port" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes "$@" "$user@127.0.0.1"
}

one() { echo "$2" >"$1.batch"; }  # one NAME COMMAND: a batch file of one command

# --- the normal exchange ------------------------------------------------------------------
printf 'ISA*00*          *00*          *ZZ*ACME\n' >order.edi
cat >normal.batch <<'B'
ls
put order.edi inbox/order-1.edi
ls -l inbox
get outbox/ack-1.edi got-ack.edi
rm outbox/ack-1.edi
B
check "upload, list, download, delete" 0 sftp_as acme normal.batch
check "upload kept its name" 0 cmp order.edi jails/acme/inbox/order-1.edi
check "download from outbox" 0 grep -q "ISA\*00\*ack" got-ack.edi
absent "delete from outbox" jails/acme/outbox/ack-1.edi
check "ingestion recorded durably" 0 grep -q "event=ingested partner=\"acme\" file=\"order-1.edi\" size=$(stat -c %s order.edi)" journal.log
check "no temporary file left" 1 sh -c 'ls -A jails/acme/inbox | grep -q edigate-upload'
echo "put order.edi inbox/order-1.edi" >again.batch
check "an upload waiting in inbox is not overwritten" 1 sftp_as acme again.batch
logged "overwrite refused" "a file of that name is waiting in inbox/"

# --- uploads renamed into place, attributes set after an upload -----------------------------
# A client's own temporary name (WinSCP's NAME.filepart): held at the close, taken at the rename.
head -c 150000 /dev/urandom >large.edi
cat >rename.batch <<'B'
put large.edi inbox/large-1.edi.filepart
rename inbox/large-1.edi.filepart inbox/large-1.edi
chmod 640 inbox/large-1.edi
B
check "upload as .filepart, rename, chmod (OpenSSH sftp)" 0 sftp_as acme rename.batch
check "the renamed upload is in place" 0 cmp large.edi jails/acme/inbox/large-1.edi
check "journaled under its final name" 0 grep -q 'event=ingested partner="acme" file="large-1.edi" size=150000' journal.log
check "never under its temporary name" 1 grep -q 'large-1.edi.filepart' journal.log
logged "the hold logged" "upload held file=large-1.edi.filepart bytes=150000 until it is renamed"
logged "the rename logged" "held upload file=large-1.edi.filepart renamed to large-1.edi"
logged "attributes acknowledged, not kept" "attributes set on upload file=large-1.edi not kept"
one never-renamed "put order.edi inbox/never.edi.filepart"
check "a held upload's close is answered" 0 sftp_as acme never-renamed.batch
for _ in $(seq 50); do grep -q 'file="never.edi.filepart"' journal.log && break; sleep 0.1; done
check "never renamed: recorded as partial when the session ends" 0 grep -q \
  'event=partial partner="acme" file="never.edi.filepart" bytes=[0-9]* reason="closed under a temporary name and never renamed' journal.log
check "never renamed: nothing left in the inbox" 1 sh -c 'ls -A jails/acme/inbox | grep -q -e never -e edigate-upload'
one put-p "put -p order.edi inbox/timed.edi"
check "put -p (FSETSTAT of the times on the open upload)" 0 sftp_as acme put-p.batch
cp "$tmp/out" put-p.out  # (OpenSSH warns of a refused FSETSTAT and goes on: exit 0 either way)
check "put -p without a warning" 1 grep -q -i "fsetstat" put-p.out
logged "put -p's times acknowledged, not kept" "attributes set on upload file=timed.edi not kept"
check "the WinSCP sequence (small and .filepart uploads, SETSTAT after each)" 0 \
  $client "$port" oldpeer oldpeer.key winscp-sequence large.edi
check "WinSCP's large upload journaled once, under its name" 0 sh -c \
  "[ \$(grep -c 'event=ingested partner=\"oldpeer\" file=\"winscp-large.edi\" size=150000' journal.log) = 1 ]"
check "WinSCP's small upload journaled" 0 grep -q 'event=ingested partner="oldpeer" file="winscp-small.edi" size=500' journal.log
printf 'ISA*00*earlier' >jails/oldpeer/inbox/earlier.edi  # not an upload of the next session
check "size, owner, others' files and other renames refused" 0 $client "$port" oldpeer oldpeer.key attributes-refused
check "held uploads count against max_open_handles (4)" 0 $client "$port" oldpeer oldpeer.key held-handles 4
check "a second upload of a held name replaces the first" 0 grep -q \
  'event=partial partner="oldpeer" file="twice.edi.filepart" bytes=5 reason="replaced by a new upload of the same name"' journal.log
printf 'ISA*00*waiting' >jails/oldpeer/inbox/waiting-here.edi
check "a rename onto a waiting file keeps the upload held" 0 $client "$port" oldpeer oldpeer.key rename-onto-waiting
check "... then renamed to a free name, it is taken" 0 grep -q 'event=ingested partner="oldpeer" file="free.edi" size=7' journal.log
rm jails/oldpeer/inbox/*.edi  # the inbox as the later checks expect it
one own-rename "rename inbox/order-1.edi inbox/moved.edi"
check "a finished upload is not renamed" 1 sftp_as acme own-rename.batch
logged "... and why" "only an upload closed under a temporary name can be renamed"
# edigate's own push (libcurl; .NAME.part then rename, by default) into edigate's server.
ssh-keygen -y -f host_keys/ssh_host_ed25519_key >host_ed25519.pub
check "edigate sftp push into edigate's server, renamed into place" 0 "$bin" sftp push order.edi \
  --host 127.0.0.1 --port "$port" --user oldpeer --key oldpeer.key --remote-dir /inbox --as pushed.edi \
  --host-key-sha256 "$(ssh-keygen -l -E sha256 -f host_ed25519.pub | awk '{print $2}')" --attempts 1
check "the pushed file journaled under its name" 0 grep -q 'event=ingested partner="oldpeer" file="pushed.edi"' journal.log
rm jails/oldpeer/inbox/pushed.edi
one no-suffixes "put order.edi inbox/plain.edi.filepart"
check "a partner without temporary suffixes: .filepart is a name like any other" 0 sftp_as beta no-suffixes.batch
check "... taken at its close" 0 grep -q 'event=ingested partner="beta" file="plain.edi.filepart"' journal.log

# --- escapes ------------------------------------------------------------------------------
one dotdot-get "get ../beta/outbox/beta-only.edi stolen1"
check "../ download refused" 1 sftp_as acme dotdot-get.batch
one dotdot-inbox "get inbox/../../beta/outbox/beta-only.edi stolen2"
check "inbox/../../ refused" 1 sftp_as acme dotdot-inbox.batch
one dotdot-put "put order.edi ../escaped.edi"
check "../ upload refused" 1 sftp_as acme dotdot-put.batch
absent "nothing written above the jail" jails/acme/escaped.edi
logged "traversal logged" "path refused ('..' in path)"
one absolute "get /etc/passwd stolen3"
check "absolute path outside the jail refused" 1 sftp_as acme absolute.batch
one absolute-other "get /jails/beta/outbox/beta-only.edi stolen4"
check "absolute path to another jail refused" 1 sftp_as acme absolute-other.batch
logged "absolute path logged" "outside inbox/ and outbox/"
one upload-outbox "put order.edi outbox/x.edi"
check "upload into outbox refused" 1 sftp_as acme upload-outbox.batch
one delete-inbox "rm inbox/order-1.edi"
check "delete in inbox refused" 1 sftp_as acme delete-inbox.batch
one mkdir "mkdir inbox/sub"
check "mkdir refused" 1 sftp_as acme mkdir.batch
one planted "get outbox/planted-link.edi stolen5"
check "planted absolute symlink refused" 1 sftp_as acme planted.batch
one planted-rel "get outbox/relative-link.edi stolen6"
check "planted relative symlink to another jail refused" 1 sftp_as acme planted-rel.batch
logged "symlink logged" "symlink refused"
one mallory "ls outbox"
check "symlinked area directory refused" 1 sftp_as mallory mallory.batch
for f in stolen1 stolen2 stolen3 stolen4 stolen5 stolen6; do absent "nothing stolen ($f)" "$f"; done
key=beta.key check "another partner's key is not acme's" 255 sftp_as acme normal.batch
check "beta's key for user acme refused (paramiko)" 0 $client "$port" acme beta.key login-refused
logged "failed authentication logged" "authentication failed for user 'acme'"

# --- password authentication (only carrier's profile enables it) ---------------------------
# OpenSSH reads the password from SSH_ASKPASS (forced, no terminal needed); BatchMode=no must
# come before -b, which otherwise turns BatchMode on and with it every password prompt off.
printf '#!/bin/sh\ncat "$PASSWORD_FILE"\n' >askpass && chmod +x askpass
sftp_pw() {  # sftp_pw USER PASSWORD BATCHFILE
  printf '%s\n' "$2" >pw.txt
  PASSWORD_FILE=$tmp/pw.txt SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    timeout 30 sftp -o BatchMode=no -b "$3" -P "$port" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -o NumberOfPasswordPrompts=1 "$1@127.0.0.1" </dev/null
}
one pw-put "put order.edi inbox/by-password.edi"
check "password login and upload" 0 sftp_pw carrier "Carrier pass 1" pw-put.batch
check "password upload ingested" 0 grep -q 'event=ingested partner="carrier" file="by-password.edi"' journal.log
logged "password login logged" "partner=carrier logged in with password"
one pw-ls "ls inbox"
check "wrong password refused" 255 sftp_pw carrier "Carrier pass 2" pw-ls.batch
grep -o "Permission denied.*" "$tmp/out" >denied-wrong.txt
logged "wrong password logged" "user 'carrier' method=password (wrong password)"
check "password refused for a partner whose profile does not enable it" 255 sftp_pw acme "Carrier pass 1" pw-ls.batch
grep -o "Permission denied.*" "$tmp/out" >denied-disabled.txt
logged "disabled password logged" "user 'acme' method=password (password authentication not enabled"
check "password refused for an unknown user" 255 sftp_pw nobody "Carrier pass 1" pw-ls.batch
grep -o "Permission denied.*" "$tmp/out" >denied-unknown.txt
logged "unknown user logged" "user 'nobody' method=password (unknown user)"
check "the three refusals get the same reply" 0 sh -c \
  'grep -q "Permission denied (publickey,password)" denied-wrong.txt &&
   cmp denied-wrong.txt denied-disabled.txt && cmp denied-wrong.txt denied-unknown.txt'
before=$(grep -c "too many authentication attempts" "$tmp/server.log")
wrong_before=$(grep -c "user 'carrier' method=password (wrong password)" "$tmp/server.log")
printf 'guess\n' >pw.txt
PASSWORD_FILE=$tmp/pw.txt SSH_ASKPASS=$tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
  timeout 30 ssh -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o PreferredAuthentications=password -o NumberOfPasswordPrompts=6 carrier@127.0.0.1 true \
  </dev/null >"$tmp/out" 2>&1
check "wrong passwords count against max_auth_attempts" 0 test \
  "$(grep -c "too many authentication attempts" "$tmp/server.log")" -eq $((before + 1))
check "the server hung up after the third wrong password (of six offered)" 0 test \
  "$(grep -c "user 'carrier' method=password (wrong password)" "$tmp/server.log")" -eq $((wrong_before + 3))
check "key authentication still works with passwords offered" 0 sftp_as acme pw-ls.batch
check "a shell is refused" 255 timeout 20 ssh -i acme.key -p "$port" -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes acme@127.0.0.1 true
logged "shell refusal logged" "only the sftp subsystem is served"

# --- hostile client (paramiko, legacy-opt-in partner: paramiko has no AES-GCM/ChaCha20) -----
check "NUL and control bytes in names refused" 0 $client "$port" oldpeer oldpeer.key bad-names
logged "NUL logged" "NUL byte in path"
logged "control byte logged" "control byte in path"
check "read length over max_read_bytes capped" 0 $client "$port" oldpeer oldpeer.key huge-read 65536 200000
check "read length 2^32-1 capped too, the session goes on" 0 \
  $client "$port" oldpeer oldpeer.key huge-read 65536 0xFFFFFFFF
logged "capped read logged" "capped to max_read_bytes"
check "too many handles refused, handles freed on close" 0 $client "$port" oldpeer oldpeer.key too-many-handles 4
logged "handle limit logged" "too many open handles"
check "sessions over the per-partner limit refused" 0 $client "$port" oldpeer oldpeer.key sessions-over-limit 2
logged "session limit logged" "over max_sessions_per_partner"
check "upload over max_upload_bytes refused" 0 $client "$port" oldpeer oldpeer.key too-big-upload 1000000
logged "upload limit logged" "upload larger than max_upload_bytes"
check "too-big upload not ingested" 1 grep -q 'file="too-big.edi" size' journal.log
check "too-big upload recorded as partial" 0 grep -q 'event=partial partner="oldpeer" file="too-big.edi"' journal.log
absent "too-big upload not in inbox" jails/oldpeer/inbox/too-big.edi
check "channel requests during the session (2,000 env of 30 KB) are not kept" 0 \
  $client "$port" oldpeer oldpeer.key env-flood 2000 "$server_pid"
check "writes past the end (holes) refused, in-order ones taken" 0 $client "$port" oldpeer oldpeer.key sparse-write
logged "hole refusal logged" "write past the end of the upload"
check "the sparse upload not ingested" 1 grep -q 'file="sparse.edi" size' journal.log
absent "the sparse upload not in inbox" jails/oldpeer/inbox/sparse.edi
check "auth attempts limited to 3 per connection" 0 $client "$port" oldpeer beta.key auth-attempts 3
logged "auth attempt limit logged" "too many authentication attempts"
check "forged USERAUTH_SUCCESS (CVE-2018-10933) does not log in" 0 $client "$port" acme acme.key forged-success
logged "forged USERAUTH_SUCCESS rejected" "rejected packet (type 52)"
check "legacy algorithms refused for a partner without opt-in" 1 $client "$port" acme acme.key huge-read 1 1
logged "legacy refusal logged" "partner=acme used legacy algorithms without opt-in"
$client "$port" oldpeer oldpeer.key kill-mid-upload >/dev/null 2>&1
for _ in $(seq 50); do grep -q 'file="killed.edi"' journal.log && break; sleep 0.1; done
check "killed upload recorded as partial" 0 grep -q 'event=partial partner="oldpeer" file="killed.edi"' journal.log
check "killed upload not ingested" 1 grep -q 'file="killed.edi" size' journal.log
absent "killed upload not in inbox" jails/oldpeer/inbox/killed.edi
check "killed upload leaves no temporary file" 1 sh -c 'ls -A jails/oldpeer/inbox | grep -q edigate-upload'
check "idle session closed" 0 $client "$port" oldpeer oldpeer.key idle 4
logged "idle logged" "idle for 3s"
one list "ls -l inbox"
check "server still serves after all that" 0 sftp_as acme list.batch

# --- stopping the server with an upload open ------------------------------------------------
$client "$port" oldpeer oldpeer.key hold-upload 5 >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do grep -q "upload started file=held.edi" "$tmp/server.log" && break; sleep 0.1; done
kill -TERM "${pids[0]}"
wait "${pids[0]}"
check "SIGTERM stops the server cleanly" 0 test $? -eq 0
logged "stop logged" "sftp: stopped"
check "upload cut by the stop recorded as partial" 0 grep -q 'event=partial partner="oldpeer" file="held.edi"' journal.log
absent "upload cut by the stop not in inbox" jails/oldpeer/inbox/held.edi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# --- a second server with only modern-algorithm partners --------------------------------------
mkdir -p m && sed -e 's#jail="jails/#jail="../jails/#g' \
  -e 's#<partner id="oldpeer"[^<]*<key>[^<]*</key></partner>##' \
  -e 's#<partner id="carrier"[^<]*<password_hash>[^<]*</password_hash></partner>##' server.xml >m/server.xml
"$bin" sftp serve --config m/server.xml >"$tmp/m/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s m/port ] && break; sleep 0.1; done
mport=$(cat m/port)
# ssh exits 255 for any failure (a login refused too): the reason is what is checked.
check "legacy cipher not offered by default" 255 timeout 20 ssh -p "$mport" -o Ciphers=aes128-ctr \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes acme@127.0.0.1 true
cp "$tmp/out" m-cipher.out
check "legacy cipher: no cipher in common" 0 grep -q "no matching cipher found" m-cipher.out
check "legacy kex not offered by default" 255 timeout 20 ssh -p "$mport" -o KexAlgorithms=diffie-hellman-group14-sha256 \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes acme@127.0.0.1 true
cp "$tmp/out" m-kex.out
check "legacy kex: no key exchange in common" 0 grep -q "no matching key exchange method found" m-kex.out
timeout 20 ssh -vvv -p "$mport" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -o PreferredAuthentications=none acme@127.0.0.1 true >"$tmp/kex.log" 2>&1
check "password authentication is not offered when no profile enables it" 255 timeout 20 ssh \
  -p "$mport" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
  -o PreferredAuthentications=password acme@127.0.0.1 true
cp "$tmp/out" m-password.out
check "only publickey is listed" 0 grep -q "Permission denied (publickey)\." m-password.out
check "strict kex (Terrapin) negotiated" 0 grep -q "kex-strict-s-v00@openssh.com" "$tmp/kex.log"
check "curve25519 kex negotiated" 0 grep -q "kex: algorithm: curve25519-sha256" "$tmp/kex.log"


start_server() {  # start_server DIR: runs DIR/server.xml, sets server_port
  "$bin" sftp serve --config "$1/server.xml" >"$tmp/$1/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$1/port" ] && break; sleep 0.1; done
  server_port=$(cat "$1/port" 2>/dev/null)
  [ -n "$server_port" ] || { fail "server $1 did not start"; cat "$tmp/$1/server.log"; }
}

# --- a sink that cannot record (a journal on a full disk): the upload is refused, not kept ---
mkdir -p full && cat >full/server.xml <<XML
<sftp listen="127.0.0.1" port="0" host_keys="../host_keys" journal="/dev/full" ready_file="port">
  <partner id="oldpeer" jail="../jails/oldpeer" legacy_algorithms="true"><key>$(cat oldpeer.key.pub)</key></partner>
</sftp>
XML
printf 'ISA*00*waiting' >jails/oldpeer/inbox/waiting.edi  # complete, and no journal to read
start_server full
printf 'put order.edi inbox/unrecorded.edi\n' >full.batch
check "an upload the sink cannot record fails" 1 sftp -q -b full.batch -i oldpeer.key -P "$server_port" \
  -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null oldpeer@127.0.0.1
logged "the client is told to send it again" "upload could not be stored; send it again" full/server.log
logged "the reason is logged" "reason=not stored: journal write failed" full/server.log
logged "a journal that cannot be read back leaves complete inbox files alone, and says so" \
  "journal /dev/full cannot be read back: 1 complete file(s) found in the inboxes at start are left as they are" full/server.log
rm -f jails/oldpeer/inbox/waiting.edi
absent "nothing left in the inbox under its name" jails/oldpeer/inbox/unrecorded.edi

# --- leftovers of a stop, handled at start before the first connection ------------------------
# What an earlier stop left in gamma's inbox: an upload cut off under its temporary name, one
# renamed into place whose journal line never came (its name holds " size="), one journaled in
# the second it last changed (nothing to do), and one whose only line of that name and size is
# older than the file (an upload of a later day). Then a second start on the same journal.
mkdir -p rec && cat >rec/server.xml <<XML
<sftp listen="127.0.0.1" port="0" host_keys="../host_keys" journal="journal.log" ready_file="port">
  <partner id="gamma" jail="../jails/gamma"><key>$(cat gamma.key.pub)</key></partner>
</sftp>
XML
printf 'UNB+UNOC' >jails/gamma/inbox/.edigate-upload-0123456789abcdef01234567
printf 'ISA*00*leftover' >"jails/gamma/inbox/left size=2.edi"
printf 'ISA*00*recorded' >jails/gamma/inbox/recorded.edi
printf 'ISA*00*reupload' >jails/gamma/inbox/reupload.edi
cat >rec/journal.log <<JOURNAL
ts=1000 event=ingested partner="gamma" file="reupload.edi" size=15
ts=$(stat -c %Y jails/gamma/inbox/recorded.edi) event=ingested partner="gamma" file="recorded.edi" size=15
JOURNAL
start_server rec
absent "an upload cut off by a stop removed at start" \
  jails/gamma/inbox/.edigate-upload-0123456789abcdef01234567
check "... and journaled as partial" 0 grep -q \
  'event=partial partner="gamma" file=".edigate-upload-0123456789abcdef01234567" bytes=8 reason="cut off by a stop before its close (removed at start)"' rec/journal.log
check "a complete file without its journal line journaled at start" 0 \
  grep -q 'event=ingested partner="gamma" file="left size=2.edi" size=15 recovered=1' rec/journal.log
check "a file journaled in the second it last changed not journaled again" 0 \
  test "$(grep -c 'file="recorded.edi"' rec/journal.log)" -eq 1
check "a file newer than the only line of its name and size journaled" 0 \
  grep -q 'file="reupload.edi" size=15 recovered=1' rec/journal.log
logged "recovery logged" "file=left size=2.edi bytes=15 in the inbox at start without its journal line: journaled now" rec/server.log
check "the recovered files stay in the inbox for their reader" 0 \
  test -f "jails/gamma/inbox/left size=2.edi" -a -f jails/gamma/inbox/reupload.edi
lines=$(wc -l <rec/journal.log)
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null
rm -f rec/port
start_server rec
check "a second start journals nothing again" 0 test "$(wc -l <rec/journal.log)" -eq "$lines"
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null

# --- limits with their own server: total sessions, login grace, packet and path size ---------
mkdir -p l && cat >l/server.xml <<XML
<sftp listen="127.0.0.1" port="0" host_keys="../host_keys" journal="journal.log" ready_file="port">
  <limits max_sessions_total="2" max_sessions_per_partner="4" login_grace_seconds="2"
          max_packet_bytes="40000" max_path_bytes="200" max_list_entries="3"/>
  <partner id="oldpeer" jail="../jails/oldpeer" legacy_algorithms="true"><key>$(cat oldpeer.key.pub)</key></partner>
</sftp>
XML
start_server l
lport=$server_port
lpid=${pids[-1]}
check "silent client (no key exchange) dropped after login_grace_seconds" 0 \
  $client "$lport" oldpeer oldpeer.key grace 2 tcp
check "client that never authenticates dropped after login_grace_seconds" 0 \
  $client "$lport" oldpeer oldpeer.key grace 2 kex
logged "grace in key exchange logged" "login grace time exceeded during key exchange" l/server.log
logged "grace in authentication logged" "login grace time exceeded (login_grace_seconds=2)" l/server.log
check "sessions over max_sessions_total refused, the others keep working" 0 \
  $client "$lport" oldpeer oldpeer.key sessions-total 2
logged "total session limit logged" "connection refused: max_sessions_total reached" l/server.log
check "a request over max_packet_bytes refused, the session goes on" 0 \
  $client "$lport" oldpeer oldpeer.key big-packet 50000 refused
logged "packet limit logged" "bytes over max_packet_bytes" l/server.log
check "an upload with a WRITE refused for its size is not ingested" 1 \
  grep -q 'file="big-packet-50000.edi" size' l/journal.log
check "... but recorded as partial" 0 grep -q 'event=partial partner="oldpeer" file="big-packet-50000.edi"' l/journal.log
check "a 32 MB request over max_packet_bytes refused without being held in memory" 0 \
  $client "$lport" oldpeer oldpeer.key streamed-packet 33554432 "$lpid"
check "... and that upload not ingested" 1 grep -q 'file="streamed.edi" size' l/journal.log
check "a request within max_packet_bytes served" 0 \
  $client "$lport" oldpeer oldpeer.key big-packet 30000 served
check "that upload ingested" 0 grep -q 'file="big-packet-30000.edi" size=30000' l/journal.log
check "a path over max_path_bytes refused, the session goes on" 0 \
  $client "$lport" oldpeer oldpeer.key long-path 200
logged "path limit logged" "path longer than the limit" l/server.log
for n in 1 2 3 4; do echo "doc $n" >"jails/oldpeer/outbox/list-$n.edi"; done  # 5 with big.edi
check "a listing stops at max_list_entries" 0 $client "$lport" oldpeer oldpeer.key list-count outbox 3

# --- IPv6: a server listening on ::1 ----------------------------------------------------------
if /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  mkdir -p v6 && cat >v6/server.xml <<XML
<sftp listen="::1" port="0" host_keys="../host_keys" journal="journal.log" ready_file="port">
  <partner id="acme" jail="../jails/acme"><key>$(cat acme.key.pub)</key></partner>
</sftp>
XML
  start_server v6
  port=$server_port
  one v6 "ls -l inbox"
  check "sftp over IPv6 to [::1]" 0 timeout 30 sftp -b v6.batch -i acme.key -P "$port" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
    -o BatchMode=yes "acme@[::1]"
  check "the IPv6 listener does not take IPv4" 255 timeout 20 ssh -i acme.key -p "$port" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=5 acme@127.0.0.1 true
  cp "$tmp/out" v6-on-v4.out
  check "IPv4 to the IPv6 listener: connection refused" 0 grep -q "Connection refused" v6-on-v4.out
  logged "IPv6 listen logged" "listening on \[::1\]:$port" v6/server.log
  mkdir -p any && sed 's/listen="::1"/listen="::"/' v6/server.xml >any/server.xml
  start_server any
  port=$server_port
  for host in 127.0.0.1 '[::1]'; do
    check "listen=\"::\" serves $host" 0 timeout 30 sftp -b v6.batch -i acme.key -P "$port" \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
      -o BatchMode=yes "acme@$host"
  done
else
  echo "SKIP: this machine has no IPv6 loopback (::1); the IPv6 listen checks did not run"
fi

echo "sftp_server_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "--- server log"; cat "$tmp/server.log"; }
[ "$failed" -eq 0 ]
