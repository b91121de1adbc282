// The document tree and the writer: round trips, trailers, escaping and refusals.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "edigate/edi/control_numbers.hpp"
#include "edigate/edi/document.hpp"
#include "edigate/edi/writer.hpp"

using namespace edigate::edi;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EDIGATE_FIXTURES) + "/edi/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_errors(const Document& doc) {
  for (const Problem& p : doc.problems) {
    if (p.is_error()) return true;
  }
  return false;
}

// parse -> write -> parse; the written bytes must read back without errors and equal.
Document round_trip(const std::string& bytes, const WriteOptions& options = {}) {
  Document first = read_document(bytes);
  REQUIRE_FALSE(has_errors(first));
  REQUIRE(first.interchanges.size() == 1);
  WriteResult written = write_interchange(first.interchanges[0], options);
  INFO((written.error ? written.error->message : std::string()));
  REQUIRE(written.ok());
  Document second = read_document(written.bytes);
  for (const Problem& p : second.problems) INFO(to_string(p));
  CHECK_FALSE(has_errors(second));
  REQUIRE(second.interchanges.size() == 1);
  Interchange expected = first.interchanges[0];
  if (options.delimiters) expected.delimiters = *options.delimiters;
  CHECK(second.interchanges[0] == expected);
  return second;
}

Interchange small_x12(const std::string& version = "00401") {
  Interchange i;
  i.standard = Standard::x12;
  i.delimiters = Delimiters::x12_default();
  i.version = version;
  i.authorization_qualifier = "00";
  i.security_qualifier = "00";
  i.sender_qualifier = "ZZ";
  i.sender_id = "SENDER";
  i.receiver_qualifier = "ZZ";
  i.receiver_id = "RECEIVER";
  i.date = "241105";
  i.time = "1432";
  i.control_number = "000000042";
  Group g;
  g.functional_id = "PO";
  g.sender_id = "SENDER";
  g.receiver_id = "RECEIVER";
  g.date = "20241105";
  g.time = "1432";
  g.control_number = "42";
  g.agency = "X";
  g.version = version == "00401" ? "004010" : "005010";
  Transaction t;
  t.id = "850";
  t.control_number = "0001";
  t.segments.push_back(SegmentData("BEG", {"00", "SA", "PO-1", "", "20241105"}));
  g.transactions.push_back(t);
  i.groups.push_back(g);
  return i;
}

Interchange small_edifact() {
  Interchange i;
  i.standard = Standard::edifact;
  i.delimiters = Delimiters::edifact_default();
  i.syntax_id = "UNOC";
  i.version = "3";
  i.sender_id = "5412345000013";
  i.sender_qualifier = "14";
  i.receiver_id = "5498765000018";
  i.receiver_qualifier = "14";
  i.date = "241105";
  i.time = "1432";
  i.control_number = "77";
  Transaction m;
  m.id = "ORDERS";
  m.control_number = "1";
  m.version = "D";
  m.release = "96A";
  m.agency = "UN";
  m.segments.push_back(SegmentData("BGM", {"220", "PO-1", "9"}));
  i.messages.push_back(m);
  return i;
}

}  // namespace

TEST_CASE("read_document builds the tree of the X12 850 fixture", "[writer]") {
  const Document doc = read_document(fixture("x12/850-4010-basic.edi"));
  CHECK_FALSE(has_errors(doc));
  REQUIRE(doc.interchanges.size() == 1);
  const Interchange& i = doc.interchanges[0];
  CHECK(i.standard == Standard::x12);
  CHECK(i.sender_id == "ACMERETAIL");
  CHECK(i.authorization.empty());
  CHECK(i.control_number == "000000101");
  CHECK(i.test);
  REQUIRE(i.groups.size() == 1);
  CHECK(i.groups[0].version == "004010");
  REQUIRE(i.groups[0].transactions.size() == 1);
  const Transaction& t = i.groups[0].transactions[0];
  CHECK(t.id == "850");
  CHECK(t.segments.size() == 11);
  CHECK(t.segments[0].tag == "BEG");
  CHECK(t.segments[0].value(3) == "PO-45001");
  CHECK(t.segments[0].value(4).empty());
  CHECK(t.segments[0].value(5) == "20241105");
}

