// load_config(): edigate.xml, then every partner profile, then the checks across files.
#include <openssl/crypto.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "config/loaders.hpp"
#include "config/token_hash.hpp"
#include "config/xml_file.hpp"

namespace edigate::gateway::config {

std::string ConfigIssue::to_string() const {
  // Like edi::XmlIssue: no line when the issue is about the file as a whole.
  return file + ":" + (line > 0 ? std::to_string(line) + ":" : std::string()) + " " + message;
}

SecretText::~SecretText() { OPENSSL_cleanse(text_.data(), text_.capacity()); }

namespace {
constexpr std::pair<unsigned, std::string_view> kScopeNames[] = {{kScopeRead, "read"},
                                                                 {kScopeRaw, "raw"},
                                                                 {kScopeOperate, "operate"},
                                                                 {kScopeOutbound, "outbound"}};
}  // namespace

unsigned admin_scope(std::string_view word) {
  for (const auto& [bit, name] : kScopeNames) {
    if (name == word) return bit;
  }
  return 0;
}

std::string_view admin_scope_name(unsigned scope) {
  for (const auto& [bit, name] : kScopeNames) {
    if (bit == scope) return name;
  }
  return "";
}

const ConnectorConfig* GatewayConfig::find_connector(std::string_view name) const {
  for (const ConnectorConfig& c : connectors) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Route* PartnerProfile::route_for(edi::mapping::DocumentType document) const {
  for (const Route& r : routes) {
    if (r.document == document) return &r;
  }
  return nullptr;
}

namespace {

// The most partner files one directory may hold: a bound on work at load, far above real use.
constexpr std::size_t kMaxPartnerFiles = 10'000;

// The *.xml files of the partners directory, sorted so the order (and the messages) are stable.
std::vector<fs::path> partner_files(const fs::path& dir, const std::string& shown,
                                    std::vector<ConfigIssue>& issues) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".xml" && it->is_regular_file(ec)) out.push_back(it->path());
    if (out.size() > kMaxPartnerFiles) {
      issues.push_back(
          {shown, 0, "more than " + std::to_string(kMaxPartnerFiles) + " partner files"});
      break;
    }
  }
  if (ec) issues.push_back({shown, 0, "cannot list the partners directory: " + ec.message()});
  std::sort(out.begin(), out.end());
  return out;
}

// How a partner file is named in messages: under the directory as the configuration names it.
std::string shown_name(const std::string& config_name, const pugi::xml_node partners,
                       const fs::path& file) {
  const fs::path dir(partners.attribute("dir").value());
  if (dir.is_absolute()) return file.string();
  return (fs::path(config_name).parent_path() / dir / file.filename()).lexically_normal().string();
}

struct Seen {
  std::string file;
  long line;
};

// An upload token or client certificate identifies one partner; shared, it would let one
// partner's uploads be filed as another's.
void check_credentials(const PartnerProfile& p, const XmlFile& xml,
                       std::map<std::string, Seen>& seen, std::vector<ConfigIssue>& issues) {
  const pugi::xml_node upload = xml.root().child("upload");
  const Seen here{xml.name(), xml.line_of(upload)};
  auto note = [&](const Sha256& digest, const char* what) {
    auto [it, fresh] = seen.emplace(std::string(what) + to_hex(digest), here);
    if (!fresh && it->second.file != here.file) {
      xml.add_issue(issues, upload,
                    std::string("the same upload ") + what + " as " + it->second.file + ":" +
                        std::to_string(it->second.line));
    }
  };
  for (const Sha256& t : p.upload.token_sha256) note(t, "token");
  for (const Sha256& c : p.upload.client_cert_sha256) note(c, "client certificate");
}

// Records `key` as claimed by `node` of `xml`; a second claim is an issue at the second place.
void claim(std::map<std::string, Seen>& seen, const std::string& key, const std::string& what,
           const XmlFile& xml, pugi::xml_node node, std::vector<ConfigIssue>& issues) {
  auto [it, fresh] = seen.emplace(key, Seen{xml.name(), xml.line_of(node)});
  if (!fresh) {
    xml.add_issue(issues, node,
                  "duplicate " + what + " (also in " + it->second.file + ":" +
                      std::to_string(it->second.line) + ")");
  }
}

// Partner ids, AS2 ids and envelope ids are keys for routing inbound traffic: each must name
// one partner, and no partner may use our own AS2 id.
void check_unique(const GatewayConfig& config, const std::vector<XmlFile>& files,
                  std::vector<ConfigIssue>& issues) {
  std::map<std::string, Seen> ids, as2_ids, x12_ids, edifact_ids, credentials;
  for (std::size_t i = 0; i < config.partners.size(); ++i) {
    const PartnerProfile& p = config.partners[i];
    const XmlFile& xml = files[i];
    const pugi::xml_node root = xml.root();
    claim(ids, p.id, "partner id '" + p.id + "'", xml, root, issues);
    check_credentials(p, xml, credentials, issues);
    if (p.x12) {
      const std::string key = p.x12->qualifier + ":" + p.x12->id;
      claim(x12_ids, key, "X12 sender " + key, xml, root.child("x12"), issues);
    }
    if (p.edifact) {
      const std::string key = p.edifact->qualifier + ":" + p.edifact->id;
      claim(edifact_ids, key, "EDIFACT sender " + key, xml, root.child("edifact"), issues);
    }
    if (!p.as2) continue;
    const pugi::xml_node as2 = root.child("as2");
    claim(as2_ids, p.as2->id, "AS2 id '" + p.as2->id + "'", xml, as2, issues);
    if (config.as2 && config.as2->our_id == p.as2->id) {
      xml.add_issue(issues, as2, "the partner's AS2 id is our own (<as2 our-id>)");
    }
  }
}

