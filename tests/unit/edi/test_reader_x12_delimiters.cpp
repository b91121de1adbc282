// X12: delimiters learned from the ISA, line endings, BOM, nonstandard ISAs and ISA field checks.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

const std::vector<std::string> kBasic850 = {"interchange_start ISA",
                                            "group_start GS",
                                            "transaction_start ST",
                                            "segment BEG",
                                            "segment CUR",
                                            "segment REF",
                                            "segment DTM",
                                            "segment N1",
                                            "segment N3",
                                            "segment N4",
                                            "segment PO1",
                                            "segment PID",
                                            "segment PO1",
                                            "segment CTT",
                                            "transaction_end SE",
                                            "group_end GE",
                                            "interchange_end IEA"};

// The segment events only (the ones with a tag), as raw text.
std::vector<std::string> segment_texts(const std::vector<Recorded>& events) {
  std::vector<std::string> out;
  for (const Recorded& r : events) {
    if (!r.tag.empty()) out.push_back(r.text);
  }
  return out;
}

std::vector<std::uint64_t> segment_lines(const std::vector<Recorded>& events) {
  std::vector<std::uint64_t> out;
  for (const Recorded& r : events) {
    if (!r.tag.empty()) out.push_back(r.location.line);
  }
  return out;
}

std::vector<std::uint64_t> one_to(std::uint64_t n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// The reference reading of the basic 850 (LF after each terminator).
const std::vector<Recorded>& basic_events() {
  static const std::vector<Recorded> kEvents = read_all(load_fixture("x12/850-4010-basic.edi"));
  return kEvents;
}

// Replaces an ISA field (1-based) of a standard ISA by a value of the same width.
std::string isa_with(std::size_t field, std::string_view value, std::string isa = make_isa()) {
  std::size_t pos = 3;
  for (std::size_t f = 1; f < field; ++f) pos = isa.find('*', pos + 1);
  isa.replace(pos + 1, value.size(), value);
  return isa;
}

std::string after_isa(std::string_view control = "000000001") {
  return "GS*PO*SENDER*RECEIVER*20241105*1432*1*X*004010~ST*850*0001~BEG*00*SA*1**20241105~"
         "SE*3*0001~GE*1*1~IEA*1*" +
         std::string(control) + "~";
}

}  // namespace

TEST_CASE("basic X12 850: events, delimiters and header values", "[reader][x12]") {
  const std::vector<Recorded>& events = basic_events();
  CHECK(kinds(events) == kBasic850);

  const Recorded& isa = events.front();
  const InterchangeHeader& h = isa.interchange;
  CHECK(h.standard == Standard::x12);
  CHECK(h.delimiters.element == '*');
  CHECK(h.delimiters.component == '>');
  CHECK(h.delimiters.segment == '~');
  CHECK(h.delimiters.repetition == 0);  // ISA11 is "U" before 00402
  CHECK(h.delimiters.release == 0);
  CHECK(h.sender_qualifier == "ZZ");
  CHECK(h.sender_id == "ACMERETAIL");
  CHECK(h.receiver_qualifier == "ZZ");
  CHECK(h.receiver_id == "EDIGATEDEMO");
  CHECK(h.date == "241105");
  CHECK(h.time == "1432");
  CHECK(h.version == "00401");
  CHECK(h.control_number == "000000101");
  CHECK_FALSE(h.ack_requested);
  CHECK(h.test);
  CHECK(h.syntax_id.empty());
  CHECK_FALSE(h.has_service_string);
  CHECK(same_location(h.location, at(0, 1, 1)));
  CHECK(isa.text.size() == 105);

  const GroupHeader& g = events[1].group;
  CHECK(g.functional_id == "PO");
  CHECK(g.sender_id == "ACMERETAIL");
  CHECK(g.receiver_id == "EDIGATEDEMO");
  CHECK(g.date == "20241105");
  CHECK(g.time == "1432");
  CHECK(g.control_number == "101");
  CHECK(g.agency == "X");
  CHECK(g.version == "004010");
  CHECK(same_location(g.location, at(107, 2, 2)));

  const TransactionHeader& t = events[2].transaction;
  CHECK(t.id == "850");
  CHECK(t.control_number == "0001");
  CHECK(t.version == "004010");  // no ST03: the group's GS08
  CHECK(same_location(t.location, at(164, 3, 3, 1)));

  CHECK(events[3].text == "BEG*00*SA*PO-45001**20241105");
  CHECK(segment_lines(events) == one_to(17));
}

