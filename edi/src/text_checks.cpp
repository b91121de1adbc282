#include "text_checks.hpp"

namespace edigate::edi::detail {
namespace {

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

}  // namespace

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool all_alpha(std::string_view s) {
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool valid_date(std::string_view s) {
  if ((s.size() != 8 && s.size() != 6) || !all_digits(s)) return false;
  const std::size_t at = s.size() - 4;
  const int year =
      s.size() == 8 ? two_digits(s, 0) * 100 + two_digits(s, 2) : 2000 + two_digits(s, 0);
  const int month = two_digits(s, at);
  const int day = two_digits(s, at + 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const int days = kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
  return day <= days;
}

bool valid_time(std::string_view s) {
  if (s.size() < 4 || s.size() > 8 || s.size() == 5 || !all_digits(s)) return false;
  if (two_digits(s, 0) > 23 || two_digits(s, 2) > 59) return false;
  return s.size() < 6 || two_digits(s, 4) <= 59;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

bool in_list(std::string_view value, std::string_view list) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    if (end > pos && list.substr(pos, end - pos) == value) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace edigate::edi::detail
