// Per-connector circuit breaker: stop hammering an ERP that is down.
//
// closed ──N consecutive failures──▶ open ──cool-down elapsed──▶ half-open
//   ▲                                  ▲                             │ one trial let through
//   └───────────── trial succeeds ─────┼──────── trial fails ────────┘
// While open (and while the half-open trial is in flight) allow() says no and the delivery is
// not attempted. Thread-safe (one mutex; the critical sections are a few comparisons).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "connectors/connector.hpp"

namespace edigate::gateway::connectors {

struct CircuitBreakerOptions {
  int failure_threshold = 5;
  std::chrono::milliseconds cool_down{std::chrono::seconds(30)};
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `clock` defaults to steady_clock::now; tests inject a fake.
  explicit CircuitBreaker(CircuitBreakerOptions options, Clock clock = {});

  // May this call go ahead? In half-open, true exactly once until the trial is recorded.
  bool allow();
  void record_success();
  void record_failure();
  State state() const;
  // Failures in a row counted towards opening (while closed), and how many open it.
  int consecutive_failures() const;
  int failure_threshold() const { return options_.failure_threshold; }
  // While open: how long until the cool-down ends and a trial may go (zero once it has, and
  // in the other states).
  std::chrono::milliseconds cool_down_left() const;

 private:
  void open_locked();

  const CircuitBreakerOptions options_;
  const Clock clock_;
  mutable std::mutex mutex_;
  State state_ = State::closed;
  int consecutive_failures_ = 0;
  bool trial_in_flight_ = false;
  std::chrono::steady_clock::time_point opened_at_{};
};

std::string_view state_name(CircuitBreaker::State state);

// The error of a delivery BreakerConnector held (nothing was sent).
inline constexpr std::string_view kCircuitOpenError = "circuit open";

// Wraps a connector with a breaker. Only "retry" outcomes count as failures: a "dead" answer
// (a 4xx about this document) still proves the ERP is up. A delivery held by the breaker is a
// "retry" with the error "circuit open" and `retry_after` the cool-down left (rounded up to a
// second), so the caller can wait that long instead of asking again and again. Thread-safe if
// the inner one is.
class BreakerConnector final : public Connector {
 public:
  BreakerConnector(std::unique_ptr<Connector> inner, CircuitBreakerOptions options,
                   CircuitBreaker::Clock clock = {});
  DeliveryResult deliver(const Delivery& delivery) override;
  std::string_view name() const override { return inner_->name(); }
  bool wants_raw_edi() const override { return inner_->wants_raw_edi(); }
  bool local() const override { return inner_->local(); }
  const CircuitBreaker* breaker() const override { return &breaker_; }

 private:
  std::unique_ptr<Connector> inner_;
  CircuitBreaker breaker_;
};

}  // namespace edigate::gateway::connectors
