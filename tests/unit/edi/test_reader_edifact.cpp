// EDIFACT: the UNA service string advice, default delimiters, release characters and the
// syntax 4 repetition separator.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

const std::string kUnb = "UNB+UNOC:3+5412345000013:14+5498765000018:14+241105:1432+IC1";

// One message inside an interchange with the default delimiters and a UNA.
std::string interchange_with(const std::string& body_segment) {
  return "UNA:+.? '" + kUnb + "'UNH+1+ORDERS:D:96A:UN'" + body_segment + "'UNT+3+1'UNZ+1+IC1'";
}

}  // namespace

TEST_CASE("basic EDIFACT ORDERS: events, UNA delimiters and header values", "[reader][edifact]") {
  const std::string input = load_fixture("edifact/orders-d96a-basic.edi");
  const std::vector<Recorded> events = read_all(input);
  const std::vector<std::string> expected = {
      "interchange_start UNB", "transaction_start UNH", "segment BGM",        "segment DTM",
      "segment DTM",           "segment NAD",           "segment NAD",        "segment NAD",
      "segment CUX",           "segment LIN",           "segment QTY",        "segment PRI",
      "segment LIN",           "segment IMD",           "segment QTY",        "segment UNS",
      "segment CNT",           "transaction_end UNT",   "interchange_end UNZ"};
  CHECK(kinds(events) == expected);

  const InterchangeHeader& h = events[0].interchange;
  CHECK(h.standard == Standard::edifact);
  CHECK(h.has_service_string);
  CHECK(h.delimiters.component == ':');
  CHECK(h.delimiters.element == '+');
  CHECK(h.delimiters.decimal == '.');
  CHECK(h.delimiters.release == '?');
  CHECK(h.delimiters.repetition == 0);
  CHECK(h.delimiters.segment == '\'');
  CHECK(h.syntax_id == "UNOC");
  CHECK(h.version == "3");
  CHECK(h.sender_id == "5412345000013");
  CHECK(h.sender_qualifier == "14");
  CHECK(h.receiver_id == "5498765000018");
  CHECK(h.receiver_qualifier == "14");
  CHECK(h.date == "241105");
  CHECK(h.time == "1432");
  CHECK(h.control_number == "00000000000101");
  CHECK_FALSE(h.ack_requested);
  CHECK_FALSE(h.test);
  // The UNA is not a segment: UNB is segment 1 and starts after it.
  CHECK(same_location(h.location, at(9, 1, 1)));
  CHECK(events[0].group.control_number.empty());

  const TransactionHeader& t = events[1].transaction;
  CHECK(t.id == "ORDERS");
  CHECK(t.control_number == "1");
  CHECK(t.version == "D96A");
  CHECK(t.agency == "UN");
  CHECK(t.association == "EAN008");
  CHECK(same_location(t.location, at(input.find("UNH"), 1, 2, 1)));

  // The escaped separators stay in the raw text and are removed by unescape.
  const Recorded* imd = find_tag(events, "IMD");
  CHECK(imd->text == "IMD+F++:::Gadget?+ spare?'s kit");
  CHECK(imd->location.segment_in_set == 13);
  CHECK(unescape("Gadget?+ spare?'s kit", '?') == "Gadget+ spare's kit");
  CHECK(find_tag(events, "UNT")->location.segment_in_set == 17);
}

