#include "connectors/retry_policy.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace edigate::gateway::connectors;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("backoff ceiling grows by the factor up to the cap", "[connectors]") {
  const RetryPolicy p{
      .base = milliseconds(100), .factor = 2.0, .cap = milliseconds(1000), .max_attempts = 100};
  CHECK(backoff_ceiling(p, 1) == milliseconds(100));
  CHECK(backoff_ceiling(p, 2) == milliseconds(200));
  CHECK(backoff_ceiling(p, 3) == milliseconds(400));
  CHECK(backoff_ceiling(p, 4) == milliseconds(800));
  CHECK(backoff_ceiling(p, 5) == milliseconds(1000));
  CHECK(backoff_ceiling(p, 5000) == milliseconds(1000));  // no overflow
  CHECK(backoff_ceiling(p, 0) == milliseconds(100));
}

TEST_CASE("retry delays are full-jitter within the ceiling and deterministic per seed",
          "[connectors]") {
  const RetryPolicy p{
      .base = milliseconds(100), .factor = 3.0, .cap = milliseconds(5000), .max_attempts = 8};
  std::mt19937_64 a(42), b(42);
  bool saw_low = false, saw_high = false;
  for (int round = 0; round < 200; ++round) {
    for (int attempt = 1; attempt < 8; ++attempt) {
      const RetryDecision da = next_retry(p, attempt, seconds(0), a);
      const RetryDecision db = next_retry(p, attempt, seconds(0), b);
      REQUIRE_FALSE(da.dead);
      REQUIRE(da.delay == db.delay);
      const auto ceiling = backoff_ceiling(p, attempt);
      REQUIRE(da.delay >= milliseconds(0));
      REQUIRE(da.delay <= ceiling);
      if (attempt == 7) {
        saw_low = saw_low || da.delay < ceiling / 4;
        saw_high = saw_high || da.delay > ceiling * 3 / 4;
      }
    }
  }
  CHECK(saw_low);  // the whole window is used, not just the top
  CHECK(saw_high);
}

TEST_CASE("retry policy gives up after max attempts", "[connectors]") {
  const RetryPolicy p{.max_attempts = 3};
  std::mt19937_64 rng(1);
  CHECK_FALSE(next_retry(p, 1, seconds(0), rng).dead);
  CHECK_FALSE(next_retry(p, 2, seconds(0), rng).dead);
  CHECK(next_retry(p, 3, seconds(0), rng).dead);
  CHECK(next_retry(p, 4, seconds(0), rng).dead);
}

TEST_CASE("Retry-After is a minimum delay", "[connectors]") {
  const RetryPolicy p{
      .base = milliseconds(10), .factor = 2.0, .cap = milliseconds(50), .max_attempts = 5};
  std::mt19937_64 rng(7);
  CHECK(next_retry(p, 1, seconds(30), rng).delay == milliseconds(30000));
  const auto now = std::chrono::system_clock::time_point(seconds(1000));
  const RetrySchedule s = schedule_retry(p, 2, seconds(5), rng, now);
  CHECK_FALSE(s.dead);
  CHECK(s.next_run == now + seconds(5));
  CHECK(schedule_retry(p, 5, seconds(5), rng, now).dead);
}

TEST_CASE("nonsensical retry policies are reported", "[connectors]") {
  CHECK(retry_policy_problem(RetryPolicy{}).empty());
  CHECK_FALSE(retry_policy_problem(RetryPolicy{.base = milliseconds(0)}).empty());
  CHECK_FALSE(retry_policy_problem(RetryPolicy{.factor = 0.5}).empty());
  CHECK_FALSE(retry_policy_problem(RetryPolicy{.cap = milliseconds(1)}).empty());
  CHECK_FALSE(retry_policy_problem(RetryPolicy{.max_attempts = 0}).empty());
}
