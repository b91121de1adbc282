// Schema validation and acknowledgements, against a small schema written for these tests.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "edigate/edi/ack.hpp"
#include "edigate/edi/validator.hpp"

using namespace edigate::edi;

namespace {

constexpr const char* kSchema850 = R"(<?xml version="1.0"?>
<transaction standard="X12" version="004010" id="850" group="PO" name="Purchase Order">
  <segment tag="ST" req="M" max="1">
    <element pos="1" req="M" type="ID" min="3" max="3" codes="850"/>
    <element pos="2" req="M" type="AN" min="4" max="9"/>
  </segment>
  <segment tag="BEG" req="M" max="1" elements="12">
    <element pos="1" req="M" type="ID" min="2" max="2" codes="00 01 05" name="353"/>
    <element pos="2" req="M" type="ID" min="2" max="2" codes="SA NE" name="92"/>
    <element pos="3" req="M" type="AN" min="1" max="22" name="324"/>
    <element pos="5" req="M" type="DT" min="8" max="8" name="373"/>
  </segment>
  <segment tag="REF" req="O" max="5">
    <element pos="1" req="M" type="ID" min="2" max="3"/>
    <element pos="2" req="O" type="AN" min="1" max="30"/>
  </segment>
  <loop id="N1" req="O" max="3">
    <segment tag="N1" req="M" max="1">
      <element pos="1" req="M" type="ID" min="2" max="3" codes="ST BT BY"/>
      <element pos="2" req="O" type="AN" min="1" max="60"/>
    </segment>
    <segment tag="N3" req="O" max="2"><element pos="1" req="M" type="AN" min="1" max="55"/></segment>
    <segment tag="N4" req="O" max="1"><element pos="1" req="O" type="AN" min="2" max="30"/></segment>
  </loop>
  <loop id="PO1" req="M" max="100">
    <segment tag="PO1" req="M" max="1">
      <element pos="1" req="O" type="AN" min="1" max="20"/>
      <element pos="2" req="M" type="R" min="1" max="15" name="330"/>
      <element pos="3" req="M" type="ID" min="2" max="2" name="355"/>
      <element pos="4" req="O" type="R" min="1" max="17"/>
    </segment>
    <segment tag="PID" req="O" max="10"><element pos="1" req="M" type="ID" min="1" max="1"/></segment>
  </loop>
  <loop id="CTT" req="O" max="1">
    <segment tag="CTT" req="M" max="1"><element pos="1" req="M" type="N0" min="1" max="6"/></segment>
  </loop>
  <segment tag="SE" req="M" max="1">
    <element pos="1" req="M" type="N0" min="1" max="10"/>
    <element pos="2" req="M" type="AN" min="4" max="9"/>
  </segment>
</transaction>)";

constexpr const char* kSchema856 = R"(<?xml version="1.0"?>
<transaction standard="X12" version="004010" id="856" group="SH" name="Ship Notice">
  <segment tag="ST" req="M" max="1"><element pos="1" req="M" type="ID" min="3" max="3"/></segment>
  <segment tag="BSN" req="M" max="1"><element pos="1" req="M" type="ID" min="2" max="2"/></segment>
  <loop id="HL" req="M" max="unbounded" hierarchy="S O T P I" hierarchy-top="S"
        hierarchy-not-under="O/I">
    <segment tag="HL" req="M" max="1">
      <element pos="1" req="M" type="AN" min="1" max="12" name="628"/>
      <element pos="2" req="O" type="AN" min="1" max="12" name="734"/>
      <element pos="3" req="M" type="ID" min="1" max="2" name="735"/>
    </segment>
    <segment tag="LIN" req="O" max="1"><element pos="2" req="M" type="ID" min="2" max="2"/></segment>
  </loop>
  <segment tag="SE" req="M" max="1"/>
</transaction>)";

std::string isa(const std::string& version = "00401", const std::string& control = "000000101") {
  return "ISA*00*          *00*          *ZZ*ACME           *ZZ*GATEWAY        *241105*1432*" +
         std::string(version >= "00402" ? "^" : "U") + "*" + version + "*" + control + "*1*P*>~";
}

