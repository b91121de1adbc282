#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "../../as2/as2_test_support.hpp"
#include "config/addresses.hpp"
#include "config/config.hpp"
#include "config_fixture.hpp"

namespace edigate::gateway::config::test {
namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the fixture configuration loads with every value read", "[config]") {
  const ConfigFixture f;
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  const GatewayConfig& c = *r.config;
  REQUIRE(c.listeners.size() == 2);
  CHECK(c.listeners[0].serves.as2);
  CHECK(c.listeners[0].serves.upload);
  CHECK_FALSE(c.listeners[0].serves.mdn);
  CHECK(c.listeners[1].tls);
  CHECK(c.listeners[1].port == 18443);
  CHECK(c.listeners[1].cert == f.dir() / "certs/tls.pem");
  CHECK(c.admin.address == "127.0.0.1");  // the default
  CHECK(c.admin.port == AdminConfig::kDefaultPort);
  REQUIRE(c.admin.tokens.size() == 1);
  CHECK(c.store.spool == f.dir() / "var/spool");
  CHECK(c.limits.body_bytes == 1048576);
  CHECK(c.limits.header_bytes == Limits::kDefaultHeaderBytes);
  CHECK(c.limits.edi.max_segment_length == 4096);
  CHECK(c.workers == 3);
  REQUIRE(c.as2);
  CHECK(c.as2->our_id == "OUR-ID");
  CHECK(c.as2->identity.key);
  REQUIRE(c.connectors.size() == 2);
  const auto& erp = std::get<HttpConnector>(c.find_connector("erp")->target);
  CHECK(erp.max_attempts == 3);
  CHECK(std::get<BearerAuth>(erp.auth).token_file == f.dir() / "secrets/erp-token");
  CHECK(std::get<FileConnector>(c.find_connector("drop")->target).raw);
  CHECK(std::get<FileConnector>(c.find_connector("drop")->target).create_dir);  // the default
  REQUIRE(c.partners.size() == 1);
  const PartnerProfile& p = c.partners[0];
  CHECK(p.id == "acme");
  REQUIRE(p.as2);
  CHECK(p.as2->certificate);
  CHECK(p.as2->allow_sha1);
  CHECK(p.as2->mdn == MdnMode::async);
  CHECK(p.as2->sign_algorithms.size() == 2);
  CHECK(p.acks == AckType::x997);
  CHECK(p.duplicates == DuplicatePolicy::reject);
  REQUIRE(p.mapping);
  CHECK_FALSE(p.mapping->maps.empty());
  REQUIRE(p.route_for(edi::mapping::DocumentType::ship_notice));
  CHECK(p.route_for(edi::mapping::DocumentType::ship_notice)->connector == "drop");
  CHECK(p.route_for(edi::mapping::DocumentType::freight_invoice) == nullptr);
}

TEST_CASE("the demo configuration loads once its certificates exist", "[config]") {
  // The demo as committed, in a copy of the tree layout, with certificates where
  // certs/make-dev-certs.sh puts them.
  edigate::test::TempDir tmp;
  const fs::path repo = repo_root();
  fs::create_symlink(repo / "mappings", tmp.path() / "mappings");
  const fs::path demo = tmp.path() / "gateway/demo";
  tmp.write("gateway/demo/edigate.xml", read_text(repo / "gateway/demo/edigate.xml"));
  tmp.write("gateway/demo/partners/demo-retailer.xml",
            read_text(repo / "gateway/demo/partners/demo-retailer.xml"));
  const fs::path certs = demo / "var/certs";
  write_identity("demo-tls", certs / "tls/server.key", certs / "tls/server.pem");
  write_identity("demo-ca", certs / "ca/ca.key", certs / "ca/ca.pem");
  write_identity("demo-our", certs / "as2/our.key", certs / "as2/our.pem");
  write_identity("demo-retailer", certs / "partners/demo-retailer.key",
                 certs / "partners/demo-retailer.pem");

  const LoadResult r = load_config(demo / "edigate.xml");
  INFO(all_issues(r));
  REQUIRE(r.ok());
  CHECK(r.config->partners.size() == 1);
  CHECK(r.config->connectors.size() == 2);
  CHECK(r.config->admin.port == 9090);
  CHECK(r.config->partners[0].as2->id == "DEMO-RETAILER");
}

TEST_CASE("an XSD violation is reported at its line", "[config]") {
  const ConfigFixture f;
  const std::string text = replaced(ConfigFixture::gateway_xml(), R"(<workers count="3"/>)",
                                    R"(<workers count="many"/>)");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  CHECK(has_issue(r, f.config_file(), line_of(text, "<workers"), "count"));
}

