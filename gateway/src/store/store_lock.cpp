#include "store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace edigate::gateway::store {

std::string resolved_store_path(const std::string& database) {
  char real[PATH_MAX];
  if (::realpath(database.c_str(), real) != nullptr) return real;
  // Not there yet: its directory's real path and its name.
  const auto slash = database.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : database.substr(0, slash));
  const std::string name = slash == std::string::npos ? database : database.substr(slash + 1);
  if (::realpath(dir.c_str(), real) != nullptr) return std::string(real) + "/" + name;
  return database;
}

std::string StoreLock::take(const std::string& database) {
  const std::string path = resolved_store_path(database) + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd_ < 0) return "cannot open " + path + ": " + std::strerror(errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    return "another edigate process uses the store " + database +
           (n > 0 ? " (pid " + std::string(holder, static_cast<std::size_t>(n)) + ")" : "");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
  return {};
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

StoreUsers::~StoreUsers() {
  if (fd_ >= 0) ::close(fd_);
}

StoreUsers::StoreUsers(StoreUsers&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

StoreUsers& StoreUsers::operator=(StoreUsers&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

std::string StoreUsers::share(const std::string& database) {
  return take(database, LOCK_SH,
              "a restore into the store " + database +
                  " is under way (edigate store restore): try again when it has finished");
}

std::string StoreUsers::take_alone(const std::string& database) {
  return take(database, LOCK_EX,
              "another edigate process has the store " + database +
                  " open (a command, a backup or a daemon): wait for it to finish");
}

std::string StoreUsers::take(const std::string& database, int operation, std::string busy) {
  const std::string path = resolved_store_path(database) + ".users";
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) return "cannot open " + path + ": " + std::strerror(errno);
  if (::flock(fd_, operation | LOCK_NB) == 0) return {};
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  if (error == EWOULDBLOCK) return busy;
  return "cannot lock " + path + ": " + std::strerror(error);
}

}  // namespace edigate::gateway::store
