// XSD checks of hand-written XML files: line-numbered issues, and no DTD, entity or network
// tricks.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "edigate/edi/xml_check.hpp"

using namespace edigate::edi;

namespace {

constexpr const char* kPartnerXsd = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="partner">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="as2" minOccurs="0">
          <xs:complexType><xs:attribute name="id" type="xs:string" use="required"/></xs:complexType>
        </xs:element>
        <xs:element name="document" maxOccurs="unbounded">
          <xs:complexType>
            <xs:attribute name="type" use="required">
              <xs:simpleType>
                <xs:restriction base="xs:string">
                  <xs:enumeration value="850"/><xs:enumeration value="856"/>
                </xs:restriction>
              </xs:simpleType>
            </xs:attribute>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
)";

XmlSchema partner_schema() {
  std::vector<XmlIssue> issues;
  XmlSchema schema = XmlSchema::compile(kPartnerXsd, "partner.xsd", issues);
  for (const XmlIssue& i : issues) INFO(i.to_string());
  REQUIRE(issues.empty());
  REQUIRE(schema.valid());
  return schema;
}

std::string joined(const std::vector<XmlIssue>& issues) {
  std::string out;
  for (const XmlIssue& i : issues) out += i.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a conforming file has no issues", "[xml]") {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<partner name=\"acme\">\n  <as2 id=\"ACME\"/>\n"
      "  <document type=\"850\"/>\n</partner>\n";
  CHECK(partner_schema().check(xml, "acme.xml").empty());
}

TEST_CASE("schema violations name the file and the line", "[xml]") {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n"     // line 1
      "<partner name=\"acme\">\n"     // line 2
      "  <as2/>\n"                    // line 3: id missing
      "  <document type=\"810\"/>\n"  // line 4: not an allowed type
      "</partner>\n";
  const std::vector<XmlIssue> issues = partner_schema().check(xml, "partners/acme.xml");
  INFO(joined(issues));
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].line == 3);
  CHECK(issues[0].message.find("'id'") != std::string::npos);
  CHECK(issues[0].to_string().rfind("partners/acme.xml:3: ", 0) == 0);
  CHECK(issues[1].line == 4);
  CHECK(issues[1].message.find("810") != std::string::npos);
}

TEST_CASE("a file that is not well-formed gets the line of the fault", "[xml]") {
  const std::string xml = "<partner name=\"acme\">\n  <document type=\"850\">\n</partner>\n";
  const std::vector<XmlIssue> issues = partner_schema().check(xml, "broken.xml");
  INFO(joined(issues));
  REQUIRE_FALSE(issues.empty());
  CHECK(issues[0].line == 3);
}

TEST_CASE("a DOCTYPE is refused, so external entities are never read", "[xml][security]") {
  // A file the document tries to pull in through an external entity.
  char path[] = "/tmp/edigate-xxe-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string secret = "SECRET-CONTENT-THAT-MUST-NOT-LEAK";
  REQUIRE(write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()));
  close(fd);
  const std::string xml = std::string("<?xml version=\"1.0\"?>\n") +
                          "<!DOCTYPE partner [<!ENTITY x SYSTEM \"file://" + path + "\">]>\n" +
                          "<partner name=\"&x;\"><document type=\"850\"/></partner>\n";
  const std::vector<XmlIssue> issues = partner_schema().check(xml, "xxe.xml");
  std::remove(path);
  INFO(joined(issues));
  REQUIRE_FALSE(issues.empty());
  CHECK(joined(issues).find("DOCTYPE") != std::string::npos);
  CHECK(joined(issues).find(secret) == std::string::npos);
}

TEST_CASE("entity expansion bombs are refused quickly", "[xml][security]") {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE partner [\n<!ENTITY a \"aaaaaaaaaa\">\n";
  char previous = 'a';
  for (char e = 'b'; e <= 'k'; ++e) {
    xml += std::string("<!ENTITY ") + e + " \"";
    for (int i = 0; i < 10; ++i) xml += std::string("&") + previous + ";";
    xml += "\">\n";
    previous = e;
  }
  xml += "]>\n<partner name=\"&k;\"><document type=\"850\"/></partner>\n";
  const std::vector<XmlIssue> issues = partner_schema().check(xml, "bomb.xml");
  INFO(joined(issues));
  REQUIRE_FALSE(issues.empty());
  CHECK(joined(issues).find("DOCTYPE") != std::string::npos);
}

TEST_CASE("a schema that does not compile says so and checks nothing", "[xml]") {
  std::vector<XmlIssue> issues;
  const XmlSchema bad = XmlSchema::compile(
      "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
      "  <xs:element name=\"x\" type=\"xs:nosuchtype\"/>\n</xs:schema>\n",
      "bad.xsd", issues);
  INFO(joined(issues));
  CHECK_FALSE(bad.valid());
  REQUIRE_FALSE(issues.empty());
  CHECK(issues[0].file == "bad.xsd");
  CHECK(issues[0].line == 2);
  CHECK_FALSE(bad.check("<x/>", "x.xml").empty());
}

TEST_CASE("a schema may not import other files", "[xml][security]") {
  std::vector<XmlIssue> issues;
  const XmlSchema importing = XmlSchema::compile(
      "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
      "  <xs:include schemaLocation=\"file:///etc/hostname\"/>\n"
      "  <xs:element name=\"x\"/>\n</xs:schema>\n",
      "importing.xsd", issues);
  INFO(joined(issues));
  CHECK_FALSE(importing.valid());
  CHECK_FALSE(issues.empty());
}
