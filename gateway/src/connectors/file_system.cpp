#include "connectors/file_system.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace edigate::gateway::connectors {
namespace {

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

int fsync_retrying(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// "a/b" for "a/b/c" and "a/b/c/", "." for "c", "/" for "/c".
std::string parent_of(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::size_t slash = dir.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : dir.substr(0, slash);
}

// 0 for a directory, ENOTDIR for something else, the errno of stat() (ENOENT: missing).
int directory_status(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

class PosixFileSystem final : public FileSystem {
 public:
  int write_synced(const std::string& path, std::string_view data, mode_t mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return errno;
    int rc = write_all(fd, data);
    if (rc == 0) rc = fsync_retrying(fd);
    // close() can report a deferred write error (NFS); it counts.
    if (::close(fd) != 0 && rc == 0 && errno != EINTR) rc = errno;
    return rc;
  }

  int rename(const std::string& from, const std::string& to) override {
    return std::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  }

  int sync_directory(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int rc = fsync_retrying(fd);
    ::close(fd);
    return rc;
  }

  int make_directories(const std::string& dir, mode_t mode) override {
    if (const int status = directory_status(dir); status != ENOENT) return status;
    const std::string parent = parent_of(dir);
    if (parent != dir) {
      if (const int rc = make_directories(parent, mode); rc != 0) return rc;
    }
    // EEXIST: made meanwhile by another delivery, or not a directory (then say so).
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) return errno;
    if (const int status = directory_status(dir); status != 0) return status;
    return sync_directory(parent);
  }

  void remove(const std::string& path) override { ::unlink(path.c_str()); }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem instance;
  return instance;
}

}  // namespace edigate::gateway::connectors