// What partners need from the listeners and our station: AS2 partners need our AS2 identity
// and a listener serving as2; certificate logins need an https listener that asks for them.
void check_reachable(const GatewayConfig& config, const XmlFile& gateway_xml,
                     const std::vector<XmlFile>& files, std::vector<ConfigIssue>& issues) {
  bool as2_listener = false, cert_upload = false;
  for (const ListenerConfig& l : config.listeners) {
    as2_listener |= l.serves.as2;
    cert_upload |= l.tls && l.serves.upload && !l.client_ca.empty();
  }
  const pugi::xml_node listeners = gateway_xml.root().child("listeners");
  if (as2_listener && !config.as2) {
    gateway_xml.add_issue(issues, listeners, "a listener serves as2 but there is no <as2 our-id>");
  }
  for (std::size_t i = 0; i < config.partners.size(); ++i) {
    const pugi::xml_node root = files[i].root();
    if (config.partners[i].as2 && !config.as2) {
      files[i].add_issue(
          issues, root.child("as2"),
          "an AS2 partner needs our AS2 identity (<as2 our-id> in " + gateway_xml.name() + ")");
    }
    const auto& as2 = config.partners[i].as2;
    if (as2 && !as2->sign_with.empty() && config.as2 &&
        config.as2->find_previous(as2->sign_with) == nullptr) {
      files[i].add_issue(issues, root.child("as2"),
                         "sign-with=\"" + as2->sign_with +
                             "\" names no <previous name> in <as2> (" + gateway_xml.name() + ")");
    }
    if (as2 && as2->mdn == MdnMode::async && config.as2 && config.as2->mdn_url.empty()) {
      files[i].add_issue(
          issues, root.child("as2").child("mdn"),
          "mode=\"async\" needs our MDN URL (<as2 mdn-url> in " + gateway_xml.name() + ")");
    }
    const pugi::xml_node cert = root.child("upload").child("client-cert");
    if (cert && !cert_upload) {
      files[i].add_issue(issues, cert,
                         "no https listener serves upload with a client-ca, so this "
                         "certificate can never log in");
    }
  }
}

// An admin token limited to partners names partners that exist (a typo would leave it seeing
// nothing, or a partner added later with that id).
void check_token_partners(const GatewayConfig& config, const XmlFile& gateway_xml,
                          std::vector<ConfigIssue>& issues) {
  const pugi::xml_node admin = gateway_xml.root().child("admin");
  for (const AdminToken& t : config.admin.tokens) {
    for (const std::string& id : t.partners) {
      const bool known = std::any_of(config.partners.begin(), config.partners.end(),
                                     [&](const PartnerProfile& p) { return p.id == id; });
      if (known) continue;
      pugi::xml_node node = admin;
      for (pugi::xml_node n : admin.children("token")) {
        if (t.name == n.attribute("name").value()) node = n;
      }
      gateway_xml.add_issue(issues, node,
                            "admin token '" + t.name + "' names partner '" + id +
                                "', which has no profile in the partners directory");
    }
  }
}

}  // namespace

LoadResult load_config(const fs::path& file, Keys keys) {
  LoadResult result;
  std::vector<ConfigIssue>& issues = result.issues;
  const std::string name = file.string();
  std::optional<XmlFile> xml = XmlFile::load(file, name, edigate_schema(), issues);
  if (!xml) return result;

  auto config = std::make_shared<GatewayConfig>();
  config->file = fs::absolute(file).lexically_normal();
  read_gateway(*xml, *config, issues, keys);
  if (!config->standard_maps_dir.empty()) {
    std::vector<edi::mapping::Issue> map_issues;
    config->standard_maps = edi::mapping::load_standard_maps(config->standard_maps_dir, map_issues);
    for (const auto& i : map_issues) issues.push_back({i.file, i.line, i.message});
  }

  std::vector<XmlFile> partner_xml;
  const pugi::xml_node partners = xml->root().child("partners");
  for (const fs::path& p : partner_files(config->partners_dir, name, issues)) {
    std::optional<XmlFile> px =
        XmlFile::load(p, shown_name(name, partners, p), partner_schema(), issues);
    if (!px) continue;
    PartnerProfile profile = read_partner(*px, *config, issues);
    profile.file = p;
    config->partners.push_back(std::move(profile));
    partner_xml.push_back(std::move(*px));
  }
  check_unique(*config, partner_xml, issues);
  check_reachable(*config, *xml, partner_xml, issues);
  check_token_partners(*config, *xml, issues);
  if (issues.empty()) result.config = std::move(config);
  return result;
}

}  // namespace edigate::gateway::config
