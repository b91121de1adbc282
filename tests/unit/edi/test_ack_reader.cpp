// Reading received TA1, 997, 999 and CONTRL acknowledgements.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "edigate/edi/ack_reader.hpp"

using namespace edigate::edi;

namespace {

std::string ack_fixture(const std::string& name) {
  std::ifstream in(std::string(EDIGATE_FIXTURES) + "/edi/acks/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string problems_text(const AckReport& report) {
  std::string text;
  for (const Problem& p : report.problems) text += to_string(p) + "\n";
  return text;
}

const std::string kIsa =
    "ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*EDIGATEDEMO    *241106*0915*U*00401*"
    "000000900*0*P*>~";

// A 997 interchange around the given AK segments.
std::string x12_997(const std::string& body, int segments) {
  return kIsa + "GS*FA*ACMERETAIL*EDIGATEDEMO*20241106*0915*900*X*004010~ST*997*0001~" + body +
         "SE*" + std::to_string(segments + 2) + "*0001~GE*1*900~IEA*1*000000900~";
}

}  // namespace

TEST_CASE("997 accepting a group", "[ack_reader]") {
  const AckReport report = read_acks(ack_fixture("997-accepted.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(report.interchanges.empty());
  REQUIRE(report.groups.size() == 1);
  const GroupAck& g = report.groups[0];
  CHECK(g.origin.kind == AckKind::x997);
  CHECK(g.origin.interchange_control == "000000501");
  CHECK(g.origin.sender_id == "ACMERETAIL");
  CHECK(g.functional_id == "PO");
  CHECK(g.control_number == "101");
  CHECK(g.status == AckStatus::accepted);
  CHECK(g.sets_included == 1);
  CHECK(g.sets_accepted == 1);
  REQUIRE(g.sets.size() == 1);
  CHECK(g.sets[0].id == "850");
  CHECK(g.sets[0].control_number == "0001");
  CHECK(g.sets[0].status == AckStatus::accepted);
  CHECK(g.sets[0].segment_errors.empty());
}

TEST_CASE("997 with AK3/AK4 errors and a rejected set", "[ack_reader]") {
  const AckReport report = read_acks(ack_fixture("997-errors.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  REQUIRE(report.groups.size() == 1);
  const GroupAck& g = report.groups[0];
  CHECK(g.status == AckStatus::partially_accepted);
  CHECK(g.sets_received == 2);
  CHECK(g.sets_accepted == 1);
  REQUIRE(g.sets.size() == 2);

  const SetAck& first = g.sets[0];
  CHECK(first.status == AckStatus::accepted_with_errors);
  REQUIRE(first.segment_errors.size() == 1);
  const SegmentError& po1 = first.segment_errors[0];
  CHECK(po1.segment_id == "PO1");
  CHECK(po1.position == 7);
  CHECK(po1.code == "8");
  REQUIRE(po1.elements.size() == 2);
  CHECK(po1.elements[0].position == 3);
  CHECK(po1.elements[0].component == 0);
  CHECK(po1.elements[0].reference == "355");
  CHECK(po1.elements[0].code == "7");
  CHECK(po1.elements[0].bad_value == "XX");
  CHECK(po1.elements[1].position == 2);
  CHECK(po1.elements[1].component == 1);
  CHECK(po1.elements[1].code == "1");

  const SetAck& second = g.sets[1];
  CHECK(second.control_number == "0002");
  CHECK(second.status == AckStatus::rejected);
  CHECK(second.codes == std::vector<std::string>{"5"});
  REQUIRE(second.segment_errors.size() == 2);
  CHECK(second.segment_errors[0].loop_id == "N1");
  CHECK(second.segment_errors[0].code == "3");
  CHECK(second.segment_errors[1].segment_id == "CTT");
  CHECK(second.segment_errors[1].code == "2");
}

TEST_CASE("999 with IK3/IK4 and CTX", "[ack_reader]") {
  const AckReport report = read_acks(ack_fixture("999-errors.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  REQUIRE(report.groups.size() == 1);
  const GroupAck& g = report.groups[0];
  CHECK(g.origin.kind == AckKind::x999);
  CHECK(g.functional_id == "HC");
  CHECK(g.control_number == "17");
  CHECK(g.version == "005010X222A1");
  CHECK(g.status == AckStatus::partially_accepted);
  REQUIRE(g.sets.size() == 2);
  const SetAck& rejected = g.sets[0];
  CHECK(rejected.control_number == "000000001");
  CHECK(rejected.version == "005010X222A1");
  CHECK(rejected.status == AckStatus::rejected);
  REQUIRE(rejected.segment_errors.size() == 1);
  const SegmentError& clm = rejected.segment_errors[0];
  CHECK(clm.segment_id == "CLM");
  CHECK(clm.position == 22);
  CHECK(clm.loop_id == "2300");
  REQUIRE(clm.context.size() == 1);
  CHECK(clm.context[0].name == "CLM01");
  CHECK(clm.context[0].reference == "PATIENT-7");
  REQUIRE(clm.elements.size() == 1);
  const ElementError& e = clm.elements[0];
  CHECK(e.position == 5);
  CHECK(e.component == 3);
  CHECK(e.reference == "1331");
  CHECK(e.code == "7");
  CHECK(e.bad_value == "Z");
  REQUIRE(e.context.size() == 1);
  CHECK(e.context[0].name == "SITUATIONAL TRIGGER");
  CHECK(e.context[0].segment_id == "NM1");
  CHECK(e.context[0].segment_position == 18);
  CHECK(g.sets[1].status == AckStatus::accepted);
}

TEST_CASE("TA1 rejecting an interchange", "[ack_reader]") {
  const AckReport report = read_acks(ack_fixture("ta1-rejected.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(report.groups.empty());
  REQUIRE(report.interchanges.size() == 1);
  const InterchangeAck& ta1 = report.interchanges[0];
  CHECK(ta1.origin.kind == AckKind::ta1);
  CHECK(ta1.origin.interchange_control == "000000504");
  CHECK(ta1.control_number == "000000101");
  CHECK(ta1.date == "241105");
  CHECK(ta1.time == "1432");
  CHECK(ta1.status == AckStatus::rejected);
  CHECK(ta1.note_code == "001");
}

TEST_CASE("TA1 before a functional group", "[ack_reader]") {
  const std::string input = kIsa + "TA1*000000101*241105*1432*A*000~" +
                            "GS*FA*ACMERETAIL*EDIGATEDEMO*20241106*0915*900*X*004010~"
                            "ST*997*0001~AK1*PO*101~AK9*A*1*1*1~SE*4*0001~GE*1*900~"
                            "IEA*1*000000900~";
  const AckReport report = read_acks(input);
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  REQUIRE(report.interchanges.size() == 1);
  CHECK(report.interchanges[0].status == AckStatus::accepted);
  CHECK(report.interchanges[0].note_code == "000");
  REQUIRE(report.groups.size() == 1);
  CHECK(report.groups[0].status == AckStatus::accepted);
}

TEST_CASE("CONTRL rejecting a message with UCS/UCD", "[ack_reader]") {
  const AckReport report = read_acks(ack_fixture("contrl-rejected.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  REQUIRE(report.interchanges.size() == 1);
  const InterchangeAck& uci = report.interchanges[0];
  CHECK(uci.origin.kind == AckKind::contrl);
  CHECK(uci.origin.interchange_control == "CTL0000000077");
  CHECK(uci.control_number == "00000000000101");
  CHECK(uci.sender_id == "5412345000013");
  CHECK(uci.receiver_id == "5498765000018");
  CHECK(uci.status == AckStatus::rejected);
  CHECK(uci.groups.empty());
  REQUIRE(uci.sets.size() == 2);
  const SetAck& bad = uci.sets[0];
  CHECK(bad.id == "ORDERS");
  CHECK(bad.control_number == "1");
  CHECK(bad.version == "D96A");
  CHECK(bad.status == AckStatus::rejected);
  REQUIRE(bad.segment_errors.size() == 2);
  CHECK(bad.segment_errors[0].position == 5);
  CHECK(bad.segment_errors[0].code == "12");
  REQUIRE(bad.segment_errors[0].elements.size() == 1);
  CHECK(bad.segment_errors[0].elements[0].code == "12");
  CHECK(bad.segment_errors[0].elements[0].position == 2);
  CHECK(bad.segment_errors[0].elements[0].component == 1);
  CHECK(bad.segment_errors[1].position == 15);
  CHECK(bad.segment_errors[1].code == "13");
  CHECK(uci.sets[1].status == AckStatus::accepted);
}

TEST_CASE("CONTRL action 7 and 8, several in one input", "[ack_reader]") {
  const AckReport report =
      read_acks(ack_fixture("contrl-accepted.edi") + ack_fixture("contrl-received.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  REQUIRE(report.interchanges.size() == 2);
  CHECK(report.interchanges[0].control_number == "00000000000102");
  CHECK(report.interchanges[0].status == AckStatus::accepted);
  CHECK(report.interchanges[1].control_number == "00000000000103");
  CHECK(report.interchanges[1].status == AckStatus::received);
}

TEST_CASE("acks of several kinds in one input", "[ack_reader]") {
  const AckReport report =
      read_acks(ack_fixture("997-accepted.edi") + ack_fixture("999-errors.edi") +
                ack_fixture("contrl-rejected.edi"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(report.groups.size() == 2);
  CHECK(report.interchanges.size() == 1);
}

TEST_CASE("malformed acknowledgements are problems, not crashes", "[ack_reader]") {
  SECTION("AK3 before AK2, unknown status, missing AK5 and AK9") {
    const AckReport report =
        read_acks(x12_997("AK1*PO*101~AK3*BEG*2**8~AK2*850*0001~AK5*Q~AK2*850*0002~", 5));
    REQUIRE(report.groups.size() == 1);
    CHECK(report.groups[0].sets.size() == 2);
    CHECK(report.groups[0].sets[0].status == AckStatus::unknown);
    CHECK(report.groups[0].status == AckStatus::unknown);
    std::vector<ProblemCode> codes;
    for (const Problem& p : report.problems) codes.push_back(p.code);
    CHECK(codes == std::vector<ProblemCode>{ProblemCode::segment_out_of_sequence,
                                            ProblemCode::element_invalid_code,
                                            ProblemCode::segment_mandatory_missing,
                                            ProblemCode::segment_mandatory_missing});
    CHECK(report.problems[0].location.segment_in_set == 3);
  }
  SECTION("non-numeric positions and stray segments") {
    const AckReport report = read_acks(
        x12_997("AK1*PO*101~AK2*850*0001~AK3*BEG*X2**8~AK4*Y>1**7~BEG*00~AK5*R~AK9*R*1*1*0~", 7));
    REQUIRE(report.groups.size() == 1);
    CHECK(report.groups[0].status == AckStatus::rejected);
    CHECK(report.problems.size() == 3);
  }
  SECTION("CONTRL without UCI, UCD before UCS") {
    const AckReport report = read_acks(
        "UNB+UNOC:3+A:14+B:14+241106:0915+1'UNH+1+CONTRL:D:3:UN'UCM+1+ORDERS+4'"
        "UNT+3+1'UNB+UNOC:3+A:14+B:14+241106:0915+2'UNH+1+CONTRL:D:3:UN'"
        "UCI+9+B+A+4'UCM+1+ORDERS+4'UCD+12+2'UNT+5+1'UNZ+1+2'");
    CHECK(report.interchanges.size() == 1);
    CHECK(report.problems.size() >= 3);  // UCM without UCI, missing UNZ, UCD without UCS
  }
  SECTION("truncated input") {
    const std::string whole = ack_fixture("999-errors.edi");
    for (std::size_t n = 0; n < whole.size(); n += 7) {
      const AckReport report = read_acks(whole.substr(0, n));
      CHECK(report.groups.size() <= 1);
    }
  }
  SECTION("sets that are not acknowledgements are skipped") {
    const AckReport report =
        read_acks(kIsa +
                  "GS*PO*A*B*20241106*0915*1*X*004010~ST*850*0001~BEG*00*SA*1**20241106~SE*3*0001~"
                  "GE*1*1~IEA*1*000000900~");
    CHECK(report.groups.empty());
    CHECK(report.problems.empty());
  }
}
