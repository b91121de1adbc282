#include "mapping_values.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace edigate::edi::mapping {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool valid_date(std::string_view yyyymmdd) {
  const int month = (yyyymmdd[4] - '0') * 10 + (yyyymmdd[5] - '0');
  const int day = (yyyymmdd[6] - '0') * 10 + (yyyymmdd[7] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string strip_leading_zeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  return std::string(digits);
}

}  // namespace

bool decimal_in(std::string_view edi, int implied, char decimal_mark, std::string& out) {
  out.clear();
  bool negative = false;
  if (!edi.empty() && (edi.front() == '-' || edi.front() == '+')) {
    negative = edi.front() == '-';
    edi.remove_prefix(1);
  }
  const std::size_t mark = edi.find(decimal_mark == 0 ? '.' : decimal_mark);
  std::string_view whole = edi.substr(0, mark);
  std::string_view fraction = mark == std::string_view::npos ? std::string_view{} : edi.substr(mark + 1);
  if ((whole.empty() && fraction.empty()) || (!whole.empty() && !all_digits(whole)) ||
      (mark != std::string_view::npos && !fraction.empty() && !all_digits(fraction))) {
    return false;
  }
  std::string w(whole.empty() ? "0" : whole);
  std::string f(fraction);
  if (implied > 0 && mark == std::string_view::npos) {
    const auto places = static_cast<std::size_t>(implied);
    if (w.size() <= places) w.insert(0, places + 1 - w.size(), '0');
    f = w.substr(w.size() - places);
    w.erase(w.size() - places);
  }
  out = negative ? "-" : "";
  out += strip_leading_zeros(w);
  if (!f.empty()) out += "." + f;
  if (negative && out.find_first_not_of("0.", 1) == std::string::npos) out.erase(0, 1);  // -0
  return true;
}

bool is_canonical_decimal(std::string_view value) {
  if (!value.empty() && value.front() == '-') value.remove_prefix(1);
  const std::size_t dot = value.find('.');
  if (!all_digits(value.substr(0, dot))) return false;
  return dot == std::string_view::npos || all_digits(value.substr(dot + 1));
}

bool decimal_out(std::string_view canonical, int implied, std::string& out) {
  if (!is_canonical_decimal(canonical)) return false;
  if (implied < 0) {
    out = std::string(canonical);
    return true;
  }
  const bool negative = canonical.front() == '-';
  if (negative) canonical.remove_prefix(1);
  const std::size_t dot = canonical.find('.');
  std::string whole(canonical.substr(0, dot));
  std::string fraction(dot == std::string_view::npos ? "" : canonical.substr(dot + 1));
  const auto places = static_cast<std::size_t>(implied);
  while (fraction.size() > places && fraction.back() == '0') fraction.pop_back();
  if (fraction.size() > places) return false;  // would lose precision
  fraction.append(places - fraction.size(), '0');
  out = (negative ? "-" : "") + strip_leading_zeros(whole + fraction);
  if (out == "-0") out = "0";
  return true;
}

bool integer_in(std::string_view edi, std::string& out) {
  std::string_view digits = edi;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (!all_digits(digits)) return false;
  out = (edi.front() == '-' ? "-" : "") + strip_leading_zeros(digits);
  return true;
}

bool date_in(std::string_view edi, std::string& out) {
  if (!all_digits(edi) || (edi.size() != 8 && edi.size() != 6)) return false;
  std::string full(edi);
  if (edi.size() == 6) full.insert(0, edi.substr(0, 2) < "50" ? "20" : "19");
  if (!valid_date(full)) return false;
  out = full.substr(0, 4) + "-" + full.substr(4, 2) + "-" + full.substr(6, 2);
  return true;
}

bool date_out(std::string_view canonical, int width, std::string& out) {
  if (canonical.size() != 10 || canonical[4] != '-' || canonical[7] != '-') return false;
  out = std::string(canonical.substr(0, 4)) + std::string(canonical.substr(5, 2)) +
        std::string(canonical.substr(8, 2));
  if (!all_digits(out) || !valid_date(out)) return false;
  if (width == 6) out.erase(0, 2);
  return true;
}

bool time_in(std::string_view edi, std::string& out) {
  if (!all_digits(edi) || edi.size() < 4 || edi.size() == 5) return false;
  if (edi.substr(0, 2) > "23" || edi.substr(2, 2) > "59") return false;
  out = std::string(edi.substr(0, 2)) + ":" + std::string(edi.substr(2, 2));
  if (edi.size() >= 6) out += ":" + std::string(edi.substr(4, 2));
  if (edi.size() > 6) out += "." + std::string(edi.substr(6));
  return true;
}

