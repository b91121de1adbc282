// The pipeline's EDI step on the canonical fixtures: documents per set, acknowledgements, and
// what a rejected set and unreadable bytes give.
#include "pipeline/process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

using namespace edigate;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const edi::mapping::Partner& retailer() {
  static const edi::mapping::Partner partner = [] {
    std::vector<edi::mapping::Issue> issues;
    auto p = edi::mapping::load_partner(EDIGATE_SOURCE "/mappings/partners/retailer",
                                        EDIGATE_SOURCE "/mappings/standard", issues);
    REQUIRE(issues.empty());
    return *p;
  }();
  return partner;
}

}  // namespace

TEST_CASE("an 850 file gives one document per set and a 997", "[pipeline]") {
  edi::InMemoryControlNumbers numbers(500);
  gateway::ProcessOptions options;
  options.numbers = &numbers;
  options.message_id = "msg-1";
  options.ack_date = "20261130";
  options.ack_time = "1200";
  const auto r = gateway::process_edi(
      read(EDIGATE_FIXTURES "/edi/canonical/partners/retailer/850-4010-retailer.edi"), retailer(),
      options);
  REQUIRE(r.sets.size() == 2);
  CHECK(r.errors == 0);
  CHECK(r.sets[0].accepted);
  CHECK(r.sets[0].document_type == "purchase_order");
  CHECK(r.sets[0].interchange_control == "000118830");
  const auto doc = nlohmann::json::parse(r.sets[1].json);
  CHECK(doc["order_number"] == "0047712094");
  CHECK(doc["envelope"]["message_id"] == "msg-1");
  REQUIRE(r.acks.size() == 1);
  CHECK(r.acks[0].type == edi::AckType::x997);
  CHECK(r.acks[0].bytes.find("AK5*A~") != std::string::npos);
  CHECK(r.acks[0].control_number == "000000500");
  REQUIRE(r.interchanges.size() == 1);
  CHECK(r.interchanges[0].sender_id == "6111470100");
}

TEST_CASE("a set that breaks a partner rule is rejected, the others still map", "[pipeline]") {
  edi::InMemoryControlNumbers numbers;
  gateway::ProcessOptions options;
  options.numbers = &numbers;
  const auto r = gateway::process_edi(
      read(EDIGATE_FIXTURES
           "/edi/canonical/partners/retailer/850-4010-retailer-line-missing-ref-ia.edi"),
      retailer(), options);
  REQUIRE(r.sets.size() == 1);
  CHECK_FALSE(r.sets[0].accepted);
  CHECK(r.sets[0].json.empty());
  CHECK(r.errors > 0);
  REQUIRE(r.acks.size() == 1);
  CHECK(r.acks[0].bytes.find("AK3*REF*20*PO1*3~") != std::string::npos);
}

TEST_CASE("bytes that are not EDI give problems and no documents", "[pipeline]") {
  edi::InMemoryControlNumbers numbers;
  gateway::ProcessOptions options;
  options.numbers = &numbers;
  const auto r = gateway::process_edi("this is not an interchange", retailer(), options);
  CHECK_FALSE(r.readable());
  CHECK(r.sets.empty());
  CHECK(r.acks.empty());
  REQUIRE_FALSE(r.problems.empty());
  CHECK(r.problems[0].code == edi::ProblemCode::unrecognized_data);
}

TEST_CASE("an interchange too broken to open is reported with its position, beside good ones",
          "[pipeline]") {
  const std::string good =
      read(EDIGATE_FIXTURES "/edi/canonical/partners/retailer/850-4010-retailer.edi");
  // An ISA cut short: the reader cannot open the interchange it starts and skips it.
  const std::string broken = "ISA*00*          *00*          *08*6111470100~\nGS*PO*X~\n";
  gateway::ProcessOptions options;
  options.send_acks = false;
  const auto both = gateway::process_edi(good + broken, retailer(), options);
  CHECK(both.readable());
  CHECK(both.sets.size() == 2);
  const auto is_isa_error = [](const edi::Problem& p) {
    return p.is_error() && p.code == edi::ProblemCode::isa_invalid;
  };
  REQUIRE(std::any_of(both.problems.begin(), both.problems.end(), is_isa_error));
  const auto it = std::find_if(both.problems.begin(), both.problems.end(), is_isa_error);
  CHECK(it->location.line > 1);  // where the broken ISA is, not the file's start
  const auto alone = gateway::process_edi(broken, retailer(), options);
  CHECK_FALSE(alone.readable());
  REQUIRE_FALSE(alone.problems.empty());
  CHECK(std::any_of(alone.problems.begin(), alone.problems.end(), is_isa_error));
}

