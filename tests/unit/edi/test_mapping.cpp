// The mapping engine on small maps written for these tests: HL levels that arrive in another
// order than the canonical nesting, overlays (replace, remove, codes, defaults, rules), HL
// numbering on the way out, and what a bad map gets told.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../sftp/temp_dir.hpp"
#include "edigate/edi/mapping.hpp"

using namespace edigate::edi;
using edigate::test::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kShipNoticeMap = R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="ship_notice" standard="x12" transaction="856">
  <segment id="bsn" tag="BSN">
    <element pos="2" field="shipment_id"/>
    <datetime field="shipment_date" date="3" time="4"/>
    <element pos="5" computed="hierarchy-structure"/>
  </segment>
  <hierarchy>
    <level code="S">
      <level code="O" array="orders">
        <segment tag="PRF"><element pos="1" field="order_number"/></segment>
        <level id="pack" code="P" array="packs">
          <segment tag="MAN" when="1=GM"><element pos="2" field="sscc"/></segment>
          <level code="I" array="items" use="item"/>
        </level>
        <level id="item" code="I" array="items">
          <segment tag="LIN"><element pos="3" field="line_number"/></segment>
          <segment tag="SN1">
            <element pos="2" field="quantity" type="decimal"/>
            <element pos="3" field="unit"/>
          </segment>
        </level>
      </level>
    </level>
  </hierarchy>
</mapping>
)";

// Structure 0002: the item comes before the packs it is in (one item, two cartons).
constexpr const char* k856Structure0002 =
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*00401*"
    "000000001*0*P*>~\n"
    "GS*SH*SENDER*RECEIVER*20250314*1200*1*X*004010~\n"
    "ST*856*0001~\n"
    "BSN*00*ASN-1*20250314*1200*0002~\n"
    "HL*1**S~\n"
    "HL*2*1*O~\n"
    "PRF*PO-1~\n"
    "HL*3*2*I~\n"
    "LIN**UP*012345678905~\n"
    "SN1**48*EA~\n"
    "HL*4*3*P~\n"
    "MAN*GM*000123450000000017~\n"
    "HL*5*3*P~\n"
    "MAN*GM*000123450000000024~\n"
    "SE*13*0001~\n"
    "GE*1*1~\n"
    "IEA*1*000000001~\n";

class Collect final : public mapping::DocumentSink {
 public:
  void on_document(const mapping::MappedDocument& d) override {
    docs.push_back(d.json.empty() ? json() : json::parse(d.json));
    for (const Problem& p : d.set->problems) problems.push_back(p);
  }
  std::vector<json> docs;
  std::vector<Problem> problems;
};

mapping::Partner partner_with(const std::vector<std::filesystem::path>& files) {
  mapping::Partner p;
  p.id = "test";
  for (const auto& f : files) {
    std::vector<mapping::Issue> issues;
    auto map = mapping::load_map(f, issues);
    for (const auto& i : issues) FAIL(i.to_string());
    p.maps.push_back(map);
  }
  return p;
}

// Identities between "US" and "THEM" for rendering: X12 004010 (ZZ, no repetition separator)
// or EDIFACT D96A (14, UNOC).
void give_identity(mapping::Partner& partner, Standard standard) {
  const bool x12 = standard == Standard::x12;
  std::optional<mapping::Identity>& id = x12 ? partner.x12 : partner.edifact;
  id = mapping::Identity{};
  id->our_qualifier = id->their_qualifier = x12 ? "ZZ" : "14";
  id->our_id = "US";
  id->their_id = "THEM";
  if (x12) {
    id->our_group_id = "US";
    id->their_group_id = "THEM";
  } else {
    id->syntax = "UNOC";
  }
  id->version = x12 ? "004010" : "D96A";
  id->delimiters = x12 ? Delimiters::x12_default() : Delimiters::edifact_default();
  if (x12) id->delimiters.repetition = 0;
}

// segment_marks as `edigate map in` reads (the mapper's fast paths need them).
Collect map_in(const mapping::Partner& partner, std::string_view edi, bool segment_marks = false) {
  ReaderOptions reader_options;
  reader_options.segment_marks = segment_marks;
  Reader reader(edi, reader_options);
  Collect collect;
  mapping::InboundOptions options;
  options.map_sets_with_errors = true;
  mapping::InboundMapper mapper(partner, collect, nullptr, options);
  ValidatorOptions validator;
  validator.deliver_segments = true;
  Validator(SchemaRegistry::builtin(), validator).run(reader, mapper);
  return collect;
}

}  // namespace

