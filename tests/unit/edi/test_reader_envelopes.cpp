// Envelope structure: trailer counts and control numbers, missing and stray trailers, segments
// outside sets, duplicates, several groups and interchanges, and bytes between interchanges.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "edigate/edi/document.hpp"
#include "edigate/edi/writer.hpp"
#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

// The offset of the n-th (1-based) line of the input.
std::uint64_t line_offset(const std::string& input, int line) {
  std::size_t pos = 0;
  for (int i = 1; i < line; ++i) pos = input.find('\n', pos) + 1;
  return pos;
}

std::string x12(const std::string& body, std::string_view control = "000000001") {
  return make_isa('*', 'U', "00401", control) + "\n" + body;
}

}  // namespace

TEST_CASE("X12 trailer mismatches, stray trailers, outside and duplicate sets",
          "[reader][envelope]") {
  const std::string input = load_fixture("x12/envelope-errors.edi");
  const std::vector<Recorded> events = read_all(input);
  const std::vector<std::string> expected = {"interchange_start ISA",
                                             "group_start GS",
                                             "transaction_start ST",
                                             "segment BEG",
                                             "problem set_segment_count_mismatch",
                                             "transaction_end SE",
                                             "transaction_start ST",
                                             "segment BEG",
                                             "problem set_control_mismatch",
                                             "transaction_end SE",
                                             "problem segment_outside_set",
                                             "transaction_start ST",
                                             "problem set_control_duplicate",
                                             "segment BEG",
                                             "transaction_end SE",
                                             "problem set_trailer_unexpected",
                                             "problem group_count_mismatch",
                                             "problem group_control_mismatch",
                                             "group_end GE",
                                             "problem group_trailer_unexpected",
                                             "problem interchange_count_mismatch",
                                             "problem interchange_control_mismatch",
                                             "interchange_end IEA"};
  REQUIRE(kinds(events) == expected);
  auto line = [&](int n) { return line_offset(input, n); };
  CHECK(same_location(events[4].location, at(line(5) + 3, 5, 5, 3, 1)));
  CHECK(same_location(events[8].location, at(line(8) + 5, 8, 8, 3, 2)));
  CHECK(same_location(events[10].location, at(line(9), 9, 9)));
  CHECK(same_location(events[12].location, at(line(10) + 7, 10, 10, 1, 2)));
  CHECK(same_location(events[15].location, at(line(13), 13, 13)));
  CHECK(same_location(events[16].location, at(line(14) + 3, 14, 14, 0, 1)));
  CHECK(same_location(events[17].location, at(line(14) + 5, 14, 14, 0, 2)));
  CHECK(same_location(events[19].location, at(line(15), 15, 15)));
  CHECK(same_location(events[20].location, at(line(16) + 4, 16, 16, 0, 1)));
  CHECK(same_location(events[21].location, at(line(16) + 6, 16, 16, 0, 2)));
  for (const Recorded& r : events) {
    if (r.kind == EventKind::problem) CHECK(r.severity == Severity::error);
  }
  CHECK(events[20].message.find("2") != std::string::npos);

  // Acknowledgement codes for these problems.
  CHECK(ack_codes(ProblemCode::set_segment_count_mismatch).ak5 == "4");
  CHECK(ack_codes(ProblemCode::set_control_mismatch).ak5 == "3");
  CHECK(ack_codes(ProblemCode::set_control_duplicate).ik5 == "23");
  CHECK(ack_codes(ProblemCode::group_count_mismatch).ak9 == "5");
  CHECK(ack_codes(ProblemCode::group_control_mismatch).ak9 == "4");
  CHECK(ack_codes(ProblemCode::interchange_control_mismatch).ta1 == "001");
  CHECK(ack_codes(ProblemCode::interchange_count_mismatch).ta1 == "021");
  CHECK(ack_codes(ProblemCode::segment_outside_set).ta1 == "024");
}

