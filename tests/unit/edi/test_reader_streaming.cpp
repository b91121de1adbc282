// Reading from a Source with a small buffer gives exactly the events of reading the same bytes
// in memory, wherever the buffer boundaries fall.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reader_test_util.hpp"

using namespace edigate::edi;
using namespace edigate::edi::test;

namespace {

// Serves a string in pieces of at most `chunk` bytes.
class ChunkSource final : public Source {
 public:
  ChunkSource(std::string_view data, std::size_t chunk) : data_(data), chunk_(chunk) {}
  long read(char* buffer, std::size_t capacity) override {
    const std::size_t n = std::min({capacity, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buffer);
    pos_ += n;
    return static_cast<long>(n);
  }

 private:
  std::string_view data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

// Fails after serving some bytes.
class FailingSource final : public Source {
 public:
  explicit FailingSource(std::string_view data) : data_(data) {}
  long read(char* buffer, std::size_t capacity) override {
    if (done_) return -1;
    done_ = true;
    const std::size_t n = std::min(capacity, data_.size());
    std::copy_n(data_.data(), n, buffer);
    return static_cast<long>(n);
  }
  std::string error() const override { return "disk on fire"; }

 private:
  std::string_view data_;
  bool done_ = false;
};

ReaderOptions small_buffer(std::size_t max_segment_length = 128) {
  ReaderOptions options;
  options.limits.stream_buffer = 300;  // raised by the reader to fit a segment and an ISA
  options.limits.max_segment_length = max_segment_length;
  return options;
}

std::string all_fixtures_concatenated() {
  std::string out;
  for (const std::string& name : all_fixtures()) out += load_fixture(name);
  return out;
}

}  // namespace

TEST_CASE("every fixture: a pipe with a small buffer gives the in-memory events",
          "[reader][streaming]") {
  for (const std::string& name : all_fixtures()) {
    CAPTURE(name);
    const std::string input = load_fixture(name);
    const ReaderOptions options = small_buffer();
    const std::vector<std::string> expected = fingerprints(read_all(input, options));
    PipeFeed feed(input);
    FdSource source(feed.fd());
    CHECK(fingerprints(read_all(source, options)) == expected);
  }
}

TEST_CASE("every fixture: a temp file gives the in-memory events", "[reader][streaming]") {
  char path[] = "/tmp/edigate-reader-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::unlink(path);
  for (const std::string& name : all_fixtures()) {
    CAPTURE(name);
    const std::string input = load_fixture(name);
    REQUIRE(::ftruncate(fd, 0) == 0);
    REQUIRE(::pwrite(fd, input.data(), input.size(), 0) == static_cast<ssize_t>(input.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    const ReaderOptions options = small_buffer(64);
    FdSource source(fd);
    CHECK(fingerprints(read_all(source, options)) == fingerprints(read_all(input, options)));
  }
  ::close(fd);
}

TEST_CASE("all fixtures in one stream, buffer boundaries at every position",
          "[reader][streaming]") {
  const std::string input = all_fixtures_concatenated() + all_fixtures_concatenated();
  // The buffer holds max_segment_length + 576 bytes: stepping the limit moves every boundary.
  for (std::size_t max = 100; max < 164; ++max) {
    CAPTURE(max);
    const ReaderOptions options = small_buffer(max);
    const std::vector<std::string> expected = fingerprints(read_all(input, options));
    ChunkSource source(input, 61);
    const std::vector<std::string> streamed = fingerprints(read_all(source, options));
    REQUIRE(streamed.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CAPTURE(i);
      REQUIRE(streamed[i] == expected[i]);
    }
  }
}

TEST_CASE("lone CR terminators at every buffer boundary", "[reader][streaming]") {
  // After a CR terminator the reader looks at the next byte (CRLF or a lone CR); when the CR
  // is the last byte of the buffer that look must not move the segment just read.
  std::string input;
  for (int i = 0; i < 8; ++i) input += load_fixture("x12/850-4010-cr-terminator.edi");
  for (std::size_t max = 100; max < 400; ++max) {
    CAPTURE(max);
    const ReaderOptions options = small_buffer(max);
    ChunkSource source(input, 4096);
    REQUIRE(fingerprints(read_all(source, options)) == fingerprints(read_all(input, options)));
  }
}

TEST_CASE("a lone CR terminator as the last byte of the buffer", "[reader][streaming]") {
  // The buffer holds max_segment_length + 576 bytes (676 here); a CR terminator is placed at
  // every offset around its end so that one of them is the buffer's last byte.
  const ReaderOptions options = small_buffer(100);
  for (std::size_t cr = 600; cr < 760; ++cr) {
    CAPTURE(cr);
    std::string input = make_isa('*', 'U', "00401", "000000001", '>', '\r') +
                        "GS*PO*S*R*20241105*1432*1*X*004010\rST*850*0001\r";
    std::size_t segments = 1;
    while (input.size() + 20 < cr) {
      input += "N3*ABCDEFGHIJ\r";
      ++segments;
    }
    input += "N3*" + std::string(cr - input.size() - 3, 'x') + "\r";
    ++segments;
    REQUIRE(input.size() == cr + 1);
    for (int i = 0; i < 100; ++i) {
      input += "N3*after" + std::to_string(i) + "\r";
      ++segments;
    }
    input += "SE*" + std::to_string(segments + 1) + "*0001\rGE*1*1\rIEA*1*000000001\r";
    const std::vector<Recorded> expected = read_all(input, options);
    REQUIRE(problem_codes(expected).empty());
    ChunkSource source(input, 4096);
    REQUIRE(fingerprints(read_all(source, options)) == fingerprints(expected));
  }
}

TEST_CASE("a pipe with element events gives the in-memory events", "[reader][streaming]") {
  const std::string input = all_fixtures_concatenated();
  ReaderOptions options = small_buffer(90);
  options.element_events = true;
  const std::vector<std::string> expected = fingerprints(read_all(input, options));
  PipeFeed feed(input);
  FdSource source(feed.fd());
  CHECK(fingerprints(read_all(source, options)) == expected);
}

TEST_CASE("one byte per read", "[reader][streaming]") {
  const std::string input = load_fixture("x12/850-4010-wrapped-80.edi") +
                            load_fixture("edifact/invoic-syntax4-repetition.edi");
  ChunkSource source(input, 1);
  CHECK(fingerprints(read_all(source, small_buffer())) ==
        fingerprints(read_all(input, small_buffer())));
}

TEST_CASE("a segment longer than the stream buffer is skipped", "[reader][streaming]") {
  ReaderOptions options = small_buffer(50);
  const std::string input = make_isa() + "\nGS*PO*S*R*20241105*1432*1*X*004010~ST*850*0001~N3*" +
                            std::string(3000, 'x') + "\n" + std::string(1000, 'y') +
                            "~REF*DP*038~SE*4*0001~GE*1*1~IEA*1*000000001~";
  const std::vector<Recorded> events = read_all(input, options);
  CHECK(problem_codes(events) == std::vector<ProblemCode>{ProblemCode::segment_too_long});
  CHECK(find_tag(events, "REF")->location.line == 3);
  ChunkSource source(input, 700);
  CHECK(fingerprints(read_all(source, options)) == fingerprints(events));
}

TEST_CASE("every truncation of a fixture: same events in memory and streamed, never past the end",
          "[reader][streaming]") {
  for (const char* name :
       {"x12/850-4010-basic.edi", "edifact/orders-d96a-basic.edi", "x12/850-4010-wrapped-80.edi"}) {
    const std::string full = load_fixture(name);
    for (std::size_t n = 0; n <= full.size(); ++n) {
      CAPTURE(name, n);
      GuardedInput input(std::string_view(full).substr(0, n));
      const std::vector<Recorded> events = read_all(input.view(), small_buffer());
      ChunkSource source(input.view(), 13);
      REQUIRE(fingerprints(read_all(source, small_buffer())) == fingerprints(events));
      if (n == full.size()) {
        CHECK(problem_codes(events).size() ==
              (std::string(name).find("wrapped") != std::string::npos ? 1u : 0u));
      } else if (!events.empty()) {
        // Whatever was cut, every opened envelope is closed.
        int depth = 0;
        for (const Recorded& r : events) {
          if (r.kind == EventKind::interchange_start) ++depth;
          if (r.kind == EventKind::interchange_end) --depth;
        }
        CHECK(depth == 0);
      }
    }
  }
}

TEST_CASE("a read error is reported as a problem and ends the input", "[reader][streaming]") {
  const std::string input = load_fixture("x12/850-4010-basic.edi").substr(0, 200);
  FailingSource source(input);
  const std::vector<Recorded> events = read_all(source, small_buffer());
  const Recorded* p = find_problem(events, ProblemCode::unrecognized_data);
  REQUIRE(p != nullptr);
  CHECK(p->message.find("disk on fire") != std::string::npos);
  CHECK(events.back().kind == EventKind::interchange_end);
  CHECK(events.back().implied);
}
