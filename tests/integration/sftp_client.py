#!/usr/bin/python3
"""Hostile SFTP/SSH client for the edigate SFTP server tests (paramiko, Debian python3-paramiko).

Each subcommand prints one line and exits 0 when the server behaved as required, 1 otherwise.
Usage: sftp_client.py PORT USER KEYFILE COMMAND [ARGS]
"""
import os
import socket
import struct
import sys
import time

import paramiko
from paramiko.common import cMSG_USERAUTH_SUCCESS
from paramiko.message import Message
from paramiko.py3compat import long  # marks a uint64 field for paramiko's packer
from paramiko.sftp import CMD_CLOSE, CMD_DATA, CMD_READ, CMD_STAT, CMD_WRITE


def connect(port, user, keyfile):
    key = paramiko.Ed25519Key.from_private_key_file(keyfile)
    transport = paramiko.Transport(("127.0.0.1", port))
    transport.connect(username=user, pkey=key)
    return transport, paramiko.SFTPClient.from_transport(transport)


def refused(action):
    try:
        action()
    except (IOError, OSError, EOFError, paramiko.SSHException):
        return True
    return False


def bad_names(sftp):
    names = ["inbox/a\x00b.edi", "inbox/a\x01b.edi", "inbox/line\nbreak.edi", "inbox/del\x7f.edi"]
    return all(refused(lambda n=n: sftp.open(n, "w").close()) for n in names)


def huge_read(sftp, limit, asked):
    """A read far over max_read_bytes (up to 2^32-1) is answered with at most max_read_bytes
    (short reads are legal SFTP), and the session goes on."""
    f = sftp.open("outbox/big.edi", "r")
    t, msg = sftp._request(CMD_READ, f.handle, long(0), asked)
    data = msg.get_string() if t == CMD_DATA else b""
    f.close()
    return 0 < len(data) <= limit and sorted(sftp.listdir("/")) == ["inbox", "outbox"]


def too_many_handles(sftp, limit):
    files = [sftp.open("outbox/big.edi", "r") for _ in range(limit)]
    over = refused(lambda: sftp.open("outbox/big.edi", "r"))
    for f in files:
        f.close()
    again = sftp.open("outbox/big.edi", "r")  # handles are released on close
    again.close()
    return over


def too_big_upload(sftp, limit):
    def upload():
        with sftp.open("inbox/too-big.edi", "w") as f:
            f.write(b"x" * (limit + 1))
    return refused(upload)


def auth_attempts(port, user, keyfile, limit):
    """Wrong keys on one connection: after `limit` failures the server hangs up. The attempt
    that meets the closed connection fails in paramiko as an authentication error, an EOF or,
    when the hang-up arrives while paramiko is still writing, a connection reset."""
    wrong = paramiko.Ed25519Key.from_private_key_file(keyfile)
    transport = paramiko.Transport(("127.0.0.1", port))
    transport.start_client(timeout=10)
    for _ in range(limit + 1):
        try:
            transport.auth_publickey(user, wrong)
        except (paramiko.AuthenticationException, paramiko.SSHException, EOFError, OSError):
            pass
    deadline = time.time() + 5  # the hang-up reaches paramiko's reader thread asynchronously
    while transport.is_active() and time.time() < deadline:
        time.sleep(0.05)
    closed = not transport.is_active()
    transport.close()
    return closed


def dropped_after_grace(port, grace, stage):
    """A client that connects and never authenticates is dropped once login_grace_seconds have
    passed: `tcp` sends nothing at all after the server's banner, `kex` finishes the key
    exchange and then stays silent. Ok when the server hangs up after the grace time (not
    before: the limit is the grace time, not an earlier error) and well before twice it."""
    start = time.time()
    if stage == "tcp":
        sock = socket.create_connection(("127.0.0.1", port))
        sock.settimeout(grace * 3 + 10)
        try:
            while sock.recv(4096):
                pass
        except socket.timeout:
            return False
        finally:
            sock.close()
    else:
        transport = paramiko.Transport(("127.0.0.1", port))
        transport.start_client(timeout=10)
        while transport.is_active() and time.time() - start < grace * 3 + 10:
            time.sleep(0.05)
        if transport.is_active():
            transport.close()
            return False
    waited = time.time() - start
    print("dropped after %.1fs" % waited)
    return grace - 0.5 <= waited < grace * 2 + 5