TEST_CASE("missing trailers are implied and reported", "[reader][envelope]") {
  const std::string input = load_fixture("x12/missing-trailers.edi");
  const std::vector<Recorded> events = read_all(input);
  const std::vector<std::string> expected = {"interchange_start ISA",
                                             "group_start GS",
                                             "transaction_start ST",
                                             "segment BEG",
                                             "problem set_trailer_missing",
                                             "transaction_end implied",
                                             "problem group_trailer_missing",
                                             "group_end implied",
                                             "group_start GS",
                                             "transaction_start ST",
                                             "segment BEG",
                                             "transaction_end SE",
                                             "group_end GE",
                                             "problem interchange_trailer_missing",
                                             "interchange_end implied",
                                             "interchange_start ISA",
                                             "group_start GS",
                                             "transaction_start ST",
                                             "segment BEG",
                                             "problem interchange_trailer_missing",
                                             "problem set_trailer_missing",
                                             "transaction_end implied",
                                             "problem group_trailer_missing",
                                             "group_end implied",
                                             "interchange_end implied"};
  REQUIRE(kinds(events) == expected);
  auto line = [&](int n) { return line_offset(input, n); };
  // The second GS closes the open set and group.
  CHECK(events[4].location.offset == line(5));
  CHECK(events[4].location.line == 5);
  CHECK(events[4].location.segment == 5);
  CHECK(events[6].location.offset == line(5));
  CHECK(events[8].group.control_number == "502");
  for (std::size_t i : {5, 7, 14, 21, 23, 24}) {
    CAPTURE(i);
    CHECK(events[i].implied);
    CHECK(events[i].text.empty());
  }
  CHECK_FALSE(events[11].implied);
  CHECK_FALSE(events[12].implied);
  // The next ISA ends the first interchange: located where that ISA starts.
  CHECK(same_location(events[13].location, at(line(10), 10, 9)));
  CHECK(same_location(events[14].location, at(line(10), 10, 9)));
  CHECK(events[15].interchange.control_number == "000000502");
  CHECK(events[15].location.segment == 10);
  // The end of the input ends everything that is open.
  CHECK(same_location(events[19].location, at(input.size(), 14, 13, 2)));
  CHECK(same_location(events[24].location, at(input.size(), 14, 13)));
  CHECK(ack_codes(ProblemCode::interchange_trailer_missing).ta1 == "023");
  CHECK(ack_codes(ProblemCode::group_trailer_missing).ak9 == "3");
  CHECK(ack_codes(ProblemCode::set_trailer_missing).ak5 == "2");
}

TEST_CASE("a stray IEA or UNZ outside an interchange", "[reader][envelope]") {
  const std::string basic = load_fixture("x12/850-4010-basic.edi");
  SECTION("IEA") {
    const std::string input = basic + "IEA*1*000000101~\n" + basic;
    const std::vector<Recorded> events = read_all(input);
    const Recorded* p = find_problem(events, ProblemCode::interchange_trailer_unexpected);
    REQUIRE(p != nullptr);
    CHECK(problem_codes(events) ==
          std::vector<ProblemCode>{ProblemCode::interchange_trailer_unexpected});
    CHECK(same_location(p->location, at(basic.size(), 18, 17)));
    CHECK(find_event(events, EventKind::interchange_start, 1)->location.line == 19);
    CHECK(ack_codes(ProblemCode::interchange_trailer_unexpected).ta1 == "024");
  }
  SECTION("UNZ") {
    const std::string input = basic + "UNZ+1+5'";
    const std::vector<Recorded> events = read_all(input);
    CHECK(problem_codes(events) ==
          std::vector<ProblemCode>{ProblemCode::interchange_trailer_unexpected});
    CHECK(events.back().location.offset == basic.size());
  }
}

TEST_CASE("garbage between interchanges is skipped and reported", "[reader][envelope]") {
  const std::string first = load_fixture("x12/850-4010-basic.edi");
  const std::string second = load_fixture("edifact/orders-d96a-no-una.edi");
  const std::string input = first + "\r\n  -- next file --\r\n" + second;
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::unrecognized_data});
  const Recorded* p = find_problem(events, ProblemCode::unrecognized_data);
  // Blank lines and spaces between interchanges are not garbage.
  CHECK(same_location(p->location, at(first.size() + 4, 19, 17)));
  CHECK(p->message.find("17 bytes") != std::string::npos);
  const Recorded* unb = find_tag(events, "UNB");
  REQUIRE(unb != nullptr);
  CHECK(same_location(unb->location, at(input.find("UNB"), 20, 18)));
  CHECK(scope_of(ProblemCode::unrecognized_data) == Scope::input);

  SECTION("garbage before the first interchange and at the end") {
    const std::vector<Recorded> more = read_all("hello\n" + first + "\x01\x02 trailing");
    CHECK(problem_codes(more) ==
          std::vector<ProblemCode>{ProblemCode::unrecognized_data, ProblemCode::unrecognized_data});
    CHECK(same_location(more[0].location, at(0, 1, 0)));
    CHECK(same_location(more.back().location, at(6 + first.size(), 19, 17)));
  }
}

