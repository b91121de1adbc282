#include "config/exposure.hpp"

#include <string>

#include "config/addresses.hpp"

namespace edigate::gateway::config {

bool is_loopback_address(std::string_view address) {
  // "localhost" is bound as 127.0.0.1 (http/server.cpp, daemon/sftp_intake.cpp).
  const std::string bound = bound_address(address);
  return bound == "::1" || bound.starts_with("127.");
}

std::vector<ConfigIssue> exposure_warnings(const GatewayConfig& config) {
  std::vector<ConfigIssue> out;
  for (const ListenerConfig& l : config.listeners) {
    if (l.tls || !l.serves.upload || is_loopback_address(l.address)) continue;
    out.push_back({l.place.file, l.place.line,
                   "upload is served on plain HTTP at " + l.address + ":" + std::to_string(l.port) +
                       ": partners' bearer tokens and documents cross the network in clear "
                       "(serve it on an <https> listener)"});
  }
  if (!config.admin.tls && !is_loopback_address(config.admin.address)) {
    out.push_back({config.admin.place.file.empty() ? config.file.string() : config.admin.place.file,
                   config.admin.place.line,
                   "the admin API listens on " + config.admin.address +
                       " without TLS: its bearer tokens cross the network in clear (give <admin> "
                       "a cert and key, or keep it on loopback)"});
  }
  return out;
}

}  // namespace edigate::gateway::config
