// MIME entities as AS2 needs them: byte-exact. A parsed entity keeps the exact bytes it was
// read from (raw) so the MIC and signature are computed over what was received, never over a
// re-serialisation. Headers are unfolded on input; build_entity never folds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edigate/as2/limits.hpp"
#include "edigate/as2/result.hpp"

namespace edigate::as2 {

struct Header {
  std::string name;
  std::string value;  // unfolded, surrounding whitespace removed
};

using Headers = std::vector<Header>;

// First header named `name` (case-insensitive), or an empty view. Valid while `headers` lives.
std::string_view find_header(const Headers& headers, std::string_view name);

// A parameter of a structured header value (`type/sub; name="value"`), unquoted; "" if absent.
std::string header_param(std::string_view value, std::string_view name);

// The lower-cased `type/subtype` of a Content-Type value.
std::string media_type(std::string_view content_type);

struct MimeEntity {
  Headers headers;
  std::string raw;                // exact bytes: header block, blank line, body
  std::string body;               // exact body bytes, transfer encoding not undone
  std::vector<MimeEntity> parts;  // filled for multipart/* entities

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  std::string content_type() const { return media_type(header("Content-Type")); }
  // The body with its Content-Transfer-Encoding undone. Missing CTE means binary (AS2 rule).
  Result<std::string> decoded_body() const;
};

// Parses a whole entity (headers, blank line, body). Lines may end in CRLF or LF.
Result<MimeEntity> parse_mime(std::string_view raw, const MimeLimits& limits = {});

// Parses an entity whose headers arrived separately (HTTP). `raw` is then rebuilt from the
// given headers and the exact body; only the body bytes are as received.
Result<MimeEntity> parse_mime(const Headers& headers, std::string_view body,
                              const MimeLimits& limits = {});

// Splits a header block from its body; used for saved messages and openssl output.
Result<std::pair<Headers, std::string>> split_headers(std::string_view raw,
                                                      const MimeLimits& limits = {});

// "Name: value\r\n" per header, then "\r\n", then the body. Never folds; CR and LF inside a
// value are replaced by spaces so a value cannot inject headers.
std::string build_entity(const Headers& headers, std::string_view body);

// The body of a multipart entity with the given boundary and exact part bytes.
std::string build_multipart_body(const std::vector<std::string>& parts, std::string_view boundary);

// A fresh random boundary.
std::string make_boundary();

}  // namespace edigate::as2