TEST_CASE("several groups with different versions in one interchange", "[reader][envelope]") {
  const std::vector<Recorded> events = read_all(load_fixture("x12/multi-group-versions.edi"));
  CHECK(problem_codes(events).empty());
  std::vector<std::string> groups;
  std::vector<std::string> sets;
  for (const Recorded& r : events) {
    if (r.kind == EventKind::group_start) {
      groups.push_back(r.group.functional_id + " " + r.group.control_number + " " +
                       r.group.version);
    }
    if (r.kind == EventKind::transaction_start) {
      sets.push_back(r.transaction.id + " " + r.transaction.control_number + " " +
                     r.transaction.version);
    }
  }
  CHECK(groups == std::vector<std::string>{"PO 201 004010", "PO 202 005010", "SH 203 005010"});
  CHECK(sets == std::vector<std::string>{"850 2001 004010", "850 2002 004010",
                                         "850 2003 005010X001", "856 2004 005010"});
  CHECK(events.front().interchange.version == "00501");
  CHECK(events.front().interchange.delimiters.repetition == '^');
  CHECK(events.back().tag == "IEA");
}

TEST_CASE("several interchanges with different delimiters in one file", "[reader][envelope]") {
  const std::string input = load_fixture("mixed-x12-edifact.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events).empty());
  std::vector<const Recorded*> starts;
  for (const Recorded& r : events) {
    if (r.kind == EventKind::interchange_start) starts.push_back(&r);
  }
  REQUIRE(starts.size() == 3);
  const InterchangeHeader& a = starts[0]->interchange;
  const InterchangeHeader& b = starts[1]->interchange;
  const InterchangeHeader& c = starts[2]->interchange;
  CHECK(a.standard == Standard::x12);
  CHECK(a.delimiters.element == '*');
  CHECK(a.delimiters.segment == '~');
  CHECK(a.control_number == "000000601");
  CHECK(b.standard == Standard::edifact);
  CHECK(b.has_service_string);
  CHECK(b.delimiters.element == '+');
  CHECK(b.control_number == "00000000000602");
  CHECK(c.standard == Standard::x12);
  CHECK(c.delimiters.element == '|');
  CHECK(c.delimiters.segment == '\n');
  CHECK(c.delimiters.component == '\\');
  CHECK(c.delimiters.repetition == '^');
  CHECK(c.control_number == "000000603");
  CHECK(same_location(starts[1]->location, at(input.find("UNB"), 10, 10)));
  CHECK(same_location(starts[2]->location, at(input.find("ISA|"), 11, 16)));
  CHECK(find_event(events, EventKind::interchange_end, 2)->location.line == 19);
  std::size_t ends = 0;
  for (const Recorded& r : events) {
    if (r.kind == EventKind::interchange_end) {
      ++ends;
      CHECK_FALSE(r.implied);
    }
  }
  CHECK(ends == 3);
}

TEST_CASE("X12 group and set header checks", "[reader][envelope]") {
  SECTION("ST outside a group") {
    const std::vector<Recorded> events = read_all(x12("ST*850*0001~SE*2*0001~IEA*0*000000001~"));
    const std::vector<std::string> expected = {
        "interchange_start ISA", "problem invalid_interchange_content", "transaction_start ST",
        "transaction_end SE", "interchange_end IEA"};
    CHECK(kinds(events) == expected);
    CHECK(same_location(events[1].location, at(107, 2, 2)));
  }
  SECTION("invalid GS fields") {
    const std::vector<Recorded> events =
        read_all(x12("GS*P1*SENDER*RECEIVER*20241131*2500*ABC*Z*0040~ST*85*12~SE*2*12~GE*1*ABC~"
                     "IEA*1*000000001~"));
    const std::vector<std::string> expected = {"interchange_start ISA",
                                               "group_start GS",
                                               "problem group_header_invalid",
                                               "problem group_header_invalid",
                                               "problem group_header_invalid",
                                               "problem group_control_invalid",
                                               "problem group_header_invalid",
                                               "problem group_version_unsupported",
                                               "transaction_start ST",
                                               "problem set_id_invalid",
                                               "problem set_control_invalid",
                                               "transaction_end SE",
                                               "group_end GE",
                                               "interchange_end IEA"};
    CHECK(kinds(events) == expected);
    const std::vector<std::uint32_t> elements = {1, 4, 5, 6, 7, 8};
    for (std::size_t i = 0; i < elements.size(); ++i) {
      CHECK(events[2 + i].location.element == elements[i]);
      CHECK(events[2 + i].location.segment == 2);
    }
    CHECK(events[9].location.element == 1);
    CHECK(events[10].location.element == 2);
    CHECK(events[10].location.segment_in_set == 1);
  }
  SECTION("duplicate group control numbers; leading zeros match") {
    const std::vector<Recorded> events =
        read_all(x12("GS*PO*S*R*20241105*1432*0101*X*004010~ST*850*0001~SE*2*1~GE*1*101~"
                     "GS*PO*S*R*20241105*1432*101*X*004010~GE*0*101~IEA*2*1~"));
    CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::group_control_duplicate});
    const Recorded* p = find_problem(events, ProblemCode::group_control_duplicate);
    REQUIRE(p != nullptr);
    CHECK(p->location.segment == 6);
    CHECK(p->location.element == 6);
    CHECK(ack_codes(ProblemCode::group_control_duplicate).ak9 == "19");
  }
  SECTION("a duplicate after control numbers that counted 1, 2, 3 (leading zeros match)") {
    const std::vector<Recorded> events = read_all(
        x12("GS*PO*S*R*20241105*1432*1*X*004010~ST*850*0001~SE*2*0001~ST*850*0002~SE*2*0002~"
            "ST*850*0003~SE*2*0003~ST*850*00002~SE*2*00002~ST*850*AB07~SE*2*AB07~"
            "ST*850*0004~SE*2*0004~ST*850*AB07~SE*2*AB07~GE*7*1~IEA*1*000000001~"));
    CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::set_control_duplicate,
                                                            ProblemCode::set_control_duplicate});
    const Recorded* p = find_problem(events, ProblemCode::set_control_duplicate);
    REQUIRE(p != nullptr);
    CHECK(p->location.segment == 9);
    CHECK(p->location.element == 2);
  }
  SECTION("control numbers that skip one are not duplicates") {
    const std::vector<Recorded> events =
        read_all(x12("GS*PO*S*R*20241105*1432*1*X*004010~ST*850*0002~SE*2*0002~"
                     "ST*850*0001~SE*2*0001~ST*850*0003~SE*2*0003~GE*3*1~IEA*1*000000001~"));
    CHECK(problem_codes(events).empty());
  }
  SECTION("the same set control number in two groups is not a duplicate") {
    const std::vector<Recorded> events =
        read_all(x12("GS*PO*S*R*20241105*1432*1*X*004010~ST*850*0001~SE*2*0001~GE*1*1~"
                     "GS*PO*S*R*20241105*1432*2*X*004010~ST*850*0001~SE*2*0001~GE*1*2~"
                     "IEA*2*000000001~"));
    CHECK(problem_codes(events).empty());
  }
}

