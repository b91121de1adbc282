// Limits on untrusted sizes: each is reported with its location and reading carries on.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

// One 850 with the given body between ST and SE; SE's count is computed.
std::string x12_set(const std::vector<std::string>& body) {
  std::string out = make_isa() + "\nGS*PO*S*R*20241105*1432*1*X*004010~ST*850*0001~";
  for (const std::string& s : body) out += s + "~";
  out += "SE*" + std::to_string(body.size() + 2) + "*0001~GE*1*1~IEA*1*000000001~";
  return out;
}

ReaderOptions with(Limits limits) {
  ReaderOptions options;
  options.limits = limits;
  return options;
}

}  // namespace

TEST_CASE("segment_too_long: the segment is skipped and counted", "[reader][limits]") {
  Limits limits;
  limits.max_segment_length = 50;
  const std::string n3 = "N3*" + std::string(47, 'A');  // exactly 50 bytes: allowed
  const std::string long_n3 = "N3*" + std::string(48, 'B');
  const std::string input = x12_set({"BEG*00*SA*PO-1**20241105", n3, long_n3, "REF*DP*038"});
  const std::vector<Recorded> events = read_all(input, with(limits));
  const std::vector<std::string> expected = {
      "interchange_start ISA", "group_start GS",     "transaction_start ST",
      "segment BEG",           "segment N3",         "problem segment_too_long",
      "segment REF",           "transaction_end SE", "group_end GE",
      "interchange_end IEA"};
  CHECK(kinds(events) == expected);
  CHECK(events[4].text == n3);
  CHECK(same_location(events[5].location, at(input.find(long_n3), 2, 6, 4)));
  CHECK(events[5].message.find("50") != std::string::npos);
  CHECK(events[6].location.segment_in_set == 5);
  CHECK(ack_codes(ProblemCode::segment_too_long).ak3 == "8");
  CHECK(name_of(ProblemCode::segment_too_long) == "segment_too_long");
}

TEST_CASE("segment_too_long with line breaks inside the skipped segment", "[reader][limits]") {
  Limits limits;
  limits.max_segment_length = 40;
  const std::string input = x12_set(
      {"BEG*00*SA*PO-1**20241105",
       "FTX*" + std::string(30, 'x') + "\n" + std::string(30, 'y') + "\n" + "z", "REF*DP*038"});
  const std::vector<Recorded> events = read_all(input, with(limits));
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::segment_too_long});
  const Recorded* ref = find_tag(events, "REF");
  REQUIRE(ref != nullptr);
  CHECK(ref->location.line == 4);
  CHECK(ref->location.offset == input.find("REF"));
}

TEST_CASE("too_many_elements_limit", "[reader][limits]") {
  Limits limits;
  limits.max_elements_per_segment = 8;
  const std::string po1 = "PO1*1*2*EA*1**UP*123*VP*W*X";  // 10 elements
  const std::string input = x12_set({"BEG*00*SA*PO-1**20241105", po1, "REF*DP*038"});
  Reader reader(input, with(limits));
  std::vector<std::string> seen;
  Event event;
  while ((event = reader.next()).kind != EventKind::end_of_input) {
    if (event.kind == EventKind::problem) {
      const Problem& p = reader.problem();
      seen.push_back(std::string(name_of(p.code)));
      CHECK(p.code == ProblemCode::too_many_elements_limit);
      CHECK(same_location(p.location, at(input.find(po1) + 21, 2, 5, 3, 8)));
      CHECK(reader.segment().tag() == "PO1");
      CHECK(reader.segment().size() == 8);
      CHECK(reader.segment()[7] == "123");
      CHECK(reader.segment()[8] == "VP");  // the ignored rest does not run into the last one
    }
  }
  CHECK(seen == std::vector<std::string>{"too_many_elements_limit"});
  // The ISA is read whatever the limit.
  limits.max_elements_per_segment = 2;
  const std::vector<Recorded> events = read_all(input, with(limits));
  CHECK(events[0].interchange.control_number == "000000001");
  CHECK(events[0].text.size() == 105);
  CHECK(find_problem(events, ProblemCode::too_many_elements_limit)->location.segment == 2);
  CHECK(ack_codes(ProblemCode::too_many_elements_limit).ak4 == "3");
}

