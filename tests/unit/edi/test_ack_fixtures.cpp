// The exact acknowledgement codes for the negative fixtures in tests/fixtures/edi/.
// Schema checks are off here (no schemas, require_schema = false): these fixtures are about
// envelopes, so the acks must show the envelope codes only.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "edigate/edi/ack.hpp"

using namespace edigate::edi;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EDIGATE_FIXTURES) + "/edi/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The segments of the acks built for `input`, one string per segment.
std::vector<std::string> ack_segments_of(const std::string& input, AckType type) {
  Reader reader(input);
  AckCollector collector;
  ValidatorOptions options;
  options.require_schema = false;
  const SchemaRegistry no_schemas;  // envelope checks only
  Validator(no_schemas, options).run(reader, collector);
  AckOptions ack;
  ack.type = type;
  ack.date = "20241106";
  ack.time = "0900";
  InMemoryControlNumbers numbers;
  std::vector<std::string> segments;
  for (const BuiltAck& built : build_acks(collector.interchanges(), ack, numbers)) {
    Reader again(built.bytes);
    for (Event e = again.next(); e.kind != EventKind::end_of_input; e = again.next()) {
      if (e.kind == EventKind::problem)
        FAIL("the ack itself is invalid: " << to_string(again.problem()));
      if (e.kind == EventKind::segment) segments.emplace_back(again.segment().raw());
    }
  }
  return segments;
}

// The same for a fixture file.
std::vector<std::string> ack_segments(const std::string& name, AckType type) {
  return ack_segments_of(fixture(name), type);
}

}  // namespace

TEST_CASE("x12 envelope errors: TA1, AK5 and AK9 codes", "[ack][fixtures]") {
  const auto segments = ack_segments("x12/envelope-errors.edi", AckType::automatic);
  // TA1 is read as a segment outside sets; the 997 body follows.
  CHECK(segments == std::vector<std::string>{
                        "TA1*000000401*241105*1432*R*024",        // REF outside a set comes first
                        "AK1*PO*401", "AK2*850*0001", "AK5*R*4",  // SE01 count wrong
                        "AK2*850*0002", "AK5*R*3",                // SE02 does not match ST02
                        "AK2*850*0001", "AK5*R*23",               // duplicate ST02 in the group
                        "AK9*R*2*3*0*5*4",                        // GE01 count, GE02 control
                    });
}

TEST_CASE("x12 missing trailers: AK5 2 and AK9 3", "[ack][fixtures]") {
  const auto segments = ack_segments("x12/missing-trailers.edi", AckType::x997);
  CHECK(segments == std::vector<std::string>{
                        // interchange 501: group 501 lost its SE and GE
                        "AK1*PO*501",
                        "AK2*850*0001",
                        "AK5*R*2",
                        "AK9*R*1*1*0*3",
                        "AK1*PO*502",
                        "AK2*850*0002",
                        "AK5*A",
                        "AK9*A*1*1*1",
                        // interchange 502 ends with the input: SE, GE missing
                        "AK1*PO*501",
                        "AK2*850*0003",
                        "AK5*R*2",
                        "AK9*R*1*1*0*3",
                    });
}

TEST_CASE("x12 TA1 alone reports the interchange note code", "[ack][fixtures]") {
  CHECK(ack_segments("x12/missing-trailers.edi", AckType::ta1) ==
        std::vector<std::string>{"TA1*000000501*241105*1432*R*023",
                                 "TA1*000000502*241105*1432*R*023"});
  CHECK(ack_segments("x12/850-4010-basic.edi", AckType::ta1) ==
        std::vector<std::string>{"TA1*000000101*241105*1432*A*000"});
}

TEST_CASE("EDIFACT envelope errors: UCI, UCM codes", "[ack][fixtures]") {
  const auto segments = ack_segments("edifact/envelope-errors.edi", AckType::automatic);
  CHECK(segments ==
        std::vector<std::string>{
            "UCI+00000000000105+5412345000013:14+5498765000018:14+4+29",  // UNZ count first
            "UCF+77+5412345000013+5498765000018+4+29",                    // UNE count 3, ref 78
            "UCM+1+ORDERS:D:96A:UN+4+29",                                 // UNT count 9, actual 3
            "UCM+2+ORDERS:D:96A:UN+4+28",                                 // UNT reference 3, UNH 2
        });
}

TEST_CASE("acknowledgements are not acknowledged", "[ack][fixtures]") {
  SECTION("a 997 gets no 997, and no TA1 unless ISA14 asks for one") {
    const std::string ack = fixture("acks/997-accepted.edi");
    CHECK(ack_segments_of(ack, AckType::automatic).empty());
    CHECK(ack_segments_of(ack, AckType::x997).empty());
    std::string asked = ack;
    asked.replace(asked.find("*0*P*"), 5, "*1*P*");  // ISA14 = 1
    const auto segments = ack_segments_of(asked, AckType::automatic);
    REQUIRE(segments.size() == 1);  // the TA1 alone
    CHECK(segments[0].rfind("TA1*000000501*", 0) == 0);
  }
  SECTION("a TA1 gets no TA1 (two gateways would trade them for ever)") {
    CHECK(ack_segments_of(fixture("acks/ta1-rejected.edi"), AckType::automatic).empty());
    CHECK(ack_segments_of(fixture("acks/ta1-rejected.edi"), AckType::x997).empty());
  }
  SECTION("a 999 gets no 999") {
    CHECK(ack_segments_of(fixture("acks/999-errors.edi"), AckType::automatic).empty());
  }
  SECTION("a CONTRL gets no CONTRL") {
    CHECK(ack_segments_of(fixture("acks/contrl-accepted.edi"), AckType::automatic).empty());
    CHECK(ack_segments_of(fixture("acks/contrl-rejected.edi"), AckType::contrl).empty());
  }
  SECTION("beside a PO group, the FA group is left out of the 997") {
    std::string both = fixture("x12/850-4010-basic.edi");
    const std::string fa =
        "GS*FA*ACMERETAIL*EDIGATEDEMO*20241106*0915*502*X*004010~\nST*997*0001~\nAK1*PO*101~\n"
        "AK9*A*1*1*1~\nSE*4*0001~\nGE*1*502~\n";
    const auto iea = both.find("IEA*1*");
    REQUIRE(iea != std::string::npos);
    both.insert(iea, fa);
    both.replace(both.find("IEA*1*"), 6, "IEA*2*");
    std::size_t ak1 = 0;
    for (const std::string& segment : ack_segments_of(both, AckType::automatic)) {
      if (segment.rfind("AK1*", 0) == 0) {
        ++ak1;
        CHECK(segment.rfind("AK1*PO*", 0) == 0);
      }
    }
    CHECK(ak1 == 1);
  }
}

TEST_CASE("CONTRL quotes a message's version and release as they were split", "[ack][fixtures]") {
  // 0052 "D" and 0054 "3": one character of release, not three.
  const std::string input =
      "UNB+UNOC:3+5412345000013:14+5498765000018:14+241105:1432+00000000000101'"
      "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'UNT+3+1'"
      "UNH+2+APERAK:D:3:UN'BGM+23+X+9'UNT+3+2'UNZ+2+00000000000101'";
  std::vector<std::string> ucm;
  for (const std::string& segment : ack_segments_of(input, AckType::contrl)) {
    if (segment.rfind("UCM+", 0) == 0) ucm.push_back(segment);
  }
  CHECK(ucm == std::vector<std::string>{"UCM+1+ORDERS:D:96A:UN:EAN008+7", "UCM+2+APERAK:D:3:UN+7"});
}
