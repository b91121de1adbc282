// Retention in the running daemon: when the live configuration's <store retain-days="N"> is
// set, a thread of its own purges what was received more than N days ago and has no work left
// (Blobs::purge), a few seconds after start and then every hour, in batches so that intake
// waits for one short transaction at a time. A reload that changes N applies at the next pass.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/core.hpp"

namespace edigate::gateway::daemon {

inline constexpr std::chrono::seconds kRetentionFirstPass{5};
inline constexpr std::chrono::minutes kRetentionInterval{60};
inline constexpr std::size_t kRetentionBatch = 500;
// The least pause between batches (Blobs::purge pauses at least as long as a batch took).
inline constexpr std::chrono::milliseconds kRetentionPause{50};

class Retention {
 public:
  explicit Retention(Core& core) : core_(core) {}
  ~Retention() { stop(); }
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  void start();
  void stop();

 private:
  void run();
  // Purges everything due now; false when stopped meanwhile.
  bool pass();
  // Waits up to `d`; false when stopped.
  bool wait(std::chrono::milliseconds d);

  Core& core_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edigate::gateway::daemon
