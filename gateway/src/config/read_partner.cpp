// A partner profile into a PartnerProfile. Structure and value syntax are the XSD's job; this
// reads, loads the AS2 certificate and the mapping directory, and checks policy consistency.
#include <algorithm>
#include <set>
#include <string_view>

#include "config/file_checks.hpp"
#include "config/loaders.hpp"
#include "config/token_hash.hpp"

namespace edigate::gateway::config {
namespace {

std::vector<std::string_view> words(std::string_view list) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < list.size()) {
    // XML list types separate with any white space (a tab, a line break), not only spaces.
    std::size_t end = list.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

AckType ack_type(std::string_view s) {
  if (s == "997") return AckType::x997;
  if (s == "999") return AckType::x999;
  if (s == "TA1") return AckType::ta1;
  if (s == "CONTRL") return AckType::contrl;
  if (s == "none") return AckType::none;
  return AckType::automatic;
}

DuplicatePolicy duplicate_policy(std::string_view s) {
  if (s == "warn") return DuplicatePolicy::warn;
  if (s == "accept") return DuplicatePolicy::accept;
  return DuplicatePolicy::reject;
}

// Whether the partner's maps, or the standard maps behind them, produce `document`.
bool maps_document(const edi::mapping::Partner& m, edi::mapping::DocumentType document) {
  const auto produces = [document](const std::shared_ptr<const edi::mapping::Map>& map) {
    return edi::mapping::info_of(*map).document == document;
  };
  return std::any_of(m.maps.begin(), m.maps.end(), produces) ||
         std::any_of(m.standard_maps.begin(), m.standard_maps.end(), produces);
}

struct Reader {
  const XmlFile& xml;
  std::vector<ConfigIssue>& issues;

  void fail(pugi::xml_node node, std::string message) const {
    xml.add_issue(issues, node, std::move(message));
  }

  void policy(pugi::xml_node node, PartnerAs2& a) const {
    a.require_signed = node.attribute("require-signed").as_bool(true);
    a.require_encrypted = node.attribute("require-encrypted").as_bool(true);
    a.allow_sha1 = node.attribute("allow-sha1").as_bool(false);
    a.allow_3des = node.attribute("allow-3des").as_bool(false);
    for (std::string_view w : words(node.attribute("async-mdn-urls").value())) {
      a.async_mdn_urls.emplace_back(w);
    }
    // The XSD names the values; a name it let through that we do not know is refused, never
    // dropped (an accept-ciphers list left empty would accept every cipher).
    const auto names = [&](const char* attribute, const char* fallback, auto parse, auto& into) {
      for (std::string_view w : words(node.attribute(attribute).as_string(fallback))) {
        if (auto v = parse(w)) {
          into.push_back(*v);
        } else {
          fail(node, std::string(attribute) + ": unknown algorithm '" + std::string(w) + "'");
        }
      }
    };
    names("sign-algorithms", "sha256", as2::parse_digest_name, a.sign_algorithms);
    names("encrypt-algorithms", "aes256-cbc", as2::parse_cipher_name, a.encrypt_algorithms);
    names("accept-digests", "", as2::parse_digest_name, a.accept_digests);
    names("accept-ciphers", "", as2::parse_cipher_name, a.accept_ciphers);
    // SHA-1 and 3DES are weak: only a partner that cannot do better gets them, by name.
    for (as2::DigestAlgorithm d : a.sign_algorithms) {
      if (d == as2::DigestAlgorithm::sha1 && !a.allow_sha1) {
        fail(node, "sign-algorithms lists sha1 but allow-sha1 is not true");
      }
    }
    for (as2::DigestAlgorithm d : a.accept_digests) {
      if (d == as2::DigestAlgorithm::sha1 && !a.allow_sha1) {
        fail(node, "accept-digests lists sha1 but allow-sha1 is not true");
      }
    }
    for (as2::ContentCipher c : a.encrypt_algorithms) {
      if (c == as2::ContentCipher::des3_cbc && !a.allow_3des) {
        fail(node, "encrypt-algorithms lists 3des-cbc but allow-3des is not true");
      }
    }
    // Accepting 3DES from them is as weak as sending it: the same allowance, by name.
    for (as2::ContentCipher c : a.accept_ciphers) {
      if (c == as2::ContentCipher::des3_cbc && !a.allow_3des) {
        fail(node, "accept-ciphers lists 3des-cbc but allow-3des is not true");
      }
    }
  }

  void mdn(pugi::xml_node node, PartnerAs2& a) const {
    a.mdn = std::string_view(node.attribute("mode").as_string("sync")) == "async" ? MdnMode::async
                                                                                  : MdnMode::sync;
    a.mdn_signed = node.attribute("signed").as_bool(true);
    a.mdn_timeout_seconds =
        node.attribute("timeout").as_uint(PartnerAs2::kDefaultMdnTimeoutSeconds);
    a.micalg = as2::parse_digest_name(node.attribute("micalg").as_string("sha256"))
                   .value_or(as2::DigestAlgorithm::sha256);
    if (a.micalg == as2::DigestAlgorithm::sha1 && !a.allow_sha1) {
      fail(node, "micalg sha1 needs allow-sha1=\"true\" in <policy>");
    }
  }

  void as2(pugi::xml_node node, PartnerProfile& p) const {
    if (!node) return;
    PartnerAs2 a;
    a.id = node.attribute("id").value();
    a.url = node.attribute("url").value();
    a.cert_file = xml.resolve(node.attribute("cert").value());
    LoadedCertificate cert = load_certificate_file(a.cert_file);
    if (!cert.error.empty()) fail(node, "cert: " + cert.error);
    a.certificate = cert.certificate;
    a.place = xml.place_of(node);
    if (const pugi::xml_attribute ca = node.attribute("tls-ca")) {
      a.tls_ca = xml.resolve(ca.value());
      LoadedCertificate trusted = load_certificate_file(a.tls_ca);
      if (!trusted.error.empty()) fail(node, "tls-ca: " + trusted.error);
      a.tls_ca_certificate = trusted.certificate;
    }
    a.sign_with = node.attribute("sign-with").value();
    policy(node.child("policy"), a);
    mdn(node.child("mdn"), a);
    p.as2 = std::move(a);
  }

  void upload(pugi::xml_node node, PartnerProfile& p) const {
    for (pugi::xml_node t : node.children("token")) {
      if (auto d = parse_sha256_hex(t.attribute("sha256").value())) {
        p.upload.token_sha256.push_back(*d);
      } else {
        fail(t, "sha256 is not a SHA-256 in hex");
      }
    }
    for (pugi::xml_node c : node.children("client-cert")) {
      if (auto d = parse_sha256_hex(c.attribute("sha256-fingerprint").value())) {
        p.upload.client_cert_sha256.push_back(*d);
      } else {
        fail(c, "sha256-fingerprint is not a SHA-256 in hex");
      }
    }
  }

  void mapping(pugi::xml_node node,
               const std::vector<std::shared_ptr<const edi::mapping::Map>>& standard_maps,
               const fs::path& standard_dir, PartnerProfile& p) const {
    if (!node) return;
    p.mapping_dir = xml.resolve(node.attribute("dir").value());
    if (auto problem = check_directory(p.mapping_dir, false)) {
      fail(node, "dir: " + *problem);
      return;
    }
    std::vector<edi::mapping::Issue> map_issues;
    std::optional<edi::mapping::Partner> loaded =
        edi::mapping::load_partner(p.mapping_dir, standard_maps, map_issues, standard_dir);
    // The mapping files' own file:line come first, then where the profile names them.
    for (const edi::mapping::Issue& i : map_issues) issues.push_back({i.file, i.line, i.message});
    if (!loaded || !map_issues.empty()) {
      fail(node, "the mapping directory '" + p.mapping_dir.string() + "' does not load");
      return;
    }
    p.mapping = std::make_shared<const edi::mapping::Partner>(std::move(*loaded));
  }

  void routes(pugi::xml_node root, const GatewayConfig& gateway, PartnerProfile& p) const {
    // A document type may go to several connectors (the ERP and an archive); the same pair
    // twice would deliver twice.
    std::set<std::pair<edi::mapping::DocumentType, std::string>> seen;
    for (pugi::xml_node r : root.children("route")) {
      Route route;
      route.document = edi::mapping::parse_document_type(r.attribute("document").value())
                           .value_or(edi::mapping::DocumentType::purchase_order);
      route.connector = r.attribute("connector").value();
      if (!seen.insert({route.document, route.connector}).second) {
        fail(r, std::string("a second route for ") + r.attribute("document").value() + " to " +
                    route.connector);
      }
      if (gateway.find_connector(route.connector) == nullptr) {
        fail(r, "route to unknown connector '" + route.connector + "' (not in " +
                    gateway.file.filename().string() + ")");
      }
      check_mapped(r, p, route.document);
      p.routes.push_back(std::move(route));
    }
  }

  // A route carries canonical documents, which only a map makes.
  void check_mapped(pugi::xml_node route, const PartnerProfile& p,
                    edi::mapping::DocumentType document) const {
    const std::string name = route.attribute("document").value();
    if (!route.parent().child("mapping")) {
      fail(route, "a route for " + name + " needs the partner's <mapping dir>");
    } else if (p.mapping && !maps_document(*p.mapping, document)) {
      fail(route, "no map of the partner's mapping directory or the standard maps makes " + name);
    }
  }
};

}  // namespace

PartnerProfile read_partner(const XmlFile& xml, const GatewayConfig& gateway,
                            std::vector<ConfigIssue>& issues) {
  const Reader r{xml, issues};
  const pugi::xml_node root = xml.root();
  PartnerProfile p;
  p.id = root.attribute("id").value();
  p.name = root.attribute("name").value();
  r.as2(root.child("as2"), p);
  if (pugi::xml_node x = root.child("x12")) {
    p.x12 = X12Ids{x.attribute("qualifier").value(), x.attribute("id").value(),
                   x.attribute("group-id").as_string(x.attribute("id").value())};
  }
  if (pugi::xml_node e = root.child("edifact")) {
    p.edifact = EdifactIds{e.attribute("id").value(), e.attribute("qualifier").value()};
  }
  r.upload(root.child("upload"), p);
  if (pugi::xml_node sftp = root.child("sftp")) {
    PartnerSftp s;
    for (pugi::xml_node k : sftp.children("key")) s.keys.emplace_back(k.child_value());
    s.legacy_algorithms = sftp.attribute("legacy-algorithms").as_bool();
    if (pugi::xml_attribute suffixes = sftp.attribute("temporary-suffixes")) {
      s.temporary_suffixes = sftp::split_suffixes(suffixes.value());
      if (auto checked = sftp::check_temporary_suffixes(s.temporary_suffixes); !checked.ok()) {
        r.fail(sftp, checked.message);
      }
    }
    if (pugi::xml_node hash = sftp.child("password-hash")) {
      auto parsed = sftp::parse_password_hash(hash.child_value());
      if (parsed.ok()) {
        s.password = std::move(parsed.value());
      } else {
        r.fail(hash, parsed.status().message);
      }
    }
    if (s.keys.empty() && !sftp.child("password-hash")) {
      r.fail(sftp, "<sftp> needs a <key> or a <password-hash>");
    }
    p.sftp = std::move(s);
  }
  if (pugi::xml_node push = root.child("sftp-push")) {
    PartnerSftpPush s;
    s.host = push.attribute("host").value();
    s.port = static_cast<std::uint16_t>(push.attribute("port").as_uint(22));
    s.user = push.attribute("user").value();
    s.key = r.xml.resolve(push.attribute("key").value());
    s.host_key_sha256 = push.attribute("host-key-sha256").value();
    s.dir = push.attribute("dir").value();
    s.temp_then_rename = push.attribute("temp-rename").as_bool(true);
    p.sftp_push = std::move(s);
  }
  if (pugi::xml_node push = root.child("https-push")) {
    p.https_push_connector = push.attribute("connector").value();
    const ConnectorConfig* c = gateway.find_connector(p.https_push_connector);
    if (c == nullptr || !std::holds_alternative<HttpConnector>(c->target)) {
      r.fail(push, "https-push names '" + p.https_push_connector +
                       "', which is not an <http> connector of edigate.xml");
    }
  }
  r.mapping(root.child("mapping"), gateway.standard_maps, gateway.standard_maps_dir, p);
  if (pugi::xml_node a = root.child("acks")) {
    p.acks = ack_type(a.attribute("type").as_string("auto"));
    const std::string_view send = a.attribute("send").as_string("as2");
    p.ack_send = send == "none" ? AckSend::none : send == "sftp" ? AckSend::sftp : AckSend::as2;
  }
  if (pugi::xml_node retry = root.child("send-retry")) {
    p.send_attempts = retry.attribute("max-attempts").as_uint(p.send_attempts);
    p.send_max_interval_seconds =
        retry.attribute("max-interval").as_uint(p.send_max_interval_seconds);
  }
  if (pugi::xml_node e = root.child("expect-acks")) {
    p.expect_ack_seconds = e.attribute("within").as_uint();
  }
  if (pugi::xml_node d = root.child("duplicates")) {
    p.duplicates = duplicate_policy(d.attribute("interchange").as_string("reject"));
  }
  r.routes(root, gateway, p);
  if (p.ack_send == AckSend::sftp && p.acks != AckType::none && !p.sftp_push) {
    const pugi::xml_node acks = root.child("acks");
    r.fail(acks ? acks : root, "acks are pushed over SFTP but the partner has no <sftp-push>");
  }
  if (p.ack_send == AckSend::as2 && p.acks != AckType::none && !p.as2) {
    const pugi::xml_node acks = root.child("acks");
    r.fail(acks ? acks : root,
           "acks are sent over AS2 but the partner has no <as2>; use send=\"none\"");
  }
  return p;
}

}  // namespace edigate::gateway::config