TEST_CASE("items above their packs (HL 0002) move into them", "[mapping]") {
  TempDir dir;
  const auto partner = partner_with({dir.write("856.xml", kShipNoticeMap)});
  const Collect out = map_in(partner, k856Structure0002);
  REQUIRE(out.docs.size() == 1);
  const json& order = out.docs[0]["orders"][0];
  CHECK(order["order_number"] == "PO-1");
  CHECK_FALSE(order.contains("items"));  // the item left the order for its packs
  REQUIRE(order["packs"].size() == 2);
  CHECK(order["packs"][0]["sscc"] == "000123450000000017");
  CHECK(order["packs"][0]["items"][0]["line_number"] == "012345678905");
  CHECK(order["packs"][1]["items"][0]["quantity"] == "48");  // a copy in the second carton
  CHECK(out.docs[0]["shipment_date"] == "2025-03-14T12:00");
}

// Found by fuzzing: a segment with an empty tag has the key that marks an empty slot of the
// tag lookup; it was taken for a match and its (absent) chain followed.
TEST_CASE("a segment with an empty tag matches no map node", "[mapping]") {
  const auto partner =
      partner_with({std::string(EDIGATE_SOURCE) + "/mappings/standard/x12/856.xml"});
  const std::string edi =
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*00401*"
      "000000001*0*P*>~\n"
      "GS*SH*SENDER*RECEIVER*20250314*1200*1*X*004010~\n"
      "ST*856*0001~\n"
      "BSN*00*ASN-1*20250314*1200*0001~\n"
      "HL*1**S~\n"
      "HL*2*1*O~\n"
      "PRF*PO-1~\n"
      "HL*3*2*P~\n"
      "MAN*GM*000123450000000017~\n"
      "HL*4*3*I~\n"
      "LIN*1*UP*012345678905~\n"
      "*0*P*>~\n"
      "SN1**48*EA~\n"
      "SE*12*0001~\n"
      "GE*1*1~\n"
      "IEA*1*000000001~\n";
  const std::string_view empty_tag = "*0*P*>~\n";
  std::string without = edi;
  without.erase(without.rfind(empty_tag), empty_tag.size());  // not the ISA's own tail
  for (const bool marks : {false, true}) {
    const Collect out = map_in(partner, edi, marks);
    REQUIRE(out.docs.size() == 1);
    CHECK(out.docs[0]["orders"][0]["order_number"] == "PO-1");  // the rest still mapped
    CHECK_FALSE(out.problems.empty());                          // and the set is in error
    // The segment added nothing to the document (it was taken for no node).
    const Collect plain = map_in(partner, without, marks);
    REQUIRE(plain.docs.size() == 1);
    CHECK(out.docs[0] == plain.docs[0]);
  }
}

// Decimals already in canonical form are kept as received without decimal_in(); the others
// still go through it (or stay raw when it refuses them).
TEST_CASE("decimals read by the mapper: kept when canonical, else converted", "[mapping]") {
  TempDir dir;
  const auto partner = partner_with({dir.write("856.xml", kShipNoticeMap)});
  const std::pair<const char*, const char*> cases[] = {
      {"48", "48"},   {"0", "0"},      {"0.5", "0.5"}, {"10.250", "10.250"},
      {"007", "7"},   {"00.5", "0.5"}, {"12.", "12"},  {".5", "0.5"},
      {"+7", "7"},    {"-3", "-3"},    {"-0", "0"},    {"1.2.3", "1.2.3"},
      {"12A", "12A"}, {"0.", "0"},     {"05", "5"},    {"9.", "9"},
  };
  for (const auto& [edi, canonical] : cases) {
    const std::string set = std::string("ST*856*0001~\nBSN*00*ASN-1*20250314*1200*0001~\n") +
                            "HL*1**S~\nHL*2*1*O~\nHL*3*2*I~\nLIN**UP*012345678905~\nSN1**" + edi +
                            "*EA~\nSE*8*0001~\n";
    const std::string interchange =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*"
        "00401*000000001*0*P*>~\nGS*SH*SENDER*RECEIVER*20250314*1200*1*X*004010~\n" +
        set + "GE*1*1~\nIEA*1*000000001~\n";
    const Collect out = map_in(partner, interchange);
    INFO("SN1-02 " << edi);
    REQUIRE(out.docs.size() == 1);
    CHECK(out.docs[0]["orders"][0]["items"][0]["quantity"] == canonical);
  }
}

