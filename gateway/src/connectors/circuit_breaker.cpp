#include "connectors/circuit_breaker.hpp"

#include <algorithm>
#include <utility>

namespace edigate::gateway::connectors {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, Clock clock)
    : options_(options),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::closed:
      return true;
    case State::open:
      if (clock_() - opened_at_ < options_.cool_down) return false;
      state_ = State::half_open;
      trial_in_flight_ = true;
      return true;
    case State::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = State::closed;
  consecutive_failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mutex_);
  if (state_ == State::half_open) {
    open_locked();
    return;
  }
  // A late failure from a call that started before the breaker opened must not extend the
  // cool-down; only closed-state failures count towards the threshold.
  if (state_ == State::closed && ++consecutive_failures_ >= options_.failure_threshold)
    open_locked();
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return consecutive_failures_;
}

std::chrono::milliseconds CircuitBreaker::cool_down_left() const {
  std::lock_guard lock(mutex_);
  if (state_ != State::open) return std::chrono::milliseconds(0);
  const auto left = options_.cool_down - (clock_() - opened_at_);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

void CircuitBreaker::open_locked() {
  state_ = State::open;
  opened_at_ = clock_();
  trial_in_flight_ = false;
  consecutive_failures_ = 0;
}

std::string_view state_name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half-open";
  }
  return "unknown";
}

BreakerConnector::BreakerConnector(std::unique_ptr<Connector> inner, CircuitBreakerOptions options,
                                   CircuitBreaker::Clock clock)
    : inner_(std::move(inner)), breaker_(options, std::move(clock)) {}

DeliveryResult BreakerConnector::deliver(const Delivery& delivery) {
  if (!breaker_.allow()) {
    DeliveryResult r;
    r.outcome = DeliveryResult::retry;
    r.error = std::string(kCircuitOpenError);
    const auto left = breaker_.cool_down_left();
    r.retry_after = std::chrono::ceil<std::chrono::seconds>(left);
    return r;
  }
  DeliveryResult r = inner_->deliver(delivery);
  if (r.outcome == DeliveryResult::retry)
    breaker_.record_failure();
  else
    breaker_.record_success();
  return r;
}

}  // namespace edigate::gateway::connectors
