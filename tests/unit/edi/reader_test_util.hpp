// Helpers shared by the reader tests: run a Reader to the end and keep a copy of every event
// (the reader's views are only valid until the next call), load fixtures, feed bytes through a
// pipe, and place input right before an unreadable page so that reading past it crashes.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "edigate/edi/reader.hpp"

namespace edigate::edi::test {

// One event as delivered, with everything that is only valid until the next call copied out.
struct Recorded {
  EventKind kind = EventKind::end_of_input;
  Location location;
  bool implied = false;
  std::string text;  // element events: the raw value; segment and envelope events: segment raw
  std::string tag;   // segment and non-implied envelope events: the segment tag
  ProblemCode code{};
  Severity severity = Severity::error;
  std::string message;
  InterchangeHeader interchange;  // interchange_start only
  GroupHeader group;              // group_start only
  TransactionHeader transaction;  // transaction_start only
};

inline bool has_segment(EventKind kind, bool implied) {
  switch (kind) {
    case EventKind::interchange_start:
    case EventKind::group_start:
    case EventKind::transaction_start:
    case EventKind::segment:
      return true;
    case EventKind::transaction_end:
    case EventKind::group_end:
    case EventKind::interchange_end:
      return !implied;
    default:
      return false;
  }
}

inline Recorded record(const Reader& reader, const Event& event) {
  Recorded r;
  r.kind = event.kind;
  r.location = event.location;
  r.implied = event.implied;
  if (has_segment(event.kind, event.implied)) {
    r.text = std::string(reader.segment().raw());
    r.tag = std::string(reader.segment().tag());
  } else {
    r.text = std::string(event.text);
  }
  if (event.kind == EventKind::problem) {
    r.code = reader.problem().code;
    r.severity = reader.problem().severity;
    r.message = reader.problem().message;
  }
  if (event.kind == EventKind::interchange_start) r.interchange = reader.interchange();
  if (event.kind == EventKind::group_start) r.group = reader.group();
  if (event.kind == EventKind::transaction_start) r.transaction = reader.transaction();
  return r;
}

// Reads to the end; the end_of_input event is not included. A guard stops runaway readers.
inline std::vector<Recorded> drain(Reader& reader) {
  std::vector<Recorded> out;
  for (std::size_t guard = 0; guard < 1'000'000; ++guard) {
    const Event event = reader.next();
    if (event.kind == EventKind::end_of_input) return out;
    out.push_back(record(reader, event));
  }
  throw std::runtime_error("reader did not reach end_of_input");
}

inline std::vector<Recorded> read_all(std::string_view input, ReaderOptions options = {}) {
  Reader reader(input, options);
  return drain(reader);
}

inline std::vector<Recorded> read_all(Source& source, ReaderOptions options) {
  Reader reader(source, options);
  return drain(reader);
}

// A compact line per event: "segment BEG", "problem set_control_mismatch", "group_end implied".
inline std::string describe_event(const Recorded& r) {
  std::string out = to_string(r.kind);
  if (r.kind == EventKind::problem) out += " " + std::string(name_of(r.code));
  if (!r.tag.empty()) out += " " + r.tag;
  if (r.kind == EventKind::element || r.kind == EventKind::repetition ||
      r.kind == EventKind::component) {
    out += " '" + r.text + "'";
  }
  if (r.implied) out += " implied";
  return out;
}

inline std::vector<std::string> kinds(const std::vector<Recorded>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const Recorded& r : events) out.push_back(describe_event(r));
  return out;
}

// Everything about an event in one string, for comparing two runs exactly.
inline std::string fingerprint(const Recorded& r) {
  const Location& l = r.location;
  std::ostringstream out;
  out << describe_event(r) << " @" << l.offset << "/" << l.line << "/" << l.segment << "/"
      << l.segment_in_set << "/" << l.element << "/" << l.component << "/" << l.repetition
      << " text=" << r.text << " msg=" << r.message << " ic=" << r.interchange.control_number << "/"
      << r.interchange.sender_id << "/" << r.interchange.version << " gc=" << r.group.control_number
      << "/" << r.group.version << " tc=" << r.transaction.control_number << "/"
      << r.transaction.version;
  return out.str();
}

inline std::vector<std::string> fingerprints(const std::vector<Recorded>& events) {
  std::vector<std::string> out;
  for (const Recorded& r : events) out.push_back(fingerprint(r));
  return out;
}

inline std::vector<ProblemCode> problem_codes(const std::vector<Recorded>& events) {
  std::vector<ProblemCode> out;
  for (const Recorded& r : events) {
    if (r.kind == EventKind::problem) out.push_back(r.code);
  }
  return out;
}

// The first problem with this code, or nullptr.
inline const Recorded* find_problem(const std::vector<Recorded>& events, ProblemCode code) {
  for (const Recorded& r : events) {
    if (r.kind == EventKind::problem && r.code == code) return &r;
  }
  return nullptr;
}

// The n-th (0-based) event of a kind, or nullptr.
inline const Recorded* find_event(const std::vector<Recorded>& events, EventKind kind,
                                  std::size_t n = 0) {
  for (const Recorded& r : events) {
    if (r.kind == kind && n-- == 0) return &r;
  }
  return nullptr;
}

