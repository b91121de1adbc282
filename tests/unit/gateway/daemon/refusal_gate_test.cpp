#include "daemon/refusal_gate.hpp"

#include <catch2/catch.hpp>
#include <string>

using edigate::gateway::daemon::RefusalGate;

namespace {

// How many of `n` refusals from `address` at `now` are let through.
int admitted(RefusalGate& gate, const std::string& address, int n, std::int64_t now) {
  int through = 0;
  for (int i = 0; i < n; ++i) through += gate.admit(address, now) ? 1 : 0;
  return through;
}

}  // namespace

TEST_CASE("refusal gate: a few per address are audited, the rest summed up per window",
          "[daemon][refusals]") {
  RefusalGate gate({.per_address = 3, .total = 5, .window_ms = 1000, .addresses = 4096});
  CHECK_FALSE(gate.take_ended(0).has_value());  // nothing refused yet
  CHECK(admitted(gate, "192.0.2.1", 10, 100) == 3);
  CHECK(admitted(gate, "192.0.2.2", 10, 200) == 2);  // the total limit, not its own
  CHECK(admitted(gate, "192.0.2.3", 1, 300) == 0);
  CHECK_FALSE(gate.take_ended(1099).has_value());  // the window is not over
  const auto ended = gate.take_ended(1100);
  REQUIRE(ended.has_value());
  CHECK(ended->from == 100);
  CHECK(ended->until == 1100);
  CHECK(ended->suppressed == 7 + 8 + 1);
  REQUIRE(ended->top.size() == 3);
  CHECK(ended->top[0] == std::pair<std::string, std::uint64_t>{"192.0.2.2", 8});
  CHECK(ended->top[1] == std::pair<std::string, std::uint64_t>{"192.0.2.1", 7});
  CHECK(ended->top[2] == std::pair<std::string, std::uint64_t>{"192.0.2.3", 1});
  // A new window: the limits start over; one that suppresses nothing has no summary.
  CHECK(admitted(gate, "192.0.2.1", 2, 5000) == 2);
  CHECK_FALSE(gate.take_ended(7000).has_value());
  CHECK_FALSE(gate.finish(7000).has_value());
}

TEST_CASE("refusal gate: addresses past the limit share one count, finish ends the window",
          "[daemon][refusals]") {
  RefusalGate gate({.per_address = 1, .total = 1000, .window_ms = 60'000, .addresses = 2});
  CHECK(admitted(gate, "a", 2, 0) == 1);
  CHECK(admitted(gate, "b", 2, 0) == 1);
  // Further addresses are one: "other" gets one audited refusal, then none.
  CHECK(admitted(gate, "c", 1, 0) == 1);
  CHECK(admitted(gate, "d", 3, 0) == 0);
  const auto ended = gate.finish(10);
  REQUIRE(ended.has_value());
  CHECK(ended->suppressed == 1 + 1 + 3);
  CHECK(ended->top.front() == std::pair<std::string, std::uint64_t>{"other", 3});
  CHECK_FALSE(gate.finish(20).has_value());
}

TEST_CASE("refusal gate: the summary names at most the top addresses", "[daemon][refusals]") {
  RefusalGate gate({.per_address = 0, .total = 0, .window_ms = 10, .addresses = 4096});
  for (int i = 0; i < 50; ++i) admitted(gate, "198.51.100." + std::to_string(i), i + 1, 0);
  const auto ended = gate.take_ended(10);
  REQUIRE(ended.has_value());
  CHECK(ended->suppressed == 50 * 51 / 2);
  REQUIRE(ended->top.size() == RefusalGate::kTopAddresses);
  CHECK(ended->top.front().first == "198.51.100.49");
  CHECK(ended->top.back().second == 50 - RefusalGate::kTopAddresses + 1);
}

TEST_CASE("refusal gate: has_room says what admit would, counting nothing", "[daemon][refusals]") {
  RefusalGate gate({.per_address = 2, .total = 3, .window_ms = 1000, .addresses = 1});
  CHECK(gate.has_room("a"));
  CHECK(gate.has_room("a"));  // asking twice counts nothing
  CHECK(admitted(gate, "a", 2, 0) == 2);
  CHECK_FALSE(gate.has_room("a"));
  CHECK(gate.has_room("b"));  // a second address shares "other", which has room
  CHECK(admitted(gate, "b", 1, 0) == 1);
  CHECK_FALSE(gate.has_room("c"));  // the total is spent
  CHECK(gate.finish(10).has_value() == false);
  CHECK(gate.has_room("a"));  // a new window
}

TEST_CASE("refusal gate: over_own_share counts the address's own refusals only",
          "[daemon][refusals]") {
  RefusalGate gate({.per_address = 2, .total = 3, .window_ms = 1000, .addresses = 2});
  CHECK(admitted(gate, "a", 2, 0) == 2);
  CHECK(gate.over_own_share("a"));
  CHECK_FALSE(gate.over_own_share("b"));  // never refused
  CHECK(admitted(gate, "b", 1, 0) == 1);  // the total is spent now
  CHECK_FALSE(gate.has_room("b"));
  CHECK_FALSE(gate.over_own_share("b"));  // but b has used one of its two
  CHECK(admitted(gate, "c", 5, 0) == 0);  // past the table: "other"
  CHECK_FALSE(gate.over_own_share("c"));
}