TEST_CASE("BOM and CRLF: same events, offsets shifted by the BOM", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-bom-crlf.edi");
  REQUIRE(input.compare(0, 3, "\xEF\xBB\xBF") == 0);
  const std::vector<Recorded> events = read_all(input);
  CHECK(kinds(events) == kBasic850);
  CHECK(problem_codes(events).empty());
  CHECK(same_location(events[0].location, at(3, 1, 1)));    // BOM counted in offsets
  CHECK(same_location(events[1].location, at(111, 2, 2)));  // 3 + 106 + "\r\n"
  CHECK(segment_lines(events) == one_to(17));
  // Segment text never includes the CR or LF.
  std::vector<std::string> texts = segment_texts(events);
  for (const std::string& text : texts) {
    CHECK(text.find_first_of("\r\n") == std::string::npos);
  }
  // Apart from the control number, the segments are those of the LF file.
  std::vector<std::string> expected = segment_texts(basic_events());
  texts.front() = expected.front() = "";
  texts.back() = expected.back() = "";
  CHECK(texts == expected);
}

TEST_CASE("a whole interchange on a single line", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-single-line.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(kinds(events) == kBasic850);
  CHECK(problem_codes(events).empty());
  CHECK(segment_lines(events) == std::vector<std::uint64_t>(17, 1));
  CHECK(same_location(events[1].location, at(106, 1, 2)));
  CHECK(same_location(events[3].location, at(106 + 56 + 12, 1, 4, 2)));
}

TEST_CASE("newline as the segment terminator", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-newline-terminator.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(kinds(events) == kBasic850);
  CHECK(problem_codes(events).empty());
  CHECK(events[0].interchange.delimiters.segment == '\n');
  CHECK(segment_lines(events) == one_to(17));
  CHECK(segment_texts(events)[1] == "GS*PO*ACMERETAIL*EDIGATEDEMO*20241105*1432*101*X*004010");
}

TEST_CASE("a lone CR as the segment terminator counts as a line break", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-cr-terminator.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(kinds(events) == kBasic850);
  CHECK(problem_codes(events).empty());
  CHECK(events[0].interchange.delimiters.segment == '\r');
  CHECK(same_location(events[1].location, at(106, 2, 2)));
  CHECK(segment_lines(events) == one_to(17));
}

TEST_CASE("CRLF as the segment terminator", "[reader][x12]") {
  std::string input = load_fixture("x12/850-4010-newline-terminator.edi");
  std::string crlf;
  for (char c : input) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const std::vector<Recorded> events = read_all(crlf);
  CHECK(kinds(events) == kBasic850);
  CHECK(problem_codes(events).empty());
  CHECK(events[0].interchange.delimiters.segment == '\r');
  CHECK(same_location(events[1].location, at(107, 2, 2)));
  CHECK(segment_lines(events) == one_to(17));
}

TEST_CASE("an interchange wrapped at 80 columns", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-wrapped-80.edi");
  const std::vector<Recorded> events = read_all(input);
  std::vector<std::string> expected = kBasic850;
  expected.insert(expected.begin() + 1, "problem isa_nonstandard");
  REQUIRE(kinds(events) == expected);

  const Recorded& warning = events[1];
  CHECK(warning.severity == Severity::warning);
  CHECK(warning.message.find("wrapped") != std::string::npos);
  CHECK(same_location(warning.location, at(0, 1, 1)));

  // Line breaks inside fields and segments are not data.
  const InterchangeHeader& h = events[0].interchange;
  CHECK(h.time == "1432");  // "143\r\n2"
  CHECK(h.version == "00401");
  CHECK(h.control_number == "000000106");
  CHECK(h.delimiters.segment == '~');
  CHECK(h.delimiters.component == '>');
  CHECK(events[2].group.version == "004010");  // "00401\r\n0"
  CHECK(find_tag(events, "DTM")->text == "DTM*002*20241120");
  std::vector<std::string> texts = segment_texts(events);
  std::vector<std::string> reference = segment_texts(basic_events());
  REQUIRE(texts.size() == reference.size());
  for (std::size_t i = 1; i + 1 < texts.size(); ++i) CHECK(texts[i] == reference[i]);

  // Locations point at the first byte of each segment in the file.
  const Recorded* gs = find_tag(events, "GS");
  CHECK(same_location(gs->location, at(82 + 26, 2, 2)));
  const Recorded* dtm = find_tag(events, "DTM");
  CHECK(dtm->location.line == 3);
  CHECK(input.compare(dtm->location.offset, 4, "DTM*") == 0);
  const Recorded* n1 = find_tag(events, "N1");  // after "2024112\r\n0~"
  CHECK(n1->location.line == 4);
  CHECK(input.compare(n1->location.offset, 3, "N1*") == 0);
  CHECK(find_tag(events, "IEA")->location.line == 6);
}