std::string interchange(const std::vector<std::string>& sets, const std::string& gs01 = "PO") {
  std::string out = isa() + "GS*" + gs01 + "*ACME*GATEWAY*20241105*1432*7*X*004010~";
  for (const std::string& s : sets) out += s;
  out += "GE*" + std::to_string(sets.size()) + "*7~IEA*1*000000101~";
  return out;
}

std::string set850(const std::string& control, const std::string& body) {
  std::size_t segments = 2;
  for (char c : body) segments += c == '~' ? 1 : 0;
  return "ST*850*" + control + "~" + body + "SE*" + std::to_string(segments) + "*" + control + "~";
}

const std::string kGoodBody =
    "BEG*00*SA*PO-1**20241105~REF*DP*038~N1*ST*DC 7~N3*1 MAIN ST~PO1*1*24*EA*12.50~PID*F~"
    "PO1*2*6*CA~CTT*2~";

struct Collected final : ValidationListener {
  std::vector<SetResult> sets;
  std::vector<GroupResult> groups;
  std::vector<Problem> all;
  void on_set_end(const SetResult& s) override { sets.push_back(s); }
  void on_group_end(const GroupResult& g) override { groups.push_back(g); }
  void on_problem(const Problem& p) override { all.push_back(p); }
};

const SchemaRegistry& test_schemas() {
  static const SchemaRegistry registry = [] {
    SchemaRegistry r;
    REQUIRE(r.add(kSchema850, "850.xml").empty());
    REQUIRE(r.add(kSchema856, "856.xml").empty());
    return r;
  }();
  return registry;
}

// Reader options with or without segment marks: the validator must find the same problems
// either way (with marks it skips looks, and splits short composites by the component map).
ReaderOptions marks_option(bool segment_marks) {
  ReaderOptions options;
  options.segment_marks = segment_marks;
  return options;
}

std::vector<std::string> described(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const Problem& p : problems) out.push_back(to_string(p));
  return out;
}

Collected validate(const std::string& input) {
  Collected without;
  Reader plain(input, marks_option(false));
  Validator(test_schemas()).run(plain, without);
  Reader reader(input, marks_option(true));
  Collected out;
  Validator(test_schemas()).run(reader, out);
  CHECK(described(out.all) == described(without.all));
  return out;
}

std::vector<ProblemCode> codes(const SetResult& s) {
  std::vector<ProblemCode> out;
  for (const Problem& p : s.problems) out.push_back(p.code);
  return out;
}

}  // namespace

TEST_CASE("a valid 850 has no problems", "[validator]") {
  const Collected c = validate(interchange({set850("0001", kGoodBody)}));
  REQUIRE(c.sets.size() == 1);
  CHECK(c.sets[0].supported);
  CHECK(c.sets[0].problems.empty());
  CHECK(c.all.empty());
}

TEST_CASE("schema loading reports file and line", "[validator]") {
  SchemaRegistry r;
  CHECK(r.add("<transaction standard='X12' version='004010' id='1'>\n<segment tag='ST' req='X'/>"
              "</transaction>",
              "bad.xml") == "bad.xml:2: req='X' must be M or O");
  CHECK(
      r.add("<transaction>\n\n<unclosed></transaction>", "broken.xml").rfind("broken.xml:3:", 0) ==
      0);
  CHECK(r.add("<transaction standard='X12' version='004010' id='1'>\n<loop id='A'>\n"
              "<loop id='B'><segment tag='X'/></loop></loop></transaction>",
              "loop.xml") == "loop.xml:2: loop A must start with a segment (its trigger)");
}

TEST_CASE("every built-in schema loads", "[validator]") {
  const SchemaRegistry& builtin = SchemaRegistry::builtin();
  for (const auto& s : builtin.all()) {
    INFO(s->source);
    CHECK(!s->root.children.empty());
    CHECK(builtin.find(s->standard, s->version, s->id) == s.get());
  }
}

