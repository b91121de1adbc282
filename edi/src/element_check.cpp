#include "element_check.hpp"

#include <cstdio>

#include "text_checks.hpp"

namespace edigate::edi::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

struct Finding {
  ProblemCode code;
  const char* what;
};

// The first problem of a non-empty value under its rule, or nullptr-what when it is fine.
Finding judge(const ElementRule& rule, std::string_view v, char decimal_mark) {
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
  if (!rule.codes.empty() && !in_list(v, rule.codes)) {
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

}  // namespace

void ElementChecker::check(const Segment& segment, const SegmentRule& rule,
                           std::vector<Problem>& out) {
  for (const ElementRule& element : rule.elements) check_element(segment, element, out);
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
    if (rule.mandatory) {
      const Location at = segment.location_of(rule.position);
      add(out, ProblemCode::element_mandatory_missing, at,
          label(segment, rule, at) + " is mandatory and missing", segment, rule, {});
    }
    return;
  }
  const Delimiters& d = segment.delimiters();
  if (d.repetition == 0 || value.find(d.repetition) == std::string_view::npos) {
    check_repetition(segment, rule, value, 0, out);
    return;
  }
  PartIterator reps(value, d.repetition, d.release);
  std::string_view rep;
  std::size_t count = 0;
  while (reps.next(rep)) {
    if (++count > rule.max_repeat) {
      const Location at = segment.location_of(rule.position, 0, count);
      add(out, ProblemCode::element_too_many_repetitions, at,
          label(segment, rule, at) + " repeats more than " + std::to_string(rule.max_repeat) +
              " times",
          segment, rule, {});
      return;
    }
    check_repetition(segment, rule, rep, count, out);
  }
}

void ElementChecker::check_repetition(const Segment& segment, const ElementRule& rule,
                                      std::string_view value, std::size_t repetition,
                                      std::vector<Problem>& out) {
  const Delimiters& d = segment.delimiters();
  const bool has_components = value.find(d.component) != std::string_view::npos;
  if (rule.components.empty()) {
    const Location at = segment.location_of(rule.position, 0, repetition);
    if (has_components) {
      add(out, ProblemCode::element_too_many_components, at,
          label(segment, rule, at) + " is a simple element but holds components", segment, rule,
          value);
      return;
    }
    check_value(segment, rule, value, at, out);
    return;
  }
  PartIterator parts(value, d.component, d.release);
  std::string_view part;
  std::size_t index = 0;
  std::vector<std::string_view>& given = parts_;
  given.clear();
  while (parts.next(part)) given.push_back(part);
  if (given.size() > rule.components.back().position) {
    const Location at = segment.location_of(rule.position, given.size(), repetition);
    add(out, ProblemCode::element_too_many_components, at,
        label(segment, rule, at) + " has more components than defined", segment, rule, value);
  }
  for (const ElementRule& component : rule.components) {
    index = component.position;
    const std::string_view v = index <= given.size() ? given[index - 1] : std::string_view{};
    const Location at = segment.location_of(rule.position, index, repetition);
    if (v.empty()) {
      if (component.mandatory) {
        add(out, ProblemCode::element_mandatory_missing, at,
            label(segment, component, at) + " is mandatory and missing", segment, component, {});
      }
      continue;
    }
    check_value(segment, component, v, at, out);
  }
}

void ElementChecker::check_value(const Segment& segment, const ElementRule& rule,
                                 std::string_view value, const Location& at,
                                 std::vector<Problem>& out) {
  const Delimiters& d = segment.delimiters();
  if (d.release != 0 && value.find(d.release) != std::string_view::npos) {
    scratch_ = unescape(value, d.release);
    value = scratch_;
  }
  const Finding f = judge(rule, value, d.decimal);
  if (f.what == nullptr) return;
  add(out, f.code, at,
      label(segment, rule, at) + " '" + std::string(value.substr(0, 40)) + "' " + f.what, segment,
      rule, value);
}

}  // namespace edigate::edi::detail