TEST_CASE("an ISA with short fields is read with a warning", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-short-isa.edi");
  const std::vector<Recorded> events = read_all(input);
  std::vector<std::string> expected = kBasic850;
  expected.insert(expected.begin() + 1, "problem isa_nonstandard");
  CHECK(kinds(events) == expected);
  const InterchangeHeader& h = events[0].interchange;
  CHECK(h.sender_id == "ACMERETAIL");
  CHECK(h.receiver_id == "EDIGATEDEMO");
  CHECK(h.control_number == "000000107");
  CHECK(h.delimiters.segment == '~');
  CHECK(events[1].severity == Severity::warning);
  CHECK(events[1].message.find("wrapped") == std::string::npos);
  const std::size_t gs = input.find("GS*");
  CHECK(same_location(events[2].location, at(gs, 2, 2)));
}

TEST_CASE("an ISA with padded fields is only a warning", "[reader][x12]") {
  // ISA06 and ISA08 padded to 18 characters, ISA02 to 12: 114 bytes.
  std::string isa = make_isa();
  isa.replace(isa.find("SENDER"), 15, "SENDER            ");
  isa.replace(isa.find("RECEIVER"), 15, "RECEIVER          ");
  isa.replace(7, 10, "            ");
  REQUIRE(isa.size() == 114);
  const std::vector<Recorded> events = read_all(isa + "\n" + after_isa());
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::isa_nonstandard});
  CHECK(events[0].interchange.sender_id == "SENDER");
  CHECK(events[0].interchange.receiver_id == "RECEIVER");
  CHECK(events[0].interchange.date == "241105");
  CHECK(find_tag(events, "GS")->location.offset == 115);
}