TEST_CASE("an XSD violation in a partner profile is reported at its line", "[config]") {
  const ConfigFixture f;
  const std::string text = replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                    R"(<acks type="997"/>)", R"(<acks type="998"/>)");
  f.write("partners/acme.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "<acks"), "998"));
}

TEST_CASE("an SFTP password hash is read, a plain password is refused without repeating it",
          "[config]") {
  const ConfigFixture f;
  const std::string hash =
      "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/"
      "2o+7qQT44+qbVD9lRdofLVQylVYT8"
      "Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw";
  const std::string with_hash =
      replaced(ConfigFixture::partner_xml("acme", "ACME"), "  <mapping dir=",
               "  <sftp><password-hash>" + hash + "</password-hash></sftp>\n  <mapping dir=");
  f.write("partners/acme.xml", with_hash);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  const PartnerProfile& p = r.config->partners.at(0);
  REQUIRE(p.sftp.has_value());
  CHECK(p.sftp->keys.empty());
  REQUIRE(p.sftp->password.has_value());
  CHECK(sftp::verify_password("pleaseletmein", *p.sftp->password));

  const std::string plain = replaced(with_hash, hash, "Summer2026!");
  f.write("partners/acme.xml", plain);
  const LoadResult refused = load_config(f.config_file());
  CHECK(has_issue(refused, f.partner_file("acme"), line_of(plain, "<password-hash>"),
                  "not a $scrypt$ string"));
  CHECK(all_issues(refused).find("Summer2026") == std::string::npos);

  const std::string empty_sftp =
      replaced(with_hash, "<password-hash>" + hash + "</password-hash>", "");
  f.write("partners/acme.xml", empty_sftp);
  CHECK(has_issue(load_config(f.config_file()), f.partner_file("acme"),
                  line_of(empty_sftp, "<sftp>"), "needs a <key> or a <password-hash>"));
}

TEST_CASE("a file connector may be told not to make its directory", "[config]") {
  const ConfigFixture f;
  f.write("edigate.xml",
          replaced(ConfigFixture::gateway_xml(), R"(raw="true"/>)", R"(create-dir="false"/>)"));
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  const auto& drop = std::get<FileConnector>(r.config->find_connector("drop")->target);
  CHECK_FALSE(drop.create_dir);
  CHECK_FALSE(drop.raw);
}

TEST_CASE("a connector's circuit breaker may be set, within bounds", "[config]") {
  const ConfigFixture f;
  std::string text = replaced(ConfigFixture::gateway_xml(), R"(max-attempts="3">)",
                              R"(max-attempts="3" breaker-failures="2" breaker-cool-down="120">)");
  f.write("edigate.xml", text);
  LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  CHECK(r.config->find_connector("erp")->breaker_failures == 2);
  CHECK(r.config->find_connector("erp")->breaker_cool_down_seconds == 120);
  CHECK(r.config->find_connector("drop")->breaker_failures ==
        ConnectorConfig::kDefaultBreakerFailures);
  CHECK(r.config->find_connector("drop")->breaker_cool_down_seconds ==
        ConnectorConfig::kDefaultBreakerCoolDownSeconds);
  for (const char* wrong : {R"(breaker-failures="0")", R"(breaker-cool-down="0")",
                            R"(breaker-cool-down="3601")", R"(breaker-failures="x")"}) {
    text = replaced(ConfigFixture::gateway_xml(), R"(raw="true"/>)",
                    std::string(R"(raw="true" )") + wrong + "/>");
    f.write("edigate.xml", text);
    r = load_config(f.config_file());
    INFO(wrong);
    INFO(all_issues(r));
    CHECK(has_issue(r, f.config_file(), line_of(text, wrong), "breaker-"));
  }
}

TEST_CASE("a listener address must be an IP address", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(), R"(address="127.0.0.1" port="18080")",
               R"(address="127.0.0.256" port="18080")");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "127.0.0.256"), "not an IP address"));
}

TEST_CASE("localhost and 127.0.0.1 on one port are one socket: refused", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(),
               R"(    <http address="127.0.0.1" port="18080" serve="as2 upload"/>)",
               R"(    <http address="127.0.0.1" port="18080" serve="as2 upload"/>
    <http address="localhost" port="18080" serve="as2"/>)");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK(has_issue(r, f.config_file(), line_of(text, R"(address="localhost")"),
                  "would take the same socket (127.0.0.1:18080)"));
}

