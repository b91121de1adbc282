// Small checks on element text shared by the envelope checks and the schema validator.
#pragma once

#include <string_view>

namespace edigate::edi::detail {

bool all_digits(std::string_view s);
bool all_alpha(std::string_view s);
// CCYYMMDD (8) or YYMMDD (6), a real calendar date.
bool valid_date(std::string_view s);
// HHMM, HHMMSS, HHMMSSD or HHMMSSDD with hours < 24, minutes and seconds < 60.
bool valid_time(std::string_view s);
std::string_view trim(std::string_view s);
// Is `value` one of the space-separated words in `list`?
bool in_list(std::string_view value, std::string_view list);

}  // namespace edigate::edi::detail
