// edigate.xml into a GatewayConfig. The XSD has already checked structure and value syntax, so
// this reads attributes directly and checks what an XSD cannot: files, keys, unique names.
#include <arpa/inet.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string_view>

#include "config/addresses.hpp"
#include "config/file_checks.hpp"
#include "config/loaders.hpp"
#include "config/token_hash.hpp"

namespace edigate::gateway::config {
namespace {

// An address we can bind: an IPv4 or IPv6 literal, or "localhost". The XSD only checks the
// characters.
bool bindable(const std::string& address) {
  unsigned char buffer[sizeof(in6_addr)];
  return address == "localhost" || inet_pton(AF_INET, address.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, address.c_str(), buffer) == 1;
}

struct Reader {
  const XmlFile& xml;
  std::vector<ConfigIssue>& issues;
  const SecretText& passphrase;  // of our encrypted keys; read first, from <keys>
  Keys keys;

  void fail(pugi::xml_node node, std::string message) const {
    xml.add_issue(issues, node, std::move(message));
  }

  // A file that must be readable; empty path when the attribute is absent.
  fs::path readable(pugi::xml_node node, const char* attribute) const {
    const pugi::xml_attribute a = node.attribute(attribute);
    if (!a) return {};
    const fs::path path = xml.resolve(a.value());
    if (auto problem = check_readable(path)) fail(node, std::string(attribute) + ": " + *problem);
    return path;
  }

  // A secret: readable by us, not by everyone.
  fs::path secret(pugi::xml_node node, const char* attribute) const {
    const fs::path path = xml.resolve(node.attribute(attribute).value());
    if (auto problem = check_private(path)) fail(node, std::string(attribute) + ": " + *problem);
    return path;
  }

  fs::path directory(pugi::xml_node node, const char* attribute, bool may_be_created) const {
    const fs::path path = xml.resolve(node.attribute(attribute).value());
    if (auto problem = check_directory(path, may_be_created)) {
      fail(node, std::string(attribute) + ": " + *problem);
    }
    return path;
  }

  // A certificate and its key, loaded and matched (TLS listeners, our AS2 station, mTLS).
  as2::Identity identity(pugi::xml_node node, const char* cert_attr, const char* key_attr) const {
    as2::Identity out;
    LoadedCertificate cert = load_certificate_file(xml.resolve(node.attribute(cert_attr).value()));
    if (!cert.error.empty()) fail(node, std::string(cert_attr) + ": " + cert.error);
    out.certificate = cert.certificate;
    if (keys == Keys::skip) return out;
    LoadedKey key = load_key_file(xml.resolve(node.attribute(key_attr).value()), passphrase.str());
    if (!key.error.empty()) fail(node, std::string(key_attr) + ": " + key.error);
    if (cert.certificate && key.key && !key_matches(cert.certificate, key.key)) {
      fail(node, std::string(key_attr) + " does not belong to " + cert_attr);
    }
    out.key = key.key;
    return out;
  }

  Endpoints endpoints(std::string_view list) const {
    Endpoints e;
    std::size_t start = 0;
    while (start < list.size()) {
      std::size_t end = list.find(' ', start);
      if (end == std::string_view::npos) end = list.size();
      const std::string_view word = list.substr(start, end - start);
      e.as2 |= word == "as2";
      e.upload |= word == "upload";
      e.mdn |= word == "mdn";
      start = end + 1;
    }
    return e;
  }

  void listeners(pugi::xml_node node, GatewayConfig& c) const {
    for (pugi::xml_node l : node.children()) {
      if (l.type() != pugi::node_element) continue;
      ListenerConfig out;
      out.tls = std::string_view(l.name()) == "https";
      out.name = (out.tls ? "https-" : "http-") + std::to_string(c.listeners.size());
      out.place = xml.place_of(l);
      out.address = l.attribute("address").value();
      if (!bindable(out.address)) fail(l, "address '" + out.address + "' is not an IP address");
      out.port = static_cast<std::uint16_t>(l.attribute("port").as_uint());
      out.serves = endpoints(l.attribute("serve").value());
      if (out.tls) {
        out.cert = xml.resolve(l.attribute("cert").value());
        out.key = xml.resolve(l.attribute("key").value());
        out.certificate = identity(l, "cert", "key").certificate;
        out.client_ca = readable(l, "client-ca");
      }
      for (const ListenerConfig& other : c.listeners) {
        if (listening_clash(other.address, other.port, out.address, out.port)) {
          fail(l, "this listener and the one at line " + std::to_string(other.place.line) +
                      " would take the same socket (" + other.address + ":" +
                      std::to_string(other.port) + ")");
        }
      }
      c.listeners.push_back(std::move(out));
    }
  }