TEST_CASE("a wildcard listener takes its port on every address: refused beside another",
          "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(),
               R"(    <http address="127.0.0.1" port="18080" serve="as2 upload"/>)",
               R"(    <http address="127.0.0.1" port="18080" serve="as2 upload"/>
    <http address="0.0.0.0" port="18080" serve="as2"/>
    <http address="::1" port="18081" serve="as2"/>
    <http address="0:0::1" port="18081" serve="as2"/>
    <http address="::1" port="18082" serve="as2"/>
    <http address="0.0.0.0" port="18082" serve="as2"/>)");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, R"(address="0.0.0.0" port="18080")"),
                  "would take the same socket"));
  CHECK(has_issue(r, f.config_file(), line_of(text, R"(address="0:0::1")"),
                  "would take the same socket"));
  // IPv6 loopback and the IPv4 wildcard are two sockets.
  CHECK_FALSE(has_issue(r, f.config_file(), line_of(text, R"(address="0.0.0.0" port="18082")"),
                        "would take the same socket"));
}

TEST_CASE("the admin listener and the SFTP server must not take a listener's socket", "[config]") {
  const ConfigFixture f;
  std::string text = replaced(ConfigFixture::gateway_xml(), "  <admin>",
                              R"(  <admin address="localhost" port="18080">)");
  text = replaced(text, "  <connectors>", R"(  <sftp address="::" port="18443"
        host-keys="var/host-keys" jails="var/jails"/>
  <connectors>)");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<admin"),
                  "the admin listener (localhost:18080) and the listener at line 4"));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<sftp"),
                  "the SFTP server (:::18443) and the listener at line 5"));
}

TEST_CASE("listening addresses compare as sockets", "[config]") {
  CHECK(bound_address("localhost") == "127.0.0.1");
  CHECK(bound_address("0:0:0:0:0:0:0:1") == "::1");
  CHECK(listening_clash("localhost", 80, "127.0.0.1", 80));
  CHECK(listening_clash("::", 80, "192.0.2.1", 80));
  CHECK(listening_clash("0.0.0.0", 80, "127.0.0.1", 80));
  CHECK_FALSE(listening_clash("0.0.0.0", 80, "::1", 80));
  CHECK_FALSE(listening_clash("127.0.0.1", 80, "127.0.0.1", 81));
  CHECK_FALSE(listening_clash("127.0.0.1", 0, "127.0.0.1", 0));  // ports the kernel picks
}

TEST_CASE("the SFTP server's address must be an IP address too", "[config]") {
  const ConfigFixture f;
  const std::string with_sftp = replaced(ConfigFixture::gateway_xml(), "  <connectors>",
                                         R"(  <sftp address="localhost" port="2222"
        host-keys="var/host-keys" jails="var/jails"/>
  <connectors>)");
  f.write("edigate.xml", with_sftp);
  const LoadResult ok = load_config(f.config_file());
  INFO(all_issues(ok));
  REQUIRE(ok.ok());
  REQUIRE(ok.config->sftp.has_value());
  CHECK(ok.config->sftp->address == "localhost");

  // The XSD lets through anything of hex digits, dots and colons.
  const std::string junk = replaced(with_sftp, R"(address="localhost")", R"(address="10.0.0.999")");
  f.write("edigate.xml", junk);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(junk, "<sftp"), "not an IP address"));
}

TEST_CASE("HTTP connector authentication is read, and never sent over plain http", "[config]") {
  const ConfigFixture f;
  const std::string connectors =
      R"(<http name="erp" url="https://erp.example/edi" timeout="10" max-attempts="3">
      <bearer token-file="secrets/erp-token"/>
    </http>)";
  const std::string text = replaced(ConfigFixture::gateway_xml(), connectors, R"(
    <http name="erp" url="https://erp.example/edi">
      <oauth2 token-url="https://auth.example/token" client-id="gw" client-secret-file="secrets/erp-token" scope="edi"/>
      <mtls cert="certs/our.pem" key="certs/our.key"/>
    </http>
    <http name="basic" url="https://b.example/"><basic user="u" password-file="secrets/erp-token"/></http>
    <http name="hook" url="http://hook.example/"><hmac secret-file="secrets/erp-token"/></http>)");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "name=\"hook\""), "plain http"));
  REQUIRE(r.issues.size() == 1);

  f.write("edigate.xml", replaced(text, "http://hook.example/", "https://hook.example/"));
  const LoadResult good = load_config(f.config_file());
  INFO(all_issues(good));
  REQUIRE(good.ok());
  const auto& erp = std::get<HttpConnector>(good.config->find_connector("erp")->target);
  CHECK(erp.timeout_seconds == HttpConnector::kDefaultTimeoutSeconds);
  CHECK(std::get<OAuth2Auth>(erp.auth).scope == "edi");
  CHECK(erp.mtls_key == f.dir() / "certs/our.key");
  const auto& hook = std::get<HttpConnector>(good.config->find_connector("hook")->target);
  CHECK(std::get<HmacAuth>(hook.auth).header == "X-Edigate-Signature");
  CHECK(std::get<BasicAuth>(
            std::get<HttpConnector>(good.config->find_connector("basic")->target).auth)
            .user == "u");
}

