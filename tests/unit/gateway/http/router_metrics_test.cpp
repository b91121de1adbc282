#include <catch2/catch.hpp>

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/tls.hpp"

using namespace edigate::gateway::http;

namespace {
Handler tagged(std::string* seen, std::string tag) {
  return [seen, tag](Request, Responder) { *seen = tag; };
}
}  // namespace

TEST_CASE("router: exact before prefix, longest prefix wins, 405 lists methods", "[http]") {
  Router router;
  std::string seen;
  router.add("GET", "/api/v1/status", tagged(&seen, "status"));
  router.add_prefix("GET", "/api/", tagged(&seen, "api"));
  router.add_prefix("GET", "/api/v1/", tagged(&seen, "v1"));
  router.add_prefix("POST", "/api/v1/", tagged(&seen, "v1-post"));

  auto status = router.find("GET", "/api/v1/status");
  REQUIRE(status.match == Router::Match::found);
  // The exact route's handler, not the /api/v1/ prefix's that also covers the path.
  REQUIRE(status.handler != nullptr);
  CHECK(status.handler != router.find("GET", "/api/v1/zzz").handler);
  CHECK(router.find("GET", "/api/v1/partners").match == Router::Match::found);
  CHECK(router.find("GET", "/other").match == Router::Match::no_path);

  auto put = router.find("PUT", "/api/v1/x");
  CHECK(put.match == Router::Match::no_method);
  CHECK(put.allow == "GET, POST");

  auto v1 = router.find("GET", "/api/v1/x");
  REQUIRE(v1.handler != nullptr);
  CHECK(router.find("GET", "/api/v1/zzz").handler == v1.handler);  // the same prefix route
  CHECK(router.find("GET", "/api/other").handler != v1.handler);
}

TEST_CASE("metrics: counters, gauges and histograms in Prometheus text format", "[http]") {
  Metrics m;
  m.counter("edigate_test_total", "Things.", {{"kind", "a\"b"}}).add(2);
  m.counter("edigate_test_total", "Things.", {{"kind", "a\"b"}}).add();
  m.gauge("edigate_test_open", "Open things.").set(4);
  auto& h = m.histogram("edigate_test_seconds", "Durations.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(7);
  // A name asked for as another type is detached and not rendered.
  m.gauge("edigate_test_total", "wrong type").set(99);

  std::string text = m.render_prometheus();
  CHECK(text.find("# TYPE edigate_test_total counter\n") != std::string::npos);
  CHECK(text.find("edigate_test_total{kind=\"a\\\"b\"} 3\n") != std::string::npos);
  CHECK(text.find("edigate_test_open 4\n") != std::string::npos);
  CHECK(text.find("edigate_test_seconds_bucket{le=\"0.1\"} 1\n") != std::string::npos);
  CHECK(text.find("edigate_test_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("edigate_test_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("edigate_test_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("edigate_test_seconds_sum 7.55\n") != std::string::npos);
  CHECK(text.find("99") == std::string::npos);
}

TEST_CASE("tls: a context is refused for bad PEM or a required cert without a CA", "[http]") {
  auto bad = make_server_tls_context("not a cert", "not a key", std::nullopt, false);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("certificate") != std::string::npos);
  auto no_ca = make_server_tls_context(TlsServerSettings{"", "", std::nullopt, true, ""});
  CHECK_FALSE(no_ca.ok());
}
