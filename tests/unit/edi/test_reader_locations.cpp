// Locations: every segment event points at its bytes, lines count LF, CRLF and lone CR once,
// segment numbers run through the input and restart at 1 in each set.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

// The 1-based line of a byte offset: CRLF, LF and a lone CR each end a line.
std::uint64_t line_at(const std::string& input, std::uint64_t offset) {
  std::uint64_t line = 1;
  for (std::uint64_t i = 0; i < offset && i < input.size(); ++i) {
    if (input[i] == '\n') ++line;
    if (input[i] == '\r' && (i + 1 >= input.size() || input[i + 1] != '\n')) ++line;
  }
  return line;
}

}  // namespace

TEST_CASE("segment locations point at the segment's bytes in every fixture", "[reader][location]") {
  for (const std::string& name : all_fixtures()) {
    CAPTURE(name);
    const std::string input = load_fixture(name);
    const std::vector<Recorded> events = read_all(input);
    const bool wrapped = name.find("wrapped") != std::string::npos;
    std::uint64_t last_segment = 0;
    for (const Recorded& r : events) {
      CAPTURE(describe_event(r), r.location.offset);
      CHECK(r.location.offset <= input.size());
      CHECK(r.location.line == line_at(input, r.location.offset));
      if (r.tag.empty()) continue;
      CHECK(r.location.segment > last_segment);
      last_segment = r.location.segment;
      CHECK(r.location.element == 0);
      if (!wrapped) CHECK(input.compare(r.location.offset, r.text.size(), r.text) == 0);
      CHECK(input.compare(r.location.offset, r.tag.size(), r.tag) == 0);
    }
  }
}

TEST_CASE("segment numbers and positions in sets in clean fixtures", "[reader][location]") {
  for (const std::string& name : all_fixtures()) {
    const std::string input = load_fixture(name);
    const std::vector<Recorded> events = read_all(input);
    bool clean = true;
    for (const Recorded& r : events) {
      clean = clean && (r.kind != EventKind::problem || r.severity == Severity::warning);
    }
    if (!clean) continue;
    CAPTURE(name);
    std::uint64_t segment = 0;
    std::uint32_t in_set = 0;
    bool inside = false;
    for (const Recorded& r : events) {
      if (r.tag.empty()) continue;
      CAPTURE(describe_event(r));
      CHECK(r.location.segment == ++segment);
      if (r.kind == EventKind::transaction_start) {
        inside = true;
        in_set = 0;
      }
      CHECK(r.location.segment_in_set == (inside ? ++in_set : 0));
      if (r.kind == EventKind::transaction_end) {
        // The trailer's count is the number of segments in the set.
        const char separator = r.text[2] == 'T' ? r.text[3] : r.text[2];
        const std::string count = r.text.substr(r.text.find(separator) + 1);
        CHECK(std::stoul(count) == in_set);
        inside = false;
      }
    }
  }
}

TEST_CASE("element locations and the problem text", "[reader][location]") {
  const std::string input = load_fixture("x12/envelope-errors.edi");
  Reader reader(input);
  Event event;
  while ((event = reader.next()).kind != EventKind::problem) {
  }
  const Problem& p = reader.problem();
  CHECK(p.code == ProblemCode::set_segment_count_mismatch);
  CHECK(p.is_error());
  CHECK(same_location(p.location, event.location));
  CHECK(describe(p.location) == "offset " + std::to_string(input.find("SE*5") + 3) +
                                    ", line 5, segment 5 (3 in set), "
                                    "element 1");
  const std::string text = to_string(p);
  CHECK(text.rfind("error at offset ", 0) == 0);
  CHECK(text.find("[set_segment_count_mismatch]") != std::string::npos);
  CHECK(text.find("5") != std::string::npos);
  CHECK(scope_of(p.code) == Scope::transaction);
  // The reader's state is the state after the segment: SE has closed the set.
  CHECK_FALSE(reader.in_transaction());
  CHECK(reader.segments_in_transaction() == 3);
  CHECK(reader.segment().tag() == "SE");
  CHECK(reader.segment().location().line == 5);

  Location l;
  l.offset = 10;
  l.line = 2;
  CHECK(describe(l) == "offset 10, line 2");
  l.segment = 4;
  l.element = 3;
  l.repetition = 2;
  l.component = 1;
  CHECK(describe(l) == "offset 10, line 2, segment 4, element 3, repetition 2, component 1");
}

TEST_CASE("reader state accessors follow the envelope", "[reader][location]") {
  const std::string input = load_fixture("x12/850-4010-basic.edi");
  Reader reader(input);
  CHECK_FALSE(reader.in_group());
  CHECK(reader.next().kind == EventKind::interchange_start);
  CHECK_FALSE(reader.in_group());
  CHECK(reader.next().kind == EventKind::group_start);
  CHECK(reader.in_group());
  CHECK_FALSE(reader.in_transaction());
  CHECK(reader.next().kind == EventKind::transaction_start);
  CHECK(reader.in_transaction());
  CHECK(reader.segments_in_transaction() == 1);
  CHECK(reader.next().kind == EventKind::segment);
  CHECK(reader.segments_in_transaction() == 2);
  CHECK(reader.bytes_read() == input.find("CUR") - 1);  // up to the LF after BEG
  Event event;
  while ((event = reader.next()).kind != EventKind::end_of_input) {
  }
  CHECK(reader.bytes_read() == input.size());
  CHECK(same_location(event.location, at(input.size(), 18, 17)));
  // end_of_input repeats.
  CHECK(reader.next().kind == EventKind::end_of_input);
  CHECK(std::string(to_string(EventKind::transaction_end)) == "transaction_end");
  CHECK(std::string(to_string(EventKind::end_of_input)) == "end_of_input");
  CHECK(std::string(to_string(Standard::edifact)) == "EDIFACT");
}

TEST_CASE("an empty input or only filler has no events", "[reader][location]") {
  for (const std::string input : {"", "\r\n\n", "\xEF\xBB\xBF", "  \t\n"}) {
    CHECK(read_all(input).empty());
  }
}