TEST_CASE("a route to an unknown connector is reported at the route", "[config]") {
  const ConfigFixture f;
  const std::string text = replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                    R"(connector="drop")", R"(connector="nowhere")");
  f.write("partners/acme.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "nowhere"),
                  "unknown connector 'nowhere'"));
}

TEST_CASE("duplicate partner ids and AS2 ids are reported in the second file", "[config]") {
  const ConfigFixture f;
  const std::string text = ConfigFixture::partner_xml("acme", "ACME");
  f.write("partners/zz-copy.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.partner_file("zz-copy"), line_of(text, "<partner "),
                  "duplicate partner id 'acme'"));
  CHECK(has_issue(r, f.partner_file("zz-copy"), line_of(text, "<as2 "), "duplicate AS2 id 'ACME'"));
}

TEST_CASE("envelope ids, upload tokens and our own AS2 id belong to one partner", "[config]") {
  const ConfigFixture f;
  // Another partner id and AS2 id, but acme's X12 sender and upload token.
  const std::string text = replaced(
      replaced(ConfigFixture::partner_xml("other", "OTHER"), R"(id="OTHER"/>)", R"(id="ACME"/>)"),
      R"(<as2 id="OTHER")", R"(<as2 id="OUR-ID")");
  f.write("partners/other.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(
      has_issue(r, f.partner_file("other"), line_of(text, "<x12"), "duplicate X12 sender ZZ:ACME"));
  CHECK(has_issue(r, f.partner_file("other"), line_of(text, "<upload"), "the same upload token"));
  CHECK(has_issue(r, f.partner_file("other"), line_of(text, "<as2 "), "our own"));
  CHECK(r.issues.size() == 3);
}

TEST_CASE("AS2 and certificate logins need a listener and a station for them", "[config]") {
  const ConfigFixture f;
  std::string text = replaced(ConfigFixture::gateway_xml(), R"( client-ca="certs/tls.pem")", "");
  text = replaced(text, R"(  <as2 our-id="OUR-ID" key="certs/our.key" cert="certs/our.pem"
       mdn-url="https://gateway.example/mdn"/>
)",
                  "");
  f.write("edigate.xml", text);
  const std::string partner =
      replaced(ConfigFixture::partner_xml("acme", "ACME"), "</upload>",
               "<client-cert sha256-fingerprint=\"" + std::string(64, 'a') + "\"/></upload>");
  f.write("partners/acme.xml", partner);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<listeners>"), "no <as2 our-id>"));
  CHECK(has_issue(r, f.partner_file("acme"), line_of(partner, "<as2 "), "our AS2 identity"));
  CHECK(has_issue(r, f.partner_file("acme"), line_of(partner, "<client-cert"), "client-ca"));
}

TEST_CASE("a DOCTYPE or an external entity is refused", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(), "<edigate ",
               "<!DOCTYPE edigate [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<edigate ");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  REQUIRE_FALSE(r.issues.empty());
  CHECK(r.issues[0].file == f.config_file().string());
  CHECK(r.issues[0].line == line_of(text, "<!DOCTYPE"));
}

TEST_CASE("a missing key file is reported at the element naming it", "[config]") {
  const ConfigFixture f;
  const std::string text = replaced(ConfigFixture::gateway_xml(), R"(key="certs/our.key")",
                                    R"(key="certs/missing.key")");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<as2 "), "missing.key"));
}

TEST_CASE("a key that does not belong to its certificate is refused", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(), R"(key="certs/our.key")", R"(key="certs/other.key")");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK(has_issue(r, f.config_file(), line_of(text, "<as2 "), "does not belong"));
}

TEST_CASE("an unreadable secret file is reported", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::gateway_xml(), "secrets/erp-token", "secrets/absent");
  f.write("edigate.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK(has_issue(r, f.config_file(), line_of(text, "<bearer"), "token-file"));
}

TEST_CASE("keys and secrets readable by everyone are refused", "[config]") {
  const ConfigFixture f;
  fs::permissions(f.dir() / "certs/our.key", fs::perms::others_read, fs::perm_options::add);
  fs::permissions(f.dir() / "secrets/erp-token", fs::perms::others_read, fs::perm_options::add);
  const std::string text = ConfigFixture::gateway_xml();
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<as2 "), "readable by everyone"));
  CHECK(has_issue(r, f.config_file(), line_of(text, "<bearer"), "readable by everyone"));
}

