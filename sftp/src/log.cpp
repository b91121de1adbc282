#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace edigate::sftp {

namespace {
std::atomic<LogWriter> g_writer{nullptr};
}  // namespace

void set_log_writer(LogWriter writer) { g_writer.store(writer); }

void log_event(const std::string& line) {
  if (const LogWriter writer = g_writer.load()) return writer(line);
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "sftp: %s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace edigate::sftp
