#include "store/file_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

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

}  // namespace edigate::gateway::store