TEST_CASE("a bad mapping directory is a configuration error", "[config]") {
  const ConfigFixture f;
  // A partner mapping directory whose partner.xml names a map file that does not exist.
  f.write("maps/bad/partner.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:mapping:1" id="bad" name="Bad">
  <map file="missing.xml"/>
</partner>
)");
  const std::string text =
      replaced(ConfigFixture::partner_xml("acme", "ACME"),
               (repo_root() / "mappings/partners/retailer").string(), "../maps/bad");
  f.write("partners/acme.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK_FALSE(r.ok());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "<mapping "), "does not load"));
  // And the mapping loader's own problem comes with it.
  CHECK(r.issues.size() >= 2);

  const std::string absent =
      replaced(ConfigFixture::partner_xml("acme", "ACME"),
               (repo_root() / "mappings/partners/retailer").string(), "../maps/none");
  f.write("partners/acme.xml", absent);
  CHECK(has_issue(load_config(f.config_file()), f.partner_file("acme"),
                  line_of(absent, "<mapping "), "does not exist"));
}

TEST_CASE("a route needs a map that makes its document type", "[config]") {
  const ConfigFixture f;
  // Standard maps with only the 850 and the 856 (the bases of the retailer's overlays): nothing
  // makes freight invoices.
  fs::create_directories(f.dir() / "standard/x12");
  for (const char* name : {"850.xml", "856.xml"}) {
    fs::copy_file(repo_root() / "mappings/standard/x12" / name, f.dir() / "standard/x12" / name);
  }
  f.write("edigate.xml", replaced(ConfigFixture::gateway_xml(),
                                  (repo_root() / "mappings/standard").string(), "standard"));
  const std::string text = replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                    R"(document="ship_notice")", R"(document="freight_invoice")");
  f.write("partners/acme.xml", text);
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "freight_invoice"),
                  "makes freight_invoice"));
  REQUIRE(r.issues.size() == 1);

  std::string unmapped = text;
  const std::size_t from = unmapped.find("  <mapping ");
  unmapped.erase(from, unmapped.find('\n', from) + 1 - from);
  f.write("partners/acme.xml", unmapped);
  CHECK(has_issue(load_config(f.config_file()), f.partner_file("acme"),
                  line_of(unmapped, "purchase_order"), "needs the partner's <mapping dir>"));
}

TEST_CASE("weak algorithms need an explicit allowance", "[config]") {
  const ConfigFixture f;
  const std::string text =
      replaced(ConfigFixture::partner_xml("acme", "ACME"), R"( allow-sha1="true")", "");
  f.write("partners/acme.xml", text);
  const LoadResult r = load_config(f.config_file());
  CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "<policy"), "allow-sha1"));
}

TEST_CASE("inbound algorithm lists: read when given, SHA-1 among them needs allow-sha1",
          "[config]") {
  const ConfigFixture f;
  const std::string strict =
      replaced(ConfigFixture::partner_xml("acme", "ACME"), R"( allow-sha1="true")",
               R"( allow-sha1="true" accept-digests="sha384 sha512" accept-ciphers="aes256-gcm")");
  f.write("partners/acme.xml", strict);
  const LoadResult ok = load_config(f.config_file());
  REQUIRE(ok.ok());
  const PartnerAs2& a = *ok.config->partners[0].as2;
  CHECK(a.accept_digests == std::vector<as2::DigestAlgorithm>{as2::DigestAlgorithm::sha384,
                                                              as2::DigestAlgorithm::sha512});
  CHECK(a.accept_ciphers == std::vector<as2::ContentCipher>{as2::ContentCipher::aes256_gcm});

  const std::string sha1 = replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                    R"(<policy sign-algorithms="sha256 sha1" allow-sha1="true"/>)",
                                    R"(<policy accept-digests="sha256 sha1"/>)");
  f.write("partners/acme.xml", sha1);
  CHECK(has_issue(load_config(f.config_file()), f.partner_file("acme"), line_of(sha1, "<policy"),
                  "accept-digests lists sha1"));
  const std::string unknown = replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                       R"( allow-sha1="true")", R"( accept-ciphers="rc2-cbc")");
  f.write("partners/acme.xml", unknown);
  CHECK_FALSE(load_config(f.config_file()).ok());  // the schema knows the names
}