TEST_CASE("EDIFACT trailer mismatches with groups", "[reader][envelope]") {
  const std::string input = load_fixture("edifact/envelope-errors.edi");
  const std::vector<Recorded> events = read_all(input);
  const std::vector<std::string> expected = {"interchange_start UNB",
                                             "group_start UNG",
                                             "transaction_start UNH",
                                             "segment BGM",
                                             "problem set_segment_count_mismatch",
                                             "transaction_end UNT",
                                             "transaction_start UNH",
                                             "segment BGM",
                                             "problem set_control_mismatch",
                                             "transaction_end UNT",
                                             "problem group_count_mismatch",
                                             "problem group_control_mismatch",
                                             "group_end UNE",
                                             "problem interchange_count_mismatch",
                                             "problem interchange_control_mismatch",
                                             "interchange_end UNZ"};
  REQUIRE(kinds(events) == expected);
  const GroupHeader& g = events[1].group;
  CHECK(g.functional_id == "ORDERS");
  CHECK(g.sender_id == "5412345000013");
  CHECK(g.control_number == "77");
  CHECK(g.agency == "UN");
  CHECK(g.version == "D96A");
  CHECK(g.date == "241105");
  CHECK(g.time == "1432");
  auto line = [&](int n) { return line_offset(input, n); };
  CHECK(same_location(events[4].location, at(line(5) + 4, 5, 5, 3, 1)));
  CHECK(same_location(events[8].location, at(line(8) + 6, 8, 8, 3, 2)));
  CHECK(same_location(events[10].location, at(line(9) + 4, 9, 9, 0, 1)));
  CHECK(same_location(events[11].location, at(line(9) + 6, 9, 9, 0, 2)));
  CHECK(same_location(events[13].location, at(line(10) + 4, 10, 10, 0, 1)));
  CHECK(same_location(events[14].location, at(line(10) + 6, 10, 10, 0, 2)));
  CHECK(ack_codes(ProblemCode::interchange_control_mismatch).contrl == "28");
  CHECK(ack_codes(ProblemCode::interchange_count_mismatch).contrl == "29");
}

