#include "config/xml_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace edigate::gateway::config {

namespace {

// Reads at most kMaxXmlDocumentBytes + 1 bytes, so an oversized file is refused by the
// checker without being read whole.
std::optional<std::string> read_capped(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(edi::kMaxXmlDocumentBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return std::nullopt;
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

const edi::XmlSchema& compiled(const char* xsd, const char* name) {
  // Leaked on purpose: shared by every load, alive until exit.
  std::vector<edi::XmlIssue> ignored;
  return *new edi::XmlSchema(edi::XmlSchema::compile(xsd, name, ignored));
}

}  // namespace

const edi::XmlSchema& edigate_schema() {
  static const edi::XmlSchema& schema = compiled(edigate_xsd_text(), "edigate.xsd");
  return schema;
}

const edi::XmlSchema& partner_schema() {
  static const edi::XmlSchema& schema = compiled(partner_xsd_text(), "partner.xsd");
  return schema;
}

std::optional<XmlFile> XmlFile::load(const fs::path& file, std::string name,
                                     const edi::XmlSchema& schema,
                                     std::vector<ConfigIssue>& issues) {
  std::optional<std::string> text = read_capped(file);
  if (!text) {
    issues.push_back({name, 0, "cannot read the file"});
    return std::nullopt;
  }
  if (!schema.valid()) {
    issues.push_back({name, 0, "the built-in XSD does not compile"});
    return std::nullopt;
  }
  const std::size_t before = issues.size();
  for (const edi::XmlIssue& i : schema.check(*text, name)) {
    issues.push_back({i.file, i.line, i.message});
  }
  if (issues.size() != before) return std::nullopt;

  XmlFile out;
  out.name_ = std::move(name);
  out.dir_ = fs::absolute(file).parent_path();
  out.text_ = std::move(*text);
  for (std::size_t i = 0; i < out.text_.size(); ++i) {
    if (out.text_[i] == '\n') out.newlines_.push_back(i);
  }
  out.doc_ = std::make_shared<pugi::xml_document>();
  // The checker already refused DOCTYPEs; pugixml never fetches anything either way.
  const pugi::xml_parse_result parsed =
      out.doc_->load_buffer(out.text_.data(), out.text_.size(), pugi::parse_default);
  if (!parsed) {
    issues.push_back({out.name_, 0, parsed.description()});
    return std::nullopt;
  }
  return out;
}

long XmlFile::line_of(pugi::xml_node node) const {
  const std::ptrdiff_t offset = node.offset_debug();
  if (offset < 0) return 0;
  const auto before =
      std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<std::size_t>(offset));
  return static_cast<long>(std::distance(newlines_.begin(), before)) + 1;
}

void XmlFile::add_issue(std::vector<ConfigIssue>& issues, pugi::xml_node node,
                        std::string message) const {
  const ConfigPlace place = place_of(node);
  issues.push_back({place.file, place.line, std::move(message)});
}

fs::path XmlFile::resolve(std::string_view path) const {
  const fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal();
  return (dir_ / p).lexically_normal();
}

}  // namespace edigate::gateway::config
