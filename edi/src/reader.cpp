#include "edigate/edi/reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_set>
#include <vector>

#include "envelope_checks.hpp"
#include "isa.hpp"
#include "scan.hpp"
#include "schema_key.hpp"
#include "text_checks.hpp"

namespace edigate::edi {
namespace {

// Control numbers remembered per group / interchange for duplicate checks. Beyond this many
// the check stops (memory stays bounded on inputs with millions of sets).
constexpr std::size_t kMaxRememberedControls = 65536;

constexpr char kBom[] = "\xEF\xBB\xBF";

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  text = detail::trim(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Leading zeros do not make control numbers different ("0001" and "1" are the same number).
bool same_control(std::string_view a, std::string_view b) {
  a = detail::trim(a);
  b = detail::trim(b);
  if (a == b) return true;
  const auto x = parse_count(a);
  const auto y = parse_count(b);
  return x && y && *x == *y;
}

// Does `value` hold `separator` outside a release sequence ("a?:b" holds no ':')?
bool has_separator(std::string_view value, char separator, char release) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (release != 0 && value[i] == release) {
      ++i;
    } else if (value[i] == separator) {
      return true;
    }
  }
  return false;
}

class ControlSet {
 public:
  // Returns false when the control number was already seen. Numbers are kept without leading
  // zeros, as same_control compares them.
  bool insert(std::string_view control) {
    if (remembered() >= kMaxRememberedControls) return true;
    const auto number = parse_count(control);
    // Control numbers almost always count 1, 2, 3...: while they do, the last one stands for
    // all of them and nothing is stored. The first one out of that order fills the set.
    if (sequential_ && number && *number == last_ + 1) {
      ++last_;
      return true;
    }
    if (sequential_) {
      sequential_ = false;
      for (std::uint64_t n = 1; n <= last_; ++n) seen_.insert(std::to_string(n));
    }
    return seen_.emplace(number ? std::to_string(*number) : std::string(detail::trim(control)))
        .second;
  }
  void clear() {
    seen_.clear();
    last_ = 0;
    sequential_ = true;
  }

 private:
  std::size_t remembered() const { return sequential_ ? last_ : seen_.size(); }

  std::unordered_set<std::string> seen_;
  std::uint64_t last_ = 0;  // while sequential_: 1 to last_ were seen, and nothing else
  bool sequential_ = true;
};

// Assigns only when the text differs: set headers repeat the same type and version, and a
// comparison costs less than a copy.
void assign(std::string& to, std::string_view from) {
  if (std::string_view(to) != from) to.assign(from);
}

}  // namespace

struct Reader::Impl final : detail::ProblemSink {
  struct Pending {
    Event event;
    int problem = -1;
  };

  ReaderOptions options;
  // Input window: data[0, size) holds the bytes from global offset `base`.
  Source* source = nullptr;
  std::vector<char> buffer;
  const char* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::uint64_t base = 0;
  bool eof = false;
  std::uint64_t line = 1;
  std::uint64_t segment_number = 0;

  // Envelope state.
  bool in_interchange = false;
  bool in_group = false;
  bool in_set = false;
  bool wrapped = false;           // the interchange is wrapped at a fixed width: drop line breaks
  bool edifact_groups = false;    // UNG seen in this interchange
  bool edifact_messages = false;  // UNH outside UNG seen in this interchange
  InterchangeHeader interchange;
  GroupHeader group;
  TransactionHeader transaction;
  // The UNH S009 components of the current message, split once by read_set_header (views
  // into the segment, valid while it is the current one).
  std::string_view s009[5];
  std::uint64_t groups_in_interchange = 0;
  std::uint64_t messages_in_interchange = 0;
  std::uint64_t sets_in_group = 0;
  std::uint32_t segments_in_set = 0;
  std::size_t problems_in_set = 0;
  ControlSet group_controls;
  ControlSet set_controls;

  // Current segment.
  detail::Scanner scanner;
  detail::BlockIndex index;  // over data[0, size) with the scanner's delimiters
  // The index cuts segments of up to 63 bytes, as scan_short does; with a smaller segment
  // limit the general scan must see them (it reports the limit).
  bool use_index = false;
  detail::Bounds bounds;
  detail::Bounds isa_bounds{16};  // the ISA always has 16 elements, whatever the limit
  std::string scratch;
  Location segment_location;
  Segment segment;

  // Events waiting to be delivered.
  std::vector<Pending> queue;
  std::size_t queue_pos = 0;
  std::vector<Problem> problems;
  int current_problem = -1;
  bool finished = false;
  bool direct_segment = false;          // step() read a body segment to return without the queue
  bool fast_path = false;               // fast_body_segment() may be tried (see update_fast_path)
  std::optional<Problem> rejected_una;  // an invalid UNA whose UNB comes next

  explicit Impl(ReaderOptions o)
      : options(std::move(o)), bounds(options.limits.max_elements_per_segment) {
    use_index = options.limits.max_segment_length >= 63;
    unbind_segment();
  }

  // segment() becomes an empty segment: before the first one, and whenever the bytes of the
  // last one are about to move (a refill), so no view ever points at stale bytes. Problems
  // reported while reading the next segment may be looked at with segment() in hand.
  void unbind_segment() {
    static constexpr std::uint32_t kEmptyBounds[1] = {0};
    segment = Segment("", kEmptyBounds, 0, &interchange.delimiters, &segment_location);
  }

  // ---- input window -------------------------------------------------------------------

  Location here() const {
    Location l;
    l.offset = base + pos;
    l.line = line;
    l.segment = segment_number;
    l.segment_in_set = in_set ? segments_in_set : 0;
    return l;
  }

