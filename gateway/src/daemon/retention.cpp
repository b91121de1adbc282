#include "daemon/retention.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "daemon/counters.hpp"
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
  bool stopped = false;
  const store::PurgeSummary r =
      core_.blobs().purge(before, kRetentionBatch, "retention", kRetentionPause,
                          [this, &stopped](std::chrono::milliseconds d) {
                            stopped = !wait(d);
                            return !stopped;
                          });
  counters::purged_messages(core_.metrics()).add(static_cast<double>(r.rows.messages));
  if (!r.status.ok()) {
    std::fprintf(stderr, "edigate: retention: %s\n", r.status.message.c_str());  // next pass
  }
  if (r.file_errors > 0) {
    std::fprintf(stderr, "edigate: retention: %lld spool file(s) not removed: %s\n",
                 static_cast<long long>(r.file_errors), r.first_error.c_str());
  }
  if (r.rows.messages > 0) {
    std::fprintf(
        stderr,
        "edigate: retention: purged %lld message(s) older than %d day(s), %lld spool file(s)\n",
        static_cast<long long>(r.rows.messages), days, static_cast<long long>(r.files));
  }
  return !stopped;
}

}  // namespace edigate::gateway::daemon
