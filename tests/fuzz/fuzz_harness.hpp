// Shared by the EDI fuzz targets. One input goes through:
//   1. the reader in memory, with element events and small limits, touching every view the
//      reader hands out;
//   2. the Validator with the builtin schemas, from a Source that returns it in small uneven
//      pieces (buffer refills land everywhere), with and without segment marks, which must
//      give the same problems; the acknowledgements built from it must read back;
//   3. the document tree and the writer (an interchange read cleanly writes back to the same
//      tree) and the acknowledgement reader.
// Invariants that must hold for any input abort the process, so libFuzzer reports them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "edigate/edi/ack.hpp"
#include "edigate/edi/ack_reader.hpp"
#include "edigate/edi/document.hpp"
#include "edigate/edi/reader.hpp"
#include "edigate/edi/validator.hpp"
#include "edigate/edi/writer.hpp"

namespace edigate::fuzz {

inline volatile std::size_t g_sink = 0;

// Reads the first and last byte of a view, so AddressSanitizer sees a view that runs off its
// buffer.
inline void touch(std::string_view v) {
  if (!v.empty()) g_sink = g_sink + static_cast<unsigned char>(v.front()) + v.back();
}

inline void check(bool condition) {
  if (!condition) std::abort();
}

inline edi::ReaderOptions small_limits() {
  edi::ReaderOptions options;
  edi::Limits& l = options.limits;
  l.max_element_length = 48;
  l.max_segment_length = 256;
  l.max_elements_per_segment = 24;
  l.max_components_per_element = 6;
  l.max_repetitions = 6;
  l.max_segments_per_set = 64;
  l.max_nesting = 4;
  l.max_problems_per_set = 8;
  l.stream_buffer = 64;  // raised by the reader to hold a segment
  return options;
}

inline void touch_segment(const edi::Segment& s) {
  touch(s.tag());
  touch(s.raw());
  for (std::size_t i = 1; i <= s.size() + 1; ++i) {
    touch(s[i]);
    touch(s.component(i, 1));
    touch(s.component(i, 2, 2));
    touch(s.text(i));
    g_sink = g_sink + s.element_offset(i) + s.location_of(i, 1, 1).offset;
  }
}

inline void touch_problem(const edi::Problem& p, std::size_t input_size) {
  check(p.location.offset <= input_size);
  touch(edi::to_string(p));
  touch(edi::name_of(p.code));
  touch(edi::ack_codes(p.code).ta1);
}

inline void read_in_memory(std::string_view input) {
  edi::Reader reader(input, [] {
    edi::ReaderOptions options = small_limits();
    options.element_events = true;
    return options;
  }());
  for (edi::Event e = reader.next(); e.kind != edi::EventKind::end_of_input; e = reader.next()) {
    check(e.location.offset <= input.size());
    touch(e.text);
    if (e.kind == edi::EventKind::problem) {
      touch_problem(reader.problem(), input.size());
    } else if (e.kind != edi::EventKind::element && e.kind != edi::EventKind::repetition &&
               e.kind != edi::EventKind::component && !e.implied) {
      touch_segment(reader.segment());
    }
  }
  check(reader.bytes_read() <= input.size());
}

// Hands out the input a few bytes at a time; the piece sizes follow the input's own bytes.
class ChunkedSource final : public edi::Source {
 public:
  explicit ChunkedSource(std::string_view input) : rest_(input) {}
  long read(char* buffer, std::size_t capacity) override {
    if (rest_.empty()) return 0;
    const std::size_t piece = 1 + static_cast<unsigned char>(rest_.front()) % 13;
    const std::size_t n = std::min({piece, capacity, rest_.size()});
    std::memcpy(buffer, rest_.data(), n);
    rest_.remove_prefix(n);
    return static_cast<long>(n);
  }

 private:
  std::string_view rest_;
};

// Touches every problem and collects what acknowledgements need.
class TouchingListener final : public edi::ValidationListener {
 public:
  explicit TouchingListener(std::size_t input_size) : input_size_(input_size) {}
  void on_interchange_start(const edi::InterchangeHeader& h) override {
    acks.on_interchange_start(h);
  }
  void on_group_start(const edi::GroupHeader& h) override { acks.on_group_start(h); }
  void on_set_end(const edi::SetResult& r) override {
    g_sink = g_sink + r.segments;
    acks.on_set_end(r);
  }
  void on_group_end(const edi::GroupResult& g) override { acks.on_group_end(g); }
  void on_interchange_end(const edi::InterchangeResult& r) override { acks.on_interchange_end(r); }
  void on_problem(const edi::Problem& p) override {
    touch_problem(p, input_size_);
    problems.emplace_back(p.code, p.location.offset);
  }

