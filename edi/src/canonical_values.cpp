#include "canonical_values.hpp"

#include <cstddef>

namespace edigate::edi::canonical::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The two digits at `at` as a number, or -1 when they are not both digits.
int two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || !is_digit(s[at]) || !is_digit(s[at + 1])) return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

bool in_range(int value, int low, int high) { return value >= low && value <= high; }

// HH:MM at `at`, hours 00-23 and minutes 00-59.
bool is_hours_minutes(std::string_view s, std::size_t at) {
  return at + 5 <= s.size() && in_range(two_digits(s, at), 0, 23) && s[at + 2] == ':' &&
         in_range(two_digits(s, at + 3), 0, 59);
}

}  // namespace

bool is_text(std::string_view s) { return !s.empty(); }

bool is_date(std::string_view s) {
  return s.size() == 10 && two_digits(s, 0) >= 0 && two_digits(s, 2) >= 0 && s[4] == '-' &&
         in_range(two_digits(s, 5), 1, 12) && s[7] == '-' && in_range(two_digits(s, 8), 1, 31);
}

bool is_date_time(std::string_view s) {
  if (s.size() < 16 || !is_date(s.substr(0, 10)) || s[10] != 'T' || !is_hours_minutes(s, 11)) {
    return false;
  }
  std::string_view rest = s.substr(16);
  if (!rest.empty() && rest.front() == ':') {
    if (!in_range(two_digits(rest, 1), 0, 59)) return false;
    rest.remove_prefix(3);
    if (!rest.empty() && rest.front() == '.') {  // X12 TM HHMMSSdd: hundredths and finer
      std::size_t digits = 1;
      while (digits < rest.size() && is_digit(rest[digits])) ++digits;
      if (digits == 1) return false;
      rest.remove_prefix(digits);
    }
  }
  if (rest.empty() || rest == "Z") return true;
  return rest.size() == 6 && (rest.front() == '+' || rest.front() == '-') &&
         is_hours_minutes(rest, 1);
}

bool is_date_or_date_time(std::string_view s) { return is_date(s) || is_date_time(s); }

bool is_sscc(std::string_view s) {
  if (s.size() != 18) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool is_standard(std::string_view s) { return s == "x12" || s == "edifact"; }

bool is_indicator(std::string_view s) { return s == "A" || s == "C"; }

}  // namespace edigate::edi::canonical::detail
