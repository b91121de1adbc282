// Element, repetition and component events, and the PartIterator and unescape helpers.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

ReaderOptions element_events() {
  ReaderOptions options;
  options.element_events = true;
  return options;
}

// The events delivered after the first segment event with this tag, up to the next segment.
std::vector<Recorded> after_segment(const std::vector<Recorded>& events, std::string_view tag) {
  std::vector<Recorded> out;
  bool on = false;
  for (const Recorded& r : events) {
    if (!r.tag.empty()) {
      if (on) break;
      on = r.kind == EventKind::segment && r.tag == tag;
      continue;
    }
    if (on) out.push_back(r);
  }
  return out;
}

std::vector<std::string> parts(std::string_view value, char separator, char release) {
  std::vector<std::string> out;
  PartIterator it(value, separator, release);
  std::string_view part;
  while (it.next(part)) out.emplace_back(part);
  return out;
}

}  // namespace

TEST_CASE("X12 element events with repetitions and components", "[reader][elements]") {
  const std::string input = make_isa('*', '^', "00501") +
                            "\nGS*PO*S*R*20241105*1432*7*X*005010~ST*850*0001~"
                            "REF*ZZ*A>1^B>2^C**~SE*3*0001~GE*1*7~IEA*1*000000001~";
  const std::vector<Recorded> events = read_all(input, element_events());
  const std::vector<Recorded> ref = after_segment(events, "REF");
  const std::vector<std::string> expected = {
      "element 'ZZ'",   "element 'A>1^B>2^C'", "repetition 'A>1'", "component 'A'",
      "component '1'",  "repetition 'B>2'",    "component 'B'",    "component '2'",
      "repetition 'C'", "element ''",          "element ''"};
  REQUIRE(kinds(ref) == expected);
  const std::uint64_t base = input.find("REF*");
  CHECK(same_location(ref[0].location, at(base + 4, 2, 4, 2, 1)));
  CHECK(same_location(ref[1].location, at(base + 7, 2, 4, 2, 2)));
  CHECK(same_location(ref[2].location, at(base + 7, 2, 4, 2, 2, 0, 1)));
  CHECK(same_location(ref[4].location, at(base + 9, 2, 4, 2, 2, 2, 1)));   // '1' of A>1
  CHECK(same_location(ref[7].location, at(base + 13, 2, 4, 2, 2, 2, 2)));  // '2' of B>2
  CHECK(same_location(ref[8].location, at(base + 15, 2, 4, 2, 2, 0, 3)));  // C
  CHECK(same_location(ref[10].location, at(base + 18, 2, 4, 2, 4)));
  // Envelope segments have no element events.
  for (const Recorded& r : events) {
    if (r.kind == EventKind::element) CHECK(r.location.segment == 4);
  }
  // Without the option there are none at all.
  for (const Recorded& r : read_all(input)) CHECK(r.kind != EventKind::element);
}

TEST_CASE("4010 has no repetition separator: ^ is data", "[reader][elements]") {
  const std::string input = make_isa() +
                            "\nGS*PO*S*R*20241105*1432*7*X*004010~ST*850*0001~"
                            "REF*ZZ*A^B~SE*3*0001~GE*1*7~IEA*1*000000001~";
  const std::vector<Recorded> ref = after_segment(read_all(input, element_events()), "REF");
  CHECK(kinds(ref) == std::vector<std::string>{"element 'ZZ'", "element 'A^B'"});
}

