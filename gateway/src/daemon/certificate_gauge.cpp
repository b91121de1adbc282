#include "daemon/certificate_gauge.hpp"

#include "config/cert_expiry.hpp"

namespace edigate::gateway::daemon {

void set_certificate_gauges(http::Metrics& metrics, const config::GatewayConfig& config) {
  std::vector<std::pair<http::Labels, double>> series;
  for (const config::ConfiguredCertificate& c : config::list_certificates(config)) {
    // Empty labels are left out: Prometheus reads an absent label as empty anyway.
    http::Labels labels{{"use", std::string(config::to_string(c.use))}};
    if (!c.partner.empty()) labels.emplace_back("partner", c.partner);
    if (!c.name.empty()) labels.emplace_back("name", c.name);
    series.emplace_back(std::move(labels), static_cast<double>(c.validity.not_after));
  }
  metrics.set_gauge_family(
      "edigate_certificate_expiry_timestamp_seconds",
      "notAfter of each certificate the running configuration names, in Unix seconds", series);
}

}  // namespace edigate::gateway::daemon
