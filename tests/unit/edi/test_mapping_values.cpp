// Value conversions of the mapping engine: decimals with implied places, dates, times, zones,
// and the exact arithmetic of the totals check.
#include <catch2/catch.hpp>
#include <string>

#include "mapping_values.hpp"

using namespace edigate::edi::mapping;

namespace {

std::string in_decimal(std::string_view edi, int implied, char mark = '.') {
  std::string out;
  return decimal_in(edi, implied, mark, out) ? out : "ERROR";
}

std::string out_decimal(std::string_view canonical, int implied) {
  std::string out;
  return decimal_out(canonical, implied, out) ? out : "ERROR";
}

}  // namespace

TEST_CASE("decimals read with implied places", "[mapping]") {
  CHECK(in_decimal("1250", 2) == "12.50");
  CHECK(in_decimal("5", 2) == "0.05");
  CHECK(in_decimal("-1250", 2) == "-12.50");
  CHECK(in_decimal("000123", 2) == "1.23");
  CHECK(in_decimal("0", 2) == "0.00");
  CHECK(in_decimal("-0", 2) == "0.00");
  CHECK(in_decimal("12.5", 2) == "12.5");  // an explicit point wins over N2
  CHECK(in_decimal("12.5", -1) == "12.5");
  CHECK(in_decimal(".5", -1) == "0.5");
  CHECK(in_decimal("+7", -1) == "7");
  CHECK(in_decimal("007", -1) == "7");
  CHECK(in_decimal("3,25", -1, ',') == "3.25");
  CHECK(in_decimal("1.2.3", -1) == "ERROR");
  CHECK(in_decimal("12A", -1) == "ERROR");
  CHECK(in_decimal("", -1) == "ERROR");
}

TEST_CASE("decimals written with implied places refuse to lose precision", "[mapping]") {
  CHECK(out_decimal("12.50", 2) == "1250");
  CHECK(out_decimal("12.5", 2) == "1250");
  CHECK(out_decimal("0.05", 2) == "5");
  CHECK(out_decimal("-3", 2) == "-300");
  CHECK(out_decimal("1.2300", 2) == "123");  // trailing zeros are not precision
  CHECK(out_decimal("1.234", 2) == "ERROR");
  CHECK(out_decimal("12.50", -1) == "12.50");
  CHECK(out_decimal("1e5", -1) == "ERROR");
  CHECK(out_decimal("12,5", -1) == "ERROR");
  CHECK_FALSE(is_canonical_decimal("."));
  CHECK_FALSE(is_canonical_decimal("-"));
  CHECK(is_canonical_decimal("-0.125"));
}

TEST_CASE("dates and times", "[mapping]") {
  std::string out;
  CHECK((date_in("20250314", out) && out == "2025-03-14"));
  CHECK((date_in("250314", out) && out == "2025-03-14"));
  CHECK((date_in("990314", out) && out == "1999-03-14"));
  CHECK_FALSE(date_in("20251314", out));
  CHECK_FALSE(date_in("2025031", out));
  CHECK((date_out("2025-03-14", 8, out) && out == "20250314"));
  CHECK((date_out("2025-03-14", 6, out) && out == "250314"));
  CHECK_FALSE(date_out("14/03/2025", 8, out));
  CHECK((time_in("1430", out) && out == "14:30"));
  CHECK((time_in("143015", out) && out == "14:30:15"));
  CHECK((time_in("14301599", out) && out == "14:30:15.99"));
  CHECK_FALSE(time_in("2460", out));
  CHECK_FALSE(time_in("14301", out));
  CHECK((time_out("14:30", out) && out == "1430"));
  CHECK((time_out("14:30:15.99", out) && out == "14301599"));
}

