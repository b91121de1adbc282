// The certificate expiry gauge of the running daemon
// (edigate_certificate_expiry_timestamp_seconds), set from the configuration at start and at each
// reload (config/cert_expiry.hpp lists them).
#pragma once

#include "config/config.hpp"
#include "http/metrics.hpp"

namespace edigate::gateway::daemon {

// Sets the gauge to the notAfter of every certificate `config` names, one series per use,
// partner and listener or connector; series of certificates no longer named go away.
void set_certificate_gauges(http::Metrics& metrics, const config::GatewayConfig& config);

}  // namespace edigate::gateway::daemon
