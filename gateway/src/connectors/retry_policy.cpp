#include "connectors/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace edigate::gateway::connectors {

std::string retry_policy_problem(const RetryPolicy& policy) {
  if (policy.base.count() <= 0) return "retry base must be positive";
  if (!(policy.factor >= 1.0) || !std::isfinite(policy.factor))
    return "retry factor must be a finite number >= 1";
  if (policy.cap < policy.base) return "retry cap must not be below the base";
  if (policy.max_attempts < 1) return "max attempts must be at least 1";
  return {};
}

std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, int failed_attempt) {
  const int exponent = std::max(failed_attempt, 1) - 1;
  const double cap = static_cast<double>(policy.cap.count());
  // Computed in double and clamped before converting back, so a large attempt number cannot
  // overflow the integer representation.
  const double grown = static_cast<double>(policy.base.count()) *
                       std::pow(policy.factor, static_cast<double>(exponent));
  const double bounded = std::isfinite(grown) ? std::min(grown, cap) : cap;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(bounded, 0.0)));
}

RetryDecision next_retry(const RetryPolicy& policy, int failed_attempt,
                         std::chrono::seconds retry_after, std::mt19937_64& rng) {
  RetryDecision d;
  if (failed_attempt >= policy.max_attempts) {
    d.dead = true;
    return d;
  }
  const auto ceiling = backoff_ceiling(policy, failed_attempt);
  // 53 random bits → a double uniform in [0, 1).
  const double unit = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  const auto jittered = std::chrono::milliseconds(
      static_cast<std::int64_t>(unit * static_cast<double>(ceiling.count() + 1)));
  d.delay = std::max<std::chrono::milliseconds>(std::min(jittered, ceiling), retry_after);
  return d;
}

RetrySchedule schedule_retry(const RetryPolicy& policy, int failed_attempt,
                             std::chrono::seconds retry_after, std::mt19937_64& rng,
                             std::chrono::system_clock::time_point now) {
  const RetryDecision d = next_retry(policy, failed_attempt, retry_after, rng);
  RetrySchedule s;
  s.dead = d.dead;
  if (!d.dead) s.next_run = now + d.delay;
  return s;
}

}  // namespace edigate::gateway::connectors
