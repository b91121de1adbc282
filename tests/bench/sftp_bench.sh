#!/usr/bin/env bash
# SFTP upload throughput: edigate's server vs OpenSSH's sftp-server behind a test sshd, in the
# same run, with the same client (OpenSSH sftp) and cipher. Prints MB/s for one large file,
# files/s for many small ones, and the ratio edigate/OpenSSH. Never pass/fail on time: it fails
# only if an upload did not arrive complete.
# Usage: sftp_bench.sh EDIGATE [--size-mb N] [--files N] [--cipher NAME]
set -uo pipefail
bin=$(realpath "$1")
shift
size_mb=1024
files=500
cipher=aes128-gcm@openssh.com
while [ $# -gt 0 ]; do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --cipher) cipher=$2; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/test_sshd.sh"
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  stop_test_sshd
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

ssh-keygen -q -t ed25519 -N '' -f client_key
mkdir -p jail/inbox jail/outbox remote small
cat >server.xml <<XML
<sftp listen="127.0.0.1" port="0" ready_file="port">
  <limits max_upload_bytes="$(((size_mb + 1) * 1024 * 1024))" max_sessions_per_partner="8"/>
  <partner id="bench" jail="jail"><key>$(cat client_key.pub)</key></partner>
</sftp>
XML
"$bin" sftp serve --config server.xml 2>server.log &
server_pid=$!
start_test_sshd "$tmp" || exit 1
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
our_port=$(cat port)

head -c "$((size_mb * 1024 * 1024))" /dev/urandom >big.bin
for i in $(seq "$files"); do head -c 2048 /dev/urandom >"small/f$i.edi"; done

now() { date +%s.%N; }
run_sftp() {  # run_sftp USER PORT BATCH
  sftp -q -b "$3" -i client_key -P "$2" -o Ciphers="$cipher" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes "$1@127.0.0.1" \
    >/dev/null 2>>sftp.err
}
timed() {  # timed USER PORT BATCH: prints seconds
  local t0 t1
  t0=$(now)
  run_sftp "$@" || { echo "upload failed"; cat sftp.err; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

echo "put big.bin inbox/big.bin" >ours-big.batch
echo "put big.bin $tmp/remote/big.bin" >ssh-big.batch
: >ours-small.batch
: >ssh-small.batch
for i in $(seq "$files"); do
  echo "put small/f$i.edi inbox/f$i.edi" >>ours-small.batch
  echo "put small/f$i.edi $tmp/remote/f$i.edi" >>ssh-small.batch
done
user=$(id -un)

ssh_big=$(timed "$user" "$sshd_port" ssh-big.batch)
ours_big=$(timed bench "$our_port" ours-big.batch)
ssh_small=$(timed "$user" "$sshd_port" ssh-small.batch)
ours_small=$(timed bench "$our_port" ours-small.batch)

cmp -s big.bin jail/inbox/big.bin || { echo "edigate copy differs"; exit 1; }
cmp -s big.bin remote/big.bin || { echo "OpenSSH copy differs"; exit 1; }
[ "$(ls jail/inbox | wc -l)" -eq $((files + 1)) ] || { echo "small files missing"; exit 1; }

div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { printf f, a / b }'; }
echo "sftp_bench: ${size_mb} MiB upload, ${files} files of 2 KiB, cipher $cipher, client OpenSSH sftp"
printf '  large file  OpenSSH sftp-server %8s MiB/s   edigate %8s MiB/s   ratio %s\n' \
  "$(div "$size_mb" "$ssh_big" %.1f)" "$(div "$size_mb" "$ours_big" %.1f)" "$(div "$ssh_big" "$ours_big" %.2f)"
printf '  small files OpenSSH sftp-server %8s files/s edigate %8s files/s ratio %s\n' \
  "$(div "$files" "$ssh_small" %.1f)" "$(div "$files" "$ours_small" %.1f)" "$(div "$ssh_small" "$ours_small" %.2f)"
echo "  (edigate fsyncs each file, renames it and fsyncs a journal record before answering the"
echo "   close; OpenSSH's sftp-server does no fsync)"