  void admin(pugi::xml_node node, GatewayConfig& c) const {
    if (!node) return;
    c.admin.place = xml.place_of(node);
    c.admin.address = node.attribute("address").as_string(AdminConfig::kDefaultAddress);
    if (!bindable(c.admin.address)) {
      fail(node, "address '" + c.admin.address + "' is not an IP address");
    }
    c.admin.port =
        static_cast<std::uint16_t>(node.attribute("port").as_uint(AdminConfig::kDefaultPort));
    if (node.attribute("cert") || node.attribute("key")) {
      if (!node.attribute("cert") || !node.attribute("key")) {
        fail(node, "cert and key go together (HTTPS for the admin API)");
      } else {
        c.admin.tls = true;
        c.admin.cert = xml.resolve(node.attribute("cert").value());
        c.admin.key = xml.resolve(node.attribute("key").value());
        c.admin.certificate = identity(node, "cert", "key").certificate;
      }
    }
    std::set<std::string> names;
    for (pugi::xml_node t : node.children("token")) {
      AdminToken token;
      token.name = t.attribute("name").value();
      token.sha256 = parse_hex(t, t.attribute("sha256").value());
      if (pugi::xml_attribute partners = t.attribute("partners")) {
        std::istringstream words(partners.value());
        for (std::string w; words >> w;) token.partners.push_back(w);
      }
      if (pugi::xml_attribute scopes = t.attribute("scopes")) {
        token.scopes = 0;  // the XSD has checked each word
        std::istringstream words(scopes.value());
        for (std::string w; words >> w;) token.scopes |= admin_scope(w);
      }
      if (!names.insert(token.name).second)
        fail(t, "duplicate admin token name '" + token.name + "'");
      c.admin.tokens.push_back(std::move(token));
    }
  }

  // The admin listener and the SFTP server against the partner listeners and each other; the
  // admin listener runs also when <admin> is absent (on its defaults).
  void sockets(pugi::xml_node root, const GatewayConfig& c) const {
    const pugi::xml_node admin = root.child("admin") ? root.child("admin") : root;
    for (const ListenerConfig& l : c.listeners) {
      if (listening_clash(l.address, l.port, c.admin.address, c.admin.port)) {
        fail(admin, "the admin listener (" + c.admin.address + ":" + std::to_string(c.admin.port) +
                        ") and the listener at line " + std::to_string(l.place.line) +
                        " would take the same socket");
      }
    }
    if (!c.sftp) return;
    const pugi::xml_node sftp = root.child("sftp");
    const std::string at = c.sftp->address + ":" + std::to_string(c.sftp->port);
    for (const ListenerConfig& l : c.listeners) {
      if (listening_clash(l.address, l.port, c.sftp->address, c.sftp->port)) {
        fail(sftp, "the SFTP server (" + at + ") and the listener at line " +
                       std::to_string(l.place.line) + " would take the same socket");
      }
    }
    if (listening_clash(c.admin.address, c.admin.port, c.sftp->address, c.sftp->port)) {
      fail(sftp, "the SFTP server (" + at + ") and the admin listener would take the same socket");
    }
  }

  Sha256 parse_hex(pugi::xml_node node, std::string_view hex) const;

  void limits(pugi::xml_node node, Limits& l) const {
    if (!node) return;
    l.header_bytes = node.attribute("header-bytes").as_ullong(l.header_bytes);
    l.body_bytes = node.attribute("body-bytes").as_ullong(l.body_bytes);
    l.idle_seconds = node.attribute("idle-seconds").as_uint(l.idle_seconds);
    l.request_seconds = node.attribute("request-seconds").as_uint(l.request_seconds);
    l.connections = node.attribute("connections").as_uint(l.connections);
    l.connections_per_ip = node.attribute("connections-per-ip").as_uint(l.connections_per_ip);
    l.decompressed_bytes = node.attribute("decompressed-bytes").as_ullong(l.decompressed_bytes);
    l.refused_keep_bytes = node.attribute("refused-keep-bytes").as_ullong(l.refused_keep_bytes);
    if (l.connections_per_ip > l.connections) {
      fail(node, "connections-per-ip is larger than connections");
    }
    if (l.idle_seconds > l.request_seconds)
      fail(node, "idle-seconds is larger than request-seconds");
    const pugi::xml_node e = node.child("edi");
    edi::Limits& d = l.edi;
    d.max_element_length = e.attribute("element-bytes").as_ullong(d.max_element_length);
    d.max_segment_length = e.attribute("segment-bytes").as_ullong(d.max_segment_length);
    d.max_elements_per_segment =
        e.attribute("elements-per-segment").as_ullong(d.max_elements_per_segment);
    d.max_components_per_element =
        e.attribute("components-per-element").as_ullong(d.max_components_per_element);
    d.max_repetitions = e.attribute("repetitions").as_ullong(d.max_repetitions);
    d.max_segments_per_set = e.attribute("segments-per-set").as_ullong(d.max_segments_per_set);
    d.max_nesting = e.attribute("nesting").as_ullong(d.max_nesting);
  }

