#include <catch2/catch.hpp>

#include "config/partner_registry.hpp"
#include "config/token_hash.hpp"
#include "config_fixture.hpp"

namespace edigate::gateway::config::test {

TEST_CASE("token hashes: hex both ways, colons, constant-time equality", "[config]") {
  const Sha256 h = sha256_of("edigate-demo-admin-token");
  CHECK(to_hex(h) == "d637ba5f9ad818cdf5b920acbcfb9e69a3640306c0b58ce50789bb3ee3f807c2");
  CHECK(parse_sha256_hex(to_hex(h)) == h);
  CHECK(parse_sha256_hex("D637BA5F9AD818CDF5B920ACBCFB9E69A3640306C0B58CE50789BB3EE3F807C2") == h);
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) colons += (i ? ":" : "") + to_hex(h).substr(i, 2);
  CHECK(parse_sha256_hex(colons) == h);
  CHECK_FALSE(parse_sha256_hex("d637"));
  CHECK_FALSE(parse_sha256_hex(std::string(64, 'g')));
  CHECK_FALSE(parse_sha256_hex(":" + to_hex(h)));
  CHECK(equal_constant_time(h, sha256_of("edigate-demo-admin-token")));
  CHECK_FALSE(equal_constant_time(h, sha256_of("edigate-demo-admin-tokeN")));
}

TEST_CASE("the partner registry finds partners by id, AS2 id, token and certificate", "[config]") {
  const ConfigFixture f;
  const Sha256 cert_fingerprint = sha256_of("a certificate's DER");
  f.write(
      "partners/beta.xml",
      replaced(replaced(ConfigFixture::partner_xml("beta", "BETA"),
                        "f3cd1ffaef5fe7dc79b21040734d266a61ea0c4415d7eb97142355f01fa2dc3b",
                        to_hex(sha256_of("beta-token"))),
               "</upload>",
               "<client-cert sha256-fingerprint=\"" + to_hex(cert_fingerprint) + "\"/></upload>"));
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  const PartnerRegistry registry(r.config);

  REQUIRE(registry.by_id("acme"));
  CHECK(registry.by_id("acme")->as2->id == "ACME");
  CHECK(registry.by_id("nobody") == nullptr);
  REQUIRE(registry.by_as2_id("BETA"));
  CHECK(registry.by_as2_id("BETA")->id == "beta");
  CHECK(registry.by_as2_id("beta") == nullptr);  // AS2 ids are case sensitive
  REQUIRE(registry.by_upload_token("demo-retailer-upload-token"));
  CHECK(registry.by_upload_token("demo-retailer-upload-token")->id == "acme");
  REQUIRE(registry.by_upload_token("beta-token"));
  CHECK(registry.by_upload_token("beta-token")->id == "beta");
  CHECK(registry.by_upload_token("beta-token ") == nullptr);
  CHECK(registry.by_upload_token("") == nullptr);
  REQUIRE(registry.by_client_cert(cert_fingerprint));
  CHECK(registry.by_client_cert(cert_fingerprint)->id == "beta");
  CHECK(registry.by_client_cert(sha256_of("another")) == nullptr);
}

}  // namespace edigate::gateway::config::test
