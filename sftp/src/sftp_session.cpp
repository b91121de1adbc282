#include "sftp_session.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "dir_listing.hpp"
#include "log.hpp"

namespace edigate::sftp {
namespace {

constexpr std::size_t kNamesPerReaddir = 100;  // entries per READDIR reply
constexpr int kMaxPollMillis = 24 * 3600 * 1000;
constexpr std::size_t kReadChunkBytes = 64 * 1024;  // taken off the channel at a time
constexpr std::size_t kFinishedNamesKept = 64;      // for the SETSTAT that follows an upload

using Handler = void (SftpSession::*)(const wire::Request&);

struct Route {
  std::uint8_t type;
  Handler handler;
};

// Everything not listed (MKDIR, RMDIR, SYMLINK, READLINK, EXTENDED, ...) is refused.
constexpr Route kRoutes[] = {
    {wire::kRealpath, &SftpSession::on_realpath}, {wire::kStat, &SftpSession::on_stat},
    {wire::kLstat, &SftpSession::on_stat},        {wire::kFstat, &SftpSession::on_fstat},
    {wire::kOpen, &SftpSession::on_open},         {wire::kRead, &SftpSession::on_read},
    {wire::kWrite, &SftpSession::on_write},       {wire::kClose, &SftpSession::on_close},
    {wire::kOpendir, &SftpSession::on_opendir},   {wire::kReaddir, &SftpSession::on_readdir},
    {wire::kRemove, &SftpSession::on_remove},     {wire::kSetstat, &SftpSession::on_setstat},
    {wire::kFsetstat, &SftpSession::on_fsetstat}, {wire::kRename, &SftpSession::on_rename},
};

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool write_all(int fd, const char* data, std::size_t len, std::uint64_t offset) {
  while (len > 0) {
    const ssize_t n = ::pwrite(fd, data, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

SftpSession::SftpSession(ReplyChannel& replies, const PartnerAccount& partner,
                         const ServerLimits& limits, UploadSink& sink, const Jail& jail)
    : replies_(replies),
      partner_(partner),
      limits_(limits),
      sink_(sink),
      jail_(jail),
      // The channel's bytes are framed here, not by libssh's SFTP server (which reads a whole
      // packet of up to 256 MB before its size can be looked at): what one session holds is
      // one packet of max_packet_bytes, the read chunk and libssh's channel window.
      framer_(limits.max_packet_bytes) {}

SftpSession::~SftpSession() {
  for (OpenHandle& h : handles_.take_all()) abandon(h, end_reason_);
  for (OpenHandle& h : held_) {
    abandon(h, "closed under a temporary name and never renamed (" + end_reason_ + ")");
  }
}

bool SftpSession::out_of_handles() const {
  return handles_.size() + held_.size() >= limits_.max_open_handles;
}

bool SftpSession::feed(const char* data, std::size_t size) {
  if (ended_) return false;
  framer_.feed(data, size);
  while (!ended_) {
    std::optional<wire::Frame> frame = framer_.next();
    if (!frame) break;
    if (!handle(*frame)) break;
  }
  if (framer_.broken()) end("malformed request: a packet of length 0");
  return !ended_;
}

namespace {

class SshChannelReplies final : public ReplyChannel {
 public:
  SshChannelReplies(ssh_session session, ssh_channel channel)
      : session_(session), channel_(channel) {}
  bool write(const std::string& packet, std::string& error) override {
    std::size_t sent = 0;
    while (sent < packet.size()) {
      const int n = ssh_channel_write(channel_, packet.data() + sent,
                                      static_cast<std::uint32_t>(packet.size() - sent));
      if (n <= 0) {
        error = ssh_get_error(session_);
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  ssh_session session_;
  ssh_channel channel_;
};

}  // namespace

void serve_sftp_channel(ssh_session session, ssh_channel channel, const PartnerAccount& partner,
                        const ServerLimits& limits, UploadSink& sink, const Jail& jail) {
  // From here on nothing reads libssh's queue of channel and global requests (env, exec,
  // port forwarding, another channel...): without a callback libssh would keep every one a
  // client sends until the session ends, memory without bound. Each is refused at once and
  // freed (a keepalive gets its failure reply, which is all a keepalive wants).
  ssh_set_message_callback(
      session, [](ssh_session, ssh_message, void*) -> int { return 1; }, nullptr);
  SshChannelReplies replies(session, channel);
  SftpSession sftp(replies, partner, limits, sink, jail);
  const long long ms = std::min<long long>(1000LL * limits.idle_seconds, kMaxPollMillis);
  std::vector<char> chunk(kReadChunkBytes);
  while (!sftp.ended()) {
    const int ready = ssh_channel_poll_timeout(channel, static_cast<int>(ms), 0);
    if (ready == 0) {
      sftp.end("idle timeout",
               "idle for " + std::to_string(limits.idle_seconds) + "s: session closed");
      break;
    }
    if (ready < 0) break;  // the client left ("client disconnected")
    const int n = ssh_channel_read_nonblocking(channel, chunk.data(),
                                               static_cast<std::uint32_t>(chunk.size()), 0);
    if (n == SSH_ERROR) {
      sftp.end(std::string("channel read failed: ") + ssh_get_error(session));
      break;
    }
    if (n <= 0) continue;  // nothing on stdout yet (or end of file: the poll says so next)
    sftp.feed(chunk.data(), static_cast<std::size_t>(n));
  }
}

void SftpSession::end(const std::string& reason, const std::string& logged) {
  if (ended_) return;
  ended_ = true;
  end_reason_ = reason;
  log_event("partner=" + partner_.id + " " + (logged.empty() ? reason : logged));
}

void SftpSession::send(const std::string& packet) {
  if (ended_) return;
  std::string error;
  if (!replies_.write(packet, error)) end("reply could not be sent: " + error);
}

bool SftpSession::handle(const wire::Frame& frame) {
  Request msg;
  if (frame.oversized) {
    if (!initialized_ || wire::decode_head(frame.body, msg) != wire::Decoded::ok) {
      end("malformed request: a packet of " + std::to_string(frame.length) +
          " bytes over max_packet_bytes with no readable id");
      return false;
    }
    if (!write_refused(msg)) return false;
    refuse(msg, wire::kFailure,
           "request of " + std::to_string(frame.length) + " bytes over max_packet_bytes");
    return !ended_;
  }
  std::string error;
  const wire::Decoded decoded = wire::decode(frame.body, msg, error);
  if (!initialized_) {
    if (decoded != wire::Decoded::ok || msg.type != wire::kInit) {
      end("malformed request: the session did not start with INIT");
      return false;
    }
    initialized_ = true;
    send(wire::version_packet());
    return !ended_;
  }
  if (decoded == wire::Decoded::unreadable || msg.type == wire::kInit) {
    end("malformed request: " + std::string(decoded == wire::Decoded::unreadable
                                                ? "no type and id"
                                                : "INIT once the session had started"));
    return false;
  }
  if (decoded == wire::Decoded::bad_message) {
    // Framed by its length, the next request is still where it should be: answer and go on.
    if (!write_refused(msg)) return false;
    refuse(msg, wire::kBadMessage, error);
    return !ended_;
  }
  dispatch(msg);
  return !ended_;
}

// A WRITE refused before it was looked at (too large, malformed) leaves a hole in its upload:
// the close must not ingest the file. One whose upload cannot be told (its handle unreadable,
// or naming none open) may have left it in any of them: the session ends (false), and every
// upload still open with it is abandoned rather than ingested.
bool SftpSession::write_refused(const Request& msg) {
  if (msg.type != wire::kWrite) return true;
  OpenHandle* h = handles_.find(msg.handle);
  if (h == nullptr) {
    end("malformed request: a refused WRITE whose handle names no open upload");
    return false;
  }
  h->write_failed = true;
  return true;
}

void SftpSession::dispatch(const Request& msg) {
  for (const Route& r : kRoutes) {
    if (r.type == msg.type) {
      (this->*r.handler)(msg);
      return;
    }
  }
  on_unsupported(msg);
}

void SftpSession::reply_status(const Request& msg, std::uint32_t status, std::string_view message) {
  send(wire::status_packet(msg.id, status, message));
}

void SftpSession::refuse(const Request& msg, std::uint32_t status, const std::string& why) {
  log_event("partner=" + partner_.id + " refused request type=" + std::to_string(msg.type) + ": " +
            why);
  reply_status(msg, status, why);
}

void SftpSession::reply_errno(const Request& msg, int err, const std::string& what) {
  if (err == ENOENT) {
    reply_status(msg, wire::kNoSuchFile, "no such file");
    return;
  }
  // ELOOP: a symlink; EXDEV: an escape from the jail. Both are attempts worth a log line.
  const std::string why = err == ELOOP   ? "symlink refused"
                          : err == EXDEV ? "escape from the jail refused"
                                         : std::string(std::strerror(err));
  const bool denied = err == ELOOP || err == EXDEV || err == EACCES || err == EPERM;
  refuse(msg, denied ? wire::kPermissionDenied : wire::kFailure, what + ": " + why);
}

bool SftpSession::checked_path(const Request& msg, const std::string& raw, JailPath& out) {
  if (raw.find('\0') != std::string::npos) {
    refuse(msg, wire::kPermissionDenied, "NUL byte in path");
    return false;
  }
  std::string reason;
  if (!parse_jail_path(raw, limits_.max_path_bytes, out, reason)) {
    refuse(msg, wire::kPermissionDenied, "path refused (" + reason + ")");
    return false;
  }
  return true;
}

void SftpSession::on_unsupported(const Request& msg) {
  refuse(msg, wire::kOpUnsupported, "operation not supported in the jail");
}

void SftpSession::on_realpath(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  send(wire::name_packet(msg.id, {{display_path(path), display_path(path), {}}}));
}

void SftpSession::on_stat(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  DirEntry entry;
  const auto held_upload = path.area == Area::inbox ? held(path.name) : held_.end();
  if (path.kind == JailPath::Kind::root) {
    entry = DirEntry{"/", true, 0, S_IFDIR | 0500, 0};
  } else if (path.kind == JailPath::Kind::file && held_upload != held_.end()) {
    struct stat st {};
    if (::fstat(held_upload->fd, &st) != 0) return reply_errno(msg, errno, "stat");
    entry = entry_from_stat(path.name, st);
  } else {
    const int area_fd = jail_.open_area(path.area);
    int fd = area_fd;
    if (area_fd >= 0 && path.kind == JailPath::Kind::file) {
      fd = Jail::open_beneath(area_fd, path.name, O_PATH, 0);
    }
    int err = errno;  // of the open, when it failed
    struct stat st {};
    const bool ok = fd >= 0 && ::fstat(fd, &st) == 0;
    if (fd >= 0 && !ok) err = errno;  // of the fstat
    if (fd != area_fd && fd >= 0) ::close(fd);
    if (area_fd >= 0) ::close(area_fd);
    if (!ok) return reply_errno(msg, err, "stat " + display_path(path));
    entry = entry_from_stat(path.name, st);
  }
  send(wire::attrs_packet(msg.id, attributes_of(entry)));
}

void SftpSession::on_fstat(const Request& msg) {
  OpenHandle* h = handles_.find(msg.handle);
  struct stat st {};
  if (h == nullptr || h->fd < 0 || ::fstat(h->fd, &st) != 0) {
    return refuse(msg, wire::kFailure, "fstat on an invalid handle");
  }
  send(wire::attrs_packet(msg.id, attributes_of(entry_from_stat(h->name, st))));
}

void SftpSession::on_open(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (out_of_handles()) {
    return refuse(msg, wire::kFailure, "too many open handles (max_open_handles)");
  }
  if (path.kind != JailPath::Kind::file) {
    return refuse(msg, wire::kPermissionDenied, "only files in inbox/ or outbox/ can be opened");
  }
  const bool writing =
      (msg.pflags & (wire::kOpenWrite | wire::kOpenAppend | wire::kOpenCreate)) != 0;
  if (writing && path.area == Area::inbox) return open_upload(msg, path);
  if (!writing && path.area == Area::outbox) return open_download(msg, path);
  refuse(msg, wire::kPermissionDenied,
         writing ? "uploads go to inbox/" : "downloads come from outbox/");
}

void SftpSession::open_download(const Request& msg, const JailPath& path) {
  const int area_fd = jail_.open_area(Area::outbox);
  const int fd = area_fd < 0 ? -1 : Jail::open_beneath(area_fd, path.name, O_RDONLY, 0);
  const int err = errno;
  if (area_fd >= 0) ::close(area_fd);
  if (fd < 0) return reply_errno(msg, err, "open " + display_path(path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return refuse(msg, wire::kPermissionDenied, "not a regular file");
  }
  OpenHandle h;
  h.kind = OpenHandle::Kind::download;
  h.fd = fd;
  h.name = path.name;
  reply_handle(msg, std::move(h));
}

void SftpSession::open_upload(const Request& msg, const JailPath& path) {
  const int area_fd = jail_.open_area(Area::inbox);
  if (area_fd < 0) return reply_errno(msg, errno, "open inbox");
  OpenHandle h;
  h.kind = OpenHandle::Kind::upload;
  h.area_fd = area_fd;
  h.name = path.name;
  h.temp_name = std::string(kUploadTempPrefix) + random_hex(12);
  h.fd = Jail::open_beneath(area_fd, h.temp_name, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (h.temp_name.size() == std::strlen(kUploadTempPrefix) || h.fd < 0) {
    const int err = errno;
    ::close(area_fd);
    return reply_errno(msg, err, "create upload");
  }
  log_event("partner=" + partner_.id + " upload started file=" + path.name);
  reply_handle(msg, std::move(h));
}

void SftpSession::reply_handle(const Request& msg, OpenHandle handle) {
  send(wire::handle_packet(msg.id, handles_.add(std::move(handle))));
}

void SftpSession::on_read(const Request& msg) {
  OpenHandle* h = handles_.find(msg.handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::download) {
    return refuse(msg, wire::kFailure, "read on an invalid handle");
  }
  std::uint32_t len = msg.length;
  if (len > limits_.max_read_bytes) {
    // Answering with fewer bytes is allowed by the protocol; clients ask again.
    log_event("partner=" + partner_.id + " read of " + std::to_string(len) +
              " bytes capped to max_read_bytes");
    len = limits_.max_read_bytes;
  }
  std::vector<char> buf(len);
  ssize_t n;
  do {
    n = ::pread(h->fd, buf.data(), len, static_cast<off_t>(msg.offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return reply_errno(msg, errno, "read");
  if (n == 0) {
    reply_status(msg, wire::kEof, "end of file");
    return;
  }
  send(wire::data_packet(msg.id, std::string_view(buf.data(), static_cast<std::size_t>(n))));
}

void SftpSession::on_write(const Request& msg) {
  OpenHandle* h = handles_.find(msg.handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::upload) {
    return refuse(msg, wire::kFailure, "write on an invalid handle");
  }
  const std::size_t len = msg.data.size();
  if (msg.offset > limits_.max_upload_bytes || len > limits_.max_upload_bytes - msg.offset) {
    h->write_failed = true;
    return refuse(msg, wire::kFailure, "upload larger than max_upload_bytes");
  }
  // Past the end written so far would leave a hole: the file would grow by what was skipped,
  // not by what was sent (a byte at offset 500 MB, or nothing there, as a 500 MB upload).
  // Clients write in order; a write may go over what was written, never beyond it.
  if (msg.offset > h->bytes) {
    h->write_failed = true;
    return refuse(msg, wire::kFailure, "write past the end of the upload (no holes)");
  }
  if (!write_all(h->fd, msg.data.data(), len, msg.offset)) {
    h->write_failed = true;
    return reply_errno(msg, errno, "write");
  }
  h->bytes = std::max<std::uint64_t>(h->bytes, msg.offset + len);
  reply_status(msg, wire::kOk, "");
}

void SftpSession::on_close(const Request& msg) {
  std::optional<OpenHandle> h = handles_.take(msg.handle);
  if (!h) return refuse(msg, wire::kFailure, "close of an invalid handle");
  if (h->kind == OpenHandle::Kind::upload) {
    if (!h->write_failed && is_temporary_name(h->name, partner_.temporary_suffixes)) {
      return hold_upload(msg, std::move(*h));
    }
    if (finish_upload(msg, *h) == Finished::name_taken) {
      abandon(*h, std::string("upload could not be stored: ") + std::strerror(EEXIST));
    }
    return;
  }
  if (h->fd >= 0) ::close(h->fd);
  reply_status(msg, wire::kOk, "");
}

// fsync, rename to the client's name (never over an upload not yet picked up), fsync the
// directory, then the sink persists its record. Only then is the close answered OK. On a
// failure the client is answered here and the upload abandoned, except when the name is taken
// by a file waiting in the inbox: then the upload is left as it was, for the caller to keep
// (a held upload, which its client may rename to another name) or abandon.
SftpSession::Finished SftpSession::finish_upload(const Request& msg, OpenHandle& up) {
  if (up.write_failed) {
    // The file has a hole or a cut-off end: never hand it on as if it were complete.
    abandon(up, "closed after a failed write");
    refuse(msg, wire::kFailure, "upload incomplete: a write had failed");
    return Finished::failed;
  }
  if (::fsync(up.fd) != 0 || ::renameat2(up.area_fd, up.temp_name.c_str(), up.area_fd,
                                         up.name.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      refuse(msg, wire::kFailure, "a file of that name is waiting in inbox/");
      return Finished::name_taken;
    }
    abandon(up, std::string("upload could not be stored: ") + std::strerror(err));
    refuse(msg, wire::kFailure, "upload failed");
    return Finished::failed;
  }
  ::close(up.fd);
  up.fd = -1;
  // The rename must be on disk before anyone is told the file is there (the stand-alone
  // journal records it by name).
  if (::fsync(up.area_fd) != 0) {
    const int err = errno;
    ::unlinkat(up.area_fd, up.name.c_str(), 0);
    up.temp_name.clear();  // nothing left under the temporary name for abandon() to remove
    abandon(up, std::string("the inbox could not be synced: ") + std::strerror(err));
    refuse(msg, wire::kFailure, "upload failed");
    return Finished::failed;
  }
  const Status ingested = sink_.ingest({partner_.id, up.name, up.area_fd, up.bytes});
  if (!ingested.ok()) {
    ::unlinkat(up.area_fd, up.name.c_str(), 0);
    up.temp_name.clear();
    // Recorded with the reason; the client is told only that it did not go through (the
    // store's error text is ours, not the partner's).
    abandon(up, "not stored: " + ingested.message);
    if (ingested.code == ErrorCode::refused) {  // for good, and the reason is the partner's
      refuse(msg, wire::kFailure, "upload refused: " + ingested.message);
    } else {
      refuse(msg, wire::kFailure, "upload could not be stored; send it again");
    }
    return Finished::failed;
  }
  ::close(up.area_fd);
  log_event("partner=" + partner_.id + " upload complete file=" + up.name +
            " bytes=" + std::to_string(up.bytes));
  finished_.push_back(up.name);
  if (finished_.size() > kFinishedNamesKept) finished_.pop_front();
  reply_status(msg, wire::kOk, "");
  return Finished::done;
}

// Closed under a temporary name, an upload is not complete for its client until renamed (WinSCP
// writes NAME.filepart, closes it, then renames it to NAME): it stays under its hidden name,
// open, and is handed on at the RENAME, fsync'd then like any other. If the session ends first
// it is abandoned, as one whose handle was left open is: its client never called it complete.
void SftpSession::hold_upload(const Request& msg, OpenHandle upload) {
  if (const auto earlier = held(upload.name); earlier != held_.end()) {
    abandon(*earlier, "replaced by a new upload of the same name");
    held_.erase(earlier);
  }
  log_event("partner=" + partner_.id + " upload held file=" + upload.name +
            " bytes=" + std::to_string(upload.bytes) + " until it is renamed");
  held_.push_back(std::move(upload));
  reply_status(msg, wire::kOk, "");
}

std::vector<OpenHandle>::iterator SftpSession::held(const std::string& name) {
  return std::find_if(held_.begin(), held_.end(),
                      [&name](const OpenHandle& h) { return h.name == name; });
}

// RENAME serves the held uploads only: from their temporary name to the final one, both in
// inbox/. The rename is the client's "complete", so this is where the upload is handed on.
void SftpSession::on_rename(const Request& msg) {
  JailPath from;
  JailPath to;
  if (!checked_path(msg, msg.path, from) || !checked_path(msg, msg.target, to)) return;
  const auto in_inbox = [](const JailPath& p) {
    return p.kind == JailPath::Kind::file && p.area == Area::inbox;
  };
  if (!in_inbox(from) || !in_inbox(to)) {
    return refuse(msg, wire::kPermissionDenied, "only a file in inbox/ is renamed, within inbox/");
  }
  const auto upload = held(from.name);
  if (upload == held_.end()) {
    if (is_temporary_name(from.name, partner_.temporary_suffixes)) {
      return refuse(msg, wire::kNoSuchFile, "no upload of that name held in this session");
    }
    return refuse(msg, wire::kPermissionDenied,
                  "only an upload closed under a temporary name can be renamed");
  }
  if (is_temporary_name(to.name, partner_.temporary_suffixes)) {
    return refuse(msg, wire::kPermissionDenied, "a held upload is renamed to its final name only");
  }
  OpenHandle up = std::move(*upload);
  held_.erase(upload);
  std::string held_name = std::exchange(up.name, to.name);
  // It goes as a CLOSE does: on a failure it is dropped, recorded as partial, and the client is
  // told (to send it again). A file of that name still waiting (for the stand-alone server's
  // reader) leaves it held instead: the client may rename it to another name, or retry once
  // the file is picked up.
  switch (finish_upload(msg, up)) {
    case Finished::done:
      log_event("partner=" + partner_.id + " held upload file=" + held_name + " renamed to " +
                to.name);
      break;
    case Finished::name_taken:
      up.name = std::move(held_name);
      held_.push_back(std::move(up));
      break;
    case Finished::failed:
      break;
  }
}

// SETSTAT and FSETSTAT. An upload is the gateway's once written (the daemon keeps its bytes in
// the store and removes the inbox copy), so the times and permissions a client sets on its own
// upload afterwards (WinSCP sets each upload's modification time by default, OpenSSH's put -p
// too) are acknowledged and not kept, and the log says so. Size and owner, or anything else,
// get permission denied (which WinSCP's "ignore permission errors" lets pass).
bool SftpSession::settable(const Request& msg) {
  constexpr std::uint32_t kAcknowledged = wire::kAttrPermissions | wire::kAttrAcModTime;
  if ((msg.attributes.flags & ~kAcknowledged) == 0) return true;
  refuse(msg, wire::kPermissionDenied, "only times and permissions can be set, on uploads");
  return false;
}

void SftpSession::attributes_not_kept(const Request& msg, const std::string& name) {
  log_event("partner=" + partner_.id + " attributes set on upload file=" + name +
            " not kept (the gateway owns the upload)");
  reply_status(msg, wire::kOk, "");
}

void SftpSession::on_setstat(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  const bool own_upload =
      path.kind == JailPath::Kind::file && path.area == Area::inbox &&
      (held(path.name) != held_.end() ||
       std::find(finished_.begin(), finished_.end(), path.name) != finished_.end());
  if (!own_upload) {
    return refuse(msg, wire::kPermissionDenied,
                  "attributes are set only on this session's uploads");
  }
  if (settable(msg)) attributes_not_kept(msg, path.name);
}

void SftpSession::on_fsetstat(const Request& msg) {
  OpenHandle* h = handles_.find(msg.handle);
  if (h == nullptr) return refuse(msg, wire::kFailure, "fsetstat on an invalid handle");
  if (h->kind != OpenHandle::Kind::upload) {
    return refuse(msg, wire::kPermissionDenied, "attributes are set only on uploads");
  }
  if (settable(msg)) attributes_not_kept(msg, h->name);
}

// An upload that did not close cleanly: its bytes are removed and the attempt is recorded.
void SftpSession::abandon(OpenHandle& h, const std::string& reason) {
  if (h.fd >= 0) ::close(h.fd);
  if (h.kind == OpenHandle::Kind::upload) {
    if (!h.temp_name.empty()) ::unlinkat(h.area_fd, h.temp_name.c_str(), 0);
    ::close(h.area_fd);
    const Status s = sink_.record_partial({partner_.id, h.name, h.bytes, reason});
    log_event("partner=" + partner_.id + " partial upload file=" + h.name +
              " bytes=" + std::to_string(h.bytes) + " reason=" + reason +
              (s.ok() ? "" : " (not recorded: " + s.message + ")"));
  }
  h.fd = -1;
  h.area_fd = -1;
}

void SftpSession::on_opendir(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (out_of_handles()) {
    return refuse(msg, wire::kFailure, "too many open handles (max_open_handles)");
  }
  if (path.kind == JailPath::Kind::file) {
    return refuse(msg, wire::kFailure, "not a directory");
  }
  OpenHandle h;
  h.kind = OpenHandle::Kind::directory;
  if (path.kind == JailPath::Kind::root) {
    h.entries = root_listing();
  } else {
    const int area_fd = jail_.open_area(path.area);
    if (area_fd < 0) return reply_errno(msg, errno, "opendir " + display_path(path));
    h.entries = area_listing(area_fd, limits_.max_list_entries);
    ::close(area_fd);
  }
  reply_handle(msg, std::move(h));
}

void SftpSession::on_readdir(const Request& msg) {
  OpenHandle* h = handles_.find(msg.handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::directory) {
    return refuse(msg, wire::kFailure, "readdir on an invalid handle");
  }
  if (h->next_entry >= h->entries.size()) {
    reply_status(msg, wire::kEof, "end of file");
    return;
  }
  const std::size_t last = std::min(h->entries.size(), h->next_entry + kNamesPerReaddir);
  std::vector<wire::Name> names;
  for (; h->next_entry < last; ++h->next_entry) {
    const DirEntry& e = h->entries[h->next_entry];
    names.push_back({e.name, long_name(e, partner_.id), attributes_of(e)});
  }
  send(wire::name_packet(msg.id, names));
}

void SftpSession::on_remove(const Request& msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (path.kind != JailPath::Kind::file || path.area != Area::outbox) {
    return refuse(msg, wire::kPermissionDenied, "only files in outbox/ can be deleted");
  }
  const int area_fd = jail_.open_area(Area::outbox);
  // A single checked name relative to the outbox descriptor: unlinkat cannot leave the jail.
  const bool ok = area_fd >= 0 && ::unlinkat(area_fd, path.name.c_str(), 0) == 0;
  const int err = errno;
  if (area_fd >= 0) ::close(area_fd);
  if (!ok) return reply_errno(msg, err, "remove " + display_path(path));
  log_event("partner=" + partner_.id + " deleted outbox/" + path.name);
  reply_status(msg, wire::kOk, "");
}

}  // namespace edigate::sftp
