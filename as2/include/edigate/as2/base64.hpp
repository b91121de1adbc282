// Base64 for MIC values and base64 transfer encoding.
#pragma once

#include <string>
#include <string_view>

#include "edigate/as2/result.hpp"

namespace edigate::as2 {

std::string base64_encode(std::string_view bytes);
// The same in lines of 64 characters, each ended by CRLF, for a MIME body (RFC 2045 6.8: at
// most 76 per line).
std::string base64_mime(std::string_view bytes);
// Accepts line breaks and spaces anywhere (MIME bodies).
Result<std::string> base64_decode(std::string_view text);

}  // namespace edigate::as2