TEST_CASE("EDIFACT element events honour the release character", "[reader][elements]") {
  const std::string input =
      "UNA:+.?*'UNB+UNOC:4+S+R+20241105:1432+9'UNH+1+ORDERS:D:01B:UN'"
      "NAD+BY+5412345000013::9'FTX+AAI+++a?:b:c?*d'RFF+A:1*B?*C'UNT+5+1'UNZ+1+9'";
  const std::vector<Recorded> events = read_all(input, element_events());
  CHECK(problem_codes(events).empty());
  CHECK(kinds(after_segment(events, "NAD")) ==
        std::vector<std::string>{"element 'BY'", "element '5412345000013::9'",
                                 "component '5412345000013'", "component ''", "component '9'"});
  CHECK(kinds(after_segment(events, "FTX")) ==
        std::vector<std::string>{"element 'AAI'", "element ''", "element ''", "element 'a?:b:c?*d'",
                                 "component 'a?:b'", "component 'c?*d'"});
  const std::vector<Recorded> rff = after_segment(events, "RFF");
  CHECK(kinds(rff) == std::vector<std::string>{"element 'A:1*B?*C'", "repetition 'A:1'",
                                               "component 'A'", "component '1'",
                                               "repetition 'B?*C'"});
  CHECK(rff[1].location.repetition == 1);
  CHECK(rff[2].location.repetition == 1);
  CHECK(rff[2].location.component == 1);
  CHECK(rff[4].location.repetition == 2);
  CHECK(rff[4].location.component == 0);
  CHECK(rff[0].location.segment_in_set == 4);
}

TEST_CASE("PartIterator splits on unreleased separators", "[reader][elements]") {
  using V = std::vector<std::string>;
  CHECK(parts("a:b:c", ':', 0) == V{"a", "b", "c"});
  CHECK(parts("", ':', 0) == V{""});
  CHECK(parts("a:", ':', 0) == V{"a", ""});
  CHECK(parts(":", ':', 0) == V{"", ""});
  CHECK(parts("a?:b:c", ':', '?') == V{"a?:b", "c"});
  CHECK(parts("a?:b:c", ':', 0) == V{"a?", "b", "c"});
  CHECK(parts("a??:b", ':', '?') == V{"a??", "b"});
  CHECK(parts("ab?", ':', '?') == V{"ab?"});
  CHECK(parts("ab?:", ':', '?') == V{"ab?:"});
  CHECK(parts("a:b", '\0', '?') == V{"a:b"});
  PartIterator it("x", ':', 0);
  std::string_view part;
  CHECK(it.next(part));
  CHECK(part == "x");
  CHECK_FALSE(it.next(part));
  CHECK_FALSE(it.next(part));
}

TEST_CASE("unescape removes release characters", "[reader][elements]") {
  CHECK(unescape("A?+B", '?') == "A+B");
  CHECK(unescape("?:?'?*", '?') == ":'*");
  CHECK(unescape("??", '?') == "?");
  CHECK(unescape("a????b", '?') == "a??b");
  CHECK(unescape("ab?", '?') == "ab?");  // nothing to release: kept
  CHECK(unescape("A?+B", 0) == "A?+B");
  CHECK(unescape("", '?').empty());
  CHECK(unescape("\\|\\\\", '\\') == "|\\");
  CHECK(unescape("M\xFC?+", '?') == "M\xFC+");
}

TEST_CASE("problem names, scopes and acknowledgement codes", "[reader][elements]") {
  CHECK(ack_codes(ProblemCode::interchange_control_mismatch).ta1 == "001");
  CHECK(ack_codes(ProblemCode::invalid_segment_terminator).ta1 == "004");
  CHECK(ack_codes(ProblemCode::invalid_element_separator).ta1 == "026");
  CHECK(ack_codes(ProblemCode::invalid_component_separator).ta1 == "027");
  CHECK(ack_codes(ProblemCode::invalid_auth_qualifier).ta1 == "010");
  CHECK(ack_codes(ProblemCode::invalid_interchange_version).ta1 == "017");
  CHECK(ack_codes(ProblemCode::interchange_control_duplicate).ta1 == "025");
  CHECK(ack_codes(ProblemCode::isa_nonstandard).ta1.empty());
  CHECK(ack_codes(ProblemCode::set_trailer_missing).ik5 == "2");
  CHECK(ack_codes(ProblemCode::group_version_unsupported).ak9 == "2");
  CHECK(ack_codes(ProblemCode::mixed_groups_and_messages).contrl == "30");
  CHECK(name_of(ProblemCode::interchange_control_mismatch) == "interchange_control_mismatch");
  CHECK(name_of(ProblemCode::isa_nonstandard) == "isa_nonstandard");
  CHECK(name_of(ProblemCode::invalid_interchange_date) == "invalid_interchange_date");
  CHECK(name_of(ProblemCode::unrecognized_data) == "unrecognized_data");
  CHECK(scope_of(ProblemCode::isa_nonstandard) == Scope::interchange);
  CHECK(scope_of(ProblemCode::group_count_mismatch) == Scope::group);
  CHECK(scope_of(ProblemCode::segment_too_long) == Scope::segment);
  Problem warning(ProblemCode::isa_nonstandard, Severity::warning, Location{}, "short ISA");
  CHECK_FALSE(warning.is_error());
  CHECK(to_string(warning) == "warning at offset 0, line 1: short ISA [isa_nonstandard]");
}