TEST_CASE("X12 fixture round trip", "[writer]") {
  const std::string original = fixture("x12/850-4010-basic.edi");
  round_trip(original);
  SECTION("with line breaks the bytes are the same as the fixture") {
    WriteOptions options;
    options.line_break = "\n";
    const Document doc = read_document(original);
    const WriteResult out = write_interchange(doc.interchanges[0], options);
    REQUIRE(out.ok());
    CHECK(out.bytes == original);
  }
  SECTION("with other delimiters") {
    WriteOptions options;
    options.delimiters = Delimiters{'|', '>', 0, '\n', 0, '.'};
    const Document doc = round_trip(original, options);
    CHECK(doc.interchanges[0].delimiters.element == '|');
  }
}

TEST_CASE("EDIFACT fixture round trip keeps release characters", "[writer]") {
  const std::string original = fixture("edifact/orders-d96a-basic.edi");
  const Document doc = round_trip(original);
  const Transaction& m = doc.interchanges[0].messages.at(0);
  CHECK(m.id == "ORDERS");
  CHECK(m.association == "EAN008");
  const SegmentData& imd = m.segments.at(11);
  REQUIRE(imd.tag == "IMD");
  CHECK(imd.value(3, 4) == "Gadget+ spare's kit");
  CHECK(doc.interchanges[0].application_reference == "ORDERS");
  const WriteResult out = write_interchange(doc.interchanges[0]);
  REQUIRE(out.ok());
  CHECK(out.bytes == original);
}

TEST_CASE("EDIFACT repetitions and escapes survive a round trip", "[writer]") {
  Interchange i = small_edifact();
  i.version = "4";
  i.delimiters.repetition = '*';
  SegmentData ftx("FTX");
  ftx.add("AAI").add("").add("").add_composite({"a+b:c'd?e*f", "second"});
  ftx.add("ends with ?");
  SegmentData rep("RFF");
  rep.elements.push_back({{"ON", "1"}, {"ON", "2"}, {}, {"VN", "", "3"}});
  i.messages[0].segments = {ftx, rep};
  const WriteResult out = write_interchange(i);
  REQUIRE(out.ok());
  CHECK(out.bytes.find("a?+b?:c?'d??e?*f:second+ends with ?"
                       "?'") != std::string::npos);
  CHECK(out.bytes.find("RFF+ON:1*ON:2**VN::3'") != std::string::npos);
  CHECK(out.bytes.substr(0, 3) == "UNB");  // syntax 4 defaults need no UNA
  const Document doc = read_document(out.bytes);
  CHECK_FALSE(has_errors(doc));
  REQUIRE(doc.interchanges.size() == 1);
  CHECK(doc.interchanges[0] == i);
}

TEST_CASE("X12 5010 repetitions round trip", "[writer]") {
  Interchange i = small_x12("00501");
  SegmentData hi("HI");
  hi.elements.push_back({{"ABK", "J189"}, {"ABF", "Z7982"}});
  i.groups[0].transactions[0].segments.push_back(hi);
  const WriteResult out = write_interchange(i);
  REQUIRE(out.ok());
  CHECK(out.bytes.find("*U*") == std::string::npos);
  CHECK(out.bytes.find("HI*ABK:J189^ABF:Z7982~") != std::string::npos);
  const Document doc = read_document(out.bytes);
  CHECK_FALSE(has_errors(doc));
  CHECK(doc.interchanges.at(0) == i);
}

TEST_CASE("the writer computes trailers and pads the ISA", "[writer]") {
  Interchange i = small_x12();
  i.groups[0].transactions.push_back(i.groups[0].transactions[0]);
  i.groups[0].transactions[1].control_number = "0002";
  i.groups.push_back(i.groups[0]);
  i.groups[1].control_number = "43";
  const WriteResult out = write_interchange(i);
  REQUIRE(out.ok());
  CHECK(out.bytes.substr(0, 106) ==
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *241105*1432*U*"
        "00401*000000042*0*P*:~");
  CHECK(out.bytes.find("SE*3*0001~") != std::string::npos);
  CHECK(out.bytes.find("SE*3*0002~") != std::string::npos);
  CHECK(out.bytes.find("GE*2*42~") != std::string::npos);
  CHECK(out.bytes.find("GE*2*43~") != std::string::npos);
  CHECK(out.bytes.substr(out.bytes.size() - 16) == "IEA*2*000000042~");
  CHECK(out.bytes.find("BEG*00*SA*PO-1**20241105~") != std::string::npos);
  const Document doc = read_document(out.bytes);
  CHECK(doc.problems.empty());
}