  // Reads more input, keeping the bytes from `pos` on. Returns false when nothing was added.
  bool fill() {
    if (eof) return false;
    if (pos > 0) {
      unbind_segment();
      index.reset();  // the bytes move
      std::memmove(buffer.data(), buffer.data() + pos, size - pos);
      base += pos;
      size -= pos;
      pos = 0;
    }
    bool added = false;
    while (size < buffer.size()) {
      const long n = source->read(buffer.data() + size, buffer.size() - size);
      if (n <= 0) {
        if (n < 0) {
          report(ProblemCode::unrecognized_data, Severity::error, here(),
                 "cannot read input: " + source->error());
        }
        eof = true;
        break;
      }
      size += static_cast<std::size_t>(n);
      added = true;
    }
    data = buffer.data();
    return added;
  }

  // Makes at least n bytes available from pos unless the input ends first.
  std::size_t ensure(std::size_t n) {
    while (size - pos < n && fill()) {
    }
    return size - pos;
  }

  // Skips CR and LF, counting lines (CRLF and a lone CR count as one line break).
  void skip_line_breaks() {
    while (ensure(1) > 0) {
      const char c = data[pos];
      if (c == '\n') {
        ++line;
      } else if (c == '\r') {
        if (ensure(2) < 2 || data[pos + 1] != '\n') ++line;
      } else {
        return;
      }
      ++pos;
    }
  }

