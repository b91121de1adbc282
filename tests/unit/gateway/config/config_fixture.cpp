#include "config_fixture.hpp"

#include <algorithm>

#include "../../as2/as2_test_support.hpp"

namespace edigate::gateway::config::test {

fs::path repo_root() {
  return fs::path(EDIGATE_FIXTURES).lexically_normal().parent_path().parent_path();
}

void write_identity(const std::string& name, const fs::path& key, const fs::path& cert) {
  const as2::Identity& id = as2::test::identity(name);
  fs::create_directories(key.parent_path());
  fs::create_directories(cert.parent_path());
  as2::test::write_file(key.string(), as2::test::pem_private_key(id.key));
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  as2::test::write_file(cert.string(), as2::test::pem_certificate(id.certificate));
}

ConfigFixture::ConfigFixture() {
  write_identity("config-tls", dir() / "certs/tls.key", dir() / "certs/tls.pem");
  write_identity("config-our", dir() / "certs/our.key", dir() / "certs/our.pem");
  write_identity("config-acme", dir() / "certs/acme.key", dir() / "certs/acme.pem");
  write_identity("config-other", dir() / "certs/other.key", dir() / "certs/other.pem");
  write("secrets/erp-token", "s3cret\n");
  fs::permissions(dir() / "secrets/erp-token", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(dir() / "var");
  write("edigate.xml", gateway_xml());
  write("partners/acme.xml", partner_xml("acme", "ACME"));
}

std::string ConfigFixture::gateway_xml() {
  const fs::path repo = repo_root();
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<edigate xmlns="urn:edigate:config:1">
  <listeners>
    <http address="127.0.0.1" port="18080" serve="as2 upload"/>
    <https address="127.0.0.1" port="18443" serve="as2 upload mdn"
           cert="certs/tls.pem" key="certs/tls.key" client-ca="certs/tls.pem"/>
  </listeners>
  <admin>
    <token name="ops" sha256="d637ba5f9ad818cdf5b920acbcfb9e69a3640306c0b58ce50789bb3ee3f807c2"/>
  </admin>
  <store database="var/edigate.db" spool="var/spool"/>
  <limits body-bytes="1048576" connections="64" connections-per-ip="8">
    <edi segment-bytes="4096"/>
  </limits>
  <workers count="3"/>
  <partners dir="partners"/>
  <mappings standard=")" +
         (repo / "mappings/standard").string() + R"("/>
  <as2 our-id="OUR-ID" key="certs/our.key" cert="certs/our.pem"
       mdn-url="https://gateway.example/mdn"/>
  <connectors>
    <http name="erp" url="https://erp.example/edi" timeout="10" max-attempts="3">
      <bearer token-file="secrets/erp-token"/>
    </http>
    <file name="drop" dir="var/drop" raw="true"/>
  </connectors>
</edigate>
)";
}

std::string ConfigFixture::partner_xml(const std::string& id, const std::string& as2_id) {
  const fs::path repo = repo_root();
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id=")" +
         id + R"(" name="Acme">
  <as2 id=")" +
         as2_id + R"(" cert="../certs/acme.pem" url="https://acme.example/as2">
    <policy sign-algorithms="sha256 sha1" allow-sha1="true"/>
    <mdn mode="async" timeout="120"/>
  </as2>
  <x12 qualifier="ZZ" id=")" +
         as2_id + R"("/>
  <upload>
    <token sha256="f3cd1ffaef5fe7dc79b21040734d266a61ea0c4415d7eb97142355f01fa2dc3b"/>
  </upload>
  <mapping dir=")" +
         (repo / "mappings/partners/retailer").string() + R"("/>
  <acks type="997"/>
  <route document="purchase_order" connector="erp"/>
  <route document="ship_notice" connector="drop"/>
</partner>
)";
}

long line_of(std::string_view text, std::string_view marker) {
  const std::size_t at = text.find(marker);
  if (at == std::string_view::npos) return 0;
  return static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) +
         1;
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

bool has_issue(const LoadResult& result, const fs::path& file, long line, std::string_view part) {
  return std::any_of(result.issues.begin(), result.issues.end(), [&](const ConfigIssue& i) {
    return i.file == file.string() && i.line == line && i.message.find(part) != std::string::npos;
  });
}

std::string all_issues(const LoadResult& result) {
  std::string out;
  for (const ConfigIssue& i : result.issues) out += i.to_string() + "\n";
  return out;
}

}  // namespace edigate::gateway::config::test