TEST_CASE("HL segments are numbered on the way out, with child flags and BSN05", "[mapping]") {
  TempDir dir;
  mapping::Partner partner = partner_with({dir.write("856.xml", kShipNoticeMap)});
  give_identity(partner, Standard::x12);
  const json with_packs = json::parse(R"({"type":"ship_notice","shipment_id":"A",
    "orders":[{"order_number":"PO-1","packs":[{"sscc":"000123450000000017","items":[{"line_number":"X"}]}]}]})");
  const json without_packs = json::parse(R"({"type":"ship_notice","shipment_id":"B",
    "orders":[{"order_number":"PO-2","items":[{"line_number":"Y"},{"line_number":"Z"}]}]})");
  InMemoryControlNumbers numbers;
  mapping::RenderOptions options;
  options.date = "20250314";
  options.time = "1200";
  const auto result = mapping::render_interchange(partner, Standard::x12,
                                                  {with_packs, without_packs}, numbers, options);
  for (const auto& i : result.issues) FAIL(i.to_string());
  const std::string& edi = result.bytes;
  INFO(edi);
  CHECK(edi.find("BSN**A***0001~HL*1**S*1~HL*2*1*O*1~PRF*PO-1~HL*3*2*P*1~MAN*GM*000123450000000017~"
                 "HL*4*3*I*0~"
                 "LIN***X~") != std::string::npos);
  CHECK(edi.find("BSN**B***0004~HL*1**S*1~HL*2*1*O*1~PRF*PO-2~HL*3*2*I*0~LIN***Y~HL*4*2*I*0~") !=
        std::string::npos);
  CHECK(edi.find("GS*SH*US*THEM*20250314*1200*1*X*004010~") != std::string::npos);
}

TEST_CASE("overlays replace, remove, translate and require", "[mapping]") {
  TempDir dir;
  dir.write("base.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="purchase_order" standard="x12" transaction="850">
  <segment id="beg" tag="BEG"><element pos="3" field="order_number"/></segment>
  <segment id="ref" tag="REF" array="references">
    <element pos="1" field="qualifier"/><element pos="2" field="value"/>
  </segment>
  <segment id="cur" tag="CUR"><element pos="2" field="currency"/></segment>
  <loop id="po1" array="lines">
    <segment tag="PO1"><element pos="1" field="line_number"/><element pos="3" field="unit"/></segment>
  </loop>
</mapping>
)");
  const auto overlay = dir.write("overlay.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends="base.xml">
  <replace ref="beg">
    <segment tag="BEG"><element pos="3" field="extensions.their_number"/></segment>
  </replace>
  <remove ref="cur"/>
  <codes field="lines.unit" strict="true"><code edi="PC" canonical="EA"/></codes>
  <default field="currency" value="EUR"/>
  <add in="po1">
    <segment id="po1-ref" tag="REF" when="1=IA"><element pos="2" field="extensions.vendor"/></segment>
  </add>
  <rule ref="po1-ref" required="true"/>
</mapping>
)");
  const auto partner = partner_with({overlay});
  const std::string edi =
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*"
      "00401*000000001*0*P*>~GS*PO*SENDER*RECEIVER*20250314*1200*1*X*004010~ST*850*0001~"
      "BEG*00*SA*PO-9**20250314~CUR*BY*USD~REF*DP*12~PO1*1*2*PC*3.5~REF*IA*77~PO1*2*1*BX*9~"
      "CTT*2~SE*9*0001~GE*1*1~IEA*1*000000001~";
  const Collect out = map_in(partner, edi);
  REQUIRE(out.docs.size() == 1);
  const json& doc = out.docs[0];
  CHECK(doc["extensions"]["their_number"] == "PO-9");
  CHECK_FALSE(doc.contains("order_number"));
  CHECK(doc["currency"] == "EUR");  // CUR is no longer read, so the default applies
  CHECK(doc["references"][0]["value"] == "12");
  CHECK(doc["lines"][0]["unit"] == "EA");
  CHECK(doc["lines"][0]["extensions"]["vendor"] == "77");
  CHECK(doc["lines"][1]["unit"] == "BX");
  std::vector<ProblemCode> codes;
  for (const Problem& p : out.problems) codes.push_back(p.code);
  CHECK(std::count(codes.begin(), codes.end(), ProblemCode::element_invalid_code) == 1);  // BX
  CHECK(std::count(codes.begin(), codes.end(), ProblemCode::segment_mandatory_missing) == 1);
  for (const Problem& p : out.problems) {
    if (p.code == ProblemCode::segment_mandatory_missing) {
      CHECK(p.segment_id == "REF");
      CHECK(p.location.segment_in_set == 7);  // the PO1 of line 2
    }
  }
}