  // Skips n bytes, counting their line breaks (CRLF and a lone CR count as one).
  void advance_counting_lines(std::size_t n) {
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= size || data[i + 1] != '\n'))) ++line;
    }
    pos += n;
  }

  bool starts_with(std::string_view prefix) {
    return ensure(prefix.size()) >= prefix.size() &&
           std::memcmp(data + pos, prefix.data(), prefix.size()) == 0;
  }

  // An envelope header starts here: "ISA", "UNA" or "UNB" followed by a non-alphanumeric.
  bool at_interchange_header() {
    if (pos < size && data[pos] != 'I' && data[pos] != 'U') return false;
    if (ensure(4) < 4) return false;
    const char* p = data + pos;
    const bool tag = (p[0] == 'I' && p[1] == 'S' && p[2] == 'A') ||
                     (p[0] == 'U' && p[1] == 'N' && (p[2] == 'A' || p[2] == 'B'));
    return tag && !is_alnum(p[3]);
  }

  // A stray interchange trailer: "IEA" or "UNZ" followed by a non-alphanumeric.
  bool at_interchange_trailer() {
    if (ensure(4) < 4) return false;
    const std::string_view tag(data + pos, 3);
    return (tag == "IEA" || tag == "UNZ") && !is_alnum(data[pos + 3]);
  }

  // ---- events -------------------------------------------------------------------------

  void push(EventKind kind, const Location& location, bool implied = false,
            std::string_view text = {}) {
    queue.push_back({Event{kind, location, text, implied}, -1});
  }

  void report(ProblemCode code, Severity severity, const Location& location,
              std::string message) override {
    if (in_set && ++problems_in_set > options.limits.max_problems_per_set) return;
    problems.push_back(Problem{code, severity, location, std::move(message)});
    queue.push_back(
        {Event{EventKind::problem, location, {}, false}, static_cast<int>(problems.size() - 1)});
  }

  void error(ProblemCode code, const Location& location, std::string message) {
    report(code, Severity::error, location, std::move(message));
  }

  [[gnu::always_inline]] Event next() {
    if (queue_pos >= queue.size()) {
      // A problem is only ever added with its event, so an empty queue means no problems.
      if (!queue.empty()) {
        queue.clear();
        problems.clear();
        queue_pos = 0;
      }
      // The event's location is built in registers and stored twice (the reader's own copy,
      // the event), never read back from the reader's copy just after its fields were stored
      // one by one: that load would wait for those stores.
      Location at;
      if (fast_path && fast_body_segment(at)) {
        current_problem = -1;
        return Event{EventKind::segment, at, {}, false};
      }
      while (queue.empty() && !finished) {
        step();
        if (direct_segment) {  // the common case: one body segment, nothing else to report
          direct_segment = false;
          current_problem = -1;
          return Event{EventKind::segment, segment_location, {}, false};
        }
      }
      if (queue.empty()) return Event{EventKind::end_of_input, here(), {}, false};
    }
    const Pending& p = queue[queue_pos++];
    current_problem = p.problem;
    return p.event;
  }

  // ---- reading segments ----------------------------------------------------------------

  // Rebuilds the scanner after the interchange's delimiters were learned.
  void use_delimiters(const Delimiters& d) {
    interchange.delimiters = d;
    index.reset();
    scanner = detail::Scanner(
        {d.element, d.segment, d.release, d.component, d.repetition, options.segment_marks});
  }

  void bind_segment(const char* start, const detail::ScanResult& r) {
    segment = Segment(start, bounds.data(), bounds.size() - 1, &interchange.delimiters,
                      &segment_location, r.marks, r.component_map);
  }

  // Re-tokenizes a segment of a wrapped interchange with its line breaks removed.
  void unwrap_segment(std::size_t length) {
    scratch.clear();
    for (std::size_t i = 0; i < length; ++i) {
      const char c = data[pos + i];
      if (c != '\r' && c != '\n') scratch.push_back(c);
    }
    scratch.push_back(interchange.delimiters.segment);
    bounds.clear();
    const detail::ScanResult r =
        scanner.scan(scratch.data(), scratch.size(), scratch.size(), bounds);
    bind_segment(scratch.data(), r);
  }

  void check_element_lengths(std::size_t length) {
    const std::size_t max = options.limits.max_element_length;
    if (length <= max) return;
    for (std::size_t i = 1; i < bounds.size(); ++i) {
      if (bounds[i] - bounds[i - 1] - 1 > max) {
        error(ProblemCode::element_too_long_limit, segment.location_of(i),
              "element is longer than the limit of " + std::to_string(max) + " bytes");
      }
    }
  }

  // Skips a segment longer than the limit, up to and including its terminator.
  void skip_long_segment() {
    const char terminator = interchange.delimiters.segment;
    while (true) {
      const void* hit = std::memchr(data + pos, terminator, size - pos);
      if (hit != nullptr) {
        advance_counting_lines(static_cast<const char*>(hit) - (data + pos) + 1);
        return;
      }
      advance_counting_lines(size - pos);
      if (!fill()) return;
    }
  }

  // Reads the next segment into `segment`. Returns false at the end of input.
  bool read_segment() {
    const Limits& limits = options.limits;
    while (true) {
      skip_line_breaks();
      if (pos >= size) return false;
      bounds.clear();
      detail::ScanResult r;
      // Envelope segments are short too. Without segment marks the quick cut gives exactly
      // scan()'s result; with them it would add a component map that scan() does not make.
      if (options.segment_marks ||
          !((use_index && index.cut(scanner, data, size, pos, bounds, r)) ||
            scanner.scan_short(data + pos, size - pos, limits.max_segment_length, bounds, r))) {
        r = scanner.scan(data + pos, size - pos, limits.max_segment_length, bounds);
      }
      if (r.status == detail::ScanStatus::incomplete) {
        if (fill()) continue;
        r.length = size - pos;  // the last segment of the input has no terminator
        bounds.push_back(static_cast<std::uint32_t>(r.length));
        r.status = detail::ScanStatus::complete;
        r.marks = Segment::kAnyMark;  // an incomplete scan does not say
        r.component_map = 0;
      }
      // finish_segment looks at the byte after a CR terminator (CRLF or a lone CR). Bring it
      // into the window now: fill() moves the window, which must not happen once it is bound.
      if (r.status == detail::ScanStatus::complete && r.length + 1 == size - pos &&
          interchange.delimiters.segment == '\r' && fill()) {
        continue;
      }
      ++segment_number;
      if (in_set) ++segments_in_set;
      segment_location = here();
      if (r.status == detail::ScanStatus::too_long) {
        unbind_segment();
        error(ProblemCode::segment_too_long, segment_location,
              "segment is longer than the limit of " + std::to_string(limits.max_segment_length) +
                  " bytes; skipped");
        skip_long_segment();
        continue;
      }
      const bool at_end = r.length == size - pos;
      const bool dangling = at_end && ends_with_release(r.length);
      finish_segment(r);
      if (dangling) report_dangling_release(r.length);
      return true;
    }
  }

  // The fast path applies inside a set of an ordinary interchange: not wrapped, no element
  // events, a terminator that is not itself a line break.
  void update_fast_path() {
    const char t = interchange.delimiters.segment;
    fast_path = in_set && !wrapped && !options.element_events && t != '\n' && t != '\r';
  }

  [[gnu::always_inline]] bool is_envelope_tag(std::string_view tag) const {
    using detail::tag_key;
    // Most body tags differ in the first byte: only S, G, I (X12) and U (EDIFACT) need a look.
    const char first = tag.empty() ? '\0' : tag[0];
    if (x12() ? (first != 'S' && first != 'G' && first != 'I') : first != 'U') return false;
    // Compared one by one, inline: std::find over six keys was a call per S, G or I segment.
    const std::uint32_t key = tag_key(tag);
    if (x12()) {
      static constexpr std::uint32_t kSE = tag_key("SE"), kST = tag_key("ST"), kGE = tag_key("GE"),
                                     kGS = tag_key("GS"), kIEA = tag_key("IEA"),
                                     kISA = tag_key("ISA");
      return key == kSE || key == kST || key == kGE || key == kGS || key == kIEA || key == kISA;
    }
    static constexpr std::uint32_t kUNT = tag_key("UNT"), kUNH = tag_key("UNH"),
                                   kUNE = tag_key("UNE"), kUNG = tag_key("UNG"),
                                   kUNZ = tag_key("UNZ"), kUNA = tag_key("UNA"),
                                   kUNB = tag_key("UNB");
    return key == kUNT || key == kUNH || key == kUNE || key == kUNG || key == kUNZ || key == kUNA ||
           key == kUNB;
  }

  // The common case in one straight path: a complete body segment already in the buffer,
  // within every limit. Returns false, having changed nothing, for anything else (an envelope
  // segment, a lone CR, the end of the buffer, a limit reached); the general path handles it.
  [[gnu::always_inline]] bool fast_body_segment(Location& at) {
    std::size_t p = pos;
    std::uint64_t breaks = 0;
    // Most segments start with a letter: one comparison decides there is no line break.
    while (p < size && static_cast<unsigned char>(data[p]) <= '\r' &&
           (data[p] == '\n' || data[p] == '\r')) {
      if (data[p] == '\r' && (p + 1 >= size || data[p + 1] != '\n')) return false;
      breaks += data[p] == '\n' ? 1 : 0;
      ++p;
    }
    if (p >= size) return false;
    // Two results: the index's stays in registers (it has no line breaks by construction).
    detail::ScanResult cut;
    if (use_index && index.cut(scanner, data, size, p, bounds, cut)) {
      return accept_body_segment(p, breaks, cut.length, 0, cut.marks, cut.component_map, at);
    }
    const Limits& limits = options.limits;
    detail::ScanResult r;
    if (!scanner.scan_short(data + p, size - p, limits.max_segment_length, bounds, r)) {
      r = scanner.scan(data + p, size - p, limits.max_segment_length, bounds);
      if (r.status != detail::ScanStatus::complete || r.too_many_elements) return false;
    }
    return accept_body_segment(p, breaks, r.length, r.line_breaks, r.marks, r.component_map, at);
  }

  // fast_body_segment's second half, for a segment scanned at p after `breaks` line feeds.
  [[gnu::always_inline]] bool accept_body_segment(std::size_t p, std::uint64_t breaks,
                                                  std::size_t length, std::uint32_t line_breaks,
                                                  std::uint8_t marks, std::uint64_t component_map,
                                                  Location& at) {
    const Limits& limits = options.limits;
    if (length > limits.max_element_length || segments_in_set >= limits.max_segments_per_set ||
        is_envelope_tag(std::string_view(data + p, bounds[0]))) {
      return false;
    }
    line += breaks;
    pos = p;
    ++segment_number;
    ++segments_in_set;
    // here() inside a set; element, component and repetition stay 0.
    at.offset = base + pos;
    at.line = line;
    at.segment = segment_number;
    at.segment_in_set = segments_in_set;
    segment_location = at;
    segment = Segment(data + pos, bounds.data(), bounds.size() - 1, &interchange.delimiters,
                      &segment_location, marks, component_map);
    line += line_breaks;
    pos += length + 1;
    return true;
  }

  // Past the element limit the scanner stops recording separators, so the last kept element
  // would run to the end of the segment; end it at its own separator instead.
  void truncate_last_element() {
    const std::size_t count = bounds.size() - 1;
    if (count == 0) return;
    const std::string_view last = segment[count];
    const Delimiters& d = interchange.delimiters;
    std::string_view kept;
    PartIterator parts(last, d.element, d.release);
    parts.next(kept);
    bounds.begin()[count] = static_cast<std::uint32_t>(segment.element_offset(count) + kept.size());
  }

  // The input ends inside a segment whose last byte is an unescaped release character: the
  // sender meant to escape something that never came (often a truncated file).
  bool ends_with_release(std::size_t length) const {
    const char release = interchange.delimiters.release;
    std::size_t run = 0;
    while (release != 0 && run < length && data[pos + length - 1 - run] == release) ++run;
    return run % 2 == 1;
  }

  void report_dangling_release(std::size_t length) {
    Location at = segment_location;
    at.offset += length - 1;
    error(ProblemCode::release_at_end, at,
          "input ends with a release character that escapes nothing");
  }

  void finish_segment(const detail::ScanResult& r) {
    if (wrapped && (r.line_breaks > 0 || std::memchr(data + pos, '\r', r.length) != nullptr)) {
      unwrap_segment(r.length);
    } else {
      bind_segment(data + pos, r);
    }
    if (r.too_many_elements) {
      truncate_last_element();
      // The scan's marks covered the elements now cut off: say "maybe" instead.
      detail::ScanResult visible = r;
      visible.marks = Segment::kAnyMark;
      visible.component_map = 0;
      bind_segment(segment.raw().data(), visible);
      error(ProblemCode::too_many_elements_limit, segment.location_of(segment.size()),
            "segment has more than " + std::to_string(options.limits.max_elements_per_segment) +
                " elements; the rest are ignored");
    }
    check_element_lengths(r.length);
    line += r.line_breaks;
    pos += std::min(r.length + 1, size - pos);
    const char terminator = interchange.delimiters.segment;
    if (terminator == '\n' || (terminator == '\r' && (ensure(1) == 0 || data[pos] != '\n'))) {
      ++line;
    }
  }

  // ---- outside any interchange ----------------------------------------------------------

  void step() {
    if (!in_interchange) {
      step_outside();
    } else {
      step_inside();
    }
  }

  void skip_filler() {
    while (ensure(1) > 0) {
      const char c = data[pos];
      if (c == '\r' || c == '\n') {
        skip_line_breaks();
      } else if (c == ' ' || c == '\t' || c == '\0') {
        ++pos;
      } else if (c == kBom[0] && starts_with(kBom)) {
        pos += 3;
      } else {
        return;
      }
    }
  }

  // Skips bytes until the next interchange header; returns how many were skipped.
  std::uint64_t skip_to_header() {
    std::uint64_t skipped = 0;
    while (true) {
      if (ensure(4) < 4) {
        skipped += size - pos;
        advance_counting_lines(size - pos);
        return skipped;
      }
      if (at_interchange_header()) return skipped;
      advance_counting_lines(1);
      ++skipped;
    }
  }

  void step_outside() {
    skip_filler();
    if (ensure(1) == 0) {
      finished = true;
      return;
    }
    if (starts_with("ISA")) {
      start_x12();
    } else if (starts_with("UNA") || starts_with("UNB")) {
      start_edifact();
    } else if (at_interchange_trailer()) {
      const Location at = here();
      const std::string tag(data + pos, 3);
      skip_to_header();
      error(ProblemCode::interchange_trailer_unexpected, at,
            tag + " without a matching interchange header; skipped");
    } else {
      const Location at = here();
      const std::uint64_t skipped = skip_to_header();
      error(ProblemCode::unrecognized_data, at,
            std::to_string(skipped) +
                " bytes that are not part of an interchange (expected ISA, "
                "UNA or UNB); skipped");
    }
  }

  void begin_interchange(Standard standard) {
    in_interchange = true;
    wrapped = false;
    in_group = in_set = false;
    fast_path = false;
    edifact_groups = edifact_messages = false;
    groups_in_interchange = messages_in_interchange = sets_in_group = 0;
    group_controls.clear();
    set_controls.clear();
    group = {};
    transaction = {};
    interchange = {};
    interchange.standard = standard;
  }

  // Builds the ISA as a segment in scratch (its bytes may hold line breaks or padding).
  void bind_isa(const detail::IsaResult& r) {
    scratch = "ISA";
    for (std::size_t i = 1; i <= 16; ++i) {
      scratch.push_back(r.delimiters.element);
      scratch += r.fields[i];
    }
    scratch.push_back(r.delimiters.segment);
    isa_bounds.clear();
    detail::Scanner({r.delimiters.element, r.delimiters.segment, 0})
        .scan(scratch.data(), scratch.size(), scratch.size(), isa_bounds);
    segment = Segment(scratch.data(), isa_bounds.data(), isa_bounds.size() - 1,
                      &interchange.delimiters, &segment_location);
  }

  void start_x12() {
    ensure(detail::kMaxIsaLength);
    detail::IsaResult r =
        detail::read_isa(data + pos, size - pos, eof || size - pos >= detail::kMaxIsaLength);
    ++segment_number;
    const Location at = here();
    if (r.status != detail::IsaStatus::ok) {
      static constexpr ProblemCode kCodes[] = {ProblemCode::isa_invalid,
                                               ProblemCode::isa_invalid,
                                               ProblemCode::isa_invalid,
                                               ProblemCode::invalid_element_separator,
                                               ProblemCode::invalid_component_separator,
                                               ProblemCode::invalid_segment_terminator};
      error(kCodes[static_cast<int>(r.status)], at, r.detail + "; the interchange is skipped");
      advance_counting_lines(3);
      skip_to_header();
      return;
    }
    begin_interchange(Standard::x12);
    segment_location = at;
    use_delimiters(r.delimiters);
    bind_isa(r);
    interchange.location = at;
    interchange.sender_qualifier = r.fields[5];
    interchange.sender_id = std::string(detail::trim(r.fields[6]));
    interchange.receiver_qualifier = r.fields[7];
    interchange.receiver_id = std::string(detail::trim(r.fields[8]));
    interchange.date = r.fields[9];
    interchange.time = r.fields[10];
    interchange.version = r.fields[12];
    interchange.control_number = r.fields[13];
    interchange.ack_requested = r.fields[14] == "1";
    interchange.test = r.fields[15] == "T";
    wrapped = r.wrapped;
    push(EventKind::interchange_start, at);
    if (r.nonstandard) {
      report(ProblemCode::isa_nonstandard, Severity::warning, at,
             std::string("ISA is not the standard 106 bytes") +
                 (r.wrapped ? " (line breaks inside it: the file is wrapped)" : "") +
                 "; read by counting separators");
    }
    detail::check_isa(r, segment, *this);
    advance_counting_lines(r.length);
  }

  // Reads the UNA service string advice; returns false (reported) when it is unusable.
  bool read_una(Delimiters& d) {
    const Location at = here();
    if (ensure(9) < 9) {
      error(ProblemCode::invalid_una, at, "input ends inside the UNA service string advice");
      pos = size;
      return false;
    }
    const char* p = data + pos;
    d.component = p[3];
    d.element = p[4];
    d.decimal = p[5];
    d.release = p[6] == ' ' ? 0 : p[6];
    d.repetition = p[7] == ' ' ? 0 : p[7];
    d.segment = p[8];
    const char seps[] = {d.component, d.element, d.segment};
    const bool distinct =
        d.component != d.element && d.component != d.segment && d.element != d.segment &&
        (d.release == 0 ||
         (d.release != d.element && d.release != d.segment && d.release != d.component)) &&
        (d.repetition == 0 || (d.repetition != d.element && d.repetition != d.segment &&
                               d.repetition != d.component && d.repetition != d.release));
    const bool usable = distinct && std::none_of(std::begin(seps), std::end(seps), is_alnum);
    if (!usable || (d.decimal != '.' && d.decimal != ',')) {
      // When its UNB follows, the interchange is read with the default delimiters and the
      // problem is reported inside it, so its CONTRL rejects it (UCI 4, code 20) rather than
      // accepting what was read with delimiters the sender did not announce.
      const bool unb_next = unb_after_una();
      std::string message = "UNA service string advice has invalid or clashing delimiters; ";
      message += unb_next ? "the interchange is rejected" : "the interchange is skipped";
      if (unb_next) {
        rejected_una = Problem{ProblemCode::invalid_una, Severity::error, at, std::move(message)};
      } else {
        error(ProblemCode::invalid_una, at, std::move(message));
      }
      advance_counting_lines(3);
      skip_to_header();
      return false;
    }
    advance_counting_lines(9);
    skip_line_breaks();
    return true;
  }

  // Whether "UNB" comes right after the 9 bytes of the UNA here (line breaks between allowed).
  bool unb_after_una() {
    constexpr std::size_t kMaxBreaks = 64;
    std::size_t n = 9;
    while (n < 9 + kMaxBreaks && ensure(n + 1) > n &&
           (data[pos + n] == '\r' || data[pos + n] == '\n')) {
      ++n;
    }
    // As at_interchange_header() sees it, so skip_to_header() stops there.
    return ensure(n + 4) >= n + 4 && std::memcmp(data + pos + n, "UNB", 3) == 0 &&
           !is_alnum(data[pos + n + 3]);
  }

  // The problem of a UNA whose UNB follows: reported once the interchange has started, or on
  // its own when that UNB cannot start one.
  void report_rejected_una() {
    if (!rejected_una) return;
    Problem p = std::move(*rejected_una);
    rejected_una.reset();
    error(p.code, p.location, std::move(p.message));
  }

  void start_edifact() {
    Delimiters d = Delimiters::edifact_default();
    const bool una = starts_with("UNA");
    if (una && !read_una(d)) return;
    start_unb(d, una);
    report_rejected_una();  // still there when the UNB did not start an interchange
  }

  void start_unb(Delimiters d, bool una) {
    if (!starts_with("UNB") || ensure(4) < 4) {
      report_rejected_una();
      error(ProblemCode::unb_invalid, here(), "expected UNB after the UNA service string advice");
      skip_to_header();
      return;
    }
    if (!una && data[pos + 3] == '\x1D') d = {'\x1D', '\x1F', 0, '\x1C', 0, '.'};  // level B
    if (data[pos + 3] != d.element) {
      report_rejected_una();
      error(ProblemCode::unb_invalid, here(),
            "UNB is not followed by the data element separator; the interchange is skipped");
      advance_counting_lines(3);
      skip_to_header();
      return;
    }
    begin_interchange(Standard::edifact);
    use_delimiters(d);
    interchange.has_service_string = una;
    if (!read_segment()) return;
    read_unb();
  }

  void read_unb() {
    const Segment& s = segment;
    InterchangeHeader& h = interchange;
    h.location = segment_location;
    // Every field as the data it carries: a release character escapes whatever follows it, as
    // in any other segment (the writer escapes them all the same way).
    const auto field = [&](std::size_t position, std::size_t component) {
      return unescape(s.component(position, component), h.delimiters.release);
    };
    h.syntax_id = field(1, 1);
    h.version = field(1, 2);
    h.sender_id = field(2, 1);
    h.sender_qualifier = field(2, 2);
    h.receiver_id = field(3, 1);
    h.receiver_qualifier = field(3, 2);
    h.date = field(4, 1);
    h.time = field(4, 2);
    h.control_number = s.text(5);
    h.ack_requested = s[9] == "1";
    h.test = s[11] == "1";
    if (!h.has_service_string && h.version == "4" && h.delimiters.element == '+') {
      Delimiters d = h.delimiters;
      d.repetition = '*';
      use_delimiters(d);       // the scanner looks for the repetition separator too
      segment.forget_marks();  // scanned before '*' was a separator: its marks would lie
    }
    push(EventKind::interchange_start, segment_location);
    report_rejected_una();
    detail::check_unb(s, *this);
  }

  // ---- inside an interchange -------------------------------------------------------------

  void step_inside() {
    skip_line_breaks();
    if (at_interchange_header()) {
      error(ProblemCode::interchange_trailer_missing, here(),
            "a new interchange starts before the trailer of interchange " +
                interchange.control_number);
      close_interchange_implied();
      return;
    }
    if (!read_segment()) {
      error(ProblemCode::interchange_trailer_missing, here(),
            "input ends before the trailer of interchange " + interchange.control_number);
      close_interchange_implied();
      finished = true;
      return;
    }
    if (interchange.standard == Standard::x12) {
      dispatch_x12();
    } else {
      dispatch_edifact();
    }
  }

  void dispatch_x12() {
    const std::string_view tag = segment.tag();
    const char first = tag.empty() ? '\0' : tag[0];
    if (first != 'S' && first != 'G' && first != 'I') {
      body_segment();
    } else if (tag == "ST") {
      open_set();
    } else if (tag == "SE") {
      close_set();
    } else if (tag == "GS") {
      open_group();
    } else if (tag == "GE") {
      close_group();
    } else if (tag == "IEA") {
      close_interchange();
    } else {
      body_segment();
    }
  }

  void dispatch_edifact() {
    const std::string_view tag = segment.tag();
    if (tag.empty() || tag[0] != 'U') {
      body_segment();
    } else if (tag == "UNH") {
      open_set();
    } else if (tag == "UNT") {
      close_set();
    } else if (tag == "UNG") {
      open_group();
    } else if (tag == "UNE") {
      close_group();
    } else if (tag == "UNZ") {
      close_interchange();
    } else {
      body_segment();
    }
  }

  bool x12() const { return interchange.standard == Standard::x12; }

  void body_segment() {
    if (!in_set && !in_group && x12() && segment.tag() == "TA1") {
      push(EventKind::segment, segment_location);  // an interchange acknowledgment
      return;
    }
    if (!in_set) {
      error(ProblemCode::segment_outside_set, segment_location,
            "segment " + std::string(segment.tag()) + " is outside a " +
                (x12() ? "transaction set (ST/SE)" : "message (UNH/UNT)") + "; ignored");
      return;
    }
    if (segments_in_set > options.limits.max_segments_per_set) {
      if (segments_in_set == options.limits.max_segments_per_set + 1) {
        error(ProblemCode::too_many_segments_in_set, segment_location,
              "transaction set has more than " +
                  std::to_string(options.limits.max_segments_per_set) + " segments");
      }
      return;
    }
    if (queue.empty() && !options.element_events) {
      direct_segment = true;
      return;
    }
    push(EventKind::segment, segment_location);
    if (options.element_events) push_element_events();
  }

  void push_element_events() {
    const Delimiters& d = interchange.delimiters;
    for (std::size_t i = 1; i <= segment.size(); ++i) {
      const std::string_view value = segment[i];
      push(EventKind::element, segment.location_of(i), false, value);
      const char* start = segment.raw().data();
      // A component's or repetition's location points at its own first byte.
      auto located = [&](std::size_t c, std::size_t r, std::string_view part) {
        Location l = segment.location_of(i, c, r);
        l.offset = segment.location().offset + static_cast<std::uint64_t>(part.data() - start);
        return l;
      };
      const bool repeated = d.repetition != 0 && has_separator(value, d.repetition, d.release);
      const bool composite = has_separator(value, d.component, d.release);
      if (!repeated && !composite) continue;
      PartIterator reps(value, repeated ? d.repetition : '\0', d.release);
      std::string_view rep;
      for (std::size_t r = 1; reps.next(rep); ++r) {
        if (repeated) push(EventKind::repetition, located(0, r, rep), false, rep);
        if (!has_separator(rep, d.component, d.release)) continue;
        PartIterator parts(rep, d.component, d.release);
        std::string_view part;
        for (std::size_t c = 1; parts.next(part); ++c) {
          push(EventKind::component, located(c, repeated ? r : 0, part), false, part);
        }
      }
    }
  }

  // -- transaction sets / messages

  void open_set() {
    if (in_set) {
      error(ProblemCode::set_trailer_missing, segment_location,
            std::string("transaction set ") + transaction.control_number +
                " has no trailer before the next header");
      close_set_implied();
    }
    if (x12() && !in_group) {
      error(ProblemCode::invalid_interchange_content, segment_location,
            "ST outside a functional group (GS/GE)");
    }
    if (!x12() && !in_group) {
      edifact_messages = true;
      ++messages_in_interchange;
      if (edifact_groups) mixed_groups();
    }
    in_set = true;
    update_fast_path();
    segments_in_set = 1;
    problems_in_set = 0;
    segment_location.segment_in_set = 1;
    ++sets_in_group;
    read_set_header();
    push(EventKind::transaction_start, segment_location);
    if (x12()) {
      detail::check_st(segment, *this);
    } else {
      detail::check_unh(segment, s009, *this);
    }
    if (!set_controls.insert(transaction.control_number)) {
      error(ProblemCode::set_control_duplicate, segment.location_of(x12() ? 2 : 1),
            "control number " + transaction.control_number + " is used twice in this " +
                (x12() ? "group" : "interchange"));
    }
  }

  // Fills `transaction` from the header segment. Strings are assigned, not rebuilt, so a set
  // header costs no allocation once the first one has sized them.
  void read_set_header() {
    TransactionHeader& t = transaction;
    t.location = segment_location;
    if (x12()) {
      assign(t.id, segment[1]);
      assign(t.control_number, segment[2]);
      assign(t.implementation, segment[3]);
      assign(t.version, t.implementation.empty() ? std::string_view(group.version)
                                                 : std::string_view(t.implementation));
      t.agency.clear();
      t.association.clear();
      return;
    }
    const std::string_view reference = segment[1];
    const char release = interchange.delimiters.release;
    if (release == 0 || reference.find(release) == std::string_view::npos) {
      assign(t.control_number, reference);
    } else {
      t.control_number = segment.text(1);
    }
    // S009 message identifier: type, version, release, agency, association code (kept for
    // check_unh, which would otherwise split it again).
    std::string_view(&parts)[5] = s009;
    split_components(segment[2], parts);
    assign(t.id, parts[0]);
    const std::string_view version(t.version);
    if (version.size() != parts[1].size() + parts[2].size() ||
        version.substr(0, parts[1].size()) != parts[1] ||
        version.substr(parts[1].size()) != parts[2]) {
      t.version.assign(parts[1]).append(parts[2]);
    }
    t.release_at = parts[1].size();
    assign(t.agency, parts[3]);
    assign(t.association, parts[4]);
    t.implementation.clear();
  }

  // The first N components of a composite (empty past its end), in one pass.
  template <std::size_t N>
  void split_components(std::string_view value, std::string_view (&parts)[N]) const {
    const Delimiters& d = interchange.delimiters;
    PartIterator it(value, d.component, d.release);
    for (std::string_view& part : parts) {
      if (!it.next(part)) part = {};
    }
  }

  void close_set() {
    if (!in_set) {
      error(ProblemCode::set_trailer_unexpected, segment_location,
            std::string(segment.tag()) + " without a matching " + (x12() ? "ST" : "UNH"));
      return;
    }
    const std::string_view count = segment[1];
    const auto n = parse_count(count);
    if (!n || *n != segments_in_set) {
      error(ProblemCode::set_segment_count_mismatch, segment.location_of(1),
            "segment count " + std::string(count) + " does not match the " +
                std::to_string(segments_in_set) + " segments in the set");
    }
    const std::string_view control = segment[2];
    const char release = interchange.delimiters.release;
    const bool escaped = release != 0 && control.find(release) != std::string_view::npos;
    if (!same_control(escaped ? std::string_view(segment.text(2)) : control,
                      transaction.control_number)) {
      error(ProblemCode::set_control_mismatch, segment.location_of(2),
            "trailer control number " + std::string(control) + " does not match header " +
                transaction.control_number);
    }
    push(EventKind::transaction_end, segment_location);
    in_set = false;
    fast_path = false;
  }

  void close_set_implied() {
    push(EventKind::transaction_end, here(), true);
    in_set = false;
    fast_path = false;
  }

  // -- groups

  void mixed_groups() {
    error(ProblemCode::mixed_groups_and_messages, segment_location,
          "interchange mixes functional groups (UNG) and messages outside groups");
  }

  void open_group() {
    if (in_set) {
      error(ProblemCode::set_trailer_missing, segment_location,
            "transaction set " + transaction.control_number + " has no trailer before " +
                std::string(segment.tag()));
      close_set_implied();
    }
    if (in_group) {
      error(ProblemCode::group_trailer_missing, segment_location,
            "group " + group.control_number + " has no trailer before the next group");
      close_group_implied();
    }
    if (!x12()) {
      edifact_groups = true;
      if (edifact_messages) mixed_groups();
    }
    in_group = true;
    sets_in_group = 0;
    set_controls.clear();
    ++groups_in_interchange;
    read_group_header();
    push(EventKind::group_start, segment_location);
    if (x12()) {
      detail::check_gs(segment, *this);
    } else {
      detail::check_ung(segment, *this);
    }
    if (!group_controls.insert(group.control_number)) {
      error(ProblemCode::group_control_duplicate, segment.location_of(x12() ? 6 : 5),
            "group control number " + group.control_number + " is used twice in this interchange");
    }
  }

  void read_group_header() {
    GroupHeader& g = group;
    g = {};
    g.location = segment_location;
    if (x12()) {
      g.functional_id = std::string(segment[1]);
      g.sender_id = std::string(segment[2]);
      g.receiver_id = std::string(segment[3]);
      g.date = std::string(segment[4]);
      g.time = std::string(segment[5]);
      g.control_number = std::string(segment[6]);
      g.agency = std::string(segment[7]);
      g.version = std::string(segment[8]);
    } else {
      const auto field = [&](std::size_t position, std::size_t component) {
        return unescape(segment.component(position, component), interchange.delimiters.release);
      };
      g.functional_id = segment.text(1);
      g.sender_id = field(2, 1);
      g.receiver_id = field(3, 1);
      g.date = field(4, 1);
      g.time = field(4, 2);
      g.control_number = segment.text(5);
      g.agency = segment.text(6);
      g.version = field(7, 1) + field(7, 2);
    }
  }

  void close_group() {
    if (in_set) {
      error(ProblemCode::set_trailer_missing, segment_location,
            "transaction set " + transaction.control_number + " has no trailer before " +
                std::string(segment.tag()));
      close_set_implied();
    }
    if (!in_group) {
      error(ProblemCode::group_trailer_unexpected, segment_location,
            std::string(segment.tag()) + " without a matching " + (x12() ? "GS" : "UNG"));
      return;
    }
    const std::string_view count = segment[1];
    const auto n = parse_count(count);
    if (!n || *n != sets_in_group) {
      error(ProblemCode::group_count_mismatch, segment.location_of(1),
            "group trailer counts " + std::string(count) + " sets but the group has " +
                std::to_string(sets_in_group));
    }
    if (!same_control(segment[2], group.control_number)) {
      error(ProblemCode::group_control_mismatch, segment.location_of(2),
            "group trailer control number " + std::string(segment[2]) + " does not match header " +
                group.control_number);
    }
    push(EventKind::group_end, segment_location);
    in_group = false;
  }

  void close_group_implied() {
    push(EventKind::group_end, here(), true);
    in_group = false;
  }

  // -- interchanges

  void close_interchange() {
    if (in_set) {
      error(ProblemCode::set_trailer_missing, segment_location,
            "transaction set " + transaction.control_number + " has no trailer before " +
                std::string(segment.tag()));
      close_set_implied();
    }
    if (in_group) {
      error(
          ProblemCode::group_trailer_missing, segment_location,
          "group " + group.control_number + " has no trailer before " + std::string(segment.tag()));
      close_group_implied();
    }
    const std::uint64_t expected =
        x12() || edifact_groups ? groups_in_interchange : messages_in_interchange;
    const std::string_view count = segment[1];
    const auto n = parse_count(count);
    if (!n || *n != expected) {
      error(ProblemCode::interchange_count_mismatch, segment.location_of(1),
            "interchange trailer counts " + std::string(count) + " but the interchange has " +
                std::to_string(expected) + (x12() || edifact_groups ? " groups" : " messages"));
    }
    const std::string control = x12() ? std::string(segment[2]) : segment.text(2);
    if (!same_control(control, interchange.control_number)) {
      error(ProblemCode::interchange_control_mismatch, segment.location_of(2),
            "interchange trailer control number " + control + " does not match header " +
                interchange.control_number);
    }
    push(EventKind::interchange_end, segment_location);
    in_interchange = false;
  }

  void close_interchange_implied() {
    if (in_set) {
      error(ProblemCode::set_trailer_missing, here(),
            "transaction set " + transaction.control_number + " has no trailer");
      close_set_implied();
    }
    if (in_group) {
      error(ProblemCode::group_trailer_missing, here(),
            "group " + group.control_number + " has no trailer");
      close_group_implied();
    }
    push(EventKind::interchange_end, here(), true);
    in_interchange = false;
  }
};