TEST_CASE("X12 time codes with a fixed offset", "[mapping][zone]") {
  // The whole 623 list: letter codes by zone (daylight, standard), then the numeric codes.
  const std::pair<const char*, const char*> fixed[] = {
      {"UT", "Z"},      {"GM", "Z"},      {"ED", "-04:00"}, {"ES", "-05:00"}, {"CD", "-05:00"},
      {"CS", "-06:00"}, {"MD", "-06:00"}, {"MS", "-07:00"}, {"PD", "-07:00"}, {"PS", "-08:00"},
      {"AD", "-08:00"}, {"AS", "-09:00"},  // Alaska, not Atlantic
      {"HD", "-09:00"}, {"HS", "-10:00"}, {"TD", "-03:00"}, {"TS", "-04:00"},  // T: Atlantic
      {"ND", "-02:30"}, {"NS", "-03:30"}, {"01", "+01:00"}, {"09", "+09:00"}, {"12", "+12:00"},
      {"13", "-12:00"}, {"17", "-08:00"}, {"20", "-05:00"}, {"24", "-01:00"},
  };
  for (const auto& [code, offset] : fixed) {
    INFO(code);
    CHECK(zone_offset(code) == offset);
  }
  // The zone's time, daylight or standard as in effect: no fixed offset. Not 623 codes: none.
  for (const char* code :
       {"ET", "CT", "MT", "PT", "AT", "HT", "TT", "NT", "LT", "AK", "00", "25", "es", ""}) {
    INFO(code);
    CHECK(zone_offset(code).empty());
  }
}

TEST_CASE("EDIFACT date-time formats both ways", "[mapping]") {
  std::string out, value, format;
  CHECK((edifact_datetime_in("20250314", "102", out) && out == "2025-03-14"));
  CHECK((edifact_datetime_in("202503141330", "203", out) && out == "2025-03-14T13:30"));
  CHECK((edifact_datetime_in("20250314133005", "204", out) && out == "2025-03-14T13:30:05"));
  CHECK((edifact_datetime_in("202503141342+01", "303", out) && out == "2025-03-14T13:42+01:00"));
  CHECK((edifact_datetime_in("202503141342UTC", "303", out) && out == "2025-03-14T13:42Z"));
  CHECK_FALSE(edifact_datetime_in("202503141342CET", "303", out));
  CHECK_FALSE(edifact_datetime_in("20250314", "718", out));
  CHECK((edifact_datetime_out("2025-03-14", value, format) && value == "20250314" &&
         format == "102"));
  CHECK((edifact_datetime_out("2025-03-14T13:30", value, format) && value == "202503141330" &&
         format == "203"));
  CHECK((edifact_datetime_out("2025-03-14T13:30:05", value, format) && value == "20250314133005" &&
         format == "204"));
  CHECK((edifact_datetime_out("2025-03-14T13:42+01:00", value, format) &&
         value == "202503141342+01" && format == "303"));
  CHECK((edifact_datetime_out("2025-03-14T13:42Z", value, format) && value == "202503141342UTC" &&
         format == "303"));
}

TEST_CASE("exact sums for totals", "[mapping]") {
  Fixed a, b, c;
  REQUIRE(parse_fixed("325.05", a));
  REQUIRE(parse_fixed("65.01", b));
  REQUIRE(parse_fixed("75", c));
  const Fixed sum = add(add(a, b), c);
  CHECK(to_string(sum) == "465.06");
  Fixed total;
  REQUIRE(parse_fixed("465.060", total));
  CHECK(equal(sum, total));
  REQUIRE(parse_fixed("-465.06", total));
  CHECK_FALSE(equal(sum, total));
  CHECK(to_string(add(sum, total)) == "0.00");
  CHECK_FALSE(parse_fixed("1234567890123456789012345678901", a));  // 31 digits
  CHECK_FALSE(parse_fixed("1e3", a));
}

TEST_CASE("SSCCs with and without the GS1 application identifier 00", "[mapping]") {
  const auto in = [](std::string_view edi) {
    std::string out;
    return sscc_in(edi, out) ? out : "ERROR";
  };
  CHECK(in("000123456000000017") == "000123456000000017");    // 18 digits: as they are
  CHECK(in("00000123456000000017") == "000123456000000017");  // AI 00 + SSCC-18
  CHECK(in("01000123456000000017") == "ERROR");               // 20 digits, another AI
  CHECK(in("00012345600000001") == "ERROR");                  // 17 digits
  CHECK(in("00012345600000001X") == "ERROR");                 // not digits
  CHECK(in("") == "ERROR");
}