TEST_CASE("bad maps are refused with their line", "[mapping]") {
  TempDir dir;
  std::vector<mapping::Issue> issues;
  const auto bad_use = dir.write("use.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="ship_notice" standard="x12" transaction="856">
  <hierarchy>
    <level code="S" use="nowhere"/>
  </hierarchy>
</mapping>
)");
  CHECK(mapping::load_map(bad_use, issues) == nullptr);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line == 4);
  issues.clear();
  const auto no_header = dir.write("header.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="ship_notice">
  <segment tag="BSN"><element pos="2" field="shipment_id"/></segment>
</mapping>
)");
  CHECK(mapping::load_map(no_header, issues) == nullptr);
  REQUIRE_FALSE(issues.empty());
  CHECK(issues[0].to_string().find("header.xml:2:") != std::string::npos);
  issues.clear();
  const auto each_without_field = dir.write("each.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="shipment_status" standard="edifact"
         transaction="IFTSTA">
  <segment tag="CNI"><element pos="1" value="1" each="events"/></segment>
</mapping>
)");
  CHECK(mapping::load_map(each_without_field, issues) == nullptr);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line == 4);
}

TEST_CASE("every field a map names is a canonical field or lies under extensions", "[mapping]") {
  TempDir dir;
  const std::string standard = std::string(EDIGATE_SOURCE) + "/mappings/standard/x12/";
  const auto overlay = dir.write("850.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends=")" +
                                                standard + R"(850.xml">
  <default field="curency" value="USD"/>
  <codes field="lines.unitt"><code edi="PC" canonical="EA"/></codes>
  <add after="po1-ref">
    <segment id="ia" tag="REF" when="1=IA"><element pos="2" field="vendor_number"/></segment>
    <segment id="ib" tag="REF" when="1=IB"><element pos="2" field="extensions.vendor.id"/></segment>
    <segment id="ic" tag="REF" when="1=IC" array="references">
      <element pos="2" field="value"/>
    </segment>
    <segment id="id" tag="REF" when="1=ID" array="refs">
      <element pos="2" field="value"/>
    </segment>
  </add>
</mapping>
)");
  std::vector<mapping::Issue> issues;
  CHECK(mapping::load_map(overlay, issues) == nullptr);
  std::vector<std::string> found;
  for (const auto& i : issues) found.push_back(std::to_string(i.line) + " " + i.message);
  std::sort(found.begin(), found.end());
  const std::string tail =
      " is not a field of a canonical purchase_order (docs/canonical.md); a partner's own data "
      "goes under extensions";
  CHECK(found == std::vector<std::string>{"11 'lines.refs'" + tail, "12 'lines.refs.value'" + tail,
                                          "3 'curency'" + tail, "4 'lines.unitt'" + tail,
                                          "6 'lines.vendor_number'" + tail});
  // A canonical field, but not of the shape the map puts there.
  const auto shapes = dir.write("shapes.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends=")" +
                                                  standard + R"(850.xml">
  <default field="lines" value="x"/>
  <add after="po1-ref">
    <segment id="a" tag="REF" when="1=A"><element pos="2" field="product_ids"/></segment>
    <segment id="b" tag="REF" when="1=B"><element pos="2" field="extensions"/></segment>
    <segment id="c" tag="REF" when="1=C" into="references"><element pos="2" field="value"/></segment>
    <segment id="d" tag="REF" when="1=D"><element pos="2" field="descriptions[]"/></segment>
    <segment id="e" tag="REF" when="1=E"><element pos="2" field="line_number" count="lines.unit"/></segment>
    <segment id="f" tag="REF" when="1=F" into="extensions.vendor"><element pos="2" field="id"/></segment>
  </add>
