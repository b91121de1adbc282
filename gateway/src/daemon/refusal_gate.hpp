// Which requests the HTTP server refused get an audit entry of their own. Each costs a durable
// commit on a worker, so a client opening connection after connection with garbage would
// otherwise cost the gateway a commit per request and fill the worker queue that AS2 intake
// uses. In each window (a minute) at most `per_address` refusals per remote address and
// `total` overall are audited one by one; the rest are only counted, and summed up in one
// entry (the addresses with the most first) when the window ends.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edigate::gateway::daemon {

class RefusalGate {
 public:
  struct Limits {
    std::size_t per_address = 10;
    std::size_t total = 100;
    std::int64_t window_ms = 60'000;
    // Addresses told apart in a window; refusals from further ones count under "other".
    std::size_t addresses = 4096;
  };
  struct Summary {
    std::int64_t from = 0;  // ms since the epoch
    std::int64_t until = 0;
    std::uint64_t suppressed = 0;  // refusals counted, not audited one by one
    // The addresses with the most suppressed refusals, most first, at most kTopAddresses.
    std::vector<std::pair<std::string, std::uint64_t>> top;
  };
  static constexpr std::size_t kTopAddresses = 20;

  RefusalGate() = default;
  explicit RefusalGate(Limits limits) : limits_(limits) {}

  // Counts a refusal from `address` at `now` (ms); true when it gets an audit entry of its own.
  // Safe from any thread (the network threads call it).
  bool admit(const std::string& address, std::int64_t now);
  // Where `address` stands now (nothing is counted), read under one lock: `room`, whether a
  // refusal from it would be admitted (work worth saving on refusals that will not be, such as
  // a signature on their answer); `over_own_share`, whether it has itself used its per-address
  // share in this window (the total, and the "other" bucket of addresses past the table, do not
  // count here).
  struct Standing {
    bool room = true;
    bool over_own_share = false;
  };
  Standing standing(const std::string& address);
  bool has_room(const std::string& address) { return standing(address).room; }
  bool over_own_share(const std::string& address) { return standing(address).over_own_share; }
  // The window that ended by `now`, when it suppressed any refusals (a new one starts then);
  // nullopt otherwise. The daemon asks once a second.
  std::optional<Summary> take_ended(std::int64_t now);
  // Ends the current window at once (at shutdown): its summary, if it suppressed any.
  std::optional<Summary> finish(std::int64_t now);

 private:
  struct Counts {
    std::size_t audited = 0;
    std::uint64_t suppressed = 0;
  };
  std::optional<Summary> end_window(std::int64_t now);  // mu_ held

  Limits limits_;
  std::mutex mu_;
  std::int64_t window_start_ = -1;  // -1: no refusal yet
  std::size_t audited_ = 0;
  std::uint64_t suppressed_ = 0;
  std::unordered_map<std::string, Counts> by_address_;
};

}  // namespace edigate::gateway::daemon