TEST_CASE("trailing empty elements and components are trimmed", "[writer]") {
  Interchange i = small_edifact();
  SegmentData nad("NAD");
  nad.add("BY").add_composite({"5412345000013", "", "9", "", ""}).add("").add("");
  i.messages[0].segments = {nad};
  const WriteResult out = write_interchange(i);
  REQUIRE(out.ok());
  CHECK(out.bytes.find("NAD+BY+5412345000013::9'") != std::string::npos);
  CHECK(out.bytes.find("UNH+1+ORDERS:D:96A:UN'") != std::string::npos);
  CHECK(out.bytes.find("UNT+3+1'") != std::string::npos);
  CHECK(out.bytes.find("UNZ+1+77'") != std::string::npos);
}

TEST_CASE("UNA is written when asked or needed", "[writer]") {
  Interchange i = small_edifact();
  WriteOptions options;
  CHECK(write_interchange(i, options).bytes.substr(0, 3) == "UNB");
  options.una = ServiceStringAdvice::always;
  CHECK(write_interchange(i, options).bytes.substr(0, 9) == "UNA:+.? '");
  options.una = ServiceStringAdvice::as_needed;
  options.delimiters = Delimiters{'|', '^', 0, '\n', 0, ','};
  const WriteResult out = write_interchange(i, options);
  REQUIRE(out.ok());
  CHECK(out.bytes.substr(0, 9) == "UNA^|,  \n");
  options.una = ServiceStringAdvice::never;
  const WriteResult refused = write_interchange(i, options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error->code == WriteErrorCode::invalid_delimiters);
}

TEST_CASE("writer errors carry their position", "[writer]") {
  SECTION("X12 data holding a delimiter") {
    Interchange i = small_x12();
    i.groups[0].transactions[0].segments.push_back(SegmentData("REF", {"DP", "A*B"}));
    const WriteResult out = write_interchange(i);
    REQUIRE_FALSE(out.ok());
    CHECK(out.bytes.empty());
    CHECK(out.error->code == WriteErrorCode::delimiter_in_data);
    CHECK(out.error->tag == "REF");
    CHECK(out.error->segment == 5);  // ISA GS ST BEG REF
    CHECK(out.error->element == 2);
    CHECK(out.error->message.find("'*'") != std::string::npos);
  }
  SECTION("X12 component separator inside a component") {
    Interchange i = small_x12();
    SegmentData sv("SV1");
    sv.add_composite({"HC", "99213", "A:B"});
    i.groups[0].transactions[0].segments.push_back(sv);
    const WriteResult out = write_interchange(i);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->element == 1);
    CHECK(out.error->component == 3);
  }
  SECTION("EDIFACT without a release character") {
    Interchange i = small_edifact();
    i.delimiters.release = 0;
    i.messages[0].segments.push_back(SegmentData("FTX", {"AAI", "", "", "it's"}));
    const WriteResult out = write_interchange(i);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->code == WriteErrorCode::delimiter_in_data);
    CHECK(out.error->segment == 4);  // UNB UNH BGM FTX
    CHECK(out.error->element == 4);
  }
  SECTION("ISA field too long") {
    Interchange i = small_x12();
    i.sender_id = "A-SENDER-ID-LONGER-THAN-15";
    const WriteResult out = write_interchange(i);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->code == WriteErrorCode::value_too_long);
    CHECK(out.error->segment == 1);
    CHECK(out.error->element == 6);
  }
  SECTION("repetitions without a repetition separator") {
    Interchange i = small_x12("00401");
    SegmentData hi("HI");
    hi.elements.push_back({{"ABK", "J189"}, {"ABF", "Z7982"}});
    i.groups[0].transactions[0].segments.push_back(hi);
    const WriteResult out = write_interchange(i);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->code == WriteErrorCode::repetition_unsupported);
  }
  SECTION("bad tag, clashing delimiters, missing control number") {
    Interchange i = small_x12();
    i.groups[0].transactions[0].segments.push_back(SegmentData("beg", {"00"}));
    CHECK(write_interchange(i).error->code == WriteErrorCode::invalid_tag);
    i = small_x12();
    i.delimiters.component = '*';
    CHECK(write_interchange(i).error->code == WriteErrorCode::invalid_delimiters);
    i = small_x12();
    i.groups[0].control_number.clear();
    CHECK(write_interchange(i).error->code == WriteErrorCode::missing_value);
  }
  SECTION("EDIFACT groups and loose messages together") {
    Interchange i = small_edifact();
    i.groups.push_back(Group{});
    CHECK(write_interchange(i).error->code == WriteErrorCode::mixed_groups_and_messages);
  }
}

