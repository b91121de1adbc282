// Partner mapping profiles (partner.xml) and choosing the map for a set or a document.
#include <algorithm>
#include <pugixml.hpp>

#include "edigate/edi/xml_check.hpp"
#include "mapping_model.hpp"

namespace edigate::edi::mapping {

const char* mapping_xsd_text();

namespace {

bool version_matches(const MapInfo& info, std::string_view version) {
  if (info.versions.empty()) return true;
  for (const std::string& v : info.versions) {
    if (version.starts_with(v)) return true;  // "005010X220A1" is 005010
  }
  return false;
}

const Map* find_in(const std::vector<std::shared_ptr<const Map>>& maps, Standard standard,
                   std::string_view transaction, std::string_view version) {
  for (const auto& m : maps) {
    if (m->info.standard == standard && m->info.transaction == transaction &&
        version_matches(m->info, version)) {
      return m.get();
    }
  }
  return nullptr;
}

const Map* find_out(const std::vector<std::shared_ptr<const Map>>& maps, DocumentType type,
                    Standard standard, std::string_view version) {
  for (const auto& m : maps) {
    if (m->info.standard == standard && m->info.document == type &&
        version_matches(m->info, version)) {
      return m.get();
    }
  }
  return nullptr;
}

char delimiter(const pugi::xml_node& x, const char* name, char fallback) {
  const std::string_view v = x.attribute(name).value();
  return v.empty() ? fallback : v.front();
}

Identity read_identity(const pugi::xml_node& x, Standard standard) {
  Identity id;
  id.our_qualifier = x.attribute("our-qualifier").value();
  id.our_id = x.attribute("our-id").value();
  id.their_qualifier = x.attribute("their-qualifier").value();
  id.their_id = x.attribute("their-id").value();
  id.our_group_id = x.attribute("our-group-id").as_string(id.our_id.c_str());
  id.their_group_id = x.attribute("their-group-id").as_string(id.their_id.c_str());
  const bool x12 = standard == Standard::x12;
  id.version = x.attribute("version").as_string(x12 ? "004010" : "D96A");
  id.syntax = x.attribute("syntax").as_string("UNOC");
  id.syntax_version = x12 ? "" : "3";
  Delimiters d = x12 ? Delimiters::x12_default() : Delimiters::edifact_default();
  d.element = delimiter(x, "element", d.element);
  d.component = delimiter(x, "component", d.component);
  d.repetition = delimiter(x, "repetition", d.repetition);
  d.segment = delimiter(x, "segment", d.segment);
  d.release = delimiter(x, "release", d.release);
  if (x12 && id.version < "004020") d.repetition = 0;  // ISA11 is the standards id before 00402
  id.delimiters = d;
  id.line_break = x.attribute("line-break").as_bool();
  id.test = x.attribute("test").as_bool();
  return id;
}

bool read_text(const std::filesystem::path& path, std::string& out) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxXmlDocumentBytes) return false;
  out.resize(size);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const std::size_t got = std::fread(out.data(), 1, out.size(), f);
  std::fclose(f);
  return got == out.size();
}

}  // namespace

const Map* Partner::find_inbound(Standard standard, std::string_view transaction,
                                 std::string_view version) const {
  if (const Map* m = find_in(maps, standard, transaction, version)) return m;
  return find_in(standard_maps, standard, transaction, version);
}

const Map* Partner::find_outbound(DocumentType type, Standard standard) const {
  const std::optional<Identity>& identity = standard == Standard::x12 ? x12 : edifact;
  const std::string_view version =
      identity ? std::string_view(identity->version) : std::string_view{};
  if (const Map* m = find_out(maps, type, standard, version)) return m;
  return find_out(standard_maps, type, standard, version);
}

std::vector<std::shared_ptr<const Map>> load_standard_maps(const std::filesystem::path& dir,
                                                           std::vector<Issue>& issues) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".xml") files.push_back(it->path());
  }
  if (ec)
    issues.push_back(Issue{dir.string(), 0, "cannot list the standard maps: " + ec.message()});
  std::sort(files.begin(), files.end());
  std::vector<std::shared_ptr<const Map>> maps;
  for (const auto& f : files) {
    if (auto m = load_map(f, issues, dir)) maps.push_back(std::move(m));
  }
  return maps;
}

std::optional<Partner> load_partner(const std::filesystem::path& dir,
                                    const std::filesystem::path& standard_dir,
                                    std::vector<Issue>& issues) {
  std::vector<std::shared_ptr<const Map>> standard;
  if (!standard_dir.empty()) standard = load_standard_maps(standard_dir, issues);
  return load_partner(dir, std::move(standard), issues, standard_dir);
}

std::optional<Partner> load_partner(const std::filesystem::path& dir,
                                    std::vector<std::shared_ptr<const Map>> standard_maps,
                                    std::vector<Issue>& issues,
                                    const std::filesystem::path& standard_dir) {
  const std::filesystem::path file = dir / "partner.xml";
  std::string text;
  if (!read_text(file, text)) {
    issues.push_back(Issue{file.string(), 0, "cannot read the partner profile"});
    return std::nullopt;
  }
  std::vector<XmlIssue> xsd_issues;
  static const XmlSchema schema = XmlSchema::compile(mapping_xsd_text(), "mapping.xsd", xsd_issues);
  const std::size_t before = issues.size();
  for (const XmlIssue& i : schema.check(text, file.string())) {
    issues.push_back(Issue{i.file, i.line, i.message});
  }
  if (issues.size() != before) return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size())) {
    issues.push_back(Issue{file.string(), 0, "cannot parse"});
    return std::nullopt;
  }
  const pugi::xml_node root = doc.child("partner");
  if (!root) {
    issues.push_back(Issue{file.string(), 1, "the root element must be <partner>"});
    return std::nullopt;
  }
  Partner partner;
  partner.id = root.attribute("id").value();
  partner.name = root.attribute("name").value();
  partner.dir = dir;
  if (const pugi::xml_node x = root.child("x12")) partner.x12 = read_identity(x, Standard::x12);
  if (const pugi::xml_node x = root.child("edifact")) {
    partner.edifact = read_identity(x, Standard::edifact);
  }
  for (const pugi::xml_node m : root.children("map")) {
    auto map = load_map(dir / m.attribute("file").value(), issues, standard_dir);
    if (map == nullptr) return std::nullopt;
    partner.maps.push_back(std::move(map));
  }
  partner.standard_maps = std::move(standard_maps);
  if (issues.size() != before) return std::nullopt;
  return partner;
}

}  // namespace edigate::edi::mapping