TEST_CASE("EDIFACT: UNZ counts messages without groups, mixing is reported", "[reader][envelope]") {
  const std::string unb = "UNB+UNOC:3+S+R+241105:1432+9'";
  SECTION("messages without groups") {
    const std::vector<Recorded> events =
        read_all(unb + "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNZ+2+9'");
    CHECK(problem_codes(events).empty());
    const std::vector<Recorded> wrong = read_all(unb + "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+3+9'");
    CHECK(problem_codes(wrong) ==
          std::vector<ProblemCode>{ProblemCode::interchange_count_mismatch});
  }
  SECTION("duplicate message reference in an interchange") {
    const std::vector<Recorded> events =
        read_all(unb + "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+2+9'");
    CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::set_control_duplicate});
    const Recorded* p = find_problem(events, ProblemCode::set_control_duplicate);
    CHECK(same_location(p->location, at(63, 1, 4, 1, 1)));
  }
  SECTION("groups and messages outside groups") {
    const std::string input = unb + "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNG+ORDERS+S+R+241105:1432+5'" +
                              "UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNE+1+5'UNZ+1+9'";
    const std::vector<Recorded> events = read_all(input);
    CHECK(problem_codes(events) ==
          std::vector<ProblemCode>{ProblemCode::mixed_groups_and_messages});
    const Recorded* p = find_problem(events, ProblemCode::mixed_groups_and_messages);
    CHECK(p->location.offset == input.find("UNG"));
    CHECK(p->location.segment == 4);
  }
  SECTION("a missing UNT before the next UNH") {
    const std::vector<Recorded> events =
        read_all(unb + "UNH+1+ORDERS:D:96A:UN'BGM+220'UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNZ+2+9'");
    const std::vector<std::string> expected = {
        "interchange_start UNB",       "transaction_start UNH",   "segment BGM",
        "problem set_trailer_missing", "transaction_end implied", "transaction_start UNH",
        "transaction_end UNT",         "interchange_end UNZ"};
    CHECK(kinds(events) == expected);
  }
  SECTION("stray UNT and UNE, and a segment outside a message") {
    const std::vector<Recorded> events = read_all(unb + "BGM+220'UNT+2+1'UNE+1+1'UNZ+0+9'");
    CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::segment_outside_set,
                                                            ProblemCode::set_trailer_unexpected,
                                                            ProblemCode::group_trailer_unexpected});
    CHECK(find_problem(events, ProblemCode::segment_outside_set)->message.find("UNH/UNT") !=
          std::string::npos);
  }
}