</mapping>
)");
  issues.clear();
  CHECK(mapping::load_map(shapes, issues) == nullptr);
  found.clear();
  for (const auto& i : issues) found.push_back(std::to_string(i.line) + " " + i.message);
  std::sort(found.begin(), found.end());
  CHECK(found ==
        std::vector<std::string>{
            "3 'lines' is an array of objects in a canonical purchase_order, where the map puts "
            "a value",
            "5 'lines.product_ids' is an array of objects in a canonical purchase_order, where "
            "the map puts a value",
            "6 'lines.extensions' is an object in a canonical purchase_order, where the map puts "
            "a value",
            "7 'lines.references' is an array of objects in a canonical purchase_order, where the "
            "map puts an object (into)",
            "8 'lines.descriptions' is an array of objects in a canonical purchase_order, where "
            "the map puts values appended ([])",
            "9 'lines.unit' is a value in a canonical purchase_order, where the map puts an array "
            "(count)"});
  // A level that stands for another of a different array.
  const auto use = dir.write("use.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="ship_notice" standard="x12" transaction="856">
  <hierarchy>
    <level id="order" code="O" array="orders">
      <level id="pack" code="P" array="packs"><segment tag="MAN"><element pos="2" field="sscc"/></segment></level>
      <level code="I" array="items" use="pack"/>
    </level>
  </hierarchy>
</mapping>
)");
  issues.clear();
  CHECK(mapping::load_map(use, issues) == nullptr);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].line == 6);
  CHECK(issues[0].message == "use='pack' stands for a level of 'packs', not of 'items'");
  // The standard maps name only canonical fields.
  for (const char* name : {"x12/850", "x12/856", "x12/210", "x12/214", "edifact/ORDERS",
                           "edifact/DESADV", "edifact/INVOIC", "edifact/IFTSTA"}) {
    issues.clear();
    CHECK(mapping::load_map(standard + "../" + name + ".xml", issues) != nullptr);
    for (const auto& i : issues) FAIL(i.to_string());
  }
}

TEST_CASE("an overlay extends a standard map by name, wherever it is copied", "[mapping]") {
  TempDir dir;
  const std::string standard = std::string(EDIGATE_SOURCE) + "/mappings/standard";
  const auto overlay = dir.write("850.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends="standard:x12/850.xml" versions="004010">
  <default field="currency" value="USD"/>
</mapping>
)");
  std::vector<mapping::Issue> issues;
  const auto map = mapping::load_map(overlay, issues, standard);
  for (const auto& i : issues) FAIL(i.to_string());
  REQUIRE(map != nullptr);
  CHECK(mapping::info_of(*map).transaction == "850");
  CHECK(mapping::info_of(*map).extends_chain.front() == standard + "/x12/850.xml");
  // Without the standard maps directory it says what is missing, at the line.
  CHECK(mapping::load_map(overlay, issues) == nullptr);
  REQUIRE_FALSE(issues.empty());
  CHECK(issues.front().line == 2);
  CHECK(issues.front().message ==
        "standard:x12/850.xml: no standard maps directory is known here (<mappings standard> in "
        "edigate.xml, --standard-maps)");
  // standard: stays inside the standard maps directory.
  for (const char* outside : {"standard:../x12/850.xml", "standard:/etc/hostname", "standard:"}) {
    issues.clear();
    const auto escaping = dir.write("out.xml", std::string(R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends=")") +
                                                   outside + R"("/>
)");
    CHECK(mapping::load_map(escaping, issues, standard) == nullptr);
    REQUIRE_FALSE(issues.empty());
    CHECK(issues.front().message == std::string(outside) +
                                        ": standard: names a map inside the standard maps "
                                        "directory (x12/850.xml)");
  }
  // A file that is not there says why.
  issues.clear();
  CHECK(mapping::load_map(dir.path() / "missing.xml", issues) == nullptr);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].message == "cannot read the file: No such file or directory");
}