def sessions_total(port, user, keyfile, limit):
    """max_sessions_total counts every connection, logged in or not: with `limit` sessions
    open the next connection is closed before key exchange, the open ones keep working, and
    once one ends a new connection is served again."""
    held = [connect(port, user, keyfile) for _ in range(limit)]
    over = refused(lambda: connect(port, user, keyfile)[1].listdir("/"))
    others_work = all(sorted(sftp.listdir("/")) == ["inbox", "outbox"] for _, sftp in held)
    held[0][0].close()
    time.sleep(0.5)  # the server's session thread notices the close and frees the slot
    transport, sftp = connect(port, user, keyfile)
    again = sorted(sftp.listdir("/")) == ["inbox", "outbox"]
    transport.close()
    for t, _ in held[1:]:
        t.close()
    print("over refused:", over, "others work:", others_work, "slot reused:", again)
    return over and others_work and again


def big_packet(sftp, size, expect):
    """One WRITE request of `size` bytes (paramiko's own writes are split at 32 KiB). `refused`:
    over max_packet_bytes it is answered with a failure status and the session goes on;
    `served`: within the limit it is written and the upload completes."""
    f = sftp.open("inbox/big-packet-%d.edi" % size, "w")
    write_refused = refused(lambda: sftp._request(CMD_WRITE, f.handle, long(0), b"x" * size))
    # The close of an upload with a failed write fails too (sent raw: paramiko's close()
    # swallows a failed CLOSE).
    closed = not refused(lambda: sftp._request(CMD_CLOSE, f.handle))
    still_serving = sorted(sftp.listdir("/")) == ["inbox", "outbox"]
    if expect == "served":
        return not write_refused and closed and still_serving
    return write_refused and not closed and still_serving