  void as2_station(pugi::xml_node node, GatewayConfig& c) const {
    if (!node) return;
    As2Station s;
    s.our_id = node.attribute("our-id").value();
    s.key = xml.resolve(node.attribute("key").value());
    s.cert = xml.resolve(node.attribute("cert").value());
    s.identity = identity(node, "cert", "key");
    s.place = xml.place_of(node);
    for (const pugi::xml_node p : node.children("previous")) {
      As2Station::Previous previous;
      previous.name = p.attribute("name").value();
      previous.key = xml.resolve(p.attribute("key").value());
      previous.cert = xml.resolve(p.attribute("cert").value());
      previous.identity = identity(p, "cert", "key");
      previous.place = xml.place_of(p);
      if (s.find_previous(previous.name) != nullptr) {
        fail(p, "a second previous key named " + previous.name);
      } else if (previous.identity.certificate &&
                 previous.identity.certificate.same_as(s.identity.certificate)) {
        fail(p, "this is our current certificate (cert), not a previous one");
      }
      s.previous.push_back(std::move(previous));
    }
    s.mdn_url = node.attribute("mdn-url").value();
    if (node.attribute("tls-cert") || node.attribute("tls-key")) {
      if (!node.attribute("tls-cert") || !node.attribute("tls-key")) {
        fail(node, "tls-cert and tls-key go together (our TLS client certificate)");
      } else {
        s.tls_cert = xml.resolve(node.attribute("tls-cert").value());
        s.tls_key = xml.resolve(node.attribute("tls-key").value());
        s.tls_certificate = identity(node, "tls-cert", "tls-key").certificate;
      }
    }
    c.as2 = std::move(s);
  }

  HttpAuth auth(pugi::xml_node http) const {
    if (pugi::xml_node a = http.child("bearer")) return BearerAuth{secret(a, "token-file")};
    if (pugi::xml_node a = http.child("basic")) {
      return BasicAuth{a.attribute("user").value(), secret(a, "password-file")};
    }
    if (pugi::xml_node a = http.child("oauth2")) {
      return OAuth2Auth{a.attribute("token-url").value(), a.attribute("client-id").value(),
                        secret(a, "client-secret-file"), a.attribute("scope").value()};
    }
    if (pugi::xml_node a = http.child("hmac")) {
      HmacAuth h;
      h.secret_file = secret(a, "secret-file");
      h.header = a.attribute("header").as_string(h.header.c_str());
      h.algorithm = a.attribute("algorithm").as_string(h.algorithm.c_str());
      return h;
    }
    return NoAuth{};
  }

  HttpConnector http_connector(pugi::xml_node node) const {
    HttpConnector h;
    h.url = node.attribute("url").value();
    h.timeout_seconds = node.attribute("timeout").as_uint(h.timeout_seconds);
    h.max_attempts = node.attribute("max-attempts").as_uint(h.max_attempts);
    h.auth = auth(node);
    if (pugi::xml_node m = node.child("mtls")) {
      h.mtls_cert = xml.resolve(m.attribute("cert").value());
      h.mtls_key = xml.resolve(m.attribute("key").value());
      h.mtls_certificate = identity(m, "cert", "key").certificate;
      h.mtls_place = xml.place_of(m);
    }
    h.ca = readable(node, "ca");
    if (h.url.rfind("http://", 0) == 0 && !std::holds_alternative<NoAuth>(h.auth)) {
      fail(node, "connector '" + std::string(node.attribute("name").value()) +
                     "' sends credentials over plain http; use https");
    }
    return h;
  }

