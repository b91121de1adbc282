#include "daemon/certificate_gauge.hpp"

#include <catch2/catch.hpp>

#include "../../as2/as2_test_support.hpp"

namespace edigate::gateway::daemon {
namespace {

constexpr const char* kGauge = "edigate_certificate_expiry_timestamp_seconds";

as2::Certificate expiring_at(std::int64_t not_after) {
  return as2::test::certificate_valid(as2::test::identity("gauge").key, 0, not_after);
}

config::PartnerProfile as2_partner(const std::string& id, std::int64_t not_after) {
  config::PartnerProfile p;
  p.id = id;
  p.as2.emplace();
  p.as2->certificate = expiring_at(not_after);
  return p;
}

// Our AS2 station, an https listener, a connector with a client certificate and `partners`.
config::GatewayConfig configuration(std::vector<config::PartnerProfile> partners) {
  config::GatewayConfig c;
  c.as2.emplace();
  c.as2->identity.certificate = expiring_at(1'800'000'001);
  config::ListenerConfig plain, tls;
  plain.name = "http-0";
  tls.name = "https-1";
  tls.tls = true;
  tls.certificate = expiring_at(1'800'000'002);
  c.listeners = {plain, tls};
  config::HttpConnector http;
  http.mtls_cert = "client.pem";
  http.mtls_certificate = expiring_at(1'800'000'003);
  c.connectors = {{"erp", http}, {"drop", config::FileConnector{}}};
  c.partners = std::move(partners);
  return c;
}

std::string series(const std::string& labels, const std::string& value) {
  return std::string(kGauge) + "{" + labels + "} " + value + "\n";
}

}  // namespace

TEST_CASE("the certificate expiry gauge has one series per certificate of the configuration",
          "[daemon][certificates]") {
  http::Metrics metrics;
  set_certificate_gauges(metrics, configuration({as2_partner("acme", 1'800'000'004),
                                                 as2_partner("beta", 1'800'000'005)}));
  const std::string text = metrics.render_prometheus();
  INFO(text);
  CHECK(text.find(std::string("# TYPE ") + kGauge + " gauge\n") != std::string::npos);
  CHECK(text.find(series(R"(use="as2")", "1800000001")) != std::string::npos);
  CHECK(text.find(series(R"(use="tls-listener",name="https-1")", "1800000002")) !=
        std::string::npos);
  CHECK(text.find(series(R"(use="connector-tls",name="erp")", "1800000003")) != std::string::npos);
  CHECK(text.find(series(R"(use="partner-as2",partner="acme")", "1800000004")) !=
        std::string::npos);
  CHECK(text.find(series(R"(use="partner-as2",partner="beta")", "1800000005")) !=
        std::string::npos);
  CHECK(text.find("http-0") == std::string::npos);  // a plain listener has no certificate
}

TEST_CASE("a reload replaces the certificate series: a removed partner's goes away",
          "[daemon][certificates]") {
  http::Metrics metrics;
  set_certificate_gauges(metrics, configuration({as2_partner("acme", 1'800'000'004),
                                                 as2_partner("beta", 1'800'000'005)}));
  // beta renewed its certificate, acme left.
  set_certificate_gauges(metrics, configuration({as2_partner("beta", 1'900'000'005)}));
  const std::string text = metrics.render_prometheus();
  INFO(text);
  CHECK(text.find(R"(partner="acme")") == std::string::npos);
  CHECK(text.find(series(R"(use="partner-as2",partner="beta")", "1900000005")) !=
        std::string::npos);
  CHECK(text.find(series(R"(use="as2")", "1800000001")) != std::string::npos);
}

TEST_CASE("a gauge reference stays valid when its series is replaced or dropped",
          "[daemon][certificates]") {
  http::Metrics metrics;
  http::Gauge& held = metrics.gauge(kGauge, "help", {{"use", "as2"}});
  set_certificate_gauges(metrics, configuration({}));
  CHECK(held.value() == 1'800'000'001);  // the same label set keeps its gauge
  metrics.set_gauge_family(kGauge, "help", {});
  held.set(8);  // detached: still alive, no longer rendered
  CHECK(metrics.render_prometheus().find(R"(use="as2")") == std::string::npos);
}

}  // namespace edigate::gateway::daemon