TEST_CASE("element problems carry codes, positions and values", "[validator]") {
  const Collected c = validate(interchange(
      {set850("0001", "BEG*09*SA*PO-1**20241345~N1*XX~PO1*1*2X*EA~PO1*2**EACH~CTT*2~")}));
  REQUIRE(c.sets.size() == 1);
  const auto& p = c.sets[0].problems;
  std::string all;
  for (const Problem& problem : p) all += to_string(problem) + "\n";
  INFO(all);
  REQUIRE(p.size() == 6);
  CHECK(p[0].code == ProblemCode::element_invalid_code);
  CHECK(p[0].segment_id == "BEG");
  CHECK(p[0].location.element == 1);
  CHECK(p[0].location.segment_in_set == 2);
  CHECK(p[0].value == "09");
  CHECK(p[1].code == ProblemCode::element_invalid_date);
  CHECK(p[1].location.element == 5);
  CHECK(p[2].code == ProblemCode::element_invalid_code);  // N101 XX
  CHECK(p[2].loop_id == "N1");
  CHECK(p[3].code == ProblemCode::element_invalid_decimal);    // PO102 2X
  CHECK(p[4].code == ProblemCode::element_mandatory_missing);  // second PO102
  CHECK(p[4].location.segment_in_set == 5);
  CHECK(p[5].code == ProblemCode::element_too_long);  // PO103 EACH
  CHECK(p[5].value == "EACH");
}

TEST_CASE("lengths, too many elements and components", "[validator]") {
  const Collected c = validate(interchange(
      {set850("0001", "BEG*00*SA*PO-1**20241105*a*b*c*d*e*f*g*h~REF*D~N1*ST*A>B~PO1*1*1*EA~")}));
  REQUIRE(c.sets.size() == 1);
  CHECK(codes(c.sets[0]) == std::vector<ProblemCode>{ProblemCode::element_too_many,
                                                     ProblemCode::element_too_short,
                                                     ProblemCode::element_too_many_components});
  CHECK(c.sets[0].problems[0].location.element == 13);
}

TEST_CASE("segment order: missing, unexpected, over max, loops", "[validator]") {
  SECTION("mandatory BEG missing") {
    const Collected c = validate(interchange({set850("0001", "REF*DP*1~PO1*1*1*EA~")}));
    REQUIRE(codes(c.sets[0]) == std::vector<ProblemCode>{ProblemCode::segment_mandatory_missing});
    CHECK(c.sets[0].problems[0].segment_id == "BEG");
    CHECK(c.sets[0].problems[0].location.segment_in_set == 2);
  }
  SECTION("mandatory PO1 loop missing is found at the trailer") {
    const Collected c = validate(interchange({set850("0001", "BEG*00*SA*P**20241105~")}));
    REQUIRE(codes(c.sets[0]) == std::vector<ProblemCode>{ProblemCode::segment_mandatory_missing});
    CHECK(c.sets[0].problems[0].segment_id == "PO1");
    CHECK(c.sets[0].problems[0].loop_id == "PO1");
  }
  SECTION("segment out of sequence, and unknown segments") {
    const Collected c = validate(interchange(
        {set850("0001", "BEG*00*SA*P**20241105~PO1*1*1*EA~REF*DP*1~ZZZ*1~b@d*1~CTT*1~")}));
    CHECK(codes(c.sets[0]) == std::vector<ProblemCode>{ProblemCode::segment_out_of_sequence,
                                                       ProblemCode::segment_not_in_set,
                                                       ProblemCode::segment_unrecognized});
  }
  SECTION("maximum use of a segment and of a loop") {
    std::string body =
        "BEG*00*SA*P**20241105~REF*AB*1~REF*AB*1~REF*AB*1~REF*AB*1~REF*AB*1~REF*AB*1~";
    body += "N1*ST~N1*BT~N1*BY~N1*ST~PO1*1*1*EA~";
    const Collected c = validate(interchange({set850("0001", body)}));
    CHECK(codes(c.sets[0]) ==
          std::vector<ProblemCode>{ProblemCode::segment_over_max, ProblemCode::loop_over_max});
    CHECK(c.sets[0].problems[1].segment_id == "N1");
  }
  SECTION("loops repeat and nest back out") {
    const Collected c = validate(interchange({set850(
        "0001",
        "BEG*00*SA*P**20241105~N1*ST~N3*A~N4*XX~N1*BT~PO1*1*1*EA~PID*F~PID*F~PO1*2*1*EA~")}));
    CHECK(c.sets[0].problems.empty());
  }
}