TEST_CASE("EDIFACT groups round trip", "[writer]") {
  Interchange i = small_edifact();
  Group g;
  g.functional_id = "ORDERS";
  g.sender_id = "SENDER";
  g.sender_qualifier = "14";
  g.receiver_id = "RECEIVER";
  g.date = "241105";
  g.time = "1432";
  g.control_number = "9";
  g.agency = "UN";
  g.version = "D";
  g.release = "96A";
  g.transactions = i.messages;
  i.messages.clear();
  i.groups.push_back(g);
  i.ack_requested = true;
  i.test = true;
  const WriteResult out = write_interchange(i);
  REQUIRE(out.ok());
  CHECK(out.bytes.find("UNE+1+9'UNZ+1+77'") != std::string::npos);
  const Document doc = read_document(out.bytes);
  CHECK_FALSE(has_errors(doc));
  CHECK(doc.interchanges.at(0) == i);
}

TEST_CASE("a TA1 interchange round trips, and acks can be written", "[writer]") {
  const std::string ta1 =
      "ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*EDIGATEDEMO    *241106*0915*U*00401*"
      "000000504*0*P*>~TA1*000000101*241105*1432*R*001~IEA*0*000000504~";
  const Document doc = round_trip(ta1);
  REQUIRE(doc.interchanges[0].interchange_segments.size() == 1);
  CHECK(doc.interchanges[0].interchange_segments[0].value(5) == "001");
  CHECK(write_interchange(doc.interchanges[0]).bytes == ta1);

  // What an acknowledgement generator does: a tree with numbers from the allocator.
  InMemoryControlNumbers numbers;
  Interchange ack = small_x12();
  ack.control_number = format_control(numbers.next(ControlKind::interchange, "ACME"),
                                      ControlKind::interchange, true);
  ack.groups[0].control_number =
      format_control(numbers.next(ControlKind::group, "ACME"), ControlKind::group, true);
  Transaction& set = ack.groups[0].transactions[0];
  set.id = "997";
  set.control_number = format_control(numbers.next(ControlKind::transaction, "ACME"),
                                      ControlKind::transaction, true);
  set.segments = {SegmentData("AK1", {"PO", "101"}), SegmentData("AK9", {"A", "1", "1", "1"})};
  const WriteResult out = write_interchange(ack);
  REQUIRE(out.ok());
  CHECK(out.bytes.find("*000000001*0*P*:~GS*PO*SENDER*RECEIVER*20241105*1432*1*X*004010~"
                       "ST*997*0001~AK1*PO*101~AK9*A*1*1*1~SE*4*0001~GE*1*1~IEA*1*000000001~") !=
        std::string::npos);
}

TEST_CASE("SegmentData helpers", "[writer]") {
  SegmentData s("N1", {"ST", "", "92"});
  s.add_composite({"A", "B", ""}).add("");
  CHECK(s.elements.size() == 5);
  CHECK(s.value(1) == "ST");
  CHECK(s.value(2).empty());
  CHECK(s.value(4, 2) == "B");
  CHECK(s.value(4, 3).empty());
  CHECK(s.value(9).empty());
  normalize(s);
  CHECK(s.elements.size() == 4);
  CHECK(s.elements[3] == SegmentData::Element{{"A", "B"}});
}
