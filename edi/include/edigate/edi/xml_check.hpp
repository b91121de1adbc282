// Checking the XML files people write (mapping files, partner profiles, configuration) against
// an XSD, with libxml2, so that a bad file gets "file:line: what is wrong" before anything reads
// it.
//
//   std::vector<edi::XmlIssue> issues;
//   const edi::XmlSchema schema = edi::XmlSchema::compile(xsd_text, "mapping.xsd", issues);
//   for (const edi::XmlIssue& i : schema.check(file_text, "partners/acme/850.xml")) {
//     std::cerr << i.to_string() << "\n";   // partners/acme/850.xml:12: Element 'field': ...
//   }
//
// Untrusted XML is parsed with no network access, no external entities and no DTD at all: a
// document with a DOCTYPE is refused (that is where entity expansion attacks and external
// entities live, and none of our files needs one). A compiled XmlSchema is immutable and may
// be shared by threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace edigate::edi {

struct XmlIssue {
  std::string file;
  long line = 0;  // 1-based; 0 when libxml2 gave none
  std::string message;

  std::string to_string() const;  // "file:line: message"
};

class XmlSchema {
 public:
  // Compiles an XSD held in memory; its problems are appended to `issues` (named `name`), and
  // the result is then !valid(). The XSD may not import or include other files.
  static XmlSchema compile(std::string_view xsd, std::string_view name,
                           std::vector<XmlIssue>& issues);

  bool valid() const { return schema_ != nullptr; }

  // Every problem of `xml` (named `file` in the issues): not well-formed, has a DOCTYPE, or
  // does not conform to the schema. Empty when the document is good.
  std::vector<XmlIssue> check(std::string_view xml, std::string_view file) const;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> schema_;
};

// The largest document check() accepts, in bytes; a larger one gets an issue, unread.
inline constexpr std::size_t kMaxXmlDocumentBytes = 16 * 1024 * 1024;

}  // namespace edigate::edi
