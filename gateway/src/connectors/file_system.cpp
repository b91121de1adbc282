#include "connectors/file_system.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

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

  int make_directories(const std::string& dir, mode_t mode, std::string& at) override {
    // The missing components, deepest first.
    std::vector<std::string> missing;
    for (std::string p = dir;;) {
      const int status = directory_status(p);
      if (status == 0) break;
      if (status != ENOENT) {
        // Name the component at fault: the one below the deepest ancestor that is a directory
        // ("a/file" for "a/file/b/c" when a/file is a regular file).
        at = p;
        for (std::string up = parent_of(at); up != at && directory_status(up) != 0;
             up = parent_of(at)) {
          at = up;
        }
        return status;
      }
      missing.push_back(p);
      const std::string parent = parent_of(p);
      if (parent == p) break;
      p = parent;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      // EEXIST: made meanwhile by another delivery, or not a directory (then say so).
      if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST) {
        at = *it;
        return errno;
      }
      if (const int status = directory_status(*it); status != 0) {
        at = *it;
        return status;
      }
    }
    // Up to the root of dir's file system: above it, entries belong to another one (a share
    // mounted there) that no fsync here makes durable. Once per connector, so cheap.
    struct stat top {};
    if (::stat(dir.c_str(), &top) != 0) {
      at = dir;
      return errno;
    }
    for (std::string child = dir;;) {
      const std::string parent = parent_of(child);
      struct stat up {};
      if (parent == child) break;
      if (::stat(parent.c_str(), &up) != 0) {
        at = parent;
        return errno;
      }
      if (up.st_dev != top.st_dev) break;
      if (const int rc = sync_directory(parent); rc != 0) {
        at = parent;
        return rc;
      }
      child = parent;
    }
    return 0;
  }

  void remove(const std::string& path) override { ::unlink(path.c_str()); }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem instance;
  return instance;
}

}  // namespace edigate::gateway::connectors
