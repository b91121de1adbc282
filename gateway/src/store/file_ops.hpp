// The few POSIX calls the spool makes, behind an interface so tests can make any one of them
// fail (an fsync that returns EIO, a rename on a full disk) and check nothing half-written is
// left visible.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace edigate::gateway::store {

// Each call has the POSIX contract: -1 and errno on failure.
class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int open(const char* path, int flags, mode_t mode) = 0;
  virtual ssize_t write(int fd, const void* data, std::size_t size) = 0;
  virtual int fsync(int fd) = 0;
  virtual int close(int fd) = 0;
  virtual int rename(const char* from, const char* to) = 0;
  virtual int unlink(const char* path) = 0;
  virtual int mkdir(const char* path, mode_t mode) = 0;
};

// The real system calls.
class PosixFileOps : public FileOps {
 public:
  int open(const char* path, int flags, mode_t mode) override;
  ssize_t write(int fd, const void* data, std::size_t size) override;
  int fsync(int fd) override;
  int close(int fd) override;
  int rename(const char* from, const char* to) override;
  int unlink(const char* path) override;
  int mkdir(const char* path, mode_t mode) override;
};

// A process-wide PosixFileOps for callers that do not inject one.
FileOps& posix_file_ops();

// fsync(2) of the file, or the directory, at `path`: empty when done, else why not.
std::string fsync_path(const std::string& path, bool directory);

}  // namespace edigate::gateway::store