TEST_CASE("a default fills the objects a document has and makes no order, pack or line",
          "[mapping]") {
  TempDir dir;
  const std::string standard = std::string(EDIGATE_SOURCE) + "/mappings/standard/x12/";
  mapping::Partner partner = partner_with({dir.write("856.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends=")" + standard + R"(856.xml">
  <default field="orders.packs.items.unit" value="EA"/>
  <default field="extensions.vendor_number" value="00778812"/>
  <add after="s-ref">
    <segment id="s-ref-ia" tag="REF" when="1=IA"><element pos="2" field="extensions.vendor_number"/></segment>
  </add>
</mapping>
)")});
  give_identity(partner, Standard::x12);
  // One order whose pack holds items, one with items and no packs.
  const json asn = json::parse(R"({"type":"ship_notice","shipment_id":"S1",
    "orders":[{"order_number":"PO-1","packs":[{"sscc":"000123450000000017",
                                               "items":[{"line_number":"1","quantity":"2"}]}]},
              {"order_number":"PO-2","items":[{"line_number":"1","quantity":"3"}]}],
    "totals":{"line_count":"2"}})");
  InMemoryControlNumbers numbers;
  const auto result = mapping::render_interchange(partner, Standard::x12, {asn}, numbers, {});
  for (const auto& i : result.issues) FAIL(i.to_string());
  CHECK(result.bytes.find("SN1**2*EA~") != std::string::npos);  // the default reached the item
  CHECK(result.bytes.find("REF*IA*00778812~") != std::string::npos);  // extensions made
  // A null is as absent, for the default's field and for the objects on its way.
  json nulls = asn;
  nulls["extensions"] = json::object({{"vendor_number", nullptr}});
  auto filled = mapping::render_interchange(partner, Standard::x12, {nulls}, numbers, {});
  for (const auto& i : filled.issues) FAIL(i.to_string());
  CHECK(filled.bytes.find("REF*IA*00778812~") != std::string::npos);
  nulls["extensions"] = nullptr;
  filled = mapping::render_interchange(partner, Standard::x12, {nulls}, numbers, {});
  for (const auto& i : filled.issues) FAIL(i.to_string());
  CHECK(filled.bytes.find("REF*IA*00778812~") != std::string::npos);
  // Read back, the order without packs has none.
  const Collect back = map_in(partner, result.bytes);
  REQUIRE(back.docs.size() == 1);
  const json& doc = back.docs[0];
  CHECK(doc["extensions"]["vendor_number"] == "00778812");
  REQUIRE(doc["orders"].size() == 2);
  CHECK(doc["orders"][0]["packs"][0]["items"][0]["unit"] == "EA");
  CHECK_FALSE(doc["orders"][1].contains("packs"));
}

TEST_CASE("an each rule copies a group's value into every object the group adds", "[mapping]") {
  // The standard IFTSTA map: CNI 1490 goes into the line_number of each event of its group.
  mapping::Partner partner =
      partner_with({std::string(EDIGATE_SOURCE) + "/mappings/standard/edifact/IFTSTA.xml"});
  const std::string edi =
      "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+250317:1545+REF1'"
      "UNH+1+IFTSTA:D:96A:UN'BGM+23+ST-1+9'"
      "CNI+1+CMR-1'STS+1+10'STS+1+24'"
      "CNI+2+CMR-2'STS+1+21'"
      "UNT+8+1'UNZ+1+REF1'";
  const Collect out = map_in(partner, edi);
  REQUIRE(out.docs.size() == 1);
  const json& events = out.docs[0]["events"];
  REQUIRE(events.size() == 3);
  CHECK(events[0]["line_number"] == "1");
  CHECK(events[1]["line_number"] == "1");
  CHECK(events[2]["line_number"] == "2");  // the second group's, not the first's
  CHECK(events[2]["status_code"] == "21");
  CHECK_FALSE(out.docs[0].contains("line_number"));  // not in the CNI's own object

  // On the way out CNI 1490 is the first event's line_number, 1 when it has none.
  give_identity(partner, Standard::edifact);
  json numbered = out.docs[0];
  numbered["events"][0]["line_number"] = "7";
  json unnumbered = out.docs[0];
  for (json& e : unnumbered["events"]) e.erase("line_number");
  InMemoryControlNumbers numbers;
  const auto result =
      mapping::render_interchange(partner, Standard::edifact, {numbered, unnumbered}, numbers);
  for (const auto& i : result.issues) FAIL(i.to_string());
  INFO(result.bytes);
  CHECK(result.bytes.find("CNI+7+CMR-2'") != std::string::npos);
  CHECK(result.bytes.find("CNI+1+CMR-2'") != std::string::npos);
}

// A node's tags are found through a hashed slot table; with more tags than slots some must
// share one, and those are found by scanning. Every tag must still reach its own node, and
// nodes with the same tag are tried in match order (the one with a `when` first).
TEST_CASE("a segment finds its node among many sibling tags", "[mapping]") {
  constexpr int kTags = 40;  // more than MapNode::kMatchSlots
  std::string map = R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" document="purchase_order" standard="x12" transaction="861">
)";
  std::string set = "ST*861*0001~\n";
  for (int t = 0; t < kTags; ++t) {
    const std::string tag = "Q" + std::string(1, static_cast<char>('A' + t / 10)) +
                            std::string(1, static_cast<char>('0' + t % 10));
    map += "  <segment tag=\"" + tag + "\"><element pos=\"1\" field=\"extensions.f" +
           std::to_string(t) + "\"/></segment>\n";
    set += tag + "*v" + std::to_string(t) + "~\n";
  }
  map += R"(  <segment tag="QZ1" when="1=X"><element pos="2" field="extensions.x"/></segment>
  <segment tag="QZ1" array="extensions.others"><element pos="2" field="y"/></segment>
</mapping>
)";
  set += "QZ1*X*1~\nQZ1*Z*2~\n";
  set += "SE*" + std::to_string(kTags + 4) + "*0001~\n";
  const std::string interchange =
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*"
      "00401*000000001*0*P*>~\nGS*RC*SENDER*RECEIVER*20250314*1200*1*X*004010~\n" +
      set + "GE*1*1~\nIEA*1*000000001~\n";
  TempDir dir;
  const auto partner = partner_with({dir.write("861.xml", map)});
  const Collect out = map_in(partner, interchange);
  REQUIRE(out.docs.size() == 1);
  const json& doc = out.docs[0];
  for (int t = 0; t < kTags; ++t) {
    INFO("tag " << t);
    CHECK(doc["extensions"]["f" + std::to_string(t)] == "v" + std::to_string(t));
  }
  CHECK(doc["extensions"]["x"] == "1");
  REQUIRE(doc["extensions"]["others"].size() == 1);
  CHECK(doc["extensions"]["others"][0]["y"] == "2");
}