TEST_CASE("3des-cbc needs allow-3des in accept-ciphers as in encrypt-algorithms", "[config]") {
  const ConfigFixture f;
  for (const char* attribute : {"accept-ciphers", "encrypt-algorithms"}) {
    INFO(attribute);
    const std::string listed =
        replaced(ConfigFixture::partner_xml("acme", "ACME"), R"( allow-sha1="true")",
                 std::string(R"( allow-sha1="true" )") + attribute + R"(="aes256-cbc 3des-cbc")");
    f.write("partners/acme.xml", listed);
    const LoadResult refused = load_config(f.config_file());
    CHECK(has_issue(refused, f.partner_file("acme"), line_of(listed, "<policy"),
                    std::string(attribute) + " lists 3des-cbc but allow-3des is not true"));

    const std::string allowed =
        replaced(listed, R"( allow-sha1="true")", R"( allow-sha1="true" allow-3des="true")");
    f.write("partners/acme.xml", allowed);
    const LoadResult ok = load_config(f.config_file());
    INFO(all_issues(ok));
    CHECK(ok.ok());
  }
  // Separated by a tab (an XML list may be): still two names, and 3DES still needs allowing.
  const std::string tabbed =
      replaced(ConfigFixture::partner_xml("acme", "ACME"), R"( allow-sha1="true")",
               R"( allow-sha1="true" accept-ciphers="aes256-cbc&#9;3des-cbc")");
  f.write("partners/acme.xml", tabbed);
  const LoadResult refused = load_config(f.config_file());
  INFO(all_issues(refused));
  CHECK(has_issue(refused, f.partner_file("acme"), line_of(tabbed, "<policy"),
                  "accept-ciphers lists 3des-cbc but allow-3des is not true"));
}

TEST_CASE("a missing configuration file is one issue", "[config]") {
  const LoadResult r = load_config("/nonexistent/edigate.xml");
  CHECK_FALSE(r.ok());
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].to_string() == "/nonexistent/edigate.xml: cannot read the file");
}

TEST_CASE("async MDNs: our MDN URL and the partner's timeout", "[config]") {
  const ConfigFixture f;
  {
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    CHECK(r.config->as2->mdn_url == "https://gateway.example/mdn");
    const PartnerAs2& acme = *r.config->partners.at(0).as2;
    CHECK(acme.mdn == MdnMode::async);
    CHECK(acme.mdn_timeout_seconds == 120);
  }
  SECTION("sync is the default, with the default timeout") {
    f.write("partners/acme.xml", replaced(ConfigFixture::partner_xml("acme", "ACME"),
                                          R"(<mdn mode="async" timeout="120"/>)", ""));
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    CHECK(r.config->partners.at(0).as2->mdn == MdnMode::sync);
    CHECK(r.config->partners.at(0).as2->mdn_timeout_seconds ==
          PartnerAs2::kDefaultMdnTimeoutSeconds);
  }
  SECTION("asking for async MDNs without our MDN URL") {
    const std::string text = replaced(ConfigFixture::gateway_xml(),
                                      "\n       mdn-url=\"https://gateway.example/mdn\"", "");
    f.write("edigate.xml", text);
    const std::string partner = ConfigFixture::partner_xml("acme", "ACME");
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    CHECK(has_issue(r, f.partner_file("acme"), line_of(partner, "<mdn "), "mdn-url"));
    CHECK(r.issues.size() == 1);
  }
  SECTION("a URL that is not http(s) and a zero timeout are schema errors") {
    const std::string text = replaced(ConfigFixture::gateway_xml(), "https://gateway.example/mdn",
                                      "ftp://gateway.example/mdn");
    f.write("edigate.xml", text);
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    // libxml2 gives the line where the start tag ends.
    CHECK(has_issue(r, f.config_file(), line_of(text, "mdn-url="), "mdn-url"));
    f.write("edigate.xml", ConfigFixture::gateway_xml());
    const std::string partner =
        replaced(ConfigFixture::partner_xml("acme", "ACME"), R"(timeout="120")", R"(timeout="0")");
    f.write("partners/acme.xml", partner);
    const LoadResult p = load_config(f.config_file());
    CHECK(has_issue(p, f.partner_file("acme"), line_of(partner, "<mdn "), "timeout"));
  }
}