TEST_CASE("released separators do not count as elements", "[reader][limits]") {
  ReaderOptions options;
  options.limits.max_elements_per_segment = 5;  // UNB has 5
  options.limits.max_element_length = 31;
  std::string value;
  for (int i = 0; i < 10; ++i) value += "a?+";
  value += "b";  // one element of 31 bytes
  const std::string input =
      "UNB+UNOC:3+S+R+241105:1432+9'UNH+1+ORDERS:D:96A:UN'FTX+" + value + "'UNT+3+1'UNZ+1+9'";
  const std::vector<Recorded> events = read_all(input, options);
  CHECK(problem_codes(events).empty());
  CHECK(find_tag(events, "FTX")->text == "FTX+" + value);
  options.limits.max_element_length = 30;
  CHECK(problem_codes(read_all(input, options)) ==
        std::vector<ProblemCode>{ProblemCode::element_too_long_limit});
}

TEST_CASE("element_too_long_limit reports each long element", "[reader][limits]") {
  Limits limits;
  limits.max_element_length = 10;
  const std::string n3 = "N3*" + std::string(11, 'A') + "*short*" + std::string(12, 'C');
  const std::string input = x12_set({n3, "REF*DP*0123456789"});
  const std::vector<Recorded> events = read_all(input, with(limits));
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::element_too_long_limit,
                                                          ProblemCode::element_too_long_limit});
  const std::size_t at_n3 = input.find(n3);
  std::vector<Location> locations;
  for (const Recorded& r : events) {
    if (r.kind == EventKind::problem) locations.push_back(r.location);
  }
  CHECK(same_location(locations[0], at(at_n3 + 3, 2, 4, 2, 1)));
  CHECK(same_location(locations[1], at(at_n3 + 21, 2, 4, 2, 3)));
  // The problems come before the segment event, which is still delivered.
  CHECK(find_tag(events, "N3")->text == n3);
  CHECK(scope_of(ProblemCode::element_too_long_limit) == Scope::element);
}

TEST_CASE("too_many_segments_in_set is reported once", "[reader][limits]") {
  Limits limits;
  limits.max_segments_per_set = 3;
  const std::string input = x12_set({"BEG*00*SA*PO-1**20241105", "N3*A", "REF*DP*038", "N4*B"});
  const std::vector<Recorded> events = read_all(input, with(limits));
  const std::vector<std::string> expected = {
      "interchange_start ISA", "group_start GS", "transaction_start ST",
      "segment BEG",           "segment N3",     "problem too_many_segments_in_set",
      "transaction_end SE",    "group_end GE",   "interchange_end IEA"};
  CHECK(kinds(events) == expected);
  CHECK(same_location(events[5].location, at(input.find("REF"), 2, 6, 4)));
  // The trailer still counts every segment: no count mismatch.
  CHECK(events[6].location.segment_in_set == 6);
}

TEST_CASE("max_problems_per_set caps the problems of one set", "[reader][limits]") {
  ReaderOptions options;
  options.limits.max_element_length = 9;
  options.limits.max_problems_per_set = 3;
  const std::string ten = std::string(10, 'x');
  const std::string input = x12_set({"N3*" + ten + "*" + ten + "*" + ten + "*" + ten, "N4*" + ten});
  const std::vector<Recorded> events = read_all(input, options);
  CHECK(problem_codes(events) == std::vector<ProblemCode>(3, ProblemCode::element_too_long_limit));
  CHECK(find_tag(events, "N4") != nullptr);
  options.limits.max_problems_per_set = 0;
  CHECK(problem_codes(read_all(input, options)).empty());
  // The count starts again in the next set.
  options.limits.max_problems_per_set = 1;
  const std::string two = x12_set({"N3*" + ten + "*" + ten}) + x12_set({"N3*" + ten + "*" + ten});
  CHECK(problem_codes(read_all(two, options)).size() == 2);
}
