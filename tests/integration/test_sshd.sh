# Sourced by tests that need a real OpenSSH sshd: start_test_sshd DIR starts one on a free
# loopback port with its own configuration, host key and authorized_keys (DIR/client_key.pub),
# sftp served by OpenSSH's sftp-server. Sets sshd_pid and sshd_port; stop_test_sshd ends it.
# With SSHD_IPV6=1 it also listens on [::1] (same port).

# gateway_env.sh's, when it was sourced first (it never gives a port twice).
declare -F free_port >/dev/null || free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_test_sshd() {
  local dir=$1
  [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  sshd_port=$(free_port)
  cat >"$dir/sshd_config" <<CFG
Port $sshd_port
ListenAddress 127.0.0.1
$([ "${SSHD_IPV6:-}" = 1 ] && echo "ListenAddress ::1")
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
  [ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd  # sshd's privilege separation directory
  /usr/sbin/sshd -f "$dir/sshd_config" -D -e 2>"$dir/sshd.log" &
  sshd_pid=$!
  for _ in $(seq 50); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$sshd_port))" \
      2>/dev/null && return 0
    sleep 0.1
  done
  echo "sshd did not start"; cat "$dir/sshd.log"
  return 1
}

stop_test_sshd() {
  [ -n "${sshd_pid:-}" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
  sshd_pid=""
}
