#include "daemon/retention.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "store/sqlite_store.hpp"
#include "thread_name.hpp"

namespace edigate::gateway::daemon {

void Retention::start() {
  thread_ = std::thread([this] { run(); });
}

void Retention::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Retention::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void Retention::run() {
  name_this_thread("retention");
  if (!wait(kRetentionFirstPass)) return;
  while (pass() && wait(kRetentionInterval)) {
  }
}

bool Retention::pass() {
  const int days = core_.live()->config->store.retain_days;
  if (days <= 0) return true;
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  const std::int64_t before = store::system_now_ms() - std::int64_t{days} * kDayMs;
  std::int64_t messages = 0;
  std::int64_t files = 0;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    auto r = core_.blobs().purge(before, kRetentionBatch, "retention", false);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (!r.ok()) {
      std::fprintf(stderr, "edigate: retention: %s\n", r.status().message.c_str());
      break;  // the next pass tries again
    }
    messages += r.value().rows.messages;
    files += r.value().files;
    if (r.value().file_errors > 0) {
      std::fprintf(stderr, "edigate: retention: %lld spool file(s) not removed: %s\n",
                   static_cast<long long>(r.value().file_errors), r.value().first_error.c_str());
    }
    core_.metrics()
        .counter("edigate_store_purged_messages_total", "Messages removed by retention")
        .add(static_cast<double>(r.value().rows.messages));
    if (r.value().rows.messages < static_cast<std::int64_t>(kRetentionBatch)) break;
    if (!wait(std::max(kRetentionPause, took))) return false;
  }
  if (messages > 0) {
    std::fprintf(
        stderr,
        "edigate: retention: purged %lld message(s) older than %d day(s), %lld spool file(s)\n",
        static_cast<long long>(messages), days, static_cast<long long>(files));
  }
  return true;
}

}  // namespace edigate::gateway::daemon
