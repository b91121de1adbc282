// Secrets a configuration would send in clear beyond this machine: a bearer token on a plain
// HTTP listener reachable from other hosts. Warnings, not errors: behind a TLS-terminating proxy
// on the same host, or on a private network the operator trusts, it can be what they want; the
// demo serves upload on loopback plain HTTP. docs/security.md lists what is exposed how.
#pragma once

#include <vector>

#include "config/config.hpp"

namespace edigate::gateway::config {

// True for 127.0.0.0/8, ::1 and "localhost" (bound as 127.0.0.1): nothing leaves the host.
bool is_loopback_address(std::string_view address);

// "file:line: upload is served on plain HTTP at 0.0.0.0:8080: partners' bearer tokens and
// documents cross the network in clear", and the same for the admin API.
std::vector<ConfigIssue> exposure_warnings(const GatewayConfig& config);

}  // namespace edigate::gateway::config
