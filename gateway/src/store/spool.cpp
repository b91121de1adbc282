#include "store/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "store/sha256.hpp"

namespace edigate::gateway::store {
namespace {

Status io_error(const std::string& what, const std::string& path, int err) {
  return Status::error(StoreErrc::io, what + " " + path + ": " + std::strerror(err));
}

// Temp names start with '.', so they can never be mistaken for an id, and carry a per-process
// random part plus a counter so concurrent writers never share one.
std::string temp_name(const std::string& dir) {
  static std::atomic<unsigned long> counter{0};
  static const unsigned long seed = std::random_device{}();
  return dir + "/.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(seed) + "-" +
         std::to_string(counter.fetch_add(1));
}

bool regular_file_size(const std::string& path, std::size_t& size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  size = static_cast<std::size_t>(st.st_size);
  return true;
}

}  // namespace

Spool::Spool(std::string root, FileOps& ops) : root_(std::move(root)), ops_(&ops) {}

Status Spool::open() {
  if (ops_->mkdir(root_.c_str(), 0750) != 0 && errno != EEXIST) {
    return io_error("cannot create spool", root_, errno);
  }
  return Status::success();
}

std::string Spool::path(std::string_view id) const {
  if (!is_sha256_hex(id)) return {};
  return root_ + "/" + std::string(id.substr(0, 2)) + "/" + std::string(id);
}

bool Spool::exists(std::string_view id) const {
  std::size_t size = 0;
  const auto p = path(id);
  return !p.empty() && regular_file_size(p, size);
}

// The shard directory open and flock'd (shared by a put reusing a file, exclusive by a removal),
// closed (and so unlocked) when it goes. flock works across processes: the CLI's purge and the
// daemon's puts exclude each other too.
class Spool::DirLock {
 public:
  DirLock(FileOps& ops, const std::string& dir, int how) : ops_(ops) {
    fd_ = ops_.open(dir.c_str(), O_RDONLY | O_DIRECTORY, 0);
    if (fd_ >= 0 && ::flock(fd_, how) != 0) {
      const int err = errno;
      ops_.close(fd_);
      fd_ = -1;
      errno = err;
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ops_.close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  int fd() const { return fd_; }

 private:
  FileOps& ops_;
  int fd_ = -1;
};

Result<bool> Spool::remove_idle(std::string_view id, std::int64_t idle_since) {
  const std::string p = path(id);
  if (p.empty()) return Status::error(StoreErrc::bad_input, "not a spool id: " + std::string(id));
  const std::string dir = p.substr(0, p.size() - id.size() - 1);
  const DirLock lock(*ops_, dir, LOCK_EX);
  if (lock.fd() < 0) {
    if (errno == ENOENT) return false;
    return io_error("cannot lock", dir, errno);
  }
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return io_error("cannot stat", p, errno);
  }
  // A put that reused the file marked it under the shared lock before its row was committed.
  if (std::int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000 >= idle_since) {
    return false;
  }
  // Need not be durable: a file that comes back after a crash is an orphan again.
  if (ops_->unlink(p.c_str()) != 0) return io_error("cannot remove", p, errno);
  return true;
}

Spool::RemovalHold::~RemovalHold() {
  for (const int fd : fds_) ::close(fd);
}

Result<Spool::RemovalHold> Spool::hold_removals() {
  RemovalHold hold;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shard = 0; shard < 256; ++shard) {
    const std::string dir = root_ + "/" + kHex[shard >> 4] + kHex[shard & 15];
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return io_error("cannot open", dir, errno);
    }
    hold.fds_.push_back(fd);
    if (::flock(fd, LOCK_SH) != 0) return io_error("cannot lock", dir, errno);
  }
  return hold;
}