// Repeat objects (product ids) are kept as ready JSON text when nothing else touches them;
// values that need escaping or release characters removed, and arrays a default reaches, take
// the tree's path. Either way the document is the same.
TEST_CASE("repeat objects read as JSON text or as tree objects give the same document",
          "[mapping]") {
  const std::string standard = std::string(EDIGATE_SOURCE) + "/mappings/standard/edifact/";
  const std::string edi =
      "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+250317:1545+REF1'"
      "UNH+1+DESADV:D:96A:UN'BGM+351+D-1+9'RFF+ON:PO-1'CPS+1'"
      "LIN+1++4000862141404:SRV'PIA+1+ART1:SA+A\"B:IN+C\\D:BP+\xe9t\xe9:SA'"
      "LIN+2++4000862141411:SRV'PIA+1+X?+Y:SA+:IN'"
      "LIN+3++4000862141428'"
      "UNT+9+1'UNZ+1+REF1'";
  const auto ids_of = [](const json& doc, std::size_t line) {
    return doc["orders"][0]["items"][line]["product_ids"];
  };
  for (const bool marks : {true, false}) {  // without marks every object takes the tree's path
    INFO("segment marks " << marks);
    const Collect plain = map_in(partner_with({standard + "DESADV.xml"}), edi, marks);
    REQUIRE(plain.docs.size() == 1);
    const json ids = ids_of(plain.docs[0], 0);
    REQUIRE(ids.size() == 5);
    CHECK(ids[0] == json({{"id", "4000862141404"}, {"qualifier", "SRV"}}));
    CHECK(ids[1] == json({{"id", "ART1"}, {"qualifier", "SA"}}));
    CHECK(ids[2] == json({{"id", "A\"B"}, {"qualifier", "IN"}}));
    CHECK(ids[3] == json({{"id", "C\\D"}, {"qualifier", "BP"}}));
    CHECK(ids[4] == json({{"id", "\xc3\xa9t\xc3\xa9"}, {"qualifier", "SA"}}));  // Latin-1 in
    CHECK(ids_of(plain.docs[0], 1)[1] == json({{"id", "X+Y"}, {"qualifier", "SA"}}));
    CHECK(ids_of(plain.docs[0], 1)[2] == json({{"qualifier", "IN"}}));
    CHECK(ids_of(plain.docs[0], 2)[0] == json({{"id", "4000862141428"}}));

    // A default under product_ids fills the objects after reading.
    TempDir dir;
    const auto overlay = dir.write("desadv.xml", R"(<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends=")" + standard +
                                                     R"(DESADV.xml">
  <default field="orders.items.product_ids.qualifier" value="ZZ"/>
</mapping>
)");
    const Collect defaulted = map_in(partner_with({overlay}), edi, marks);
    REQUIRE(defaulted.docs.size() == 1);
    CHECK(ids_of(defaulted.docs[0], 2)[0] == json({{"id", "4000862141428"}, {"qualifier", "ZZ"}}));
    CHECK(ids_of(defaulted.docs[0], 1)[2] == json({{"qualifier", "IN"}}));
    CHECK(ids_of(defaulted.docs[0], 0)[1] == json({{"id", "ART1"}, {"qualifier", "SA"}}));
  }
}

