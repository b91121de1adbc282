#include "store/file_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace edigate::gateway::store {

int PosixFileOps::open(const char* path, int flags, mode_t mode) {
  return ::open(path, flags | O_CLOEXEC, mode);
}
ssize_t PosixFileOps::write(int fd, const void* data, std::size_t size) {
  return ::write(fd, data, size);
}
int PosixFileOps::fsync(int fd) { return ::fsync(fd); }
int PosixFileOps::close(int fd) { return ::close(fd); }
int PosixFileOps::rename(const char* from, const char* to) { return std::rename(from, to); }
int PosixFileOps::unlink(const char* path) { return ::unlink(path); }
int PosixFileOps::mkdir(const char* path, mode_t mode) { return ::mkdir(path, mode); }

FileOps& posix_file_ops() {
  static PosixFileOps ops;
  return ops;
}

std::string fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? std::string() : "cannot fsync " + path + ": " + std::strerror(err);
}

}  // namespace edigate::gateway::store
