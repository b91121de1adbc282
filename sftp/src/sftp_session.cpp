#include "sftp_session.hpp"

#include <fcntl.h>
#include <libssh/server.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "dir_listing.hpp"
#include "log.hpp"

namespace edigate::sftp {
namespace {

constexpr std::size_t kNamesPerReaddir = 100;  // entries per READDIR reply
constexpr int kMaxPollMillis = 24 * 3600 * 1000;

using Handler = void (SftpSession::*)(sftp_client_message);

struct Route {
  std::uint8_t type;
  Handler handler;
};

// Everything not listed (SETSTAT, MKDIR, RENAME, SYMLINK, EXTENDED, ...) is refused.
constexpr Route kRoutes[] = {
    {SSH_FXP_REALPATH, &SftpSession::on_realpath}, {SSH_FXP_STAT, &SftpSession::on_stat},
    {SSH_FXP_LSTAT, &SftpSession::on_stat},        {SSH_FXP_FSTAT, &SftpSession::on_fstat},
    {SSH_FXP_OPEN, &SftpSession::on_open},         {SSH_FXP_READ, &SftpSession::on_read},
    {SSH_FXP_WRITE, &SftpSession::on_write},       {SSH_FXP_CLOSE, &SftpSession::on_close},
    {SSH_FXP_OPENDIR, &SftpSession::on_opendir},   {SSH_FXP_READDIR, &SftpSession::on_readdir},
    {SSH_FXP_REMOVE, &SftpSession::on_remove},
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

std::uint32_t get_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// libssh hands us the path as a C string, which silently ends at an embedded NUL. The raw
// request (id, then the path's length and bytes) tells whether the two agree.
bool path_has_nul(sftp_client_message msg) {
  ssh_buffer raw = msg->complete_message;
  const char* path = sftp_client_message_get_filename(msg);
  if (raw == nullptr || path == nullptr || ssh_buffer_get_len(raw) < 8) return false;
  const auto* bytes = static_cast<const unsigned char*>(ssh_buffer_get(raw));
  return get_u32(bytes + 4) != std::strlen(path);
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

SftpSession::SftpSession(ssh_session session, ssh_channel channel, const PartnerAccount& partner,
                         const ServerLimits& limits, UploadSink& sink, const Jail& jail)
    : session_(session),
      channel_(channel),
      partner_(partner),
      limits_(limits),
      sink_(sink),
      jail_(jail),
      handles_(limits.max_open_handles) {}

SftpSession::~SftpSession() {
  for (OpenHandle& h : handles_.take_all()) abandon(h, end_reason_);
  if (sftp_ != nullptr) sftp_server_free(sftp_);
}

bool SftpSession::wait_for_request() {
  const long long ms = std::min<long long>(1000LL * limits_.idle_seconds, kMaxPollMillis);
  const int rc = ssh_channel_poll_timeout(channel_, static_cast<int>(ms), 0);
  if (rc == 0) {
    end_reason_ = "idle timeout";
    log_event("partner=" + partner_.id + " idle for " + std::to_string(limits_.idle_seconds) +
              "s: session closed");
    return false;
  }
  return rc > 0;
}

void SftpSession::run() {
  // From here on nothing reads libssh's queue of channel and global requests (env, exec,
  // port forwarding, another channel...): without a callback libssh would keep every one a
  // client sends until the session ends, memory without bound. Each is refused at once and
  // freed (a keepalive gets its failure reply, which is all a keepalive wants).
  ssh_set_message_callback(
      session_, [](ssh_session, ssh_message, void*) -> int { return 1; }, nullptr);
  sftp_ = sftp_server_new(session_, channel_);
  if (sftp_ == nullptr || !wait_for_request() || sftp_server_init(sftp_) != 0) return;
  while (wait_for_request()) {
    sftp_client_message msg = sftp_get_client_message(sftp_);
    if (msg == nullptr) {
      if (ssh_channel_is_eof(channel_) == 0) {
        end_reason_ = std::string("malformed request: ") + ssh_get_error(session_);
        log_event("partner=" + partner_.id + " " + end_reason_);
      }
      break;
    }
    dispatch(msg);
    sftp_client_message_free(msg);
  }
}

void SftpSession::dispatch(sftp_client_message msg) {
  const std::uint8_t type = sftp_client_message_get_type(msg);
  if (msg->complete_message != nullptr &&
      ssh_buffer_get_len(msg->complete_message) > limits_.max_packet_bytes) {
    // A refused WRITE leaves a hole in the upload: its close must not ingest the file.
    if (type == SSH_FXP_WRITE) {
      if (OpenHandle* h = handles_.find(msg->handle); h != nullptr) h->write_failed = true;
    }
    refuse(msg, SSH_FX_FAILURE,
           "request of " + std::to_string(ssh_buffer_get_len(msg->complete_message)) +
               " bytes over max_packet_bytes");
    return;
  }
  for (const Route& r : kRoutes) {
    if (r.type == type) {
      (this->*r.handler)(msg);
      return;
    }
  }
  on_unsupported(msg);
}

void SftpSession::refuse(sftp_client_message msg, std::uint32_t status, const std::string& why) {
  log_event("partner=" + partner_.id + " refused request type=" +
            std::to_string(sftp_client_message_get_type(msg)) + ": " + why);
  sftp_reply_status(msg, status, why.c_str());
}

void SftpSession::reply_errno(sftp_client_message msg, int err, const std::string& what) {
  if (err == ENOENT) {
    sftp_reply_status(msg, SSH_FX_NO_SUCH_FILE, "no such file");
    return;
  }
  // ELOOP: a symlink; EXDEV: an escape from the jail. Both are attempts worth a log line.
  const std::string why = err == ELOOP   ? "symlink refused"
                          : err == EXDEV ? "escape from the jail refused"
                                         : std::string(std::strerror(err));
  const bool denied = err == ELOOP || err == EXDEV || err == EACCES || err == EPERM;
  refuse(msg, denied ? SSH_FX_PERMISSION_DENIED : SSH_FX_FAILURE, what + ": " + why);
}

bool SftpSession::checked_path(sftp_client_message msg, JailPath& out) {
  const char* raw = sftp_client_message_get_filename(msg);
  if (raw == nullptr || path_has_nul(msg)) {
    refuse(msg, SSH_FX_PERMISSION_DENIED, "NUL byte in path");
    return false;
  }
  std::string reason;
  if (!parse_jail_path(raw, limits_.max_path_bytes, out, reason)) {
    refuse(msg, SSH_FX_PERMISSION_DENIED, "path refused (" + reason + ")");
    return false;
  }
  return true;
}

void SftpSession::on_unsupported(sftp_client_message msg) {
  refuse(msg, SSH_FX_OP_UNSUPPORTED, "operation not supported in the jail");
}

void SftpSession::on_realpath(sftp_client_message msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  sftp_attributes_struct attr{};
  sftp_reply_name(msg, display_path(path).c_str(), &attr);
}

void SftpSession::on_stat(sftp_client_message msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  DirEntry entry;
  if (path.kind == JailPath::Kind::root) {
    entry = DirEntry{"/", true, 0, S_IFDIR | 0500, 0};
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
  sftp_attributes_struct attr{};
  fill_attributes(entry, attr);
  sftp_reply_attr(msg, &attr);
}

void SftpSession::on_fstat(sftp_client_message msg) {
  OpenHandle* h = handles_.find(msg->handle);
  struct stat st {};
  if (h == nullptr || h->fd < 0 || ::fstat(h->fd, &st) != 0) {
    return refuse(msg, SSH_FX_FAILURE, "fstat on an invalid handle");
  }
  sftp_attributes_struct attr{};
  fill_attributes(entry_from_stat(h->name, st), attr);
  sftp_reply_attr(msg, &attr);
}

void SftpSession::on_open(sftp_client_message msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (handles_.full()) {
    return refuse(msg, SSH_FX_FAILURE, "too many open handles (max_open_handles)");
  }
  if (path.kind != JailPath::Kind::file) {
    return refuse(msg, SSH_FX_PERMISSION_DENIED, "only files in inbox/ or outbox/ can be opened");
  }
  const std::uint32_t flags = sftp_client_message_get_flags(msg);
  const bool writing = (flags & (SSH_FXF_WRITE | SSH_FXF_APPEND | SSH_FXF_CREAT)) != 0;
  if (writing && path.area == Area::inbox) return open_upload(msg, path);
  if (!writing && path.area == Area::outbox) return open_download(msg, path);
  refuse(msg, SSH_FX_PERMISSION_DENIED,
         writing ? "uploads go to inbox/" : "downloads come from outbox/");
}

void SftpSession::open_download(sftp_client_message msg, const JailPath& path) {
  const int area_fd = jail_.open_area(Area::outbox);
  const int fd = area_fd < 0 ? -1 : Jail::open_beneath(area_fd, path.name, O_RDONLY, 0);
  const int err = errno;
  if (area_fd >= 0) ::close(area_fd);
  if (fd < 0) return reply_errno(msg, err, "open " + display_path(path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return refuse(msg, SSH_FX_PERMISSION_DENIED, "not a regular file");
  }
  OpenHandle h;
  h.kind = OpenHandle::Kind::download;
  h.fd = fd;
  h.name = path.name;
  reply_handle(msg, std::move(h));
}

void SftpSession::open_upload(sftp_client_message msg, const JailPath& path) {
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

void SftpSession::reply_handle(sftp_client_message msg, OpenHandle handle) {
  ssh_string wire = handles_.add(std::move(handle));
  sftp_reply_handle(msg, wire);
  ssh_string_free(wire);
}

void SftpSession::on_read(sftp_client_message msg) {
  OpenHandle* h = handles_.find(msg->handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::download) {
    return refuse(msg, SSH_FX_FAILURE, "read on an invalid handle");
  }
  std::uint32_t len = msg->len;
  if (len > limits_.max_read_bytes) {
    // Answering with fewer bytes is allowed by the protocol; clients ask again.
    log_event("partner=" + partner_.id + " read of " + std::to_string(len) +
              " bytes capped to max_read_bytes");
    len = limits_.max_read_bytes;
  }
  std::vector<char> buf(len);
  ssize_t n;
  do {
    n = ::pread(h->fd, buf.data(), len, static_cast<off_t>(msg->offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return reply_errno(msg, errno, "read");
  if (n == 0) {
    sftp_reply_status(msg, SSH_FX_EOF, "end of file");
    return;
  }
  sftp_reply_data(msg, buf.data(), static_cast<int>(n));
}

void SftpSession::on_write(sftp_client_message msg) {
  OpenHandle* h = handles_.find(msg->handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::upload || msg->data == nullptr) {
    return refuse(msg, SSH_FX_FAILURE, "write on an invalid handle");
  }
  const std::size_t len = ssh_string_len(msg->data);
  if (msg->offset > limits_.max_upload_bytes || len > limits_.max_upload_bytes - msg->offset) {
    h->write_failed = true;
    return refuse(msg, SSH_FX_FAILURE, "upload larger than max_upload_bytes");
  }
  // Past the end written so far would leave a hole: the file would grow by what was skipped,
  // not by what was sent (a byte at offset 500 MB, or nothing there, as a 500 MB upload).
  // Clients write in order; a write may go over what was written, never beyond it.
  if (msg->offset > h->bytes) {
    h->write_failed = true;
    return refuse(msg, SSH_FX_FAILURE, "write past the end of the upload (no holes)");
  }
  if (!write_all(h->fd, static_cast<const char*>(ssh_string_data(msg->data)), len, msg->offset)) {
    h->write_failed = true;
    return reply_errno(msg, errno, "write");
  }
  h->bytes = std::max<std::uint64_t>(h->bytes, msg->offset + len);
  sftp_reply_status(msg, SSH_FX_OK, nullptr);
}

void SftpSession::on_close(sftp_client_message msg) {
  std::optional<OpenHandle> h = handles_.take(msg->handle);
  if (!h) return refuse(msg, SSH_FX_FAILURE, "close of an invalid handle");
  if (h->kind == OpenHandle::Kind::upload) return finish_upload(msg, *h);
  if (h->fd >= 0) ::close(h->fd);
  sftp_reply_status(msg, SSH_FX_OK, nullptr);
}

// fsync, rename to the client's name (never over an upload not yet picked up), fsync the
// directory, then the sink persists its record. Only then is the close answered OK.
void SftpSession::finish_upload(sftp_client_message msg, OpenHandle& up) {
  if (up.write_failed) {
    // The file has a hole or a cut-off end: never hand it on as if it were complete.
    abandon(up, "closed after a failed write");
    return refuse(msg, SSH_FX_FAILURE, "upload incomplete: a write had failed");
  }
  const bool synced = ::fsync(up.fd) == 0;
  ::close(up.fd);
  up.fd = -1;
  if (!synced || ::renameat2(up.area_fd, up.temp_name.c_str(), up.area_fd, up.name.c_str(),
                             RENAME_NOREPLACE) != 0) {
    const int err = errno;
    abandon(up, std::string("upload could not be stored: ") + std::strerror(err));
    return refuse(msg, SSH_FX_FAILURE,
                  err == EEXIST ? "a file of that name is waiting in inbox/" : "upload failed");
  }
  // The rename must be on disk before anyone is told the file is there (the stand-alone
  // journal records it by name).
  if (::fsync(up.area_fd) != 0) {
    const int err = errno;
    ::unlinkat(up.area_fd, up.name.c_str(), 0);
    up.temp_name.clear();  // nothing left under the temporary name for abandon() to remove
    abandon(up, std::string("the inbox could not be synced: ") + std::strerror(err));
    return refuse(msg, SSH_FX_FAILURE, "upload failed");
  }
  const Status ingested = sink_.ingest({partner_.id, up.name, up.area_fd, up.bytes});
  if (!ingested.ok()) {
    ::unlinkat(up.area_fd, up.name.c_str(), 0);
    up.temp_name.clear();
    // Recorded with the reason; the client is told only that it did not go through (the
    // store's error text is ours, not the partner's).
    abandon(up, "not stored: " + ingested.message);
    if (ingested.code == ErrorCode::refused) {  // for good, and the reason is the partner's
      return refuse(msg, SSH_FX_FAILURE, "upload refused: " + ingested.message);
    }
    return refuse(msg, SSH_FX_FAILURE, "upload could not be stored; send it again");
  }
  ::close(up.area_fd);
  log_event("partner=" + partner_.id + " upload complete file=" + up.name +
            " bytes=" + std::to_string(up.bytes));
  sftp_reply_status(msg, SSH_FX_OK, nullptr);
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

void SftpSession::on_opendir(sftp_client_message msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (handles_.full()) {
    return refuse(msg, SSH_FX_FAILURE, "too many open handles (max_open_handles)");
  }
  if (path.kind == JailPath::Kind::file) {
    return refuse(msg, SSH_FX_FAILURE, "not a directory");
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

void SftpSession::on_readdir(sftp_client_message msg) {
  OpenHandle* h = handles_.find(msg->handle);
  if (h == nullptr || h->kind != OpenHandle::Kind::directory) {
    return refuse(msg, SSH_FX_FAILURE, "readdir on an invalid handle");
  }
  if (h->next_entry >= h->entries.size()) {
    sftp_reply_status(msg, SSH_FX_EOF, nullptr);
    return;
  }
  const std::size_t end = std::min(h->entries.size(), h->next_entry + kNamesPerReaddir);
  for (; h->next_entry < end; ++h->next_entry) {
    const DirEntry& e = h->entries[h->next_entry];
    sftp_attributes_struct attr{};
    fill_attributes(e, attr);
    sftp_reply_names_add(msg, e.name.c_str(), long_name(e, partner_.id).c_str(), &attr);
  }
  sftp_reply_names(msg);
}

void SftpSession::on_remove(sftp_client_message msg) {
  JailPath path;
  if (!checked_path(msg, path)) return;
  if (path.kind != JailPath::Kind::file || path.area != Area::outbox) {
    return refuse(msg, SSH_FX_PERMISSION_DENIED, "only files in outbox/ can be deleted");
  }
  const int area_fd = jail_.open_area(Area::outbox);
  // A single checked name relative to the outbox descriptor: unlinkat cannot leave the jail.
  const bool ok = area_fd >= 0 && ::unlinkat(area_fd, path.name.c_str(), 0) == 0;
  const int err = errno;
  if (area_fd >= 0) ::close(area_fd);
  if (!ok) return reply_errno(msg, err, "remove " + display_path(path));
  log_event("partner=" + partner_.id + " deleted outbox/" + path.name);
  sftp_reply_status(msg, SSH_FX_OK, nullptr);
}

}  // namespace edigate::sftp
