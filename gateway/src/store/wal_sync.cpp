#include "store/wal_sync.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edigate::gateway::store {

WalSync::WalSync(std::string wal_path) : path_(std::move(wal_path)) {}

WalSync::~WalSync() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t WalSync::flushes() const {
  std::lock_guard lock(m_);
  return flushes_;
}

Status WalSync::failure() const {
  std::lock_guard lock(m_);
  return failed_;
}

// Only the syncer (syncing_ set) runs this, so fd_ needs no lock of its own.
Status WalSync::flush() {
  // The WAL file stays while the connection is open, but another process closing the last
  // connection may delete and a later one recreate it: flush the file that is there now.
  struct stat now {};
  if (::stat(path_.c_str(), &now) != 0) {
    // No WAL file: nothing was committed through it since it was checkpointed away.
    if (errno == ENOENT) return Status::success();
    return Status::error(StoreErrc::io, "stat " + path_ + ": " + std::strerror(errno));
  }
  if (fd_ >= 0 && (fd_ino_ != now.st_ino || fd_dev_ != now.st_dev)) {
    ::close(fd_);
    fd_ = -1;
  }
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return Status::error(StoreErrc::io, "open " + path_ + ": " + std::strerror(errno));
    struct stat opened {};
    if (::fstat(fd_, &opened) != 0) {
      const int err = errno;
      ::close(fd_);
      fd_ = -1;
      return Status::error(StoreErrc::io, "fstat " + path_ + ": " + std::strerror(err));
    }
    fd_ino_ = opened.st_ino;
    fd_dev_ = opened.st_dev;
  }
  if (::fdatasync(fd_) != 0) {
    return Status::error(StoreErrc::io, "fdatasync " + path_ + ": " + std::strerror(errno));
  }
  return Status::success();
}

Status WalSync::wait_durable(std::uint64_t seq) {
  std::unique_lock lock(m_);
  while (true) {
    if (!failed_.ok()) return failed_;
    if (durable_ >= seq) return Status::success();
    if (!syncing_) break;
    cv_.wait(lock);
  }
  syncing_ = true;
  // Every commit counted up to here has its frames in the WAL file already (counted after
  // COMMIT returned), so one flush makes all of them durable, ours included.
  const std::uint64_t target = written_.load(std::memory_order_acquire);
  lock.unlock();
  Status s = flush();
  lock.lock();
  syncing_ = false;
  ++flushes_;
  if (s.ok()) {
    if (target > durable_) durable_ = target;
  } else {
    failed_ = Status::error(StoreErrc::io, "the store cannot promise durability any more (" +
                                               s.message + "); restart the daemon");
  }
  cv_.notify_all();
  return failed_.ok() ? Status::success() : failed_;
}

}  // namespace edigate::gateway::store