TEST_CASE("856 hierarchy: ids, parents, levels", "[validator]") {
  auto set856 = [](const std::string& body) {
    std::size_t segments = 2;
    for (char ch : body) segments += ch == '~' ? 1 : 0;
    return "ST*856*0001~" + body + "SE*" + std::to_string(segments) + "*0001~";
  };
  const Collected ok = validate(
      interchange({set856("BSN*00~HL*1**S~HL*2*1*O~HL*3*2*P~HL*4*3*I~LIN**UP~HL*5*2*P~")}, "SH"));
  CHECK(ok.sets[0].problems.empty());
  const Collected bad = validate(interchange({set856("BSN*00~HL*1**S~HL*2*9*O~HL*2*1*X~")}, "SH"));
  CHECK(codes(bad.sets[0]) == std::vector<ProblemCode>{ProblemCode::hierarchy_parent_unknown,
                                                       ProblemCode::hierarchy_id_duplicate,
                                                       ProblemCode::element_invalid_code});
}

// Structures 0001 (S-O-T-P-I, S-O-P-I), 0002 (S-O-I-P) and 0004 (S-O-I) are all accepted;
// a level that names itself, has no parent, or hangs where it cannot is not.
TEST_CASE("856 hierarchy: levels placed where they can be", "[validator][hierarchy]") {
  auto set856 = [](const std::string& body) {
    std::size_t segments = 2;
    for (char ch : body) segments += ch == '~' ? 1 : 0;
    return "ST*856*0001~BSN*00~" + body + "SE*" + std::to_string(segments + 1) + "*0001~";
  };
  for (const char* good :
       {"HL*1**S~HL*2*1*O~HL*3*2*T~HL*4*3*P~HL*5*4*I~",
        "HL*1**S~HL*2*1*O~HL*3*2*I~HL*4*3*P~HL*5*3*P~", "HL*1**S~HL*2*1*O~HL*3*2*I~HL*4*2*I~",
        "HL*1**S~HL*2*1*P~HL*3*2*I~", "HL*1**S~HL*2*1*O~HL*3*1*O~HL*4*3*P~HL*5*4*P~HL*6*5*I~",
        "HL*1**S~HL*2*1*P~HL*3*2*O~HL*4*3*I~"}) {  // the last: 0003, orders under packs
    INFO(good);
    CHECK(validate(interchange({set856(good)}, "SH")).sets[0].problems.empty());
  }
  struct Bad {
    const char* body;
    ProblemCode code;
    std::uint64_t segment_in_set;  // of the HL in error
  };
  const Bad cases[] = {
      {"HL*1**S~HL*2*2*O~HL*3*2*I~", ProblemCode::hierarchy_parent_unknown, 4},  // itself
      {"HL*1**S~HL*2**O~HL*3*2*I~", ProblemCode::hierarchy_level_misplaced, 4},  // no parent
      {"HL*1**O~HL*2*1*I~", ProblemCode::hierarchy_level_misplaced, 3},          // no S above it
      {"HL*1**S~HL*2*1*O~HL*3*2*I~HL*4*3*O~", ProblemCode::hierarchy_level_misplaced, 6},
      {"HL*1**S~HL*2*1*O~HL*3*2*S~", ProblemCode::hierarchy_level_misplaced, 5},
  };
  for (const Bad& bad : cases) {
    INFO(bad.body);
    const Collected c = validate(interchange({set856(bad.body)}, "SH"));
    REQUIRE(c.sets[0].problems.size() == 1);
    const Problem& p = c.sets[0].problems[0];
    CHECK(p.code == bad.code);
    CHECK(p.location.segment_in_set == bad.segment_in_set);
    CHECK(p.location.element == 2);
    CHECK(p.element_ref == "734");
  }
  // The 997 rejects the set and names the element: AK4 position 2, reference 734, code 7.
  const std::string input = interchange({set856("HL*1**S~HL*2*1*I~HL*3*2*O~")}, "SH");
  Reader reader(input);
  AckCollector collector;
  Validator(test_schemas()).run(reader, collector);
  AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  InMemoryControlNumbers numbers(1);
  const auto acks = build_acks(collector.interchanges(), options, numbers);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].bytes.find("AK2*856*0001~AK3*HL*5*HL*8~AK4*2*734*7*2~AK5*R*5~AK9*R*1*1*0~") !=
        std::string::npos);
}

