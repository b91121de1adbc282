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
  // Creates `dir` and any missing parents with `mode` (minus the umask), then fsyncs the parent
  // of `dir` and of each of its ancestors on the same file system, so that its entry survives a
  // crash whoever made it (a concurrent delivery, or an earlier call whose fsync failed). On
  // failure `at` names the path that failed (`dir` or one of its ancestors).
  virtual int make_directories(const std::string& dir, mode_t mode, std::string& at) = 0;
  virtual void remove(const std::string& path) = 0;
};

// The real thing (POSIX calls, EINTR retried). Stateless, so thread-safe.
FileSystem& posix_file_system();

}  // namespace edigate::gateway::connectors
