#!/usr/bin/env bash
# `edigate sftp push` against a real OpenSSH sshd started here on a loopback port with its own
# configuration, host key and authorized_keys: temp name + rename, pinned host key, retries.
# Usage: sftp_push_test.sh EDIGATE
set -uo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
cleanup() {
  stop_test_sshd
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 expected=$2
  shift 2
  "$@" >"$tmp/out" 2>&1
  local status=$?
  if [ "$status" -eq "$expected" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $status, expected $expected"
    tail -5 "$tmp/out"
  fi
}
said() {  # said NAME PATTERN: the last command printed it
  if grep -q -- "$2" "$tmp/out"; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $1: output lacks '$2'"
    tail -3 "$tmp/out"
  fi
}

cd "$tmp" || exit 1
ssh-keygen -q -t ed25519 -N '' -f host_key
ssh-keygen -q -t ed25519 -N '' -f other_host_key
ssh-keygen -q -t ed25519 -N '' -f client_key
ssh-keygen -q -t ed25519 -N '' -f stranger_key
mkdir remote
. "$here/test_sshd.sh"
have_ipv6=0
/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null &&
  have_ipv6=1
SSHD_IPV6=$have_ipv6 start_test_sshd "$tmp" || exit 1
port=$sshd_port
fp=$(ssh-keygen -l -E sha256 -f host_key.pub | awk '{print $2}')
wrong=$(ssh-keygen -l -E sha256 -f other_host_key.pub | awk '{print $2}')
user=$(id -un)
head -c 100000 /dev/urandom >outbound.edi
push() {  # push EXTRA_ARGS...
  "$bin" sftp push outbound.edi --host "${host:-127.0.0.1}" --port "$port" --user "$user" \
    --remote-dir "$tmp/remote" --backoff-ms 50 "$@"
}

check "push with pinned host key" 0 push --key client_key --host-key-sha256 "$fp" --as order-7.edi
check "pushed file arrived intact" 0 cmp outbound.edi remote/order-7.edi
check "no temporary name left behind" 1 sh -c 'ls -A remote | grep -q part'
# The same file again under a name already there (as when an attempt's rename went through
# but its answer was lost): taken as delivered, our temporary copy removed. A different file
# under a taken name still fails.
check "the same file again: already there" 0 push --key client_key --host-key-sha256 "$fp" --as order-7.edi --attempts 1
said "says it is already there" "already on the server"
check "no temporary copy left" 1 sh -c 'ls -A remote | grep -q part'
head -c 100000 /dev/urandom >other.edi  # the same size, other bytes
check "another file of the same size under a taken name fails" 1 "$bin" sftp push other.edi --host 127.0.0.1 --port "$port" \
  --user "$user" --remote-dir "$tmp/remote" --key client_key --host-key-sha256 "$fp" --as order-7.edi \
  --attempts 1
check "the file there is unchanged" 0 cmp outbound.edi remote/order-7.edi
check "no temporary copy of it left either" 1 sh -c 'ls -A remote | grep -q part'
check "push without rename" 0 push --key client_key --host-key-sha256 "$fp" --as direct.edi --no-rename
check "direct push arrived" 0 cmp outbound.edi remote/direct.edi
check "wrong host key refused" 1 push --key client_key --host-key-sha256 "$wrong" --as evil.edi
said "wrong host key says why" "SSL peer certificate or SSH remote key was not OK"
check "wrong host key: nothing uploaded" 1 sh -c 'ls -A remote | grep -q evil'
check "wrong host key is not retried" 1 grep -q "attempt=2" "$tmp/out"
check "unknown client key refused" 1 push --key stranger_key --host-key-sha256 "$fp" --as stranger.edi
check "no fingerprint, no push" 2 "$bin" sftp push outbound.edi --host 127.0.0.1 --user "$user" \
  --key client_key --remote-dir "$tmp/remote"
check "bad remote name refused" 1 push --key client_key --host-key-sha256 "$fp" --as "../x.edi"
if [ "$have_ipv6" = 1 ]; then
  host=::1 check "push over IPv6 to ::1" 0 push --key client_key --host-key-sha256 "$fp" --as v6.edi
  check "IPv6 push arrived" 0 cmp outbound.edi remote/v6.edi
  check "sshd saw the push come from ::1" 0 grep -q "Accepted publickey for .* from ::1 port" sshd.log
  host='[::1]' check "push to [::1] (bracketed)" 0 push --key client_key --host-key-sha256 "$fp" \
    --as v6b.edi
  check "bracketed IPv6 push arrived" 0 cmp outbound.edi remote/v6b.edi
else
  echo "SKIP: this machine has no IPv6 loopback (::1); push over IPv6 not tested"
fi
# A server that stops answering mid-push (its sftp-server stopped once the login is done):
# the attempt is given up after --stall-seconds without progress, not held until the SSH
# library's own minute-long timeout or for ever.
descendants() { local p; for p in $(ps -o pid= --ppid "$1"); do echo "$p"; descendants "$p"; done; }
( end=$((SECONDS + 20))
  while [ $SECONDS -lt $end ]; do
    # Once the transfer is under way (its temporary file is there), not during the SFTP
    # handshake before it.
    if [ -e remote/.stalled.edi.part ]; then
      for p in $(descendants "$sshd_pid"); do
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = sftp-server ] && kill -STOP "$p" && echo "$p" >>stopped.pids
      done
    fi
    [ -s stopped.pids ] && break
    sleep 0.01
  done ) &
stopper=$!
started=$SECONDS
head -c 200000000 /dev/zero >large.edi  # far more than sshd buffers: still sending when stopped
check "a stalled server: the attempt is given up" 1 "$bin" sftp push large.edi --host 127.0.0.1 \
  --port "$port" --user "$user" --remote-dir "$tmp/remote" --key client_key \
  --host-key-sha256 "$fp" --as stalled.edi --attempts 1 --stall-seconds 2
took=$((SECONDS - started))
said "the stall says so" "Operation too slow"
[ "$took" -lt 20 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: a stalled push took ${took} s (--stall-seconds 2)"; }
wait "$stopper" 2>/dev/null
[ -s stopped.pids ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: no sftp-server was stopped for the stall test"; }
for p in $(cat stopped.pids 2>/dev/null); do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
rm -f large.edi remote/.stalled.edi.part

dead=$(free_port)
check "unreachable server retried then failed" 1 "$bin" sftp push outbound.edi --host 127.0.0.1 \
  --port "$dead" --user "$user" --key client_key --host-key-sha256 "$fp" --remote-dir /tmp \
  --attempts 3 --backoff-ms 20
said "three attempts made" "attempt=3"

echo "sftp_push_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "--- sshd log"; tail -20 "$tmp/sshd.log"; }
[ "$failed" -eq 0 ]