TEST_CASE("unsupported sets and wrong functional groups", "[validator]") {
  const std::string unknown = "ST*123*0001~XYZ*1~SE*3*0001~";
  const Collected c = validate(interchange({unknown, set850("0002", kGoodBody)}, "IN"));
  REQUIRE(c.sets.size() == 2);
  CHECK(codes(c.sets[0]) == std::vector<ProblemCode>{ProblemCode::set_not_supported});
  CHECK(!c.sets[0].supported);
  CHECK(codes(c.sets[1]) == std::vector<ProblemCode>{ProblemCode::set_group_mismatch});
}

TEST_CASE("997 reports every set with AK3/AK4/AK5 and AK9", "[ack]") {
  const bool segment_marks = GENERATE(false, true);
  const std::string input = interchange({
      set850("0001", kGoodBody),
      set850("0002", "BEG*00*XX*PO-2**20241105~PO1*1*1*EA~"),
      set850("0003", "REF*DP*1~PO1*1*1*EA~"),
  });
  Reader reader(input, marks_option(segment_marks));
  AckCollector collector;
  Validator(test_schemas()).run(reader, collector);
  AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  InMemoryControlNumbers numbers(41);
  const auto acks = build_acks(collector.interchanges(), options, numbers);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].type == AckType::x997);
  CHECK(acks[0].control_number == "000000041");
  // ISA14 asked for an acknowledgment, so a TA1 precedes the 997 group.
  CHECK(acks[0].bytes ==
        "ISA*00*          *00*          *ZZ*GATEWAY        *ZZ*ACME           *241106*0900*U*"
        "00401*000000041*0*P*>~"
        "TA1*000000101*241105*1432*A*000~"
        "GS*FA*GATEWAY*ACME*20241106*0900*41*X*004010~ST*997*0041~AK1*PO*7~"
        "AK2*850*0001~AK5*A~"
        "AK2*850*0002~AK3*BEG*2**8~AK4*2*92*7*XX~AK5*R*5~"
        "AK2*850*0003~AK3*BEG*2**3~AK5*R*5~"
        "AK9*P*3*3*1~SE*13*0041~GE*1*41~IEA*1*000000041~");
  // The ack is itself a clean interchange.
  Reader again(acks[0].bytes);
  for (Event e = again.next(); e.kind != EventKind::end_of_input; e = again.next()) {
    if (e.kind == EventKind::problem) FAIL(to_string(again.problem()));
  }
}

TEST_CASE("999 uses IK3/IK4/IK5 and TA1 carries the interchange note code", "[ack]") {
  const bool segment_marks = GENERATE(false, true);
  std::string input = interchange({set850("0001", "BEG*00*SA*PO-1**20241105~PO1*1*1*EA~")});
  input.replace(input.find("IEA*1*000000101"), 15, "IEA*1*000000999");
  Reader reader(input, marks_option(segment_marks));
  AckCollector collector;
  Validator(test_schemas()).run(reader, collector);
  AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  options.type = AckType::x999;
  InMemoryControlNumbers numbers;
  auto acks = build_acks(collector.interchanges(), options, numbers);
  REQUIRE(acks.size() == 1);
  INFO(acks[0].bytes);
  CHECK(acks[0].bytes.find("ST*999*0001*005010X231A1~AK1*PO*7*004010~AK2*850*0001~IK5*A~"
                           "AK9*A*1*1*1~") != std::string::npos);
  options.type = AckType::ta1;
  acks = build_acks(collector.interchanges(), options, numbers);
  CHECK(acks[0].type == AckType::ta1);
  CHECK(acks[0].bytes.find("TA1*000000101*241105*1432*R*001~IEA*0*") != std::string::npos);
}