  void connectors(pugi::xml_node node, GatewayConfig& c) const {
    std::set<std::string> names;
    for (pugi::xml_node n : node.children()) {
      if (n.type() != pugi::node_element) continue;
      ConnectorConfig out;
      out.name = n.attribute("name").value();
      if (!names.insert(out.name).second) fail(n, "duplicate connector name '" + out.name + "'");
      if (std::string_view(n.name()) == "http") {
        out.target = http_connector(n);
      } else {
        out.target = FileConnector{directory(n, "dir", true), n.attribute("raw").as_bool(false),
                                   n.attribute("create-dir").as_bool(true)};
      }
      out.breaker_failures = n.attribute("breaker-failures").as_uint(out.breaker_failures);
      out.breaker_cool_down_seconds =
          n.attribute("breaker-cool-down").as_uint(out.breaker_cool_down_seconds);
      c.connectors.push_back(std::move(out));
    }
    c.outbound_status_connector = node.attribute("outbound-status").value();
    if (!c.outbound_status_connector.empty() && !names.contains(c.outbound_status_connector)) {
      fail(node, "outbound-status names connector '" + c.outbound_status_connector +
                     "', which is not defined here");
    }
  }
};

Sha256 Reader::parse_hex(pugi::xml_node node, std::string_view hex) const {
  std::optional<Sha256> digest = parse_sha256_hex(hex);
  if (!digest) fail(node, "not a SHA-256 in hex: '" + std::string(hex) + "'");
  return digest.value_or(Sha256{});
}

// <keys>: the passphrase from its file, or from the systemd credential of that name (systemd
// puts a service's credentials, decrypted, in the directory $CREDENTIALS_DIRECTORY names).
SecretText key_passphrase(const XmlFile& xml, pugi::xml_node node,
                          std::vector<ConfigIssue>& issues) {
  if (!node) return {};
  const pugi::xml_attribute file = node.attribute("passphrase-file");
  const pugi::xml_attribute credential = node.attribute("passphrase-credential");
  if (file.empty() == credential.empty()) {
    xml.add_issue(issues, node, "give one of passphrase-file and passphrase-credential");
    return {};
  }
  fs::path path;
  if (file) {
    path = xml.resolve(file.value());
  } else {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr || *dir == '\0') {
      xml.add_issue(issues, node,
                    std::string("passphrase-credential '") + credential.value() +
                        "': $CREDENTIALS_DIRECTORY is not set (systemd sets it for a service "
                        "with LoadCredential= or LoadCredentialEncrypted=)");
      return {};
    }
    path = fs::path(dir) / credential.value();
  }
  LoadedSecret secret = load_passphrase_file(path);
  if (!secret.error.empty()) {
    xml.add_issue(
        issues, node,
        std::string(file ? "passphrase-file" : "passphrase-credential") + ": " + secret.error);
  }
  return SecretText(std::move(secret.text));
}

}  // namespace

void read_gateway(const XmlFile& xml, GatewayConfig& config, std::vector<ConfigIssue>& issues,
                  Keys keys) {
  const pugi::xml_node root = xml.root();
  if (keys == Keys::load) config.key_passphrase = key_passphrase(xml, root.child("keys"), issues);
  const Reader r{xml, issues, config.key_passphrase, keys};
  r.listeners(root.child("listeners"), config);
  r.admin(root.child("admin"), config);
  const pugi::xml_node store = root.child("store");
  config.store.database = xml.resolve(store.attribute("database").value());
  if (auto problem = check_directory(config.store.database.parent_path(), true)) {
    r.fail(store, "database: " + *problem);
  }
  config.store.spool = r.directory(store, "spool", true);
  config.store.retain_days = store.attribute("retain-days").as_int(0);  // the XSD: 1 or more
  r.limits(root.child("limits"), config.limits);
  if (pugi::xml_node w = root.child("workers")) {
    config.workers = w.attribute("count").as_uint(Workers::kDefaultCount);
    if (config.workers > Workers::kMaxCount) {
      r.fail(w, "count is larger than " + std::to_string(Workers::kMaxCount));
    }
  }
  config.partners_dir = r.directory(root.child("partners"), "dir", false);
  config.standard_maps_dir = r.directory(root.child("mappings"), "standard", false);
  r.as2_station(root.child("as2"), config);
  if (pugi::xml_node sftp = root.child("sftp")) {
    SftpServer s;
    s.address = sftp.attribute("address").as_string("127.0.0.1");
    if (!bindable(s.address)) r.fail(sftp, "address '" + s.address + "' is not an IP address");
    s.port = static_cast<std::uint16_t>(sftp.attribute("port").as_uint());
    s.host_keys = r.directory(sftp, "host-keys", true);
    s.jails = r.directory(sftp, "jails", true);
    // The XSD has checked each value is a positive 32-bit number.
    const pugi::xml_node l = sftp.child("limits");
    auto limit = [&l](const char* name, std::uint32_t& value) {
      value = l.attribute(name).as_uint(value);
    };
    limit("packet-bytes", s.limits.max_packet_bytes);
    limit("read-bytes", s.limits.max_read_bytes);
    limit("open-handles", s.limits.max_open_handles);
    limit("sessions-per-partner", s.limits.max_sessions_per_partner);
    limit("sessions-total", s.limits.max_sessions_total);
    limit("auth-attempts", s.limits.max_auth_attempts);
    limit("idle-seconds", s.limits.idle_seconds);
    limit("login-grace-seconds", s.limits.login_grace_seconds);
    limit("path-bytes", s.limits.max_path_bytes);
    limit("list-entries", s.limits.max_list_entries);
    config.sftp = std::move(s);
  }
  r.sockets(root, config);
  r.connectors(root.child("connectors"), config);
}

}  // namespace edigate::gateway::config