TEST_CASE("each set names the interchange it came in", "[pipeline]") {
  const std::string one =
      read(EDIGATE_FIXTURES "/edi/canonical/partners/retailer/850-4010-retailer.edi");
  gateway::ProcessOptions options;
  options.send_acks = false;
  const auto r = gateway::process_edi(one + one, retailer(), options);
  REQUIRE(r.interchanges.size() == 2);
  REQUIRE(r.sets.size() == 4);
  CHECK(r.sets[0].interchange == 0);
  CHECK(r.sets[1].interchange == 0);
  CHECK(r.sets[2].interchange == 1);
  CHECK(r.sets[3].interchange == 1);
}

TEST_CASE("party_mismatch: the envelope's sender must be the partner's and its receiver us",
          "[pipeline]") {
  gateway::ExpectedParties expected;
  expected.x12_sender = {"08", "6111470100"};
  expected.x12_receiver = {"ZZ", "BLUERIDGEHW"};
  expected.edifact_sender = {"", "5412345000013"};
  gateway::ProcessedInterchange x12;
  x12.sender_qualifier = "08";
  x12.sender_id = "6111470100";
  x12.receiver_qualifier = "ZZ";
  x12.receiver_id = "BLUERIDGEHW";
  CHECK(gateway::party_mismatch(edi::Standard::x12, x12, expected).empty());
  gateway::ProcessedInterchange other = x12;
  other.sender_qualifier = "01";
  other.sender_id = "081466849";
  CHECK(gateway::party_mismatch(edi::Standard::x12, other, expected) ==
        "interchange sender 01:081466849 is not this partner's (08:6111470100)");
  other = x12;
  other.sender_qualifier = "ZZ";  // the right id under another qualifier is another party
  CHECK(!gateway::party_mismatch(edi::Standard::x12, other, expected).empty());
  other = x12;
  other.receiver_id = "SOMEOTHERCO";
  CHECK(gateway::party_mismatch(edi::Standard::x12, other, expected) ==
        "interchange receiver ZZ:SOMEOTHERCO is not us (ZZ:BLUERIDGEHW)");
  // EDIFACT: a qualifier is compared only when both have one; no receiver expected, none checked.
  gateway::ProcessedInterchange unb;
  unb.sender_qualifier = "14";
  unb.sender_id = "5412345000013";
  unb.receiver_id = "ANYONE";
  CHECK(gateway::party_mismatch(edi::Standard::edifact, unb, expected).empty());
  unb.sender_id = "5412345000099";
  CHECK(gateway::party_mismatch(edi::Standard::edifact, unb, expected) ==
        "interchange sender 14:5412345000099 is not this partner's (5412345000013)");
  // Nothing expected: nothing checked.
  CHECK(gateway::party_mismatch(edi::Standard::x12, other, gateway::ExpectedParties()).empty());
}

TEST_CASE("sets in a group or interchange the ack rejects are not taken", "[pipeline]") {
  const std::string good =
      read(EDIGATE_FIXTURES "/edi/canonical/partners/retailer/850-4010-retailer.edi");
  edi::InMemoryControlNumbers numbers;
  gateway::ProcessOptions options;
  options.numbers = &numbers;
  SECTION("GE01 counts three sets of two: AK9 R, neither set taken") {
    std::string bad = good;
    bad.replace(bad.find("GE*2*"), 5, "GE*3*");
    const auto r = gateway::process_edi(bad, retailer(), options);
    REQUIRE(r.sets.size() == 2);
    for (const auto& set : r.sets) {
      CHECK_FALSE(set.accepted);
      CHECK(set.json.empty());
      CHECK(set.envelope_rejected.rfind("its group 118830 is rejected: ", 0) == 0);
    }
    REQUIRE(r.acks.size() == 1);
    CHECK(r.acks[0].bytes.find("AK9*R*") != std::string::npos);
  }
  SECTION("IEA01 counts two groups of one: TA1 R, neither set taken") {
    std::string bad = good;
    bad.replace(bad.find("IEA*1*"), 6, "IEA*2*");
    const auto r = gateway::process_edi(bad, retailer(), options);
    REQUIRE(r.sets.size() == 2);
    for (const auto& set : r.sets) {
      CHECK_FALSE(set.accepted);
      CHECK(set.envelope_rejected.rfind("its interchange 000118830 is rejected: ", 0) == 0);
    }
    REQUIRE(r.acks.size() == 1);
    CHECK(r.acks[0].bytes.find("*R*021") != std::string::npos);
  }
  SECTION("a good file: both taken") {
    const auto r = gateway::process_edi(good, retailer(), options);
    for (const auto& set : r.sets) {
      CHECK(set.accepted);
      CHECK(set.envelope_rejected.empty());
    }
  }
}