def streamed_packet(sftp, size, pid):
    """One WRITE of `size` bytes over max_packet_bytes, sent in 1 MiB pieces: refused with a
    failure status once the server has its head, the rest dropped as it arrives. The server's
    peak memory does not grow by what was sent, the upload is not taken, the session goes on."""
    def peak_kb():
        with open("/proc/%d/status" % pid) as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    f = sftp.open("inbox/streamed.edi", "w")
    before = peak_kb()
    num = sftp.request_number
    sftp.request_number += 1
    sftp._expecting[num] = type(None)  # what paramiko's own requests register
    m = Message()
    m.add_int(num)
    m.add_string(f.handle)
    m.add_int64(0)
    m.add_int(size)  # the data's length; its bytes follow
    head = bytes([CMD_WRITE]) + m.asbytes()
    channel = sftp.sock
    channel.sendall(struct.pack(">I", len(head) + size) + head)
    piece = b"x" * (1 << 20)
    left = size
    while left > 0:
        channel.sendall(piece[:min(left, len(piece))])
        left -= min(left, len(piece))
    write_refused = refused(lambda: sftp._read_response(num))
    grew = peak_kb() - before
    closed = not refused(lambda: sftp._request(CMD_CLOSE, f.handle))
    still_serving = sorted(sftp.listdir("/")) == ["inbox", "outbox"]
    print("sent a %d KB WRITE; refused: %s, the server's peak memory grew by %d KB" %
          (size // 1024, write_refused, grew))
    return write_refused and grew < size // 1024 // 8 and not closed and still_serving


def sparse_write(sftp):
    """Writes that would leave a hole (past the end written so far), zero-length ones included,
    are refused, so an upload's size is what was sent: one byte at offset 500 MB, or nothing
    at offset 500 MB, must not become a 500 MB file. In-order writes are taken."""
    f = sftp.open("inbox/sparse.edi", "w")
    in_order = not refused(lambda: sftp._request(CMD_WRITE, f.handle, long(0), b"ISA" * 10))
    overwrite = not refused(lambda: sftp._request(CMD_WRITE, f.handle, long(3), b"ISA"))
    hole = refused(lambda: sftp._request(CMD_WRITE, f.handle, long(600000), b"x"))
    empty_hole = refused(lambda: sftp._request(CMD_WRITE, f.handle, long(600000), b""))
    closed = not refused(lambda: sftp._request(CMD_CLOSE, f.handle))
    print("in order:", in_order, "overwrite:", overwrite, "hole refused:", hole,
          "empty hole refused:", empty_hole, "closed:", closed)
    return in_order and overwrite and hole and empty_hole and not closed and \
        sorted(sftp.listdir("/")) == ["inbox", "outbox"]


def env_flood(sftp, count, pid):
    """Channel requests sent while the SFTP session runs (env, 30 KB each) are refused and
    freed, not kept: the server's memory does not grow by what was sent, and the session goes
    on."""
    def rss_kb():
        with open("/proc/%d/status" % pid) as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    before = rss_kb()
    channel = sftp.get_channel()
    value = "v" * 30000
    for i in range(count):
        channel.set_environment_variable("E%d" % i, value)
        if i % 200 == 0:
            sftp.stat("inbox")
    sftp.stat("inbox")
    grew = rss_kb() - before
    sent = count * 30000 // 1024
    print("sent %d KB of env requests; the server grew by %d KB" % (sent, grew))
    return grew < sent // 4 and sorted(sftp.listdir("/")) == ["inbox", "outbox"]


def stat_error(sftp, path):
    try:
        sftp._request(CMD_STAT, path)
        return None
    except IOError as e:
        return type(e).__name__


def long_path(sftp, limit):
    """A path of max_path_bytes is looked up (no such file); one byte more is refused as a
    permission error, and the session goes on."""
    at_limit = "inbox/" + "a" * (limit - len("inbox/"))
    at = stat_error(sftp, at_limit)
    over = stat_error(sftp, at_limit + "a")
    print("at the limit:", at, "over:", over)
    return at == "FileNotFoundError" and over == "PermissionError" and \
        sorted(sftp.listdir("/")) == ["inbox", "outbox"]


def missing(sftp, path):
    try:
        sftp.lstat(path)
    except FileNotFoundError:
        return True
    return False


def winscp_sequence(sftp, data):
    """The requests WinSCP makes by default (read in its source): a small file is written under
    its name and closed, then its times set with SETSTAT on the path; a large one (100 KB or
    more) is first looked for under both names, written as NAME.filepart, closed, renamed to
    NAME, and then its times set. Each step must succeed, and the held .filepart must be
    visible to STAT (with its size) and to nothing that lists the inbox."""
    mtime = 1700000000
    with sftp.open("inbox/winscp-small.edi", "w") as f:
        f.write(data[:500])
    sftp.utime("inbox/winscp-small.edi", (mtime, mtime))
    target, part = "inbox/winscp-large.edi", "inbox/winscp-large.edi.filepart"
    if not (missing(sftp, target) and missing(sftp, part)):
        return False
    with sftp.open(part, "w") as f:
        f.write(data)
    if sftp.stat(part).st_size != len(data) or "winscp-large.edi.filepart" in sftp.listdir("inbox"):
        return False
    sftp.rename(part, target)
    sftp.utime(target, (mtime, mtime))
    sftp.chmod(target, 0o644)  # what WinSCP adds when it replaced an existing file
    return missing(sftp, part)


def attributes_refused(sftp):
    """Size and owner are not set, nor anything on a file this session did not upload; a held
    upload is renamed to a final name only, and only from inbox/ to inbox/."""
    with sftp.open("inbox/attrs.edi", "w") as f:
        f.write(b"ISA*00*attrs")
    with sftp.open("inbox/attrs2.edi.filepart", "w") as f:
        f.write(b"ISA*00*attrs2")
    return (refused(lambda: sftp.truncate("inbox/attrs.edi", 3))
            and refused(lambda: sftp.chown("inbox/attrs.edi", 0, 0))
            and refused(lambda: sftp.utime("inbox/earlier.edi", (1, 1)))
            and refused(lambda: sftp.utime("outbox/big.edi", (1, 1)))
            and refused(lambda: sftp.rename("inbox/attrs2.edi.filepart", "inbox/x.part"))
            and refused(lambda: sftp.rename("inbox/attrs2.edi.filepart", "outbox/attrs2.edi"))
            and refused(lambda: sftp.rename("inbox/attrs.edi", "inbox/attrs3.edi"))
            and refused(lambda: sftp.rename("inbox/gone.edi.filepart", "inbox/gone.edi"))
            and sftp.stat("inbox/attrs2.edi.filepart").st_size == 13)


def held_handles(sftp, limit):
    """Held uploads keep their files open: with `limit` of them, no other file can be opened
    until one is renamed. A second upload of a held name replaces the first."""
    for i in range(limit):
        with sftp.open("inbox/held-%d.edi.filepart" % i, "w") as f:
            f.write(b"x" * (i + 1))
    over = refused(lambda: sftp.open("inbox/one-more.edi", "w"))
    sftp.rename("inbox/held-0.edi.filepart", "inbox/held-0.edi")
    sftp.rename("inbox/held-1.edi.filepart", "inbox/held-1.edi")
    with sftp.open("inbox/twice.edi.filepart", "w") as f:
        f.write(b"first")
    with sftp.open("inbox/twice.edi.filepart", "w") as f:
        f.write(b"second!")
    # Three held (held-2, held-3, the second twice): one more file fits, if the first twice went.
    with sftp.open("inbox/fits.edi", "w") as f:
        f.write(b"x")
    return over and sftp.stat("inbox/twice.edi.filepart").st_size == 7


def rename_onto_waiting(sftp):
    """A file of the target name still waiting in the inbox: the rename fails and the upload
    stays held, to be renamed to a free name."""
    with sftp.open("inbox/free.edi.filepart", "w") as f:
        f.write(b"ISA*00*")
    onto = refused(lambda: sftp.rename("inbox/free.edi.filepart", "inbox/waiting-here.edi"))
    still = sftp.stat("inbox/free.edi.filepart").st_size == 7
    sftp.rename("inbox/free.edi.filepart", "inbox/free.edi")
    return onto and still


def killed_mid_upload(sftp):
    f = sftp.open("inbox/killed.edi", "w")
    f.write(b"ISA" * 40000)
    f.flush()
    os._exit(0)  # no CLOSE, no disconnect: the socket just goes away with the process


def forged_userauth_success(port):
    """CVE-2018-10933 pattern: skip authentication by sending USERAUTH_SUCCESS ourselves."""
    sock = socket.create_connection(("127.0.0.1", port))
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=10)
    m = Message()
    m.add_byte(cMSG_USERAUTH_SUCCESS)
    transport._send_message(m)
    transport.authenticated = True  # make paramiko itself believe it, as the exploit did
    try:
        chan = transport.open_session(timeout=5)
        chan.invoke_subsystem("sftp")
        paramiko.SFTPClient(chan).listdir("/")
        return False
    except Exception:
        return True
    finally:
        transport.close()


def main():
    port, user, keyfile, command = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    args = sys.argv[5:]
    if command == "forged-success":
        ok = forged_userauth_success(port)
    elif command == "auth-attempts":
        ok = auth_attempts(port, user, keyfile, int(args[0]))
    elif command == "login-refused":
        ok = refused(lambda: connect(port, user, keyfile))
    elif command == "grace":
        ok = dropped_after_grace(port, float(args[0]), args[1])
    elif command == "sessions-total":
        ok = sessions_total(port, user, keyfile, int(args[0]))
    elif command == "sessions-over-limit":
        limit = int(args[0])
        held = [connect(port, user, keyfile) for _ in range(limit)]
        ok = refused(lambda: connect(port, user, keyfile)[1].listdir("/"))
        for t, s in held:
            t.close()
    else:
        transport, sftp = connect(port, user, keyfile)
        if command == "bad-names":
            ok = bad_names(sftp)
        elif command == "huge-read":
            ok = huge_read(sftp, int(args[0]), int(args[1], 0))
        elif command == "too-many-handles":
            ok = too_many_handles(sftp, int(args[0]))
        elif command == "streamed-packet":
            ok = streamed_packet(sftp, int(args[0]), int(args[1]))
        elif command == "big-packet":
            ok = big_packet(sftp, int(args[0]), args[1])
        elif command == "env-flood":
            ok = env_flood(sftp, int(args[0]), int(args[1]))
        elif command == "sparse-write":
            ok = sparse_write(sftp)
        elif command == "long-path":
            ok = long_path(sftp, int(args[0]))
        elif command == "list-count":
            names = sftp.listdir(args[0])
            on_disk = len(os.listdir(os.path.join("jails", user, args[0])))
            print("listed", len(names), "of", on_disk)
            ok = len(names) == int(args[1]) < on_disk
        elif command == "too-big-upload":
            ok = too_big_upload(sftp, int(args[0]))
        elif command == "winscp-sequence":
            ok = winscp_sequence(sftp, open(args[0], "rb").read())
        elif command == "held-handles":
            ok = held_handles(sftp, int(args[0]))
        elif command == "rename-onto-waiting":
            ok = rename_onto_waiting(sftp)
        elif command == "attributes-refused":
            ok = attributes_refused(sftp)
        elif command == "hold-upload":
            f = sftp.open("inbox/held.edi", "w")
            f.write(b"UNB" * 1000)
            f.flush()
            time.sleep(float(args[0]))
            ok = True
        elif command == "kill-mid-upload":
            killed_mid_upload(sftp)
        elif command == "idle":
            time.sleep(float(args[0]))
            ok = refused(lambda: sftp.listdir("/"))
        else:
            raise SystemExit("unknown command " + command)
        transport.close()
    print(command, "ok" if ok else "NOT REFUSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
