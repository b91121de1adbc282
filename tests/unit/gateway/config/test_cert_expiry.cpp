#include <catch2/catch.hpp>

#include "../../as2/as2_test_support.hpp"
#include "config/cert_expiry.hpp"
#include "config_fixture.hpp"

namespace edigate::gateway::config::test {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

// The fixture with an mTLS client certificate on the erp connector, every certificate
// re-issued (with the same key, so the key checks still pass) to be fine at kNow; tests then
// re-issue some with other dates.
struct ExpiryFixture : ConfigFixture {
  ExpiryFixture() {
    write_identity("config-client", dir() / "certs/client.key", dir() / "certs/client.pem");
    write("edigate.xml", replaced(gateway_xml(), R"(<bearer token-file="secrets/erp-token"/>)",
                                  R"(<bearer token-file="secrets/erp-token"/>
      <mtls cert="certs/client.pem" key="certs/client.key"/>)"));
    for (const char* name : {"our", "tls", "client", "acme"}) {
      reissue(std::string("config-") + name, std::string("certs/") + name + ".pem", kNow - kDay,
              kNow + 400 * kDay);
    }
  }
  void reissue(const std::string& identity, const std::string& file, std::int64_t not_before,
               std::int64_t not_after) const {
    const as2::Certificate cert =
        as2::test::certificate_valid(as2::test::identity(identity).key, not_before, not_after);
    write(file, as2::test::pem_certificate(cert));
  }
};

std::shared_ptr<const GatewayConfig> load(const ConfigFixture& f) {
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  return r.config;
}

std::string all_warnings(const std::vector<ConfigIssue>& warnings) {
  std::string out;
  for (const ConfigIssue& w : warnings) out += w.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("every certificate the configuration names is listed with its use and dates",
          "[config][certificates]") {
  const ExpiryFixture f;
  f.reissue("config-our", "certs/our.pem", kNow - kDay, kNow + 400 * kDay);
  f.reissue("config-tls", "certs/tls.pem", kNow - 2 * kDay, kNow + 90 * kDay);
  f.reissue("config-client", "certs/client.pem", kNow - 3 * kDay, kNow + 20 * kDay);
  f.reissue("config-acme", "certs/acme.pem", kNow - 4 * kDay, kNow + 9 * kDay);
  const auto config = load(f);
  const std::vector<ConfiguredCertificate> listed = list_certificates(*config);
  REQUIRE(listed.size() == 4);
  const std::string gateway = f.config_file().string();
  const std::string partner = f.partner_file("acme").string();

  CHECK(listed[0].use == CertificateUse::as2);
  CHECK(listed[0].file == f.dir() / "certs/our.pem");
  CHECK(listed[0].place.file == gateway);
  CHECK(listed[0].place.line == line_of(ConfigFixture::gateway_xml(), "<as2 our-id"));
  CHECK(listed[0].validity.not_before == kNow - kDay);
  CHECK(listed[0].validity.not_after == kNow + 400 * kDay);

  CHECK(listed[1].use == CertificateUse::tls_listener);
  CHECK(listed[1].name == "https-1");
  CHECK(listed[1].place.line == line_of(ConfigFixture::gateway_xml(), "<https "));
  CHECK(listed[1].validity.not_after == kNow + 90 * kDay);

  CHECK(listed[2].use == CertificateUse::connector_tls);
  CHECK(listed[2].name == "erp");
  CHECK(listed[2].file == f.dir() / "certs/client.pem");
  CHECK(listed[2].place.line == line_of(ConfigFixture::gateway_xml(), "<bearer") + 1);
  CHECK(listed[2].validity.not_before == kNow - 3 * kDay);

  CHECK(listed[3].use == CertificateUse::partner_as2);
  CHECK(listed[3].partner == "acme");
  CHECK(listed[3].name.empty());
  CHECK(listed[3].file == f.dir() / "certs/acme.pem");
  CHECK(listed[3].place.file == partner);
  CHECK(listed[3].place.line == line_of(ConfigFixture::partner_xml("acme", "ACME"), "<as2 "));
  CHECK(listed[3].validity.not_after == kNow + 9 * kDay);

  CHECK(to_string(CertificateUse::as2) == "as2");
  CHECK(to_string(CertificateUse::tls_listener) == "tls-listener");
  CHECK(to_string(CertificateUse::partner_as2) == "partner-as2");
  CHECK(to_string(CertificateUse::connector_tls) == "connector-tls");
}

TEST_CASE(
    "expired, not yet valid and soon expiring certificates are warned about, by file and line",
    "[config][certificates]") {
  const ExpiryFixture f;
  f.reissue("config-our", "certs/our.pem", kNow - kDay, kNow + 400 * kDay);  // fine
  f.reissue("config-tls", "certs/tls.pem", kNow - 400 * kDay, kNow - 12 * kDay - 60);
  f.reissue("config-client", "certs/client.pem", kNow + 2 * kDay + 60, kNow + 400 * kDay);
  f.reissue("config-acme", "certs/acme.pem", kNow - 300 * kDay, kNow + 9 * kDay + 60);
  const auto config = load(f);  // none of this stops a configuration from loading
  const std::vector<ConfigIssue> warnings = certificate_warnings(*config, kNow);
  INFO(all_warnings(warnings));
  REQUIRE(warnings.size() == 3);
  const std::string gateway_xml = ConfigFixture::gateway_xml();
  CHECK(warnings[0].file == f.config_file().string());
  CHECK(warnings[0].line == line_of(gateway_xml, "<https "));
  CHECK(warnings[0].message ==
        "listener https-1's TLS certificate (certs/tls.pem) expired 2027-01-03 (12 days ago)");
  CHECK(warnings[1].line == line_of(gateway_xml, "<bearer") + 1);
  CHECK(warnings[1].message ==
        "connector erp's client certificate (certs/client.pem) is not valid before 2027-01-17 "
        "(in 2 days)");
  CHECK(warnings[2].to_string() ==
        f.partner_file("acme").string() + ":" +
            std::to_string(line_of(ConfigFixture::partner_xml("acme", "ACME"), "<as2 ")) +
            ": acme's AS2 certificate (certs/acme.pem) expires 2027-01-24 (in 9 days)");
}

TEST_CASE("the expiry warning starts 30 days before notAfter", "[config][certificates]") {
  const ExpiryFixture f;
  f.reissue("config-acme", "certs/acme.pem", kNow - kDay, kNow + kExpiryWarningSeconds);
  const auto config = load(f);
  auto acme_warnings = [&](std::int64_t now) {
    std::size_t n = 0;
    for (const ConfigIssue& w : certificate_warnings(*config, now)) {
      n += w.message.find("acme's AS2 certificate") != std::string::npos;
    }
    return n;
  };
  CHECK(acme_warnings(kNow - 1) == 0);
  CHECK(acme_warnings(kNow) == 1);
  const auto last_hours = certificate_warnings(*config, kNow + kExpiryWarningSeconds - 3600);
  REQUIRE(last_hours.size() == 1);
  CHECK(last_hours[0].message.ends_with("(in less than a day)"));
  const auto after = certificate_warnings(*config, kNow + kExpiryWarningSeconds + kDay);
  REQUIRE(after.size() == 1);
  CHECK(after[0].message.ends_with("expired 2027-02-14 (1 day ago)"));
}

TEST_CASE("a certificate file outside the configuration's directory is named in full",
          "[config][certificates]") {
  const ExpiryFixture f;
  const edigate::test::TempDir elsewhere;
  const fs::path outside = elsewhere.path() / "acme.pem";
  as2::test::write_file(outside.string(),
                        as2::test::pem_certificate(as2::test::certificate_valid(
                            as2::test::identity("config-acme").key, kNow - kDay, kNow + 3 * kDay)));
  f.write("partners/acme.xml", replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                        "../certs/acme.pem", outside.string()));
  const auto config = load(f);
  const auto warnings = certificate_warnings(*config, kNow);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].message.find("(" + outside.string() + ") expires") != std::string::npos);
}

TEST_CASE("certificate dates are read past 2038 and an empty certificate has none",
          "[config][certificates]") {
  const std::int64_t y2100 = 4'102'444'800;  // 2100-01-01T00:00:00Z
  const as2::Certificate cert =
      as2::test::certificate_valid(as2::test::identity("config-acme").key, 0, y2100);
  const auto validity = validity_of(cert);
  REQUIRE(validity);
  CHECK(validity->not_before == 0);
  CHECK(validity->not_after == y2100);
  CHECK_FALSE(validity_of(as2::Certificate{}));
}

}  // namespace edigate::gateway::config::test
