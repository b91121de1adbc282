// How a <http> connector of edigate.xml becomes the HTTP connector's options.
#include <catch2/catch.hpp>

#include "daemon/core.hpp"

using namespace edigate::gateway;

TEST_CASE("connector options: <hmac header algorithm> reach the connector",
          "[daemon][connectors]") {
  config::HttpConnector c;
  c.url = "https://erp.example/in";
  config::HmacAuth h;
  h.secret_file = "secrets/hmac";
  h.header = "X-Sig";
  h.algorithm = "sha512";
  c.auth = h;
  const auto o = daemon::http_connector_options("erp", c, config::SecretText{});
  CHECK(o.auth == connectors::HttpAuth::hmac);
  CHECK(o.hmac_secret_file == "secrets/hmac");
  CHECK(o.hmac_header == "X-Sig");
  CHECK(o.hmac_algorithm == "sha512");
  CHECK_FALSE(o.allow_plain_http);
}

TEST_CASE("connector options: plain http only to a loopback host", "[daemon][connectors]") {
  config::HttpConnector c;
  c.url = "http://127.0.0.1:8080/in";
  CHECK(daemon::http_connector_options("erp", c, config::SecretText{}).allow_plain_http);
  c.url = "http://127.0.0.1@erp.example.com/in";
  CHECK_FALSE(daemon::http_connector_options("erp", c, config::SecretText{}).allow_plain_http);
  c.url = "http://localhost.example.com/in";
  CHECK_FALSE(daemon::http_connector_options("erp", c, config::SecretText{}).allow_plain_http);
}
