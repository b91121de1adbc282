// Quoted-printable transfer encoding (RFC 2045 section 6.7), decoding only: we never send it.
#pragma once

#include <string>
#include <string_view>

#include "edigate/as2/result.hpp"

namespace edigate::as2 {

// Undoes quoted-printable: "=" at the end of a line is a soft line break (joins the lines),
// "=XX" is one octet (hex digits in either case), spaces and tabs at the end of a line are
// transport padding and dropped, hard line breaks (CRLF or LF) are kept as they are. Any other
// "=" is a bad_input error naming its byte offset. The output is never longer than the input.
Result<std::string> quoted_printable_decode(std::string_view text);

}  // namespace edigate::as2
