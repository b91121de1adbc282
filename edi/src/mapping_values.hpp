// Value conversions between EDI and canonical forms (decimals, dates, times, time zones).
// Inbound functions return false when the EDI value cannot be read as that type; outbound
// ones when the canonical value is not in its canonical form.
#pragma once

#include <string>
#include <string_view>

namespace edigate::edi::mapping {

// "1250" with implied 2 -> "12.50"; "12.5" -> "12.5"; ",5" with decimal mark ',' -> "0.5".
bool decimal_in(std::string_view edi, int implied, char decimal_mark, std::string& out);
// "12.50" with implied 2 -> "1250"; without implied the value is written as it is.
bool decimal_out(std::string_view canonical, int implied, std::string& out);
bool is_canonical_decimal(std::string_view value);
bool integer_in(std::string_view edi, std::string& out);
// An SSCC as the canonical field holds it (18 digits): 18 digits as they are, or 20 that carry
// the GS1 application identifier 00 in front ("00" + SSCC, as GS1 labels encode it and many
// shippers put in MAN GM / GIN BJ), without it. False for anything else.
bool sscc_in(std::string_view edi, std::string& out);

// CCYYMMDD or YYMMDD -> YYYY-MM-DD.
bool date_in(std::string_view edi, std::string& out);
// YYYY-MM-DD -> CCYYMMDD (width 8) or YYMMDD (width 6).
bool date_out(std::string_view canonical, int width, std::string& out);
// HHMM, HHMMSS, HHMMSSd.. -> HH:MM, HH:MM:SS, HH:MM:SS.d..
bool time_in(std::string_view edi, std::string& out);
bool time_out(std::string_view canonical, std::string& out);

// The ISO offset of an X12 time code (623: "ES" -> "-05:00", "UT" -> "Z", "13" -> "-12:00");
// empty when the code names no fixed offset (ET, LT, ...) or is not a 623 code.
std::string_view zone_offset(std::string_view x12_time_code);

// EDIFACT DTM value with its format qualifier 2379 (101, 102, 201, 203, 204) -> ISO.
bool edifact_datetime_in(std::string_view value, std::string_view format, std::string& out);
// ISO date or date-time -> EDIFACT value and format qualifier (102, 203 or 204).
bool edifact_datetime_out(std::string_view canonical, std::string& value, std::string& format);

// Splits an ISO date-time: "2026-11-30T14:30:00-05:00" -> date, time, offset ("" when none).
bool split_datetime(std::string_view canonical, std::string_view& date, std::string_view& time,
                    std::string_view& offset);

// Exact decimal arithmetic for totals checks: a fixed-point value with `scale` places.
__extension__ typedef __int128 Int128;            // GCC and Clang; 38 digits
__extension__ typedef unsigned __int128 UInt128;  // (-Wpedantic asks for the marker)
struct Fixed {
  Int128 units = 0;
  int scale = 0;
};
// Parses a canonical decimal (at most 30 digits); false when it is not one.
bool parse_fixed(std::string_view canonical, Fixed& out);
Fixed add(Fixed a, Fixed b);
bool equal(Fixed a, Fixed b);
std::string to_string(Fixed value);

}  // namespace edigate::edi::mapping
