#include "element_check.hpp"

#include <algorithm>
#include <cstdio>

#include "text_checks.hpp"

namespace edigate::edi::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Element values are short: a plain loop beats a call to memchr.
bool contains(std::string_view value, char c) {
  for (char x : value) {
    if (x == c) return true;
  }
  return false;
}

// Whether a separator occurs in a value other than escaped by the release character.
bool holds_unescaped(std::string_view value, char separator, char release) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (release != 0 && value[i] == release) {
      ++i;  // the next byte is data
    } else if (value[i] == separator) {
      return true;
    }
  }
  return false;
}

// unescape() into a buffer kept from value to value, so a released character costs no
// allocation.
void unescape_into(std::string& out, std::string_view raw, char release) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == release && i + 1 < raw.size()) ++i;
    out.push_back(raw[i]);
  }
}

bool valid_integer(std::string_view v) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  return !v.empty() && all_digits(v);
}

// A decimal number is an optional sign, digits, at most one decimal mark and at least one
// digit. Returns how many digits it has (its length for the schema), 0 when it is not one.
std::size_t decimal_digits(std::string_view v, char decimal_mark) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  bool mark = false;
  std::size_t digits = 0;
  for (char c : v) {
    if (is_digit(c)) {
      ++digits;
    } else if ((c == '.' || c == decimal_mark) && !mark) {
      mark = true;
    } else {
      return 0;
    }
  }
  return digits;
}

bool alphabetic(std::string_view v) {
  for (char c : v) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ')) return false;
  }
  return true;
}

