// When to try a failed delivery again: exponential backoff with full jitter, bounded attempts.
//
// After attempt n (1-based) failed with "retry": if n >= max_attempts the delivery is dead;
// otherwise it waits uniform[0, min(cap, base * factor^(n-1))] — "full jitter", so a crowd of
// deliveries that failed together does not come back together — but never less than the
// Retry-After the ERP asked for.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace edigate::gateway::connectors {

struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  double factor = 2.0;
  std::chrono::milliseconds cap{std::chrono::hours(1)};
  int max_attempts = 10;
};

// Empty when the policy makes sense (base > 0, factor >= 1, cap >= base, max_attempts >= 1),
// otherwise what is wrong, for the config loader to report.
std::string retry_policy_problem(const RetryPolicy& policy);

struct RetryDecision {
  bool dead = false;                   // no attempts left
  std::chrono::milliseconds delay{0};  // meaningful when !dead
};

// The upper bound of the jitter window after attempt n: min(cap, base * factor^(n-1)).
std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, int failed_attempt);

// `rng` is the caller's (one per worker thread, or seeded in tests for exact results): the
// policy itself is immutable and shared freely between threads. The jitter is derived from the
// raw 64-bit output, so a given seed gives the same delays with any standard library.
RetryDecision next_retry(const RetryPolicy& policy, int failed_attempt,
                         std::chrono::seconds retry_after, std::mt19937_64& rng);

// Same, as the time of the next run: `now` + delay (next_run unset when dead).
struct RetrySchedule {
  bool dead = false;
  std::chrono::system_clock::time_point next_run{};
};
RetrySchedule schedule_retry(const RetryPolicy& policy, int failed_attempt,
                             std::chrono::seconds retry_after, std::mt19937_64& rng,
                             std::chrono::system_clock::time_point now);

}  // namespace edigate::gateway::connectors