// HL ids 1..n are found by number, others by their text: a leading zero, a letter or a long id
// must still find its parent.
TEST_CASE("HL parents are found whatever their ids look like", "[mapping]") {
  TempDir dir;
  const auto partner = partner_with({dir.write("856.xml", kShipNoticeMap)});
  const std::string interchange =
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*"
      "00401*000000001*0*P*>~\nGS*SH*SENDER*RECEIVER*20250314*1200*1*X*004010~\n"
      "ST*856*0001~\nBSN*00*ASN-1*20250314*1200*0001~\n"
      "HL*1**S~\nHL*02*1*O~\nPRF*PO-1~\nHL*X3*02*P~\nMAN*GM*000123450000000017~\n"
      "HL*1234567890*X3*I~\nLIN**UP*012345678905~\nHL*2*02*P~\nMAN*GM*000123450000000024~\n"
      "SE*13*0001~\nGE*1*1~\nIEA*1*000000001~\n";
  for (const bool marks : {true, false}) {
    const Collect out = map_in(partner, interchange, marks);
    REQUIRE(out.docs.size() == 1);
    const json& order = out.docs[0]["orders"][0];
    CHECK(order["order_number"] == "PO-1");
    REQUIRE(order["packs"].size() == 2);
    CHECK(order["packs"][0]["sscc"] == "000123450000000017");
    CHECK(order["packs"][0]["items"][0]["line_number"] == "012345678905");
    CHECK(order["packs"][1]["sscc"] == "000123450000000024");
  }
}

TEST_CASE("an ORDERS goes out with its UNS, and its CNT+2 counts the lines", "[mapping]") {
  // The standard ORDERS map: UNS is `always` in a summary loop with no array of its own, and
  // CNT+2 is `count="lines"`; neither holds a value the document gives.
  mapping::Partner partner =
      partner_with({std::string(EDIGATE_SOURCE) + "/mappings/standard/edifact/ORDERS.xml"});
  give_identity(partner, Standard::edifact);
  json order = {{"type", "purchase_order"},
                {"order_number", "PO-9"},
                {"order_date", "2025-03-03"},
                {"lines",
                 {{{"line_number", "1"}, {"quantity", "1.50"}, {"unit", "PCE"}},
                  {{"line_number", "2"}, {"quantity", "3"}, {"unit", "PCE"}}}}};
  InMemoryControlNumbers numbers;
  auto result = mapping::render_interchange(partner, Standard::edifact, {order}, numbers);
  for (const auto& i : result.issues) FAIL(i.to_string());
  INFO(result.bytes);
  // No totals in the document: UNS, and CNT+2 counting its lines all the same.
  CHECK(result.bytes.find("'UNS+S'CNT+2:2'UNT+") != std::string::npos);
  order["totals"] = {{"amount", "5.00"}};
  result = mapping::render_interchange(partner, Standard::edifact, {order}, numbers);
  for (const auto& i : result.issues) FAIL(i.to_string());
  INFO(result.bytes);
  CHECK(result.bytes.find("'UNS+S'MOA+79:5.00'CNT+2:2'UNT+") != std::string::npos);
}

// An HL the map cannot place (no parent, or itself as parent) used to vanish with its loop,
// leaving a document without that order and no word of it.
TEST_CASE("an HL level the map cannot place is reported, not dropped silently", "[mapping]") {
  const auto partner =
      partner_with({std::string(EDIGATE_SOURCE) + "/mappings/standard/x12/856.xml"});
  for (const char* parent : {"", "2"}) {
    INFO("HL02 '" << parent << "'");
    const std::string edi =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250314*1200*U*"
        "00401*000000001*0*P*>~\nGS*SH*SENDER*RECEIVER*20250314*1200*1*X*004010~\n"
        "ST*856*0001~\nBSN*00*ASN-1*20250314*1200*0001~\nHL*1**S~\n" +
        std::string("HL*2*") + parent +
        "*O~\nPRF*PO-1~\nHL*3*2*I~\nLIN**UP*012345678905~\nSE*8*0001~\nGE*1*1~\n"
        "IEA*1*000000001~\n";
    const Collect out = map_in(partner, edi);
    REQUIRE(out.docs.size() == 1);
    CHECK_FALSE(out.docs[0].contains("orders"));
    bool reported = false;
    for (const Problem& p : out.problems) {
      if (p.code != ProblemCode::hierarchy_level_unmapped) continue;
      reported = true;
      CHECK(p.location.segment_in_set == 4);
      CHECK(p.severity == Severity::warning);
    }
    CHECK(reported);
  }
}
