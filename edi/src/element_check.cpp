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

// Digits in a numeric value (sign and decimal mark are not counted in its length).
std::size_t digit_count(std::string_view v) {
  std::size_t n = 0;
  for (char c : v) n += is_digit(c) ? 1 : 0;
  return n;
}

bool valid_integer(std::string_view v) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  return !v.empty() && all_digits(v);
}

// Optional sign, digits, at most one decimal mark, at least one digit.
bool valid_decimal(std::string_view v, char decimal_mark) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  bool mark = false;
  bool digit = false;
  for (char c : v) {
    if (is_digit(c)) {
      digit = true;
    } else if ((c == '.' || c == decimal_mark) && !mark) {
      mark = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool alphabetic(std::string_view v) {
  for (char c : v) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ')) return false;
  }
  return true;
}

[[gnu::noinline]] bool in_code_list(const ElementRule& rule, std::string_view v) {
  if (v.size() <= 8) {
    return std::binary_search(rule.short_codes.begin(), rule.short_codes.end(), pack_code(v));
  }
  return std::binary_search(rule.long_codes.begin(), rule.long_codes.end(), v,
                            [](std::string_view a, std::string_view b) { return a < b; });
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
  switch (rule.type) {
    case ElementType::n:
      if (!valid_integer(v)) return {ProblemCode::element_invalid_character, "is not numeric"};
      break;
    case ElementType::r:
      if (!valid_decimal(v, decimal_mark)) {
        return {ProblemCode::element_invalid_decimal, "is not a decimal number"};
      }
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
  const bool numeric = rule.type == ElementType::n || rule.type == ElementType::r;
  const std::size_t length = numeric ? digit_count(v) : v.size();
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

}  // namespace

void ElementChecker::check(const Segment& segment, const SegmentRule& rule,
                           std::vector<Problem>& out) {
  // Most segments hold no component or repetition separator at all: one look at the whole
  // segment spares a look at each element.
  const Delimiters& d = segment.delimiters();
  const std::string_view raw = segment.raw();
  const std::string_view body = raw.substr(std::min(raw.size(), segment.tag().size()));
  segment_has_components_ = body.find(d.component) != std::string_view::npos;
  segment_has_repetitions_ = d.repetition != 0 && body.find(d.repetition) != std::string_view::npos;
  segment_has_release_ = d.release != 0 && body.find(d.release) != std::string_view::npos;
  // A simple element in a segment without repetitions, components or release characters (the
  // common case) is judged right here; anything else takes the general path.
  const bool plain = !segment_has_components_ && !segment_has_repetitions_ && !segment_has_release_;
  // Only present elements are visited; absent ones matter only when mandatory.
  const std::size_t present = std::min(segment.size(), rule.by_position.size() - 1);
  for (std::size_t position = 1; position <= present; ++position) {
    const ElementRule* element = rule.by_position[position];
    if (element == nullptr) continue;
    if (plain && element->components.empty()) {
      const std::string_view value = segment[position];
      if (value.empty()) {
        if (element->mandatory) report_missing(segment, *element, position, 0, 0, out);
        continue;
      }
      const Finding f = judge(*element, value, d.decimal);
      if (f.what != nullptr) report(segment, *element, f.code, f.what, value, position, 0, 0, out);
      continue;
    }
    check_element(segment, *element, out);
  }
  for (const std::uint16_t position : rule.mandatory_positions) {
    if (position > segment.size()) {
      report_missing(segment, *rule.by_position[position], position, 0, 0, out);
    }
  }
  if (rule.element_count != 0 && segment.size() > rule.element_count) {
    Problem p{ProblemCode::element_too_many, Severity::error,
              segment.location_of(rule.element_count + 1),
              std::string(segment.tag()) + " has " + std::to_string(segment.size()) +
                  " elements; the standard defines " + std::to_string(rule.element_count)};
    p.segment_id = std::string(segment.tag());
    out.push_back(std::move(p));
  }
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
    if (segment_has_components_ && contains(value, segment.delimiters().component)) {
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
  const Delimiters& d = segment.delimiters();
  std::vector<std::string_view>& given = parts_;
  given.clear();
  if (segment_has_release_) {
    PartIterator parts(value, d.component, d.release);
    std::string_view part;
    while (parts.next(part)) given.push_back(part);
  } else {  // no release character: a plain split
    std::size_t start = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == d.component) {
        given.push_back(value.substr(start, i - start));
        start = i + 1;
      }
    }
    given.push_back(value.substr(start));
  }
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
    if (segment_has_release_) {
      check_value(segment, component, v, {rule.position, index, repetition}, out);
      continue;
    }
    const Finding f = judge(component, v, d.decimal);
    if (f.what != nullptr) {
      report(segment, component, f.code, f.what, v, rule.position, index, repetition, out);
    }
  }
}

void ElementChecker::check_value(const Segment& segment, const ElementRule& rule,
                                 std::string_view value, const Position& position,
                                 std::vector<Problem>& out) {
  const Delimiters& d = segment.delimiters();
  if (d.release != 0 && contains(value, d.release)) {
    scratch_ = unescape(value, d.release);
    value = scratch_;
  }
  const Finding f = judge(rule, value, d.decimal);
  if (f.what != nullptr) {
    report(segment, rule, f.code, f.what, value, position.element, position.component,
           position.repetition, out);
  }
}

}  // namespace edigate::edi::detail
