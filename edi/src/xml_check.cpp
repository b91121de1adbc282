#include "edigate/edi/xml_check.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <climits>
#include <mutex>

namespace edigate::edi {
namespace {

// No file or URL is ever loaded on a document's behalf: not an external entity, not a DTD,
// not a schema import (libxml2 then reports that it failed to load it). Installed once for
// the process.
xmlParserInputPtr refuse_external(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

void harden_libxml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_external);
  });
}

// Collects libxml2's structured errors as issues of one file.
struct Collector {
  std::string file;
  std::vector<XmlIssue>* issues;
};

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "unknown XML error";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

void collect(void* user, xmlErrorPtr error) {
  auto* c = static_cast<Collector*>(user);
  if (error == nullptr || error->level == XML_ERR_WARNING) return;
  c->issues->push_back({c->file, error->line, trimmed(error->message)});
}

// Routes libxml2's errors for this thread to a collector while in scope.
class ErrorScope {
 public:
  explicit ErrorScope(Collector& c) { xmlSetStructuredErrorFunc(&c, collect); }
  ~ErrorScope() { xmlSetStructuredErrorFunc(nullptr, nullptr); }
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;
};

struct DocFree {
  void operator()(xmlDocPtr d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

constexpr const char* kNoDoctype = "a DOCTYPE (DTD or entity declarations) is not allowed";

// No network, no entity substitution, no DTD loading; line numbers beyond 65535 kept.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA;

Doc parse(std::string_view xml, Collector& c) {
  if (xml.size() > kMaxXmlDocumentBytes || xml.size() > static_cast<std::size_t>(INT_MAX)) {
    c.issues->push_back(
        {c.file, 0,
         "file is larger than the limit of " + std::to_string(kMaxXmlDocumentBytes) + " bytes"});
    return nullptr;
  }
  ErrorScope scope(c);
  Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), c.file.c_str(), nullptr,
                        kParseOptions));
  if (doc == nullptr) {
    // Entity tricks make the parse fail on the way: name the cause, not only the symptom.
    if (const std::size_t at = xml.find("<!DOCTYPE"); at != std::string_view::npos) {
      const auto line = 1 + std::count(xml.begin(), xml.begin() + static_cast<long>(at), '\n');
      c.issues->insert(c.issues->begin(), {c.file, static_cast<long>(line), kNoDoctype});
    }
    if (c.issues->empty()) c.issues->push_back({c.file, 0, "not a well-formed XML document"});
    return nullptr;
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    // libxml2 keeps no line for a DTD node (xmlGetLineNo gives -1): count up to the text.
    long line = 0;
    if (const std::size_t at = xml.find("<!DOCTYPE"); at != std::string_view::npos) {
      line = 1 + std::count(xml.begin(), xml.begin() + static_cast<long>(at), '\n');
    }
    c.issues->push_back({c.file, line, kNoDoctype});
    return nullptr;
  }
  return doc;
}

}  // namespace

struct XmlSchema::Compiled {
  xmlSchemaPtr schema = nullptr;
  ~Compiled() { xmlSchemaFree(schema); }
};

std::string XmlIssue::to_string() const {
  return file + ":" + (line > 0 ? std::to_string(line) + ":" : std::string()) + " " + message;
}

XmlSchema XmlSchema::compile(std::string_view xsd, std::string_view name,
                             std::vector<XmlIssue>& issues) {
  harden_libxml();
  XmlSchema result;
  std::vector<XmlIssue> found;
  Collector c{std::string(name), &found};
  const Doc doc = parse(xsd, c);
  if (doc != nullptr) {
    ErrorScope scope(c);
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewDocParserCtxt(doc.get());
    xmlSchemaSetParserStructuredErrors(parser, collect, &c);
    auto compiled = std::make_shared<Compiled>();
    compiled->schema = parser != nullptr ? xmlSchemaParse(parser) : nullptr;
    xmlSchemaFreeParserCtxt(parser);
    if (compiled->schema != nullptr && found.empty()) result.schema_ = std::move(compiled);
  }
  if (result.schema_ == nullptr && found.empty()) {
    found.push_back({std::string(name), 0, "not a usable XML Schema"});
  }
  issues.insert(issues.end(), found.begin(), found.end());
  return result;
}

std::vector<XmlIssue> XmlSchema::check(std::string_view xml, std::string_view file) const {
  harden_libxml();
  std::vector<XmlIssue> issues;
  if (schema_ == nullptr) {
    issues.push_back({std::string(file), 0, "the schema to check it against did not compile"});
    return issues;
  }
  Collector c{std::string(file), &issues};
  const Doc doc = parse(xml, c);
  if (doc == nullptr) return issues;
  ErrorScope scope(c);
  xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt(schema_->schema);
  if (validator == nullptr) {
    issues.push_back({c.file, 0, "out of memory while validating"});
    return issues;
  }
  xmlSchemaSetValidStructuredErrors(validator, collect, &c);
  const int status = xmlSchemaValidateDoc(validator, doc.get());
  xmlSchemaFreeValidCtxt(validator);
  if (status != 0 && issues.empty()) {
    issues.push_back({c.file, 0, "does not conform to its schema"});
  }
  return issues;
}

}  // namespace edigate::edi