TEST_CASE("a 5010 ISA sets the repetition separator, 8-bit text passes through", "[reader][x12]") {
  const std::string input = load_fixture("x12/856-5010-latin1.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events).empty());
  const Delimiters& d = events[0].interchange.delimiters;
  CHECK(d.repetition == '^');
  CHECK(d.component == '>');
  CHECK(events[0].interchange.version == "00501");
  CHECK(find_tag(events, "BSN")->text == "BSN*00*SHIP-\xC4\xD6*20241105*1432");
  CHECK(find_tag(events, "N1")->text ==
        "N1*ST*M\xFCller Stra\xDF"
        "e GmbH*92*0007");
  CHECK(find_tag(events, "PRF")->text == "PRF*PO-\xE9t\xE9");
  CHECK(find_tag(events, "SE")->text == "SE*9*3001");
}

TEST_CASE("segment views index elements, components and repetitions", "[reader][x12]") {
  const std::string input = make_isa('*', '^', "00501") +
                            "\nGS*PO*S*R*20241105*1432*7*X*005010~ST*850*0001~"
                            "REF*ZZ*A>1^B>2^C**~SE*3*0001~GE*1*7~IEA*1*000000001~";
  Reader reader(input);
  while (reader.next().kind != EventKind::segment) {
  }
  const Segment& s = reader.segment();
  CHECK(s.tag() == "REF");
  CHECK(s.size() == 4);  // trailing empty elements count
  CHECK(s[1] == "ZZ");
  CHECK(s[2] == "A>1^B>2^C");
  CHECK(s[3].empty());
  CHECK(s[5].empty());
  CHECK(s[0].empty());
  CHECK(s.component(2, 1) == "A");
  CHECK(s.component(2, 2) == "1");
  CHECK(s.component(2, 1, 2) == "B");
  CHECK(s.component(2, 2, 2) == "2");
  CHECK(s.component(2, 1, 3) == "C");
  CHECK(s.component(2, 2, 3).empty());
  CHECK(s.component(2, 1, 4).empty());
  CHECK(s.text(2) == "A>1^B>2^C");  // no release character in X12
  CHECK(s.element_offset(1) == 4);
  CHECK(s.element_offset(2) == 7);
  CHECK(s.element_offset(9) == s.raw().size());
  CHECK(s.raw() == "REF*ZZ*A>1^B>2^C**");
  const Location l = s.location_of(2, 2, 3);
  CHECK(l.offset == s.location().offset + 7);
  CHECK(l.element == 2);
  CHECK(l.component == 2);
  CHECK(l.repetition == 3);
  CHECK(l.segment_in_set == 2);
}

TEST_CASE("each invalid ISA field has its own problem code and location", "[reader][x12]") {
  struct Case {
    std::size_t field;
    std::string value;
    ProblemCode code;
  };
  const std::vector<Case> cases = {
      {1, "99", ProblemCode::invalid_auth_qualifier},
      {3, "77", ProblemCode::invalid_security_qualifier},
      {5, "XX", ProblemCode::invalid_sender_qualifier},
      {6, "               ", ProblemCode::invalid_sender_id},
      {7, "Q9", ProblemCode::invalid_receiver_qualifier},
      {8, "               ", ProblemCode::invalid_receiver_id},
      {9, "241305", ProblemCode::invalid_interchange_date},
      {9, "240230", ProblemCode::invalid_interchange_date},
      {10, "2460", ProblemCode::invalid_interchange_time},
      {11, "X", ProblemCode::invalid_standards_id},
      {12, "0030X", ProblemCode::invalid_interchange_version},
      {13, "00000010A", ProblemCode::invalid_interchange_control},
      {14, "2", ProblemCode::invalid_ack_requested},
      {15, "X", ProblemCode::invalid_test_indicator},
  };
  // Element k of a standard ISA starts at a fixed offset.
  constexpr std::size_t kOffsets[] = {0,  4,  7,  18, 21, 32,  35,  51, 54,
                                      70, 77, 82, 84, 90, 100, 102, 104};
  for (const Case& c : cases) {
    CAPTURE(c.field, c.value);
    const std::string isa = isa_with(c.field, c.value);
    REQUIRE(isa.size() == 106);
    const std::string control = c.field == 13 ? c.value : "000000001";
    const std::vector<Recorded> events = read_all(isa + "\n" + after_isa(control));
    CHECK(problem_codes(events) == std::vector<ProblemCode>{c.code});
    const Recorded* p = find_problem(events, c.code);
    REQUIRE(p != nullptr);
    CHECK(p->severity == Severity::error);
    CHECK(same_location(p->location,
                        at(kOffsets[c.field], 1, 1, 0, static_cast<std::uint32_t>(c.field))));
    // The problem follows the interchange_start event and reading carries on.
    CHECK(events[0].kind == EventKind::interchange_start);
    CHECK(events[1].kind == EventKind::problem);
    CHECK(events.back().kind == EventKind::interchange_end);
    CHECK(find_tag(events, "BEG") != nullptr);
  }
  CHECK(ack_codes(ProblemCode::invalid_interchange_date).ta1 == "014");
  CHECK(ack_codes(ProblemCode::invalid_interchange_time).ta1 == "015");
  CHECK(ack_codes(ProblemCode::invalid_sender_id).ta1 == "006");
  CHECK(ack_codes(ProblemCode::invalid_interchange_control).ta1 == "018");
  CHECK(ack_codes(ProblemCode::invalid_test_indicator).ta1 == "020");
}

TEST_CASE("5010 ISA11 must be a repetition separator", "[reader][x12]") {
  const std::string isa = make_isa('*', 'U', "00501");
  const std::vector<Recorded> events = read_all(isa + "\n" + after_isa());
  CHECK(problem_codes(events) ==
        std::vector<ProblemCode>{ProblemCode::invalid_repetition_separator});
  CHECK(find_problem(events, ProblemCode::invalid_repetition_separator)->location.element == 11);
  CHECK(events[0].interchange.delimiters.repetition == 0);
}

TEST_CASE("bad ISA delimiters skip the interchange with a TA1-coded problem", "[reader][x12]") {
  struct Case {
    std::string isa;
    ProblemCode code;
    const char* ta1;
  };
  std::string bad_element = make_isa();
  for (char& c : bad_element) {
    if (c == '*') c = 'A';
  }
  const std::vector<Case> cases = {
      {bad_element, ProblemCode::invalid_element_separator, "026"},
      {make_isa(' '), ProblemCode::invalid_element_separator, "026"},
      {make_isa('*', 'U', "00401", "000000001", 'A'), ProblemCode::invalid_component_separator,
       "027"},
      {make_isa('*', 'U', "00401", "000000001", '*'), ProblemCode::invalid_component_separator,
       "027"},
      {make_isa('*', 'U', "00401", "000000001", '>', 'X'), ProblemCode::invalid_segment_terminator,
       "004"},
      {make_isa('*', 'U', "00401", "000000001", '>', '*'), ProblemCode::invalid_segment_terminator,
       "004"},
      {make_isa('*', 'U', "00401", "000000001", '>', '>'), ProblemCode::invalid_segment_terminator,
       "004"},
  };
  const std::string good = make_isa('*', 'U', "00401", "000000002") + "\n" +
                           "GS*PO*SENDER*RECEIVER*20241105*1432*1*X*004010~ST*850*0001~"
                           "SE*2*0001~GE*1*1~IEA*1*000000002~";
  for (const Case& c : cases) {
    CAPTURE(c.isa);
    const std::string input = c.isa + "\nGS*PO*X~ST*850*1~SE*2*1~GE*1*1~IEA*1*000000001~\n" + good;
    const std::vector<Recorded> events = read_all(input);
    const std::vector<std::string> expected = {"problem " + std::string(name_of(c.code)),
                                               "interchange_start ISA",
                                               "group_start GS",
                                               "transaction_start ST",
                                               "transaction_end SE",
                                               "group_end GE",
                                               "interchange_end IEA"};
    CHECK(kinds(events) == expected);
    CHECK(same_location(events[0].location, at(0, 1, 1)));
    CHECK(events[0].severity == Severity::error);
    CHECK(ack_codes(c.code).ta1 == c.ta1);
    // The good interchange that follows is read normally.
    CHECK(events[1].interchange.control_number == "000000002");
    CHECK(events[1].location.offset == input.find("ISA", 3));
    CHECK(events[1].location.line == 3);
    CHECK(events[1].location.segment == 2);
  }
}

TEST_CASE("a truncated ISA is isa_invalid and nothing past the input is read", "[reader][x12]") {
  const std::string isa = make_isa();
  for (std::size_t n : {3, 4, 20, 60, 104, 105}) {
    CAPTURE(n);
    GuardedInput input(std::string_view(isa).substr(0, n));
    const std::vector<Recorded> events = read_all(input.view());
    REQUIRE(kinds(events) == std::vector<std::string>{"problem isa_invalid"});
    CHECK(same_location(events[0].location, at(0, 1, 1)));
    CHECK(ack_codes(ProblemCode::isa_invalid).ta1 == "022");
  }
}

TEST_CASE("the interchange after a wrapped one is not unwrapped", "[reader][x12]") {
  const std::string input = load_fixture("x12/850-4010-wrapped-80.edi") +
                            "UNB+UNOC:3+S+R+241105:1432+9'UNH+1+ORDERS:D:96A:UN'"
                            "FTX+AAI+++line one\nline two'UNT+3+1'UNZ+1+9'";
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::isa_nonstandard});
  const Recorded* ftx = find_tag(events, "FTX");
  REQUIRE(ftx != nullptr);
  CHECK(ftx->text == "FTX+AAI+++line one\nline two");
  CHECK(find_tag(events, "UNT")->location.line == 8);
}
