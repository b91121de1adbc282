// The few file operations the file-drop connector needs, behind an interface so tests can inject
// ENOSPC/EACCES (the tests run as root, where permission bits do not stop a write).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace edigate::gateway::connectors {

// Every call returns 0 on success or the errno value of the failure.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates (exclusively) `path` with `mode`, writes all of `data`, fsyncs and closes it.
  virtual int write_synced(const std::string& path, std::string_view data, mode_t mode) = 0;
  virtual int rename(const std::string& from, const std::string& to) = 0;
  // fsync of the directory, so a rename inside it survives a crash.
  virtual int sync_directory(const std::string& dir) = 0;
  // Creates `dir` and any missing parents with `mode` (minus the umask), fsyncing the parent of
  // each one it creates so the creation survives a crash. 0 when `dir` is a directory already.
  virtual int make_directories(const std::string& dir, mode_t mode) = 0;
  virtual void remove(const std::string& path) = 0;
};

// The real thing (POSIX calls, EINTR retried). Stateless, so thread-safe.
FileSystem& posix_file_system();

}  // namespace edigate::gateway::connectors