bool time_out(std::string_view canonical, std::string& out) {
  if (canonical.size() < 5 || canonical[2] != ':') return false;
  out = std::string(canonical.substr(0, 2)) + std::string(canonical.substr(3, 2));
  if (canonical.size() >= 8) {
    if (canonical[5] != ':') return false;
    out += canonical.substr(6, 2);
    if (canonical.size() > 9 && canonical[8] == '.') out += canonical.substr(9);
  }
  return all_digits(out);
}

std::string_view zone_offset(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kZones{{
      {"UT", "Z"},       {"GM", "Z"},       {"ES", "-05:00"}, {"ED", "-04:00"},
      {"CS", "-06:00"},  {"CD", "-05:00"},  {"MS", "-07:00"}, {"MD", "-06:00"},
      {"PS", "-08:00"},  {"PD", "-07:00"},  {"AS", "-04:00"}, {"AD", "-03:00"},
      {"AK", "-09:00"},  {"HS", "-10:00"},  {"NS", "-03:30"}, {"ND", "-02:30"},
      {"TS", "-04:00"},  {"TD", "-03:00"},
  }};
  for (const auto& [name, offset] : kZones) {
    if (name == code) return offset;
  }
  return {};
}

bool edifact_datetime_in(std::string_view value, std::string_view format, std::string& out) {
  std::string date, time;
  if (format == "102" || format.empty()) return date_in(value, out);
  if (format == "101") return value.size() == 6 && date_in(value, out);
  if ((format == "203" && value.size() == 12) || (format == "204" && value.size() == 14) ||
      (format == "201" && value.size() == 10)) {
    const std::size_t date_len = format == "201" ? 6 : 8;
    if (!date_in(value.substr(0, date_len), date) || !time_in(value.substr(date_len), time)) {
      return false;
    }
    out = date + "T" + time;
    return true;
  }
  return false;
}

bool split_datetime(std::string_view canonical, std::string_view& date, std::string_view& time,
                    std::string_view& offset) {
  date = canonical.substr(0, 10);
  time = {};
  offset = {};
  if (canonical.size() == 10) return true;
  if (canonical.size() < 16 || canonical[10] != 'T') return false;
  std::string_view rest = canonical.substr(11);
  std::size_t zone = rest.find_first_of("Z+-");
  time = rest.substr(0, zone);
  if (zone != std::string_view::npos) offset = rest.substr(zone);
  return true;
}

bool edifact_datetime_out(std::string_view canonical, std::string& value, std::string& format) {
  std::string_view date, time, offset;
  if (!split_datetime(canonical, date, time, offset)) return false;
  if (!date_out(date, 8, value)) return false;
  if (time.empty()) {
    format = "102";
    return true;
  }
  std::string t;
  if (!time_out(time, t)) return false;
  value += t.substr(0, t.size() >= 6 ? 6 : 4);
  format = t.size() >= 6 ? "204" : "203";
  return true;
}

bool parse_fixed(std::string_view canonical, Fixed& out) {
  if (!is_canonical_decimal(canonical)) return false;
  const bool negative = canonical.front() == '-';
  if (negative) canonical.remove_prefix(1);
  out = Fixed{};
  int digits = 0;
  bool fraction = false;
  for (const char c : canonical) {
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (++digits > 30) return false;
    out.units = out.units * 10 + (c - '0');
    if (fraction) ++out.scale;
  }
  if (negative) out.units = -out.units;
  return true;
}

namespace {
Fixed rescaled(Fixed v, int scale) {
  while (v.scale < scale) {
    v.units *= 10;
    ++v.scale;
  }
  return v;
}
}  // namespace

Fixed add(Fixed a, Fixed b) {
  const int scale = std::max(a.scale, b.scale);
  a = rescaled(a, scale);
  b = rescaled(b, scale);
  return Fixed{a.units + b.units, scale};
}

bool equal(Fixed a, Fixed b) {
  const int scale = std::max(a.scale, b.scale);
  return rescaled(a, scale).units == rescaled(b, scale).units;
}

std::string to_string(Fixed value) {
  const bool negative = value.units < 0;
  UInt128 u = negative ? static_cast<UInt128>(-value.units) : static_cast<UInt128>(value.units);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  const auto scale = static_cast<std::size_t>(value.scale);
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  if (scale > 0) digits.insert(digits.size() - scale, ".");
  return (negative ? "-" : "") + digits;
}

}  // namespace edigate::edi::mapping
