#include <catch2/catch.hpp>

#include "config/exposure.hpp"

using namespace edigate::gateway::config;

namespace {

ListenerConfig listener(const std::string& address, bool tls, bool upload) {
  ListenerConfig l;
  l.address = address;
  l.port = 8080;
  l.tls = tls;
  l.serves.upload = upload;
  l.serves.as2 = true;
  l.place = {"edigate.xml", 4};
  return l;
}

}  // namespace

TEST_CASE("exposure: upload on plain HTTP beyond loopback, and a remote admin API, are warned",
          "[config][exposure]") {
  GatewayConfig c;
  c.file = "edigate.xml";
  c.listeners = {listener("127.0.0.1", false, true), listener("::1", false, true),
                 listener("0.0.0.0", true, true), listener("10.0.0.5", false, false)};
  CHECK(exposure_warnings(c).empty());  // loopback, TLS, or no upload

  c.listeners.push_back(listener("0.0.0.0", false, true));
  c.admin.address = "192.0.2.10";
  c.admin.place = {"edigate.xml", 9};
  const auto warnings = exposure_warnings(c);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].to_string() ==
        "edigate.xml:4: upload is served on plain HTTP at 0.0.0.0:8080: partners' bearer tokens "
        "and documents cross the network in clear (serve it on an <https> listener)");
  CHECK(warnings[1].line == 9);
  CHECK(warnings[1].message.find("admin API listens on 192.0.2.10 without TLS") !=
        std::string::npos);
  c.admin.tls = true;  // HTTPS: nothing in clear
  CHECK(exposure_warnings(c).size() == 1);
  CHECK(is_loopback_address("127.8.9.1"));
  CHECK(is_loopback_address("localhost"));  // bound as 127.0.0.1
  CHECK_FALSE(is_loopback_address("::"));
  CHECK(is_loopback_address("0:0::1"));  // ::1 written another way
}