// The file for `size` bytes is there: marked used and its directory entry made durable, under
// the shared lock, so that a removal either happened before (false: write it again) or sees
// the mark.
Result<bool> Spool::reuse(const std::string& dir, const std::string& final_path, std::size_t size) {
  const DirLock lock(*ops_, dir, LOCK_SH);
  if (lock.fd() < 0) return io_error("cannot lock", dir, errno);
  std::size_t existing = 0;
  if (!regular_file_size(final_path, existing) || existing != size ||
      ::utimensat(AT_FDCWD, final_path.c_str(), nullptr, 0) != 0) {
    return false;
  }
  // The file may come from a put whose directory fsync failed; make its entry durable now
  // rather than trusting that earlier attempt.
  if (ops_->fsync(lock.fd()) != 0) return io_error("cannot fsync", dir, errno);
  return true;
}

Status Spool::fsync_dir(const std::string& dir) {
  const int fd = ops_->open(dir.c_str(), O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  const int rc = ops_->fsync(fd);
  const int err = errno;
  ops_->close(fd);
  return rc == 0 ? Status::success() : io_error("cannot fsync directory", dir, err);
}

// A new <aa> directory must itself be durable in the root before files in it can be.
Status Spool::ensure_dir(const std::string& dir, const std::string& parent) {
  if (ops_->mkdir(dir.c_str(), 0750) == 0) return fsync_dir(parent);
  if (errno == EEXIST) return Status::success();
  return io_error("cannot create spool directory", dir, errno);
}

Status Spool::write_temp(const std::string& temp, std::string_view bytes) {
  const int fd = ops_->open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0640);
  if (fd < 0) return io_error("cannot create", temp, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ops_->write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ops_->close(fd);
      return io_error("cannot write", temp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (ops_->fsync(fd) != 0) {
    const int err = errno;
    ops_->close(fd);
    return io_error("cannot fsync", temp, err);
  }
  // close() can report a deferred write error (NFS); treat it as a failed write.
  if (ops_->close(fd) != 0) return io_error("cannot close", temp, errno);
  return Status::success();
}

Result<std::string> Spool::put(std::string_view bytes) {
  std::string id = sha256_hex(bytes);
  const std::string dir = root_ + "/" + id.substr(0, 2);
  const std::string final_path = dir + "/" + id;
  std::size_t existing = 0;
  if (regular_file_size(final_path, existing) && existing == bytes.size()) {
    auto reused = reuse(dir, final_path, bytes.size());
    if (!reused.ok()) return reused.status();
    if (reused.value()) return id;  // else a purge removed it meanwhile: write it again
  }
  std::atomic<bool>& known = known_dirs_[std::stoul(id.substr(0, 2), nullptr, 16)];
  if (!known.load(std::memory_order_acquire)) {
    if (auto s = ensure_dir(dir, root_); !s.ok()) return s;
    known.store(true, std::memory_order_release);
  }
  const std::string temp = temp_name(dir);
  if (auto s = write_temp(temp, bytes); !s.ok()) {
    ops_->unlink(temp.c_str());
    known.store(false, std::memory_order_release);
    return s;
  }
  if (ops_->rename(temp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ops_->unlink(temp.c_str());
    return io_error("cannot rename into", final_path, err);
  }
  // Until the directory is fsync'd the rename may not survive a crash; the caller must not
  // commit a row naming the id, so report failure (the visible file is complete either way).
  if (auto s = fsync_dir(dir); !s.ok()) return s;
  return id;
}

Result<std::string> Spool::read(std::string_view id, std::size_t limit) const {
  const std::string p = path(id);
  if (p.empty()) return Status::error(StoreErrc::bad_input, "not a spool id: " + std::string(id));
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::error(StoreErrc::not_found, "no spool file " + p);
    return io_error("cannot open", p, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) > limit) {
    ::close(fd);
    return Status::error(StoreErrc::too_large, "spool file " + p + " exceeds the read limit");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  if (sha256_hex(out) != id) {
    return Status::error(StoreErrc::corrupt, "spool file " + p + " does not match its id");
  }
  return out;
}

}  // namespace edigate::gateway::store
