// load_config(): edigate.xml, then every partner profile, then the checks across files.
#include <algorithm>
#include <map>
#include <system_error>

#include "config/loaders.hpp"
#include "config/token_hash.hpp"
#include "config/xml_file.hpp"

namespace edigate::gateway::config {

std::string ConfigIssue::to_string() const {
  return file + ":" + std::to_string(line) + ": " + message;
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

// Partner ids and AS2 ids are keys for routing inbound traffic: each must name one partner.
void check_unique(const std::vector<PartnerProfile>& partners, const std::vector<XmlFile>& files,
                  std::vector<ConfigIssue>& issues) {
  std::map<std::string, Seen> ids, as2_ids, credentials;
  for (std::size_t i = 0; i < partners.size(); ++i) {
    const PartnerProfile& p = partners[i];
    const XmlFile& xml = files[i];
    const Seen here{xml.name(), xml.line_of(xml.root())};
    auto [id, fresh] = ids.emplace(p.id, here);
    if (!fresh) {
      xml.add_issue(issues, xml.root(),
                    "duplicate partner id '" + p.id + "' (also in " + id->second.file + ":" +
                        std::to_string(id->second.line) + ")");
    }
    check_credentials(p, xml, credentials, issues);
    if (!p.as2) continue;
    const pugi::xml_node as2 = xml.root().child("as2");
    auto [a, fresh_as2] = as2_ids.emplace(p.as2->id, Seen{xml.name(), xml.line_of(as2)});
    if (!fresh_as2) {
      xml.add_issue(issues, as2,
                    "duplicate AS2 id '" + p.as2->id + "' (also in " + a->second.file + ":" +
                        std::to_string(a->second.line) + ")");
    }
  }
}

}  // namespace

LoadResult load_config(const fs::path& file) {
  LoadResult result;
  std::vector<ConfigIssue>& issues = result.issues;
  const std::string name = file.string();
  std::optional<XmlFile> xml = XmlFile::load(file, name, edigate_schema(), issues);
  if (!xml) return result;

  auto config = std::make_shared<GatewayConfig>();
  config->file = fs::absolute(file).lexically_normal();
  read_gateway(*xml, *config, issues);

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
  check_unique(config->partners, partner_xml, issues);
  if (issues.empty()) result.config = std::move(config);
  return result;
}

}  // namespace edigate::gateway::config