namespace {

constexpr const char* kSchemaOrders = R"(<?xml version="1.0"?>
<transaction standard="EDIFACT" version="D96A" id="ORDERS" name="Purchase order">
  <segment tag="UNH" req="M" max="1">
    <element pos="1" req="M" type="AN" min="1" max="14"/>
    <composite pos="2" req="M">
      <component pos="1" req="M" type="ID" min="1" max="6" codes="ORDERS"/>
      <component pos="2" req="M" type="ID" min="1" max="3"/>
      <component pos="3" req="M" type="ID" min="1" max="3"/>
      <component pos="4" req="M" type="ID" min="1" max="2"/>
      <component pos="5" req="O" type="AN" min="1" max="6"/>
    </composite>
  </segment>
  <segment tag="BGM" req="M" max="1">
    <composite pos="1" req="O"><component pos="1" req="O" type="AN" min="1" max="3" codes="220 105"/></composite>
    <element pos="2" req="O" type="AN" min="1" max="35"/>
  </segment>
  <segment tag="DTM" req="M" max="35">
    <composite pos="1" req="M">
      <component pos="1" req="M" type="AN" min="1" max="3"/>
      <component pos="2" req="O" type="AN" min="1" max="35"/>
      <component pos="3" req="O" type="AN" min="1" max="3"/>
    </composite>
  </segment>
  <loop id="SG25" req="M" max="200000">
    <segment tag="LIN" req="M" max="1"><element pos="1" req="O" type="R" min="1" max="6"/></segment>
    <segment tag="QTY" req="O" max="99">
      <composite pos="1" req="M">
        <component pos="1" req="M" type="AN" min="1" max="3"/>
        <component pos="2" req="M" type="R" min="1" max="15"/>
      </composite>
    </segment>
  </loop>
  <segment tag="UNS" req="M" max="1"><element pos="1" req="M" type="A" min="1" max="1"/></segment>
  <segment tag="UNT" req="M" max="1">
    <element pos="1" req="M" type="R" min="1" max="6"/>
    <element pos="2" req="M" type="AN" min="1" max="14"/>
  </segment>
</transaction>)";

std::string orders(const std::string& ref, const std::string& body) {
  std::size_t segments = 2;
  for (char c : body) segments += c == '\'' ? 1 : 0;
  return "UNH+" + ref + "+ORDERS:D:96A:UN'" + body + "UNT+" + std::to_string(segments) + "+" + ref +
         "'";
}

}  // namespace

TEST_CASE("CONTRL reports rejected messages with UCM/UCS/UCD", "[ack]") {
  const bool segment_marks = GENERATE(false, true);
  SchemaRegistry schemas;
  REQUIRE(schemas.add(kSchemaOrders, "ORDERS.xml").empty());
  const std::string input =
      "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+241105:1432+REF1'" +
      orders("1", "BGM+220+PO?+1'DTM+137:20241105:102'LIN+1'QTY+21:48'UNS+S'") +
      orders("2", "BGM+999+PO2'LIN+1'QTY+21:4X'UNS+S'") + "UNZ+2+REF1'";
  Reader reader(input, marks_option(segment_marks));
  AckCollector collector;
  Validator(schemas).run(reader, collector);
  REQUIRE(collector.interchanges().size() == 1);
  const auto& sets = collector.interchanges()[0].groups.at(0).sets;
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].problems.empty());
  AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  InMemoryControlNumbers numbers(7);
  const auto acks = build_acks(collector.interchanges(), options, numbers);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].type == AckType::contrl);
  // Message 2: BGM 1001 '999' is not a valid code, mandatory DTM missing before LIN, QTY value
  // '4X' is not numeric.
  CHECK(acks[0].bytes ==
        "UNA:+.? 'UNB+UNOC:3+RECEIVER:14+SENDER:14+241106:0900+7'UNH+7+CONTRL:D:3:UN'"
        "UCI+REF1+SENDER:14+RECEIVER:14+7'UCM+1+ORDERS:D:96A:UN+7'"
        "UCM+2+ORDERS:D:96A:UN+4'UCS+2'UCD+12+1:1'UCS+3+13'UCS+4'UCD+19+1:2'"
        "UNT+10+7'UNZ+1+7'");
  Reader again(acks[0].bytes);
  for (Event e = again.next(); e.kind != EventKind::end_of_input; e = again.next()) {
    if (e.kind == EventKind::problem) FAIL(to_string(again.problem()));
  }
}

