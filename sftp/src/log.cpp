#include "log.hpp"

#include <cstdio>
#include <mutex>

namespace edigate::sftp {

void log_event(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "sftp: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace edigate::sftp