namespace {

// certs/our.key and certs/tls.key of the fixture, encrypted under `passphrase`.
void encrypt_keys(const ConfigFixture& f, const std::string& passphrase) {
  for (const char* name : {"our", "tls"}) {
    const fs::path key = f.dir() / "certs" / (std::string(name) + ".key");
    const as2::Identity& id = as2::test::identity(std::string("config-") + name);
    f.write("certs/" + std::string(name) + ".key",
            as2::test::pem_encrypted_private_key(id.key, passphrase));
    fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  }
}

void write_secret(const ConfigFixture& f, const std::string& relative, const std::string& text) {
  f.write(relative, text);
  fs::permissions(f.dir() / relative, fs::perms::owner_read | fs::perms::owner_write);
}

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("acknowledgements expected of a partner: <expect-acks within>", "[config]") {
  const ConfigFixture f;
  {
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    CHECK(r.config->partners.at(0).expect_ack_seconds == 0);  // not watched unless asked
  }
  SECTION("read in seconds") {
    f.write("partners/acme.xml",
            replaced(ConfigFixture::partner_xml("acme", "ACME"), R"(<acks type="997"/>)",
                     R"(<acks type="997"/><expect-acks within="86400"/>)"));
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    CHECK(r.config->partners.at(0).expect_ack_seconds == 86400);
  }
  SECTION("zero, more than 90 days or missing: reported at the element") {
    for (const char* bad : {R"(<expect-acks within="0"/>)", R"(<expect-acks within="7776001"/>)",
                            R"(<expect-acks/>)"}) {
      const std::string text =
          replaced(ConfigFixture::partner_xml("acme", "ACME"), R"(<acks type="997"/>)",
                   R"(<acks type="997"/>)" + std::string("\n  ") + bad);
      f.write("partners/acme.xml", text);
      const LoadResult r = load_config(f.config_file());
      INFO(bad << ": " << all_issues(r));
      CHECK(has_issue(r, f.partner_file("acme"), line_of(text, "<expect-acks"), "within"));
    }
  }
}

TEST_CASE("the connector told of outbound statuses: <connectors outbound-status>", "[config]") {
  const ConfigFixture f;
  {
    const LoadResult r = load_config(f.config_file());
    REQUIRE(r.ok());
    CHECK(r.config->outbound_status_connector.empty());
  }
  SECTION("a connector defined there") {
    f.write("edigate.xml", replaced(ConfigFixture::gateway_xml(), "<connectors>",
                                    R"(<connectors outbound-status="erp">)"));
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    CHECK(r.config->outbound_status_connector == "erp");
  }
  SECTION("one that is not defined is reported at <connectors>") {
    const std::string text = replaced(ConfigFixture::gateway_xml(), "<connectors>",
                                      R"(<connectors outbound-status="nowhere">)");
    f.write("edigate.xml", text);
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    CHECK(has_issue(r, f.config_file(), line_of(text, "<connectors"), "'nowhere'"));
  }
}

TEST_CASE("admin token scopes", "[config]") {
  const ConfigFixture f;
  {
    const LoadResult r = load_config(f.config_file());
    REQUIRE(r.ok());
    CHECK(r.config->admin.tokens.at(0).scopes == kScopeAll);  // none named: every scope
  }
  const std::string hash = "f3cd1ffaef5fe7dc79b21040734d266a61ea0c4415d7eb97142355f01fa2dc3b";
  SECTION("named ones only") {
    const std::string text =
        replaced(ConfigFixture::gateway_xml(), "</admin>",
                 R"(<token name="erp" sha256=")" + hash + R"(" scopes="outbound read"/></admin>)");
    f.write("edigate.xml", text);
    const LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    REQUIRE(r.config->admin.tokens.size() == 2);
    CHECK(r.config->admin.tokens[1].scopes == (kScopeOutbound | kScopeRead));
  }
  SECTION("limited to partners that have a profile") {
    std::string text =
        replaced(ConfigFixture::gateway_xml(), "</admin>",
                 R"(<token name="desk" sha256=")" + hash + R"(" partners="acme"/></admin>)");
    f.write("edigate.xml", text);
    LoadResult r = load_config(f.config_file());
    INFO(all_issues(r));
    REQUIRE(r.ok());
    const AdminToken& desk = r.config->admin.tokens.at(1);
    CHECK(desk.partners == std::vector<std::string>{"acme"});
    CHECK(desk.sees("acme"));
    CHECK_FALSE(desk.sees("globex"));
    CHECK_FALSE(desk.sees("unknown:acme"));
    CHECK(r.config->admin.tokens.at(0).sees("globex"));  // no partners: every one
    text = replaced(text, R"(partners="acme")", R"(partners="acme globex")");
    f.write("edigate.xml", text);
    r = load_config(f.config_file());
    CHECK(has_issue(r, f.config_file(), line_of(text, R"(<token name="desk")"), "'globex'"));
  }
  SECTION("an unknown scope, or none, is a schema error at the token") {
    for (const char* scopes : {"admin", ""}) {
      const std::string text = replaced(
          ConfigFixture::gateway_xml(), "</admin>",
          R"(<token name="erp" sha256=")" + hash + R"(" scopes=")" + scopes + R"("/></admin>)");
      f.write("edigate.xml", text);
      const LoadResult r = load_config(f.config_file());
      INFO(scopes << ": " << all_issues(r));
      CHECK(has_issue(r, f.config_file(), line_of(text, R"(<token name="erp")"), "scopes"));
    }
  }
}

TEST_CASE("encrypted keys need the passphrase in <keys>", "[config]") {
  const ConfigFixture f;
  encrypt_keys(f, "correct horse");
  const std::string plain = ConfigFixture::gateway_xml();
  const LoadResult without = load_config(f.config_file());
  INFO(all_issues(without));
  CHECK(has_issue(without, f.config_file(), line_of(plain, "<as2 "), "is encrypted"));
  CHECK(has_issue(without, f.config_file(), line_of(plain, "<https "), "is encrypted"));

  const std::string text = replaced(plain, "  <listeners>",
                                    "  <keys passphrase-file=\"secrets/keys.pass\"/>\n"
                                    "  <listeners>");
  f.write("edigate.xml", text);
  write_secret(f, "secrets/keys.pass", "correct horse\n");
  const LoadResult good = load_config(f.config_file());
  INFO(all_issues(good));
  REQUIRE(good.ok());
  CHECK(good.config->key_passphrase.str() == "correct horse");
  REQUIRE(good.config->as2);
  CHECK(good.config->as2->identity.key);

  write_secret(f, "secrets/keys.pass", "wrong horse\r\nsecond line\n");
  const LoadResult wrong = load_config(f.config_file());
  CHECK(has_issue(wrong, f.config_file(), line_of(text, "<as2 "), "does not decrypt"));
  CHECK(has_issue(wrong, f.config_file(), line_of(text, "<https "), "does not decrypt"));

  write_secret(f, "secrets/keys.pass", "\ncorrect horse\n");
  CHECK(has_issue(load_config(f.config_file()), f.config_file(), line_of(text, "<keys "),
                  "no passphrase on its first line"));

  write_secret(f, "secrets/keys.pass", "correct horse\n");
  fs::permissions(f.dir() / "secrets/keys.pass", fs::perms::others_read, fs::perm_options::add);
  CHECK(has_issue(load_config(f.config_file()), f.config_file(), line_of(text, "<keys "),
                  "readable by everyone"));
}

TEST_CASE("the key passphrase from a systemd credential", "[config]") {
  const ConfigFixture f;
  encrypt_keys(f, "from systemd");
  const std::string text = replaced(ConfigFixture::gateway_xml(), "  <listeners>",
                                    "  <keys passphrase-credential=\"edigate-keys\"/>\n"
                                    "  <listeners>");
  f.write("edigate.xml", text);
  write_secret(f, "credentials/edigate-keys", "from systemd");  // systemd writes no newline
  {
    const ScopedEnv unset("CREDENTIALS_DIRECTORY", std::nullopt);
    const LoadResult r = load_config(f.config_file());
    CHECK(has_issue(r, f.config_file(), line_of(text, "<keys "), "CREDENTIALS_DIRECTORY"));
  }
  const ScopedEnv set("CREDENTIALS_DIRECTORY", (f.dir() / "credentials").string());
  const LoadResult r = load_config(f.config_file());
  INFO(all_issues(r));
  REQUIRE(r.ok());
  CHECK(r.config->key_passphrase.str() == "from systemd");
}

TEST_CASE("Keys::skip reads names and routes without our keys or their passphrase", "[config]") {
  const ConfigFixture f;
  encrypt_keys(f, "from systemd");
  const std::string text = replaced(ConfigFixture::gateway_xml(), "  <listeners>",
                                    "  <keys passphrase-credential=\"edigate-keys\"/>\n"
                                    "  <listeners>");
  f.write("edigate.xml", text);
  const ScopedEnv unset("CREDENTIALS_DIRECTORY", std::nullopt);
  REQUIRE_FALSE(load_config(f.config_file()).ok());  // the daemon's load needs the credential

  const LoadResult r = load_config(f.config_file(), Keys::skip);
  INFO(all_issues(r));
  REQUIRE(r.ok());
  CHECK(r.config->key_passphrase.str().empty());
  REQUIRE(r.config->as2);
  CHECK(r.config->as2->identity.certificate);  // certificates are still read
  CHECK_FALSE(r.config->as2->identity.key);
  CHECK(r.config->find_connector("drop") != nullptr);
  REQUIRE(r.config->partners.size() == 1);
  CHECK(r.config->partners[0].route_for(edi::mapping::DocumentType::ship_notice) != nullptr);

  // Everything else is still checked: a broken file is refused the same way.
  f.write("edigate.xml", replaced(text, R"(<workers count="3"/>)", R"(<workers count="many"/>)"));
  CHECK_FALSE(load_config(f.config_file(), Keys::skip).ok());
}

TEST_CASE("a passphrase file and a credential together are refused", "[config]") {
  const ConfigFixture f;
  const std::string text = replaced(ConfigFixture::gateway_xml(), "  <listeners>",
                                    "  <keys passphrase-credential=\"edigate-keys\"/>\n"
                                    "  <listeners>");

  const std::string both = replaced(text, "<keys ", "<keys passphrase-file=\"secrets/erp-token\" ");
  f.write("edigate.xml", both);
  CHECK(has_issue(load_config(f.config_file()), f.config_file(), line_of(both, "<keys "),
                  "one of passphrase-file and passphrase-credential"));
}

}  // namespace edigate::gateway::config::test