namespace {

// The CONTRL body for an EDIFACT input, between the UNH and the UNT of the ack.
std::string contrl_for(const std::string& input) {
  SchemaRegistry schemas;
  REQUIRE(schemas.add(kSchemaOrders, "ORDERS.xml").empty());
  Reader reader(input);
  AckCollector collector;
  Validator(schemas).run(reader, collector);
  AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  InMemoryControlNumbers numbers(7);
  const auto acks = build_acks(collector.interchanges(), options, numbers);
  REQUIRE(acks.size() == 1);
  INFO(acks[0].error);
  const std::string& bytes = acks[0].bytes;
  const std::size_t from = bytes.find("UCI+");
  const std::size_t to = bytes.find("UNT+");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  return bytes.substr(from, to - from);
}

const std::string kOrdersBody = "BGM+220+PO1'DTM+137:20241105:102'LIN+1'QTY+21:48'UNS+S'";

}  // namespace

TEST_CASE("CONTRL: a UCF per group, and nothing accepted under a rejection", "[ack][contrl]") {
  const std::string unb = "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+241105:1432+REF1'";
  const std::string ung = "UNG+ORDERS+GS:14+GR:14+241105:1432+G1+UN+D:96A'";
  SECTION("groups in order: UCF 7 and the group's UCMs") {
    CHECK(contrl_for(unb + ung + orders("1", kOrdersBody) + "UNE+1+G1'UNZ+1+REF1'") ==
          "UCI+REF1+SENDER:14+RECEIVER:14+7'UCF+G1+GS+GR+7'UCM+1+ORDERS:D:96A:UN+7'");
  }
  SECTION("UNE count and reference wrong: UCF 4 with the first group error, no UCM 7") {
    const std::string input =
        unb + ung + orders("1", kOrdersBody) + orders("2", kOrdersBody) + "UNE+3+G2'UNZ+1+REF1'";
    CHECK(contrl_for(input) == "UCI+REF1+SENDER:14+RECEIVER:14+7'UCF+G1+GS+GR+4+29'");
    // The gateway takes no message of a group its CONTRL rejects.
    Reader reader(input);
    AckCollector collector;
    Validator(test_schemas()).run(reader, collector);
    REQUIRE(collector.interchanges().at(0).groups.size() == 1);
    CHECK(group_rejected(collector.interchanges()[0].groups[0], Standard::edifact));
    // A message with errors of its own is still reported, rejected, under the UCF.
    const std::string bad = unb + ung + orders("1", kOrdersBody) +
                            orders("2", "BGM+999+PO2'DTM+137:20241105:102'LIN+1'UNS+S'") +
                            "UNE+1+G1'UNZ+1+REF1'";
    CHECK(contrl_for(bad) ==
          "UCI+REF1+SENDER:14+RECEIVER:14+7'UCF+G1+GS+GR+4+29'UCM+2+ORDERS:D:96A:UN+4'UCS+2'"
          "UCD+12+1:1'");
  }
  SECTION("UNZ count wrong: UCI 4, and no message said to be accepted") {
    const std::string input = unb + orders("1", kOrdersBody) + "UNZ+2+REF1'";
    CHECK(contrl_for(input) == "UCI+REF1+SENDER:14+RECEIVER:14+4+29'");
    // In a group: no UCF says 7 under it either; one with a message to report says 4.
    CHECK(contrl_for(unb + ung + orders("1", kOrdersBody) + "UNE+1+G1'UNZ+2+REF1'") ==
          "UCI+REF1+SENDER:14+RECEIVER:14+4+29'");
    CHECK(contrl_for(unb + ung + orders("1", "BGM+999+PO2'DTM+137:20241105:102'LIN+1'UNS+S'") +
                     "UNE+1+G1'UNZ+2+REF1'") ==
          "UCI+REF1+SENDER:14+RECEIVER:14+4+29'UCF+G1+GS+GR+4'UCM+1+ORDERS:D:96A:UN+4'UCS+2'"
          "UCD+12+1:1'");
  }
  SECTION("an invalid UNA rejects the interchange read after it (code 20)") {
    const std::string input = "UNA:+.?+'UNB+UNOC:3+SENDER:14+RECEIVER:14+241105:1432+REF1'" +
                              orders("1", kOrdersBody) + "UNZ+1+REF1'";
    CHECK(contrl_for(input) == "UCI+REF1+SENDER:14+RECEIVER:14+4+20'");
  }
}

