#include "connectors/circuit_breaker.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace edigate::gateway::connectors;
using State = CircuitBreaker::State;
using std::chrono::seconds;

namespace {

struct FakeClock {
  std::chrono::steady_clock::time_point now{seconds(100)};
  CircuitBreaker::Clock fn() {
    return [this] { return now; };
  }
};

// Answers with a scripted outcome and counts the calls that got through.
class ScriptedConnector final : public Connector {
 public:
  DeliveryResult::Outcome next = DeliveryResult::delivered;
  int calls = 0;
  DeliveryResult deliver(const Delivery&) override {
    ++calls;
    DeliveryResult r;
    r.outcome = next;
    return r;
  }
  std::string_view name() const override { return "scripted"; }
};

}  // namespace

TEST_CASE("circuit breaker opens after N consecutive failures", "[connectors]") {
  FakeClock clock;
  CircuitBreaker b({.failure_threshold = 3, .cool_down = seconds(30)}, clock.fn());
  CHECK(b.state() == State::closed);
  b.record_failure();
  b.record_failure();
  b.record_success();  // not consecutive any more
  b.record_failure();
  b.record_failure();
  CHECK(b.state() == State::closed);
  CHECK(b.consecutive_failures() == 2);
  CHECK(b.failure_threshold() == 3);
  CHECK(b.allow());
  b.record_failure();
  CHECK(b.state() == State::open);
  CHECK(b.consecutive_failures() == 0);  // counted again from the next close
  CHECK_FALSE(b.allow());
}

TEST_CASE("circuit breaker half-opens after the cool-down with one trial", "[connectors]") {
  FakeClock clock;
  CircuitBreaker b({.failure_threshold = 1, .cool_down = seconds(30)}, clock.fn());
  b.record_failure();
  REQUIRE(b.state() == State::open);
  clock.now += seconds(29);
  CHECK_FALSE(b.allow());
  clock.now += seconds(1);
  CHECK(b.allow());  // the trial
  CHECK(b.state() == State::half_open);
  CHECK_FALSE(b.allow());  // only one at a time

  SECTION("trial succeeds: closed") {
    b.record_success();
    CHECK(b.state() == State::closed);
    CHECK(b.allow());
    CHECK(b.allow());
  }
  SECTION("trial fails: open again for a full cool-down") {
    b.record_failure();
    CHECK(b.state() == State::open);
    clock.now += seconds(29);
    CHECK_FALSE(b.allow());
    clock.now += seconds(1);
    CHECK(b.allow());
  }
}

TEST_CASE("breaker connector skips deliveries while open", "[connectors]") {
  FakeClock clock;
  auto inner = std::make_unique<ScriptedConnector>();
  ScriptedConnector& script = *inner;
  BreakerConnector c(std::move(inner), {.failure_threshold = 2, .cool_down = seconds(10)},
                     clock.fn());
  CHECK(c.name() == "scripted");
  const Delivery d;
  script.next = DeliveryResult::dead;  // a 4xx proves the ERP is up: not a failure
  for (int i = 0; i < 5; ++i) CHECK(c.deliver(d).outcome == DeliveryResult::dead);
  CHECK(c.breaker()->state() == State::closed);

  script.next = DeliveryResult::retry;
  c.deliver(d);
  c.deliver(d);
  REQUIRE(c.breaker()->state() == State::open);
  const int calls = script.calls;
  const DeliveryResult skipped = c.deliver(d);
  CHECK(skipped.outcome == DeliveryResult::retry);
  CHECK(skipped.error == "circuit open");
  CHECK(skipped.retry_after == seconds(10));  // the cool-down left: when to ask again
  CHECK(script.calls == calls);               // not attempted
  clock.now += std::chrono::milliseconds(6500);
  CHECK(c.breaker()->cool_down_left() == std::chrono::milliseconds(3500));
  CHECK(c.deliver(d).retry_after == seconds(4));  // rounded up
  clock.now += std::chrono::milliseconds(3500);
  CHECK(c.breaker()->cool_down_left() == std::chrono::milliseconds(0));
  script.next = DeliveryResult::delivered;
  CHECK(c.deliver(d).outcome == DeliveryResult::delivered);
  CHECK(c.breaker()->state() == State::closed);
  CHECK(state_name(State::half_open) == "half-open");
}

TEST_CASE("half-open lets exactly one of many concurrent callers through", "[connectors]") {
  FakeClock clock;
  CircuitBreaker b({.failure_threshold = 1, .cool_down = seconds(5)}, clock.fn());
  b.record_failure();
  clock.now += seconds(5);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j)
        if (b.allow()) ++allowed;
    });
  for (std::thread& t : threads) t.join();
  CHECK(allowed == 1);
  CHECK(b.state() == State::half_open);
}
