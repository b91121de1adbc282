#include "daemon/refusal_gate.hpp"

#include <algorithm>

namespace edigate::gateway::daemon {

bool RefusalGate::admit(const std::string& address, std::int64_t now) {
  std::lock_guard lock(mu_);
  if (window_start_ < 0) window_start_ = now;
  auto it = by_address_.find(address);
  if (it == by_address_.end()) {
    const bool room = by_address_.size() < limits_.addresses;
    it = by_address_.try_emplace(room ? address : std::string("other")).first;
  }
  Counts& c = it->second;
  if (c.audited < limits_.per_address && audited_ < limits_.total) {
    ++c.audited;
    ++audited_;
    return true;
  }
  ++c.suppressed;
  ++suppressed_;
  return false;
}

RefusalGate::Standing RefusalGate::standing(const std::string& address) {
  std::lock_guard lock(mu_);
  Standing out;
  auto it = by_address_.find(address);
  out.over_own_share = it != by_address_.end() && it->second.audited >= limits_.per_address;
  if (it == by_address_.end() && by_address_.size() >= limits_.addresses) {
    it = by_address_.find("other");
  }
  out.room = audited_ < limits_.total &&
             (it == by_address_.end() || it->second.audited < limits_.per_address);
  return out;
}

std::optional<RefusalGate::Summary> RefusalGate::take_ended(std::int64_t now) {
  std::lock_guard lock(mu_);
  if (window_start_ < 0 || now < window_start_ + limits_.window_ms) return std::nullopt;
  return end_window(now);
}

std::optional<RefusalGate::Summary> RefusalGate::finish(std::int64_t now) {
  std::lock_guard lock(mu_);
  if (window_start_ < 0) return std::nullopt;
  return end_window(now);
}

std::optional<RefusalGate::Summary> RefusalGate::end_window(std::int64_t now) {
  std::optional<Summary> out;
  if (suppressed_ > 0) {
    Summary s;
    s.from = window_start_;
    s.until = now;
    s.suppressed = suppressed_;
    for (const auto& [address, c] : by_address_) {
      if (c.suppressed > 0) s.top.emplace_back(address, c.suppressed);
    }
    const auto most_first = [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    const std::size_t keep = std::min(s.top.size(), kTopAddresses);
    std::partial_sort(s.top.begin(), s.top.begin() + static_cast<std::ptrdiff_t>(keep), s.top.end(),
                      most_first);
    s.top.resize(keep);
    out = std::move(s);
  }
  window_start_ = -1;  // the next refusal starts the next window
  audited_ = 0;
  suppressed_ = 0;
  by_address_.clear();
  return out;
}

}  // namespace edigate::gateway::daemon
