#include "http/router.hpp"

#include <algorithm>

namespace edigate::gateway::http {

void Router::add(std::string method, std::string path, Handler handler, std::uint64_t max_body) {
  exact_[std::move(path)][std::move(method)] = Route{std::move(handler), max_body};
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler,
                        std::uint64_t max_body) {
  auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                         [&](const auto& entry) { return entry.first == prefix; });
  if (it == prefixes_.end()) {
    prefixes_.emplace_back(std::move(prefix), MethodTable{});
    it = prefixes_.end() - 1;
  }
  it->second[std::move(method)] = Route{std::move(handler), max_body};
  // Longest prefix first so /api/v1/ wins over /api/.
  std::stable_sort(prefixes_.begin(), prefixes_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

Router::Lookup Router::pick(const MethodTable& table, const std::string& method) const {
  Lookup result;
  if (auto it = table.find(method); it != table.end()) {
    result.match = Match::found;
    result.handler = &it->second.handler;
    result.max_body = it->second.max_body;
    return result;
  }
  result.match = Match::no_method;
  for (const auto& [name, handler] : table) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += name;
  }
  return result;
}

Router::Lookup Router::find(const std::string& method, const std::string& path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return pick(it->second, method);
  for (const auto& [prefix, table] : prefixes_) {
    if (path.compare(0, prefix.size(), prefix) == 0) return pick(table, method);
  }
  return {};
}

}  // namespace edigate::gateway::http