TEST_CASE("a delimiter inside an envelope field is an error, not data", "[reader][envelope]") {
  SECTION("X12: the segment terminator inside ISA02 (read by position, it does not end the ISA)") {
    std::string input =
        x12("GS*PO*S*R*20241105*1432*1*X*004010~ST*850*0001~SE*2*0001~GE*1*1~"
            "IEA*1*000000001~");
    REQUIRE(input.substr(0, 7) == "ISA*00*");
    input.replace(7, 10, "AUTH~INFO ");  // ISA02 is ten characters wide
    const std::vector<Recorded> events = read_all(input);
    const Recorded* p = find_problem(events, ProblemCode::invalid_auth_info);
    REQUIRE(p != nullptr);
    CHECK(p->location.offset == 7);
    CHECK(p->location.element == 2);
    CHECK(p->message.find("holds a delimiter") != std::string::npos);
    // The rest of the interchange still reads.
    CHECK(find_tag(events, "ST") != nullptr);
  }
  SECTION("X12: the component separator inside ISA06") {
    std::string input = x12("IEA*0*000000001~");
    const std::size_t isa06 = input.find("SENDER");  // make_isa's ISA06
    REQUIRE(isa06 != std::string::npos);
    input[isa06] = input[104];  // ISA16
    CHECK(find_problem(read_all(input), ProblemCode::invalid_sender_id) != nullptr);
  }
  SECTION("EDIFACT syntax 4: a repetition separator in UNH S009") {
    const std::string input =
        "UNA:+.?*'UNB+UNOC:4+S:14+R:14+241105:1432+9'UNH+1+INV*IC:D:01B:UN'UNT+2+1'UNZ+1+9'";
    const std::vector<Recorded> events = read_all(input);
    const Recorded* p = find_problem(events, ProblemCode::set_id_invalid);
    REQUIRE(p != nullptr);
    CHECK(p->location.offset == input.find("INV*"));
    CHECK(p->message.find("repeats") != std::string::npos);
  }
  SECTION("EDIFACT: a released repetition separator is data") {
    const std::string input =
        "UNA:+.?*'UNB+UNOC:4+S?*X:14+R:14+241105:1432+9'UNH+1+ORDERS:D:96A:"
        "UN'UNT+2+1'UNZ+1+9'";
    CHECK(find_problem(read_all(input), ProblemCode::unb_invalid) == nullptr);
  }
}

TEST_CASE("EDIFACT envelope fields are read like any element: a release escapes what follows",
          "[reader][envelope]") {
  // Found by fuzzing: UNB and UNG fields other than the ids kept the release character, so a
  // qualifier "1?x4" read as "1?x4", was written back as "1??x4" and read again as "1??x4".
  const std::string input =
      "UNB+UNOA:2+AB?+C:1?x4+REC?:V:1??4+241105:1432+1'"
      "UNG+ORDERS+SE?xN:14+RE?+C:14+241105:1432+7+UN+D:96A'"
      "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'UNE+1+7'UNZ+1+1'";
  const Document first = read_document(input);
  REQUIRE(first.interchanges.size() == 1);
  const Interchange& ic = first.interchanges[0];
  CHECK(ic.sender_id == "AB+C");
  CHECK(ic.sender_qualifier == "1x4");
  CHECK(ic.receiver_id == "REC:V");
  CHECK(ic.receiver_qualifier == "1?4");
  REQUIRE(ic.groups.size() == 1);
  CHECK(ic.groups[0].sender_id == "SExN");
  CHECK(ic.groups[0].receiver_id == "RE+C");
  // The reader's own headers (what validation and acknowledgements use) say the same.
  std::vector<std::string> headers;
  Reader reader(input);
  for (Event e = reader.next(); e.kind != EventKind::end_of_input; e = reader.next()) {
    if (e.kind == EventKind::interchange_start) {
      headers.push_back(reader.interchange().sender_qualifier);
      headers.push_back(reader.interchange().receiver_qualifier);
    } else if (e.kind == EventKind::group_start) {
      headers.push_back(reader.group().sender_id);
      headers.push_back(reader.group().receiver_id);
    }
  }
  CHECK(headers == std::vector<std::string>{"1x4", "1?4", "SExN", "RE+C"});
  // Written back (escaped again) and read once more: the same tree.
  const WriteResult written = write_interchange(ic);
  REQUIRE(written.ok());
  const Document second = read_document(written.bytes);
  REQUIRE(second.interchanges.size() == 1);
  CHECK(second.interchanges[0] == ic);
}
