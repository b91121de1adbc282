// The scalar rules of the canonical documents, the same ones docs/schemas/common.schema.json
// states as patterns: what a text, decimal, date, date-time, SSCC or code set value looks like.
#pragma once

#include <string_view>

namespace edigate::edi::canonical::detail {

bool is_text(std::string_view s);       // non-empty
bool is_date(std::string_view s);       // YYYY-MM-DD, month 01-12, day 01-31
bool is_date_time(std::string_view s);  // date T HH:MM[:SS], then Z or +HH:MM / -HH:MM
bool is_date_or_date_time(std::string_view s);
bool is_sscc(std::string_view s);       // 18 digits
bool is_standard(std::string_view s);   // x12 | edifact
bool is_indicator(std::string_view s);  // A | C

// How a scalar field is checked when read, and what the error says when it fails.
struct ScalarRule {
  bool (*valid)(std::string_view);
  const char* expected;
};

}  // namespace edigate::edi::canonical::detail