[[gnu::noinline]] bool in_long_codes(const ElementRule& rule, std::string_view v) {
  return std::binary_search(rule.long_codes.begin(), rule.long_codes.end(), v,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

// Probes a code table (schema.cpp builds it). The empty test comes first: a value that packs
// to 0 (a NUL byte) is then never taken for a code.
bool in_code_table(const ElementRule& rule, std::uint64_t key) {
  const std::uint64_t* const table = rule.code_table.data();
  const std::size_t mask = rule.code_table.size() - 1;
  for (std::size_t slot = code_slot(key, rule.code_shift);; slot = (slot + 1) & mask) {
    if (table[slot] == 0) return false;
    if (table[slot] == key) return true;
  }
}

// Short qualifier lists are scanned; longer ones are looked up in their hash table.
inline bool in_code_list(const ElementRule& rule, std::string_view v) {
  if (v.size() > 8) return in_long_codes(rule, v);
  const std::uint64_t key = pack_code(v);
  if (!rule.code_table.empty()) return in_code_table(rule, key);
  for (const std::uint64_t code : rule.short_codes) {
    if (code == key) return true;
  }
  return false;
}

struct Finding {
  ProblemCode code;
  const char* what;
};

// The first problem of a non-empty value under its rule, or nullptr-what when it is fine.
// Inlined into each caller: it runs for every value, and a call would cost as much as the
// checks themselves.
[[gnu::always_inline]] inline Finding judge(const ElementRule& rule, std::string_view v,
                                            char decimal_mark) {
  // Most values are AN or ID: length and code list only, decided without the type switch.
  if (rule.type == ElementType::an || rule.type == ElementType::id) {
    if (v.size() < rule.min_length) return {ProblemCode::element_too_short, "is too short"};
    if (v.size() > rule.max_length) return {ProblemCode::element_too_long, "is too long"};
    if (rule.has_codes() && !in_code_list(rule, v)) {
      return {ProblemCode::element_invalid_code, "is not a valid code"};
    }
    return {ProblemCode::element_invalid_code, nullptr};
  }
  // Numbers count their digits only (sign and decimal mark are not part of the length).
  std::size_t length = v.size();
  switch (rule.type) {
    case ElementType::n:
      if (!valid_integer(v)) return {ProblemCode::element_invalid_character, "is not numeric"};
      length -= v.front() == '-' ? 1 : 0;
      break;
    case ElementType::r:
      length = decimal_digits(v, decimal_mark);
      if (length == 0) return {ProblemCode::element_invalid_decimal, "is not a decimal number"};
      break;
    case ElementType::dt:
      if (!valid_date(v)) return {ProblemCode::element_invalid_date, "is not a valid date"};
      break;
    case ElementType::tm:
      if (!valid_time(v)) return {ProblemCode::element_invalid_time, "is not a valid time"};
      break;
    case ElementType::a:
      if (!alphabetic(v)) return {ProblemCode::element_invalid_character, "is not alphabetic"};
      break;
    default:
      break;
  }
  if (length < rule.min_length) return {ProblemCode::element_too_short, "is too short"};
  if (length > rule.max_length) return {ProblemCode::element_too_long, "is too long"};
  if (rule.has_codes() && !in_code_list(rule, v)) {
    return {ProblemCode::element_invalid_code, "is not a valid code"};
  }
  return {ProblemCode::element_invalid_code, nullptr};
}

std::string label(const Segment& segment, const ElementRule& rule, const Location& at) {
  std::string out(segment.tag());
  char position[8];
  std::snprintf(position, sizeof position, "%02u", at.element);
  out += position;
  if (at.component != 0) out += "-" + std::to_string(at.component);
  if (!rule.name.empty()) out += " (" + rule.name + ")";
  return out;
}

void add(std::vector<Problem>& out, ProblemCode code, const Location& at, std::string message,
         const Segment& segment, const ElementRule& rule, std::string_view value) {
  Problem p{code, Severity::error, at, std::move(message)};
  p.segment_id = std::string(segment.tag());
  p.element_ref = rule.name;
  p.value = std::string(value.substr(0, 99));
  out.push_back(std::move(p));
}

// ---- cold paths: reporting (kept out of line so the checks above stay small) -------------

[[gnu::noinline, gnu::cold]] void report_missing(const Segment& segment, const ElementRule& rule,
                                                 std::size_t position, std::size_t component,
                                                 std::size_t repetition,
                                                 std::vector<Problem>& out) {
  const Location at = segment.location_of(position, component, repetition);
  add(out, ProblemCode::element_mandatory_missing, at,
      label(segment, rule, at) + " is mandatory and missing", segment, rule, {});
}

[[gnu::noinline, gnu::cold]] void report(const Segment& segment, const ElementRule& rule,
                                         ProblemCode code, const char* what, std::string_view value,
                                         std::size_t position, std::size_t component,
                                         std::size_t repetition, std::vector<Problem>& out) {
  const Location at = segment.location_of(position, component, repetition);
  std::string message = label(segment, rule, at);
  if (!value.empty() && code != ProblemCode::element_too_many_components) {
    message += " '" + std::string(value.substr(0, 40)) + "'";
  }
  add(out, code, at, message + " " + what, segment, rule, value);
}

// For a segment read without ReaderOptions::segment_marks: one look at the whole segment
// spares a look at each element.
std::uint8_t marks_of(const Segment& segment) {
  const Delimiters& d = segment.delimiters();
  const std::string_view raw = segment.raw();
  const std::string_view body = raw.substr(std::min(raw.size(), segment.tag().size()));
  const auto has = [&](char c) { return c != 0 && body.find(c) != std::string_view::npos; };
  return static_cast<std::uint8_t>((has(d.component) ? Segment::kComponent : 0) |
                                   (has(d.repetition) ? Segment::kRepetition : 0) |
                                   (has(d.release) ? Segment::kRelease : 0));
}

// After the elements present: mandatory ones the segment stops short of.
[[gnu::noinline, gnu::cold]] void report_missing_tail(const Segment& segment,
                                                      const SegmentRule& rule,
                                                      std::vector<Problem>& out) {
  for (const std::uint16_t position : rule.mandatory_positions) {
    if (position > segment.size()) {
      report_missing(segment, *rule.by_position[position], position, 0, 0, out);
    }
  }
}

[[gnu::noinline, gnu::cold]] void report_too_many(const Segment& segment, const SegmentRule& rule,
                                                  std::vector<Problem>& out) {
  Problem p{ProblemCode::element_too_many, Severity::error,
            segment.location_of(rule.element_count + 1),
            std::string(segment.tag()) + " has " + std::to_string(segment.size()) +
                " elements; the standard defines " + std::to_string(rule.element_count)};
  p.segment_id = std::string(segment.tag());
  out.push_back(std::move(p));
}

}  // namespace

void ElementChecker::judge_component(const Segment& segment, const ElementRule& component,
                                     std::string_view v, std::size_t element, std::size_t index,
                                     std::size_t repetition, char decimal_mark,
                                     std::vector<Problem>& out) {
  if (v.empty()) {
    if (component.mandatory) report_missing(segment, component, element, index, repetition, out);
    return;
  }
  const Finding f = judge(component, v, decimal_mark);
  if (f.what != nullptr)
    report(segment, component, f.code, f.what, v, element, index, repetition, out);
}

// Without release characters a composite is walked once: each component is judged as its
// separator is found, against the rules kept in position order. The separators come from the
// reader's component map when the segment has one (no byte is looked at again), else from a
// look at each byte.
void ElementChecker::check_components(const Segment& segment, const ElementRule& rule,
                                      std::string_view value, std::size_t repetition,
                                      std::vector<Problem>& out) {
  if (!has_component_map_) {
    check_components_bytewise(segment, rule, value, repetition, out);
    return;
  }
  const Delimiters& d = segment.delimiters();
  // The segment is shorter than 64 bytes, so the value's offset and size are too.
  const auto offset = static_cast<std::size_t>(value.data() - segment.raw().data());
  std::uint64_t separators = segment.component_map() >> offset;
  separators &= (std::uint64_t{1} << value.size()) - 1;
  const ElementRule* next = rule.components.data();
  const ElementRule* const last = next + rule.components.size();
  std::size_t index = 1;
  std::size_t start = 0;
  while (true) {
    const std::size_t stop =
        separators != 0 ? static_cast<std::size_t>(__builtin_ctzll(separators)) : value.size();
    while (next != last && next->position < index) ++next;  // a gap in the definition
    if (next != last && next->position == index) {
      // start <= stop <= value.size(): no bounds check needed (as substr would make).
      judge_component(segment, *next, std::string_view(value.data() + start, stop - start),
                      rule.position, index, repetition, d.decimal, out);
      ++next;
    }
    if (separators == 0) break;
    separators &= separators - 1;
    start = stop + 1;
    ++index;
  }
  if (index > last[-1].position || (next != last && next->position <= rule.last_mandatory)) {
    finish_components(segment, rule, value, index, next, repetition, out);
  }
}

void ElementChecker::check(const Segment& segment, const SegmentRule& rule,
                           std::vector<Problem>& out) {
  // The reader says which inner separators the segment holds, so most values need no look
  // for them at all.
  const Delimiters& d = segment.delimiters();
  const std::uint8_t marks =
      (segment.marks() & Segment::kKnown) != 0 ? segment.marks() : marks_of(segment);
  has_component_map_ = (marks & Segment::kComponentMap) != 0;
  const bool has_components = (marks & Segment::kComponent) != 0;
  // Release and repetition characters are rare: only then is a value looked at for them.
  const bool general = (d.release != 0 && (marks & Segment::kRelease) != 0) ||
                       (d.repetition != 0 && (marks & Segment::kRepetition) != 0);
  if (general) {
    segment_has_components_ = has_components;
    segment_has_repetitions_ = d.repetition != 0 && (marks & Segment::kRepetition) != 0;
    segment_has_release_ = d.release != 0 && (marks & Segment::kRelease) != 0;
  }
  // Only the defined elements that are present are visited (rules are in position order);
  // absent ones matter only when mandatory.
  const std::size_t size = segment.size();
  for (const ElementRule& element : rule.elements) {
    const std::size_t position = element.position;
    if (position > size) break;
    const std::string_view value = segment.present_element(position);  // 1 <= position <= size
    if (general && needs_general_path(element, value, d)) {
      check_element(segment, element, out);
      continue;
    }
    if (value.empty()) {
      if (element.mandatory) report_missing(segment, element, position, 0, 0, out);
      continue;
    }
    if (!element.components.empty()) {
      check_components(segment, element, value, 0, out);
      continue;
    }
    if (has_components && contains(value, d.component)) {
      report(segment, element, ProblemCode::element_too_many_components,
             "is a simple element but holds components", value, position, 0, 0, out);
      continue;
    }
    const Finding f = judge(element, value, d.decimal);
    if (f.what != nullptr) report(segment, element, f.code, f.what, value, position, 0, 0, out);
  }
  if (size < rule.last_mandatory) report_missing_tail(segment, rule, out);
  if (size > rule.most_elements) report_too_many(segment, rule, out);
}

// Values with a release or repetition character take the general path; the common case,
// also a value beside one that holds a release character, is judged on the fast path. A
// composite with more components than defined keeps the general path in a segment with
// release characters: it reports "too many components" before the components themselves, and
// that order must not depend on which path a value takes.
bool ElementChecker::needs_general_path(const ElementRule& element, std::string_view value,
                                        const Delimiters& d) const {
  if (segment_has_repetitions_ && contains(value, d.repetition)) return true;
  if (!segment_has_release_) return false;
  if (contains(value, d.release)) return true;
  if (element.components.empty()) return false;
  const auto separators =
      static_cast<std::size_t>(std::count(value.begin(), value.end(), d.component));
  return separators >= element.components.back().position;
}

void ElementChecker::check_element(const Segment& segment, const ElementRule& rule,
                                   std::vector<Problem>& out) {
  const std::string_view value = segment[rule.position];
  if (value.empty()) {
    if (rule.mandatory) report_missing(segment, rule, rule.position, 0, 0, out);
    return;
  }
  const Delimiters& d = segment.delimiters();
  if (!segment_has_repetitions_ || !contains(value, d.repetition)) {
    check_repetition(segment, rule, value, 0, out);
    return;
  }
  PartIterator reps(value, d.repetition, d.release);
  std::string_view rep;
  std::size_t count = 0;
  while (reps.next(rep)) {
    if (++count > rule.max_repeat) {
      report(segment, rule, ProblemCode::element_too_many_repetitions,
             ("repeats more than " + std::to_string(rule.max_repeat) + " times").c_str(), {},
             rule.position, 0, count, out);
      return;
    }
    check_repetition(segment, rule, rep, count, out);
  }
}

void ElementChecker::check_repetition(const Segment& segment, const ElementRule& rule,
                                      std::string_view value, std::size_t repetition,
                                      std::vector<Problem>& out) {
  if (rule.components.empty()) {
    const Delimiters& d = segment.delimiters();
    if (segment_has_components_ && holds_unescaped(value, d.component, d.release)) {
      report(segment, rule, ProblemCode::element_too_many_components,
             "is a simple element but holds components", value, rule.position, 0, repetition, out);
      return;
    }
    check_value(segment, rule, value, {rule.position, 0, repetition}, out);
    return;
  }
  check_composite(segment, rule, value, repetition, out);
}

void ElementChecker::check_composite(const Segment& segment, const ElementRule& rule,
                                     std::string_view value, std::size_t repetition,
                                     std::vector<Problem>& out) {
  if (!segment_has_release_) {
    check_components(segment, rule, value, repetition, out);
    return;
  }
  const Delimiters& d = segment.delimiters();
  std::vector<std::string_view>& given = parts_;
  given.clear();
  PartIterator parts(value, d.component, d.release);
  std::string_view part;
  while (parts.next(part)) given.push_back(part);
  if (given.size() > rule.components.back().position) {
    report(segment, rule, ProblemCode::element_too_many_components,
           "has more components than defined", value, rule.position, given.size(), repetition, out);
  }
  for (const ElementRule& component : rule.components) {
    const std::size_t index = component.position;
    const std::string_view v = index <= given.size() ? given[index - 1] : std::string_view{};
    if (v.empty()) {
      if (component.mandatory) {
        report_missing(segment, component, rule.position, index, repetition, out);
      }
      continue;
    }
    check_value(segment, component, v, {rule.position, index, repetition}, out);
  }
}

void ElementChecker::check_components_bytewise(const Segment& segment, const ElementRule& rule,
                                               std::string_view value, std::size_t repetition,
                                               std::vector<Problem>& out) {
  const Delimiters& d = segment.delimiters();
  const ElementRule* next = rule.components.data();
  const ElementRule* const last = next + rule.components.size();
  std::size_t index = 1;
  std::size_t start = 0;
  for (std::size_t i = 0;; ++i) {
    if (i < value.size() && value[i] != d.component) continue;
    while (next != last && next->position < index) ++next;  // a gap in the definition
    if (next != last && next->position == index) {
      judge_component(segment, *next, value.substr(start, i - start), rule.position, index,
                      repetition, d.decimal, out);
      ++next;
    }
    if (i == value.size()) break;
    start = i + 1;
    ++index;
  }
  if (index > last[-1].position || (next != last && next->position <= rule.last_mandatory)) {
    finish_components(segment, rule, value, index, next, repetition, out);
  }
}

// After the last component given: too many of them, or mandatory ones never reached.
void ElementChecker::finish_components(const Segment& segment, const ElementRule& rule,
                                       std::string_view value, std::size_t given,
                                       const ElementRule* next, std::size_t repetition,
                                       std::vector<Problem>& out) {
  const ElementRule* const last = rule.components.data() + rule.components.size();
  if (given > last[-1].position) {
    report(segment, rule, ProblemCode::element_too_many_components,
           "has more components than defined", value, rule.position, given, repetition, out);
  }
  for (; next != last; ++next) {
    if (next->mandatory) {
      report_missing(segment, *next, rule.position, next->position, repetition, out);
    }
  }
}

void ElementChecker::check_value(const Segment& segment, const ElementRule& rule,
                                 std::string_view value, const Position& position,
                                 std::vector<Problem>& out) {
  const Delimiters& d = segment.delimiters();
  if (d.release != 0 && contains(value, d.release)) {
    unescape_into(scratch_, value, d.release);
    value = scratch_;
  }
  const Finding f = judge(rule, value, d.decimal);
  if (f.what != nullptr) {
    report(segment, rule, f.code, f.what, value, position.element, position.component,
           position.repetition, out);
  }
}

}  // namespace edigate::edi::detail