TEST_CASE("no UNA: default delimiters", "[reader][edifact]") {
  const std::string input = load_fixture("edifact/orders-d96a-no-una.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events).empty());
  const InterchangeHeader& h = events[0].interchange;
  CHECK_FALSE(h.has_service_string);
  CHECK(h.syntax_id == "UNOA");
  CHECK(h.version == "2");
  const Delimiters d = Delimiters::edifact_default();
  CHECK(h.delimiters.element == d.element);
  CHECK(h.delimiters.component == d.component);
  CHECK(h.delimiters.segment == d.segment);
  CHECK(h.delimiters.release == '?');
  CHECK(h.delimiters.repetition == 0);
  CHECK(same_location(h.location, at(0, 1, 1)));
  const Recorded* unt = find_tag(events, "UNT");
  CHECK(same_location(unt->location, at(input.find("UNT"), 10, 10, 9)));
  CHECK(events.back().tag == "UNZ");
  CHECK(events.back().location.line == 11);
}

TEST_CASE("UNA with custom delimiters and a custom release character", "[reader][edifact]") {
  const std::string input = load_fixture("edifact/orders-custom-una.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events).empty());
  CHECK(events.size() == 12);
  const Delimiters& d = events[0].interchange.delimiters;
  CHECK(d.component == '^');
  CHECK(d.element == '|');
  CHECK(d.decimal == ',');
  CHECK(d.release == '\\');
  CHECK(d.repetition == 0);
  CHECK(d.segment == '~');
  CHECK(events[0].interchange.sender_id == "5412345000013");
  CHECK(events[1].transaction.id == "ORDERS");
  CHECK(events[1].transaction.version == "D96A");
  CHECK(events[1].location.line == 2);

  Reader reader(input);
  while (reader.next().kind != EventKind::end_of_input) {
    if (reader.segment().tag() == "FTX") {
      const Segment& s = reader.segment();
      CHECK(s.size() == 4);
      CHECK(s[4] == "Pipe \\| caret \\^ tilde \\~ backslash \\\\ end");
      CHECK(s.text(4) == "Pipe | caret ^ tilde ~ backslash \\ end");
      CHECK(s.component(4, 1) == s[4]);  // the escaped ^ is not a component separator
      CHECK(s.component(4, 2).empty());
    }
    if (reader.segment().tag() == "MOA") {
      CHECK(reader.segment().component(1, 1) == "203");
      CHECK(reader.segment().component(1, 2) == "1234,50");
    }
  }
}

TEST_CASE("syntax 4: repetition separator and release character escapes", "[reader][edifact]") {
  const std::string input = load_fixture("edifact/invoic-syntax4-repetition.edi");
  const std::vector<Recorded> events = read_all(input);
  CHECK(problem_codes(events).empty());
  const InterchangeHeader& h = events[0].interchange;
  CHECK(h.version == "4");
  CHECK(h.delimiters.repetition == '*');
  CHECK(events[1].transaction.control_number == "42");
  CHECK(events[1].transaction.version == "D01B");
  CHECK(events[1].transaction.association == "EAN010");
  CHECK(kinds(events).size() == 11);
  CHECK(events.back().tag == "UNZ");

  Reader reader(input);
  int seen = 0;
  while (reader.next().kind != EventKind::end_of_input) {
    const Segment& s = reader.segment();
    if (s.tag() == "FTX") {
      ++seen;
      CHECK(s.size() == 4);
      CHECK(s.component(4, 1) == "Price ?+ tax?: 20?? off?' today");
      CHECK(unescape(s.component(4, 1), '?') == "Price + tax: 20? off' today");
      CHECK(s.component(4, 2) == "second part");
    }
    if (s.tag() == "NAD") {
      ++seen;
      CHECK(s[4] == "ACME*ACME RETAIL*ACME?*STAR");
      CHECK(s.component(4, 1, 1) == "ACME");
      CHECK(s.component(4, 1, 2) == "ACME RETAIL");
      CHECK(s.component(4, 1, 3) == "ACME?*STAR");
      CHECK(unescape(s.component(4, 1, 3), '?') == "ACME*STAR");
      CHECK(s.component(4, 1, 4).empty());
      CHECK(s.component(2, 3) == "9");
    }
  }
  CHECK(seen == 2);
}

TEST_CASE("syntax 4 without UNA uses * as the repetition separator", "[reader][edifact]") {
  const std::string input =
      "UNB+UNOC:4+SENDER+RECEIVER+20241105:1432+IC1'UNH+1+ORDERS:D:01B:UN'"
      "NAD+BY+A*B'UNT+3+1'UNZ+1+IC1'";
  Reader reader(input);
  while (reader.next().kind != EventKind::segment) {
  }
  CHECK(reader.interchange().delimiters.repetition == '*');
  CHECK_FALSE(reader.interchange().has_service_string);
  CHECK(reader.segment().component(2, 1, 2) == "B");
  // Syntax 3 without UNA has no repetition separator.
  const std::string v3 =
      "UNB+UNOC:3+SENDER+RECEIVER+241105:1432+IC1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+IC1'";
  const std::vector<Recorded> events = read_all(v3);
  CHECK(problem_codes(events).empty());
  CHECK(events[0].interchange.delimiters.repetition == 0);
}

TEST_CASE("release characters at every position relative to the scan blocks", "[reader][edifact]") {
  // The tokenizer works in 32-byte blocks; a release character may fall on the last byte of a
  // block and escape the first byte of the next one.
  for (std::size_t pad = 0; pad < 70; ++pad) {
    CAPTURE(pad);
    const std::string value = std::string(pad, 'x') + "?'a?+b??c?:d?";
    const std::string input = interchange_with("FTX+AAI+++" + value + "'+end");
    const std::vector<Recorded> events = read_all(input);
    REQUIRE(problem_codes(events).empty());
    const Recorded* ftx = find_tag(events, "FTX");
    REQUIRE(ftx != nullptr);
    CHECK(ftx->text == "FTX+AAI+++" + value + "'+end");
    CHECK(unescape(value + "'", '?') == std::string(pad, 'x') + "'a+b?c:d'");
    CHECK(find_tag(events, "UNT")->location.segment_in_set == 3);
  }
}

namespace {

// A body segment of `length` bytes after the tag: elements of 0 to 4 bytes, some of them
// composites, some of them released.
std::string index_test_segment(std::size_t length, std::size_t seed) {
  std::string s = "FTX";
  for (std::size_t i = 0; s.size() < 3 + length; ++i) {
    s += '+';
    const std::size_t n = (seed + i * 3) % 5;
    for (std::size_t k = 0; k < n && s.size() < 3 + length; ++k) {
      s += (seed + i + k) % 7 == 0 ? ':' : static_cast<char>('a' + (seed + k) % 26);
    }
  }
  if (seed % 11 == 0 && s.size() > 8) s[6] = '?';  // "?x": a released byte
  return s;
}

// What the reader must report for one segment, worked out from its text alone.
void check_against_text(const Segment& segment, const std::string& text, bool marks) {
  std::vector<std::string> elements;
  std::string current;
  std::uint64_t components = 0;  // the map: only segments under 64 bytes have one
  bool any_component = false;
  for (std::size_t i = 3; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '+') {
      if (i > 3) elements.push_back(current);
      current.clear();
    } else if (text[i] == '?') {
      current += text[i];
      current += text[++i];
    } else {
      if (text[i] == ':') {
        any_component = true;
        if (i < 64) components |= std::uint64_t{1} << i;
      }
      current += text[i];
    }
  }
  CHECK(segment.raw() == text);
  REQUIRE(segment.size() == elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) CHECK(segment[i + 1] == elements[i]);
  const std::uint8_t m = segment.marks();
  if (!marks) {
    CHECK(m == Segment::kAnyMark);
    return;
  }
  // A released ':' may leave kComponent set ("look"), never the other way round.
  if (any_component) CHECK((m & Segment::kComponent) != 0);
  if (text.find('?') == std::string::npos) {
    CHECK(((m & Segment::kComponent) != 0) == any_component);
  }
  if ((m & Segment::kComponentMap) != 0) CHECK(segment.component_map() == components);
}

// Serves a string a few bytes per read, so the reader's buffer is refilled mid-segment.
class TrickleSource final : public Source {
 public:
  explicit TrickleSource(std::string_view data) : data_(data) {}
  long read(char* buffer, std::size_t capacity) override {
    const std::size_t n = std::min({capacity, std::size_t{13}, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buffer);
    pos_ += n;
    return static_cast<long>(n);
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

TEST_CASE("segments of every length at every offset of the reader's 64-byte index blocks",
          "[reader][edifact]") {
  // Short segments are cut from the delimiter bits of two 64-byte blocks; a segment may start
  // on any byte of a block and end in the next. Each one is checked against its own text, read
  // in memory and through a small buffer, with and without segment marks.
  for (std::size_t shift = 0; shift < 64; shift += 5) {
    std::vector<std::string> segments = {"FTX+" + std::string(shift, 'x')};
    for (std::size_t n = 0; n < 150; ++n) segments.push_back(index_test_segment(n % 72, n));
    std::string body;
    for (const std::string& s : segments) body += s + "'";
    body.pop_back();
    const std::string input = "UNA:+.? '" + kUnb + "'UNH+1+ORDERS:D:96A:UN'" + body + "'UNT+" +
                              std::to_string(segments.size() + 2) + "+1'UNZ+1+IC1'";
    for (const bool marks : {false, true}) {
      for (const bool stream : {false, true}) {
        CAPTURE(shift, marks, stream);
        ReaderOptions options;
        options.segment_marks = marks;
        options.limits.stream_buffer = 300;  // raised to fit a segment and an ISA
        options.limits.max_segment_length = 128;
        TrickleSource source(input);
        Reader reader = stream ? Reader(source, options) : Reader(input, options);
        std::size_t next = 0;
        std::size_t offset = input.find("FTX");
        for (Event e = reader.next(); e.kind != EventKind::end_of_input; e = reader.next()) {
          REQUIRE(e.kind != EventKind::problem);
          if (e.kind != EventKind::segment) continue;
          REQUIRE(next < segments.size());
          CHECK(e.location.offset == offset);
          check_against_text(reader.segment(), segments[next], marks);
          offset += segments[next].size() + 1;
          ++next;
        }
        CHECK(next == segments.size());
      }
    }
  }
}

TEST_CASE("a doubled release character does not escape what follows", "[reader][edifact]") {
  const std::vector<Recorded> events = read_all(interchange_with("FTX+AAI+++ends with ??"));
  CHECK(problem_codes(events).empty());
  const Recorded* ftx = find_tag(events, "FTX");
  CHECK(ftx->text == "FTX+AAI+++ends with ??");
  CHECK(unescape("ends with ??", '?') == "ends with ?");
  // "??+" : the separator after an escaped release is a real separator.
  const std::string input = interchange_with("FTX+A??+B");
  Reader reader(input);
  while (reader.next().kind != EventKind::segment) {
  }
  CHECK(reader.segment().size() == 2);
  CHECK(reader.segment()[1] == "A??");
  CHECK(reader.segment().text(1) == "A?");
  CHECK(reader.segment()[2] == "B");
}

TEST_CASE("a release character at the very end of the input", "[reader][edifact]") {
  const std::string input = "UNA:+.? '" + kUnb + "'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++ABC?";
  GuardedInput guarded(input);
  const std::vector<Recorded> events = read_all(guarded.view());
  const std::vector<std::string> expected = {"interchange_start UNB",
                                             "transaction_start UNH",
                                             "problem release_at_end",
                                             "segment FTX",
                                             "problem interchange_trailer_missing",
                                             "problem set_trailer_missing",
                                             "transaction_end implied",
                                             "interchange_end implied"};
  CHECK(kinds(events) == expected);
  const Recorded* p = find_problem(events, ProblemCode::release_at_end);
  REQUIRE(p != nullptr);
  const std::size_t ftx = input.find("FTX");
  CHECK(same_location(p->location, at(ftx + 13, 1, 3, 2)));  // the release character itself
  CHECK(find_tag(events, "FTX")->text == "FTX+AAI+++ABC?");
  CHECK(ack_codes(ProblemCode::release_at_end).contrl == "22");
}

TEST_CASE("UNA problems: truncated, clashing or unusable delimiters", "[reader][edifact]") {
  SECTION("input ends inside the UNA") {
    for (std::size_t n = 3; n < 9; ++n) {
      CAPTURE(n);
      GuardedInput input(std::string_view("UNA:+.? '").substr(0, n));
      const std::vector<Recorded> events = read_all(input.view());
      REQUIRE(kinds(events) == std::vector<std::string>{"problem invalid_una"});
      CHECK(same_location(events[0].location, at(0, 1, 0)));
    }
  }
  SECTION("clashing delimiters: the UNB after it is read with the defaults, and rejected") {
    // The problem comes inside the interchange it belongs to, so its CONTRL rejects it.
    for (const std::string una : {"UNA++.? '", "UNA:+.?+'", "UNA:+.+ '\r\n"}) {
      CAPTURE(una);
      const std::string input = una + kUnb + "'UNZ+0+IC1'";
      const std::vector<Recorded> events = read_all(input);
      const std::vector<std::string> expected = {"interchange_start UNB", "problem invalid_una",
                                                 "interchange_end UNZ"};
      CHECK(kinds(events) == expected);
      CHECK(same_location(events[1].location, at(0, 1, 0)));
      CHECK_FALSE(events[0].interchange.has_service_string);
      CHECK(events[0].location.offset == una.size());
    }
    CHECK(ack_codes(ProblemCode::invalid_una).contrl == "20");
  }
  SECTION("alphanumeric delimiter, bad decimal mark") {
    for (const char* una : {"UNA:A.? '", "UNA:+x? '", "UNA:+.?:'", "UNA:+.+ '"}) {
      CAPTURE(una);
      const std::vector<Recorded> events = read_all(std::string(una) + "UNB");
      CHECK(kinds(events) == std::vector<std::string>{"problem invalid_una"});
    }
  }
  SECTION("UNA not followed by UNB") {
    const std::string input = "UNA:+.? 'UNH+1+ORDERS:D:96A:UN'UNT+2+1'";
    const std::vector<Recorded> events = read_all(input);
    CHECK(kinds(events) == std::vector<std::string>{"problem unb_invalid"});
    CHECK(same_location(events[0].location, at(9, 1, 0)));
  }
  SECTION("UNB not followed by the element separator of the UNA") {
    const std::string input = "UNA:|.? 'UNB+UNOC:3+A+B+241105:1432+1'";
    const std::vector<Recorded> events = read_all(input);
    CHECK(kinds(events) == std::vector<std::string>{"problem unb_invalid"});
    CHECK(events[0].location.offset == 9);
  }
}

TEST_CASE("UNB field checks", "[reader][edifact]") {
  const std::string input =
      "UNB+UNXX:A+:14+5498765000018:14+241331:2561+++++++7'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+'";
  const std::vector<Recorded> events = read_all(input);
  const std::vector<std::string> expected = {"interchange_start UNB",
                                             "problem unb_invalid",
                                             "problem unb_invalid",
                                             "problem invalid_sender_id",
                                             "problem invalid_interchange_date",
                                             "problem invalid_interchange_time",
                                             "problem invalid_interchange_control",
                                             "problem invalid_test_indicator",
                                             "transaction_start UNH",
                                             "transaction_end UNT",
                                             "interchange_end UNZ"};
  CHECK(kinds(events) == expected);
  CHECK(same_location(events[1].location, at(4, 1, 1, 0, 1, 1)));
  // A component location points at its element.
  CHECK(same_location(events[2].location, at(4, 1, 1, 0, 1, 2)));
  CHECK(same_location(events[3].location, at(11, 1, 1, 0, 2, 1)));
  CHECK(same_location(events[4].location, at(32, 1, 1, 0, 4, 1)));
  CHECK(same_location(events[5].location, at(32, 1, 1, 0, 4, 2)));
  CHECK(same_location(events[6].location, at(44, 1, 1, 0, 5)));
  CHECK(events[7].location.element == 11);
  CHECK(events[0].interchange.test == false);
  CHECK(ack_codes(ProblemCode::invalid_interchange_date).contrl == "12");
}

TEST_CASE("EDIFACT input truncated inside the UNB or a segment", "[reader][edifact]") {
  SECTION("inside the UNB") {
    const std::string input = "UNA:+.? 'UNB+UNOC:3+54123";
    GuardedInput guarded(input);
    const std::vector<Recorded> events = read_all(guarded.view());
    const std::vector<std::string> expected = {"interchange_start UNB",
                                               "problem invalid_receiver_id",
                                               "problem invalid_interchange_date",
                                               "problem invalid_interchange_time",
                                               "problem invalid_interchange_control",
                                               "problem interchange_trailer_missing",
                                               "interchange_end implied"};
    CHECK(kinds(events) == expected);
    CHECK(events[0].text == "UNB+UNOC:3+54123");
    CHECK(same_location(events[5].location, at(input.size(), 1, 1)));
    CHECK(events[6].implied);
    CHECK(same_location(events[6].location, at(input.size(), 1, 1)));
  }
  SECTION("inside a message") {
    const std::string input = "UNA:+.? '" + kUnb + "'\nUNH+1+ORDERS:D:96A:UN'\nBGM+22";
    GuardedInput guarded(input);
    const std::vector<Recorded> events = read_all(guarded.view());
    const std::vector<std::string> expected = {"interchange_start UNB",
                                               "transaction_start UNH",
                                               "segment BGM",
                                               "problem interchange_trailer_missing",
                                               "problem set_trailer_missing",
                                               "transaction_end implied",
                                               "interchange_end implied"};
    CHECK(kinds(events) == expected);
    CHECK(events[2].text == "BGM+22");
    CHECK(same_location(events[2].location, at(input.find("BGM"), 3, 3, 2)));
    CHECK(same_location(events[5].location, at(input.size(), 3, 3, 2)));
  }
}