namespace {

// The marks the reader should give a segment: exact when no release character occurs.
std::uint8_t expected_marks(std::string_view raw, const Delimiters& d) {
  std::uint8_t m = 0;
  for (char c : raw) {
    if (c == d.component) m |= Segment::kComponent;
    if (d.repetition != 0 && c == d.repetition) m |= Segment::kRepetition;
    if (d.release != 0 && c == d.release) m |= Segment::kRelease;
  }
  return m;
}

struct SegmentMarks {
  std::string raw;
  std::uint8_t marks;
  std::uint64_t component_map;
};

// Every body segment's marks, from a reader with the given options.
std::vector<SegmentMarks> marks_of(const std::string& input, const ReaderOptions& options) {
  Reader reader(input, options);
  std::vector<SegmentMarks> out;
  for (Event e = reader.next(); e.kind != EventKind::end_of_input; e = reader.next()) {
    if (e.kind == EventKind::segment) {
      const Segment& s = reader.segment();
      out.push_back({std::string(s.raw()), s.marks(), s.component_map()});
    }
  }
  return out;
}

// Where the component separators of a segment are, as a component map says.
std::uint64_t expected_map(std::string_view raw, char component) {
  std::uint64_t map = 0;
  for (std::size_t i = 0; i < raw.size() && i < 64; ++i) {
    if (raw[i] == component) map |= std::uint64_t{1} << i;
  }
  return map;
}

constexpr std::uint8_t kSeparatorBits = Segment::kAnyMark;

}  // namespace

TEST_CASE("Segment marks say exactly which inner separators an X12 segment holds",
          "[reader][elements][marks]") {
  // Segments of every length across the scanner's 32-byte blocks, with a component (>) or a
  // repetition (^) separator placed before, at and after block edges, and after the terminator
  // in the same block (which must not count for the segment before it).
  std::string body;
  int sets_segments = 0;
  for (std::size_t length = 1; length <= 80; ++length) {
    for (const char inner : {'\0', '>', '^'}) {
      std::string value(length, 'X');
      if (inner != '\0') value[(length * 7) % length] = inner;
      body += "REF*ZZ*" + value + "~";
      ++sets_segments;
    }
  }
  const std::string input = make_isa('*', '^', "00501") +
                            "\nGS*PO*S*R*20241105*1432*7*X*005010~ST*850*0001~" + body + "SE*" +
                            std::to_string(sets_segments + 2) + "*0001~GE*1*7~IEA*1*000000001~";
  Delimiters d;
  d.element = '*';
  d.component = '>';
  d.repetition = '^';
  d.segment = '~';
  ReaderOptions fast;
  fast.segment_marks = true;
  ReaderOptions general = element_events();
  general.segment_marks = true;
  std::size_t mapped = 0;
  for (const ReaderOptions& options : {fast, general}) {
    const auto marks = marks_of(input, options);
    REQUIRE(marks.size() == static_cast<std::size_t>(sets_segments));
    for (const SegmentMarks& m : marks) {
      INFO(m.raw);
      CHECK((m.marks & Segment::kKnown) != 0);
      CHECK(static_cast<int>(m.marks & kSeparatorBits) == expected_marks(m.raw, d));
      if ((m.marks & Segment::kComponentMap) != 0) {
        ++mapped;
        CHECK(m.raw.size() < 64);
        CHECK(m.component_map == expected_map(m.raw, d.component));
      }
    }
  }
  CHECK(mapped > 0);  // the fast path's segments of up to 63 bytes carry a map
  // Not asked for: every segment says "maybe".
  for (const SegmentMarks& m : marks_of(input, ReaderOptions{})) {
    CHECK(m.marks == Segment::kAnyMark);
  }
}