// The first segment event (or envelope event) with this tag, or nullptr.
inline const Recorded* find_tag(const std::vector<Recorded>& events, std::string_view tag) {
  for (const Recorded& r : events) {
    if (r.tag == tag) return &r;
  }
  return nullptr;
}

inline Location at(std::uint64_t offset, std::uint64_t line, std::uint64_t segment,
                   std::uint32_t segment_in_set = 0, std::uint32_t element = 0,
                   std::uint32_t component = 0, std::uint32_t repetition = 0) {
  return Location{offset, line, segment, segment_in_set, element, component, repetition};
}

inline bool same_location(const Location& a, const Location& b) {
  return a.offset == b.offset && a.line == b.line && a.segment == b.segment &&
         a.segment_in_set == b.segment_in_set && a.element == b.element &&
         a.component == b.component && a.repetition == b.repetition;
}

inline std::string fixture_path(std::string_view relative) {
  return std::string(EDIGATE_FIXTURES) + "/edi/" + std::string(relative);
}

inline std::string load_fixture(std::string_view relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + std::string(relative));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every fixture, relative to tests/fixtures/edi.
inline const std::vector<std::string>& all_fixtures() {
  static const std::vector<std::string> kFixtures = {
      "x12/850-4010-basic.edi",
      "x12/850-4010-bom-crlf.edi",
      "x12/850-4010-single-line.edi",
      "x12/850-4010-newline-terminator.edi",
      "x12/850-4010-cr-terminator.edi",
      "x12/850-4010-wrapped-80.edi",
      "x12/850-4010-short-isa.edi",
      "x12/multi-group-versions.edi",
      "x12/856-5010-latin1.edi",
      "x12/envelope-errors.edi",
      "x12/missing-trailers.edi",
      "edifact/orders-d96a-basic.edi",
      "edifact/orders-d96a-no-una.edi",
      "edifact/orders-custom-una.edi",
      "edifact/invoic-syntax4-repetition.edi",
      "edifact/envelope-errors.edi",
      "mixed-x12-edifact.edi",
  };
  return kFixtures;
}

// Writes bytes into a pipe from a thread; the read end is a FdSource for the reader.
class PipeFeed {
 public:
  explicit PipeFeed(std::string bytes) : bytes_(std::move(bytes)) {
    if (::pipe(fds_) != 0) throw std::runtime_error("pipe failed");
    writer_ = std::thread([this] {
      std::size_t done = 0;
      while (done < bytes_.size()) {
        // Small writes so the reader sees the input arrive in pieces.
        const std::size_t chunk = std::min<std::size_t>(97, bytes_.size() - done);
        const ssize_t n = ::write(fds_[1], bytes_.data() + done, chunk);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fds_[1]);
    });
  }
  ~PipeFeed() {
    ::close(fds_[0]);  // unblocks the writer if the reader stopped early
    writer_.join();
  }
  PipeFeed(const PipeFeed&) = delete;
  PipeFeed& operator=(const PipeFeed&) = delete;
  int fd() const { return fds_[0]; }

 private:
  std::string bytes_;
  int fds_[2] = {-1, -1};
  std::thread writer_;
};

// Copies input so that its last byte is the last byte before an inaccessible page: any read past
// the end faults instead of passing silently.
class GuardedInput {
 public:
  explicit GuardedInput(std::string_view input) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t data_pages = (input.size() + page - 1) / page + 1;
    length_ = (data_pages + 1) * page;
    void* mem =
        ::mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(mem);
    char* guard = base_ + data_pages * page;
    if (::mprotect(guard, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
    char* start = guard - input.size();
    std::memcpy(start, input.data(), input.size());
    view_ = std::string_view(start, input.size());
  }
  ~GuardedInput() { ::munmap(base_, length_); }
  GuardedInput(const GuardedInput&) = delete;
  GuardedInput& operator=(const GuardedInput&) = delete;
  std::string_view view() const { return view_; }

 private:
  char* base_ = nullptr;
  std::size_t length_ = 0;
  std::string_view view_;
};

// A standard 106-byte ISA with the given delimiters and control number.
inline std::string make_isa(char element = '*', char repetition_or_u = 'U',
                            std::string_view version = "00401",
                            std::string_view control = "000000001", char component = '>',
                            char terminator = '~') {
  const char e = element;
  std::string isa = "ISA";
  isa += e;
  isa += "00";
  isa += e;
  isa += "          ";
  isa += e;
  isa += "00";
  isa += e;
  isa += "          ";
  isa += e;
  isa += "ZZ";
  isa += e;
  isa += "SENDER         ";
  isa += e;
  isa += "ZZ";
  isa += e;
  isa += "RECEIVER       ";
  isa += e;
  isa += "241105";
  isa += e;
  isa += "1432";
  isa += e;
  isa += repetition_or_u;
  isa += e;
  isa += version;
  isa += e;
  isa += control;
  isa += e;
  isa += "0";
  isa += e;
  isa += "P";
  isa += e;
  isa += component;
  isa += terminator;
  return isa;
}

}  // namespace edigate::edi::test
