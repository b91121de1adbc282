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

// The ack's segments after its ISA/UNB line, one string per segment.
std::vector<std::string> ack_segments(const std::string& name, AckType type) {
  const std::string input = fixture(name);
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
            "UCM+1+ORDERS:D:96A:UN+4+29",                                 // UNT count 9, actual 3
            "UCM+2+ORDERS:D:96A:UN+4+28",                                 // UNT reference 3, UNH 2
        });
}
