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
  bool negative = false;
  if (!edi.empty() && (edi.front() == '-' || edi.front() == '+')) {
    negative = edi.front() == '-';
    edi.remove_prefix(1);
  }
  const std::size_t mark = edi.find(decimal_mark == 0 ? '.' : decimal_mark);
  std::string_view whole = edi.substr(0, mark);
  std::string_view fraction =
      mark == std::string_view::npos ? std::string_view{} : edi.substr(mark + 1);
  if ((whole.empty() && fraction.empty()) || (!whole.empty() && !all_digits(whole)) ||
      (!fraction.empty() && !all_digits(fraction))) {
    return false;
  }
  out.clear();
  if (negative) out.push_back('-');
  if (implied > 0 && mark == std::string_view::npos) {
    // "1250" with N2 is 12.50: the last `implied` digits are the fraction.
    const auto places = static_cast<std::size_t>(implied);
    const std::size_t shown = whole.size() > places ? whole.size() - places : 0;
    std::string_view head = whole.substr(0, shown);
    while (head.size() > 1 && head.front() == '0') head.remove_prefix(1);
    if (head.empty()) head = "0";
    out.append(head);
    out.push_back('.');
    out.append(places - (whole.size() - shown), '0');
    out.append(whole.substr(shown));
  } else {
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    if (whole.empty()) whole = "0";
    out.append(whole);
    if (!fraction.empty()) {
      out.push_back('.');
      out.append(fraction);
    }
  }
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

bool sscc_in(std::string_view edi, std::string& out) {
  if (!all_digits(edi)) return false;
  if (edi.size() == 20 && edi.starts_with("00")) edi.remove_prefix(2);
  if (edi.size() != 18) return false;
  out = edi;
  return true;
}

bool date_in(std::string_view edi, std::string& out) {
  if (!all_digits(edi) || (edi.size() != 8 && edi.size() != 6)) return false;
  char full[8];
  if (edi.size() == 6) {
    const bool past = edi.substr(0, 2) >= "50";  // YYMMDD: 50-99 are 19xx
    full[0] = past ? '1' : '2';
    full[1] = past ? '9' : '0';
    std::copy(edi.begin(), edi.end(), full + 2);
  } else {
    std::copy(edi.begin(), edi.end(), full);
  }
  if (!valid_date(std::string_view(full, 8))) return false;
  const char iso[10] = {full[0], full[1], full[2], full[3], '-',
                        full[4], full[5], '-',     full[6], full[7]};
  out.assign(iso, 10);
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
  out.assign(edi.substr(0, 2));
  out.push_back(':');
  out.append(edi.substr(2, 2));
  if (edi.size() >= 6) {
    out.push_back(':');
    out.append(edi.substr(4, 2));
  }
  if (edi.size() > 6) {
    out.push_back('.');
    out.append(edi.substr(6));
  }
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

// X12 data element 623 (time code). The letter codes are North American zones, "D" daylight
// and "S" standard time; A is Alaska, H Hawaii-Aleutian, T Atlantic, N Newfoundland. The "T"
// codes (ET, CT, MT, PT, AT, HT, TT, NT: the zone's time, daylight or standard as in effect)
// and LT (local time) name no fixed offset: telling which applies needs the date and the
// zone's daylight saving rules, so they give none. 01..12 are ISO P01..P12 (UTC+1..+12) and
// 13..24 are M12..M01 (UTC-12..-1).
std::string_view zone_offset(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 42> kZones{{
      {"UT", "Z"},      {"GM", "Z"},      {"ED", "-04:00"}, {"ES", "-05:00"}, {"CD", "-05:00"},
      {"CS", "-06:00"}, {"MD", "-06:00"}, {"MS", "-07:00"}, {"PD", "-07:00"}, {"PS", "-08:00"},
      {"AD", "-08:00"}, {"AS", "-09:00"}, {"HD", "-09:00"}, {"HS", "-10:00"}, {"TD", "-03:00"},
      {"TS", "-04:00"}, {"ND", "-02:30"}, {"NS", "-03:30"}, {"01", "+01:00"}, {"02", "+02:00"},
      {"03", "+03:00"}, {"04", "+04:00"}, {"05", "+05:00"}, {"06", "+06:00"}, {"07", "+07:00"},
      {"08", "+08:00"}, {"09", "+09:00"}, {"10", "+10:00"}, {"11", "+11:00"}, {"12", "+12:00"},
      {"13", "-12:00"}, {"14", "-11:00"}, {"15", "-10:00"}, {"16", "-09:00"}, {"17", "-08:00"},
      {"18", "-07:00"}, {"19", "-06:00"}, {"20", "-05:00"}, {"21", "-04:00"}, {"22", "-03:00"},
      {"23", "-02:00"}, {"24", "-01:00"},
  }};
  for (const auto& [name, offset] : kZones) {
    if (name == code) return offset;
  }
  return {};
}

namespace {

// The zone of a 303 value (CCYYMMDDHHMMZZZ): "UTC"/"GMT" or an hour offset such as "+01".
bool zone_in(std::string_view zone, std::string& out) {
  if (zone == "UTC" || zone == "GMT" || zone == "Z") {
    out = "Z";
    return true;
  }
  if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-') || !all_digits(zone.substr(1))) {
    return false;
  }
  const std::string_view digits = zone.substr(1);
  if (digits.size() != 2 && digits.size() != 4) return false;
  out = std::string(1, zone[0]) + std::string(digits.substr(0, 2)) + ":" +
        (digits.size() == 4 ? std::string(digits.substr(2)) : std::string("00"));
  return true;
}

}  // namespace

bool edifact_datetime_in(std::string_view value, std::string_view format, std::string& out) {
  std::string date, time;
  if (format == "303" && value.size() > 12) {
    std::string zone;
    if (!date_in(value.substr(0, 8), date) || !time_in(value.substr(8, 4), time) ||
        !zone_in(value.substr(12), zone)) {
      return false;
    }
    out = date + "T" + time + zone;
    return true;
  }
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
  if (!offset.empty()) {  // 303: CCYYMMDDHHMM and the zone ("UTC", "+01"); no seconds
    value += t.substr(0, 4);
    if (offset == "Z") {
      value += "UTC";
    } else if (offset.size() == 6 && offset.substr(3) == ":00") {
      value += offset.substr(0, 3);
    } else if (offset.size() == 6) {
      value += std::string(offset.substr(0, 3)) + std::string(offset.substr(4, 2));
    } else {
      return false;
    }
    format = "303";
    return true;
  }
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