Reader::Reader(std::string_view input, ReaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->data = input.data();
  impl_->size = input.size();
  impl_->eof = true;
}

Reader::Reader(Source& source, ReaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  const Limits& limits = impl_->options.limits;
  const std::size_t floor = limits.max_segment_length + detail::kMaxIsaLength + 64;
  impl_->source = &source;
  impl_->buffer.resize(std::max(limits.stream_buffer, floor));
  impl_->data = impl_->buffer.data();
}

Reader::~Reader() = default;

Event Reader::next() { return impl_->next(); }
const Segment& Reader::segment() const { return impl_->segment; }
const Problem& Reader::problem() const {
  static const Problem kNone{};
  return impl_->current_problem >= 0 ? impl_->problems[impl_->current_problem] : kNone;
}
const InterchangeHeader& Reader::interchange() const { return impl_->interchange; }
const GroupHeader& Reader::group() const { return impl_->group; }
const TransactionHeader& Reader::transaction() const { return impl_->transaction; }
bool Reader::in_group() const { return impl_->in_group; }
bool Reader::in_transaction() const { return impl_->in_set; }
std::uint32_t Reader::segments_in_transaction() const { return impl_->segments_in_set; }
std::uint64_t Reader::bytes_read() const { return impl_->base + impl_->pos; }
const ReaderOptions& Reader::options() const { return impl_->options; }

const char* to_string(EventKind kind) {
  static constexpr const char* kNames[] = {
      "interchange_start", "group_start",     "transaction_start", "segment",
      "element",           "repetition",      "component",         "transaction_end",
      "group_end",         "interchange_end", "problem",           "end_of_input"};
  return kNames[static_cast<int>(kind)];
}

}  // namespace edigate::edi
