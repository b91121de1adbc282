// One configuration XML file: read with a size cap, XSD-checked, parsed by pugixml, with the
// line of every element for "file:line" messages and path resolution against its directory.
#pragma once

#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "edigate/edi/xml_check.hpp"

namespace edigate::gateway::config {

class XmlFile {
 public:
  // Reads `file` (named `name` in issues), checks it against `schema` and parses it. Appends
  // every problem to `issues` and returns nullopt when the file cannot be used.
  static std::optional<XmlFile> load(const fs::path& file, std::string name,
                                     const edi::XmlSchema& schema,
                                     std::vector<ConfigIssue>& issues);

  pugi::xml_node root() const { return doc_->document_element(); }
  const std::string& name() const { return name_; }
  long line_of(pugi::xml_node node) const;
  ConfigPlace place_of(pugi::xml_node node) const { return {name_, line_of(node)}; }
  void add_issue(std::vector<ConfigIssue>& issues, pugi::xml_node node, std::string message) const;
  // A path from the file, relative to the file's directory unless absolute.
  fs::path resolve(std::string_view path) const;

 private:
  std::string name_;
  fs::path dir_;
  std::string text_;
  std::vector<std::size_t> newlines_;  // offsets of '\n', for line_of
  std::shared_ptr<pugi::xml_document> doc_;
};

// The compiled XSDs (compiled once; a broken built-in XSD is reported as an issue).
const edi::XmlSchema& edigate_schema();
const edi::XmlSchema& partner_schema();

}  // namespace edigate::gateway::config