  edi::AckCollector acks;
  std::vector<std::pair<edi::ProblemCode, std::uint64_t>> problems;

 private:
  std::size_t input_size_;
};

// Whatever was received, the acknowledgements we send must be clean interchanges that read
// back as acknowledgements: a partner must never get an ack it cannot parse.
inline void check_acks(const edi::AckCollector& collector) {
  edi::AckOptions options;
  options.date = "20241106";
  options.time = "0900";
  edi::InMemoryControlNumbers numbers;
  for (const edi::BuiltAck& ack : edi::build_acks(collector.interchanges(), options, numbers)) {
    check(ack.error.empty() != ack.bytes.empty());  // either an ack or a reason
    edi::Reader reader(ack.bytes);
    for (edi::Event e = reader.next(); e.kind != edi::EventKind::end_of_input; e = reader.next()) {
      check(e.kind != edi::EventKind::problem || !reader.problem().is_error());
    }
    const edi::AckReport report = edi::read_acks(ack.bytes);
    check(report.problems.empty());
  }
}

inline std::vector<std::pair<edi::ProblemCode, std::uint64_t>> validate_streamed(
    std::string_view input, bool segment_marks) {
  ChunkedSource source(input);
  edi::ReaderOptions options = small_limits();
  options.segment_marks = segment_marks;
  edi::Reader reader(source, options);
  TouchingListener listener(input.size());
  edi::Validator validator(edi::SchemaRegistry::builtin());
  validator.run(reader, listener);
  if (segment_marks) check_acks(listener.acks);
  return std::move(listener.problems);
}

// The scanner's segment marks only let the validator skip looks: with or without them it must
// find the same problems at the same places.
inline void validate_both_ways(std::string_view input) {
  check(validate_streamed(input, true) == validate_streamed(input, false));
}

// The writer's promise: an interchange read without any problem, written back out, reads back
// without errors as the same tree. (The writer may refuse a tree, with a reason: a value that
// holds an X12 delimiter, say.) Received acknowledgements are read too: whatever the bytes,
// the ack reader gives an answer, never a crash.
inline void write_back(std::string_view input) {
  const edi::Document first = edi::read_document(input);
  for (const edi::Problem& p : edi::read_acks(input).problems) touch_problem(p, input.size());
  if (!first.problems.empty()) return;
  for (const edi::Interchange& interchange : first.interchanges) {
    const edi::WriteResult written = edi::write_interchange(interchange);
    if (!written.ok()) {
      check(!written.error->message.empty());
      continue;
    }
    const edi::Document second = edi::read_document(written.bytes);
    for (const edi::Problem& p : second.problems) check(!p.is_error());
    check(second.interchanges.size() == 1);
    check(second.interchanges[0] == interchange);
  }
}

// Runs one fuzz input. Inputs that do not start with one of `starts` get `header` in front,
// which steers the fuzzer into interchange bodies instead of "unrecognized data".
inline int run_input(const std::uint8_t* data, std::size_t size, std::string_view header,
                     std::initializer_list<std::string_view> starts) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const bool steer = std::none_of(starts.begin(), starts.end(),
                                  [&](std::string_view s) { return raw.substr(0, s.size()) == s; });
  // An exact-size heap copy: a read one byte past the end is caught by AddressSanitizer.
  const std::size_t total = (steer ? header.size() : 0) + size;
  const std::unique_ptr<char[]> copy(new char[std::max<std::size_t>(total, 1)]);
  if (steer) std::memcpy(copy.get(), header.data(), header.size());
  if (size != 0) std::memcpy(copy.get() + (steer ? header.size() : 0), data, size);
  const std::string_view input(copy.get(), total);
  read_in_memory(input);
  validate_both_ways(input);
  write_back(input);
  return 0;
}

}  // namespace edigate::fuzz