TEST_CASE("Segment marks never hide a separator in EDIFACT with release characters",
          "[reader][elements][marks]") {
  const std::string input =
      "UNA:+.? 'UNB+UNOC:3+S+R+241105:1432+1'UNH+1+ORDERS:D:96A:UN'"
      "FTX+AAI+++PLAIN TEXT WITHOUT ANYTHING'"
      "FTX+AAI+++ESCAPED ?: COLON'"
      "DTM+137:20241105:102'"
      "FTX+AAI+++A LONG FREE TEXT THAT RUNS OVER MORE THAN ONE BLOCK OF THE SCANNER?+ AND ON'"
      "UNT+6+1'UNZ+1+1'";
  Delimiters d;
  d.element = '+';
  d.component = ':';
  d.release = '?';
  d.segment = '\'';
  ReaderOptions options;
  options.segment_marks = true;
  const auto marks = marks_of(input, options);
  REQUIRE(marks.size() == 4);
  CHECK((marks[0].marks & kSeparatorBits) == 0);
  CHECK((marks[2].marks & kSeparatorBits) == Segment::kComponent);
  CHECK((marks[2].marks & Segment::kComponentMap) != 0);
  CHECK(marks[2].component_map == expected_map(marks[2].raw, d.component));
  for (const SegmentMarks& m : marks) {
    INFO(m.raw);
    const std::uint8_t exact = expected_marks(m.raw, d);
    CHECK((m.marks & exact) == exact);  // never a clear bit for a character that is there
  }
  // A segment with a release character never has a map: "?:" is not a separator.
  CHECK((marks[1].marks & Segment::kRelease) != 0);
  CHECK((marks[1].marks & Segment::kComponentMap) == 0);
  CHECK((marks[3].marks & Segment::kRelease) != 0);
}

TEST_CASE("Segment marks see the syntax 4 repetition separator of an interchange without UNA",
          "[reader][elements][marks]") {
  // No UNA: syntax level 4 brings '*' as the repetition separator, learned from UNB after the
  // default delimiters were in use (a fuzz finding: the scanner kept looking for none).
  const std::string input =
      "UNB+UNOC:4+S+R+20241105:1432+1'UNH+1+ORDERS:D:01B:UN'RFF+ON:A*ON:B'UNT+3+1'UNZ+1+1'";
  ReaderOptions options;
  options.segment_marks = true;
  const auto marks = marks_of(input, options);
  REQUIRE(marks.size() == 1);
  CHECK((marks[0].marks & Segment::kRepetition) != 0);
}

TEST_CASE("a segment cut at the element limit says 'maybe' for its marks",
          "[reader][elements][marks]") {
  // The release character is in the part cut off: marks of the whole scan would claim one
  // the visible segment does not hold (a fuzz finding).
  const std::string input =
      "UNA:+.? 'UNB+UNOC:3+S+R+241105:1432+1'UNH+1+ORDERS:D:96A:UN'"
      "FTX+AAI+A:B+C+D?+E'UNT+3+1'UNZ+1+1'";
  ReaderOptions options;
  options.segment_marks = true;
  options.limits.max_elements_per_segment = 2;
  const auto marks = marks_of(input, options);
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].raw == "FTX+AAI+A:B");
  CHECK(marks[0].marks == Segment::kAnyMark);
}
