// The HTTP exchanges themselves are tested against a real server in
// tests/integration/connectors_test.sh; here: option checks and the signature scheme.
#include "connectors/http_connector.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "connectors/hmac_signature.hpp"

using namespace edigate::gateway::connectors;

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[connectors]") {
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("the signature covers timestamp and body", "[connectors]") {
  const std::string sig = edigate_signature("secret", 1700000000, R"({"a":1})");
  CHECK(sig == "sha256=" + hmac_sha256_hex("secret", R"(1700000000.{"a":1})"));
  CHECK(sig != edigate_signature("secret", 1700000001, R"({"a":1})"));
  CHECK(sig != edigate_signature("secret", 1700000000, R"({"a":2})"));
}

TEST_CASE("HTTP connector options are checked at creation", "[connectors]") {
  HttpConnectorOptions o;
  o.url = "http://127.0.0.1:1/x";
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("allow_plain_http"));
  o.allow_plain_http = true;
  CHECK(HttpConnector::create(o).ok());
  o.url = "ftp://example.com/";
  CHECK_FALSE(HttpConnector::create(o).ok());
  o.url = "https://erp.example.com/in";
  o.client_cert_file = "cert.pem";
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("go together"));
  o.client_cert_file.clear();

  o.auth = HttpAuth::bearer;
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("bearer_token_file"));
  o.bearer_token_file = "/nonexistent/token";
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("cannot open"));

  const auto token = std::filesystem::temp_directory_path() / "edigate-hc-token";
  { std::ofstream(token) << "\n"; }
  o.bearer_token_file = token.string();
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("empty"));
  { std::ofstream(token) << "t0k3n\n"; }
  CHECK(HttpConnector::create(o).ok());
  std::filesystem::remove(token);

  o.auth = HttpAuth::basic;
  const auto password = std::filesystem::temp_directory_path() / "edigate-hc-password";
  { std::ofstream(password) << "pw\n"; }
  o.basic_password_file = password.string();
  o.basic_user = "a:b";  // the user's ':' would end it early in the Authorization header
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("without ':'"));
  o.basic_user = "ab";
  CHECK(HttpConnector::create(o).ok());
  std::filesystem::remove(password);
  o.auth = HttpAuth::oauth2;
  o.oauth2_client_id = "id";
  o.oauth2_token_url = "http://127.0.0.1:1/token";
  o.allow_plain_http = false;
  CHECK_THAT(HttpConnector::create(o).error().message, Catch::Contains("oauth2_token_url"));
}

TEST_CASE("HTTP connector refuses header injection and reports network errors as retry",
          "[connectors]") {
  HttpConnectorOptions o;
  o.url = "http://127.0.0.1:9/unreachable";  // discard port: nothing listens
  o.allow_plain_http = true;
  o.connect_timeout = std::chrono::milliseconds(2000);
  auto c = HttpConnector::create(o);
  REQUIRE(c.ok());
  Delivery d;
  d.document_id = "d1";
  d.idempotency_key = "k1";
  d.json = "{}";
  d.document_type = "850\r\nX-Evil: 1";
  CHECK((*c)->deliver(d).outcome == DeliveryResult::dead);
  d.document_type = "850";
  const DeliveryResult r = (*c)->deliver(d);
  CHECK(r.outcome == DeliveryResult::retry);
  CHECK(r.http_status == 0);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("HMAC-SHA384 and -SHA512 match RFC 4231 test case 2, the header value names them",
          "[connectors]") {
  CHECK(
      hmac_hex("sha384", "Jefe", "what do ya want for nothing?") ==
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab"
      "21649");
  CHECK(
      hmac_hex("sha512", "Jefe", "what do ya want for nothing?") ==
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f"
      "0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  CHECK(hmac_hex("md5", "Jefe", "x").empty());
  CHECK(edigate_signature("secret", 1700000000, "{}", "sha512") ==
        "sha512=" + hmac_hex("sha512", "secret", "1700000000.{}"));
  HttpConnectorOptions o;
  o.url = "https://erp.example/in";
  o.auth = HttpAuth::hmac;
  o.hmac_secret_file = "/nonexistent";
  o.hmac_algorithm = "md5";
  auto made = HttpConnector::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().message.find("hmac_algorithm") != std::string::npos);
  o.hmac_algorithm = "sha384";
  o.hmac_header = "X-Sig\r\nX-Other: 1";
  made = HttpConnector::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().message.find("hmac_header") != std::string::npos);
}

TEST_CASE("plain http is loopback only by the URL's host", "[connectors]") {
  CHECK(is_loopback_http("http://127.0.0.1:8080/in"));
  CHECK(is_loopback_http("http://[::1]:8080/in"));
  CHECK(is_loopback_http("http://localhost/in"));
  CHECK_FALSE(is_loopback_http("http://127.0.0.1@erp.example.com/in"));
  CHECK_FALSE(is_loopback_http("http://localhost.example.com/in"));
  CHECK_FALSE(is_loopback_http("http://127.0.0.1.example.com/in"));
  CHECK_FALSE(is_loopback_http("https://127.0.0.1/in"));
  CHECK_FALSE(is_loopback_http("http://erp.example.com/in"));
  CHECK_FALSE(is_loopback_http("not a url"));
}