TEST_CASE("our CONTRL and 997/999 acks validate against the built-in schemas", "[ack][schemas]") {
  const std::vector<std::string> files = {"edi/edifact/orders-d96a-basic.edi",
                                          "edi/x12/850-4010-basic.edi",
                                          "edi/x12/multi-group-versions.edi"};
  for (const std::string& name : files) {
    INFO(name);
    std::ifstream in(std::string(EDIGATE_FIXTURES) + "/" + name, std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(!input.empty());
    Reader reader(input);
    AckCollector collector;
    Validator().run(reader, collector);
    AckOptions options;
    options.date = "20241106";
    options.time = "0900";
    InMemoryControlNumbers numbers;
    for (const BuiltAck& ack : build_acks(collector.interchanges(), options, numbers)) {
      REQUIRE(ack.error.empty());
      Reader again(ack.bytes);
      Collected result;
      Validator().run(again, result);
      std::string all;
      for (const Problem& p : result.all) all += to_string(p) + "\n";
      INFO(ack.bytes);
      INFO(all);
      CHECK(result.all.empty());
    }
  }
}

TEST_CASE("an escaped component separator in a simple element is data, an unescaped one is not",
          "[validator][release]") {
  const bool segment_marks = GENERATE(false, true);
  SchemaRegistry schemas;
  REQUIRE(schemas.add(kSchemaOrders, "ORDERS.xml").empty());
  const std::string input =
      "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+241105:1432+REF1'" +
      orders("1", "BGM+220+PO?:1'DTM+137:20241105:102'LIN+1'QTY+21:48'UNS+S'") +
      orders("2", "BGM+220+PO:1'DTM+137:20241105:102'LIN+1'QTY+21:48'UNS+S'") + "UNZ+2+REF1'";
  Reader reader(input, marks_option(segment_marks));
  Collected c;
  Validator(schemas).run(reader, c);
  REQUIRE(c.sets.size() == 2);
  CHECK(c.sets[0].problems.empty());
  CHECK(codes(c.sets[1]) == std::vector<ProblemCode>{ProblemCode::element_too_many_components});
}

TEST_CASE("a composite beside a released character: its problems in the same order either way",
          "[validator][release]") {
  const bool segment_marks = GENERATE(false, true);
  SchemaRegistry schemas;
  REQUIRE(schemas.add(kSchemaOrders, "ORDERS.xml").empty());
  const auto set = [](const char* number, const char* bgm) {
    return orders(number, std::string(bgm) + "DTM+137:20241105:102'LIN+1'QTY+21:48'UNS+S'");
  };
  const std::string input = "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+241105:1432+REF1'" +
                            set("1", "BGM+220+PO?+1'") + set("2", "BGM+999+PO?+2'") +
                            set("3", "BGM+220:X+PO?+3'") + set("4", "BGM+999:X+PO?+4'") +
                            "UNZ+4+REF1'";
  Reader reader(input, marks_option(segment_marks));
  Collected c;
  Validator(schemas).run(reader, c);
  REQUIRE(c.sets.size() == 4);
  CHECK(c.sets[0].problems.empty());
  CHECK(codes(c.sets[1]) == std::vector<ProblemCode>{ProblemCode::element_invalid_code});
  CHECK(codes(c.sets[2]) == std::vector<ProblemCode>{ProblemCode::element_too_many_components});
  // Too many components first, then the component: as for a composite that holds a release.
  CHECK(codes(c.sets[3]) == std::vector<ProblemCode>{ProblemCode::element_too_many_components,
                                                     ProblemCode::element_invalid_code});
}
