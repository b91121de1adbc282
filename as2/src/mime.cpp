#include "edigate/as2/mime.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>

#include "edigate/as2/base64.hpp"
#include "edigate/as2/quoted_printable.hpp"
#include "text.hpp"

namespace edigate::as2 {
namespace {

// End of the header block: offset of the body, or npos. Accepts CRLF and LF line ends.
std::size_t body_offset(std::string_view raw, std::size_t limit) {
  if (raw.starts_with("\r\n")) return 2;
  if (raw.starts_with("\n")) return 1;
  const std::size_t scan = std::min(raw.size(), limit + 4);
  for (std::size_t i = 0; i + 1 < scan; ++i) {
    if (raw[i] != '\n') continue;
    if (raw[i + 1] == '\n') return i + 2;
    if (raw[i + 1] == '\r' && i + 2 < raw.size() && raw[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

Result<Headers> parse_header_block(std::string_view block) {
  Headers headers;
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t eol = block.find('\n', pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = eol + 1;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {  // folded: unfold into the previous one
      if (headers.empty())
        return Error{ErrorCode::bad_input, "continuation line before any header"};
      headers.back().value += ' ';
      headers.back().value += trim(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Error{ErrorCode::bad_input,
                   "header line without a name: " + std::string(line.substr(0, 80))};
    headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return headers;
}

// Offsets of each part's bytes between boundary lines.
struct PartSpan {
  std::size_t begin, end;
};

// Finds "--boundary" at the start of a line at or after `from`; returns its offset or npos.
std::size_t find_delimiter(std::string_view body, std::string_view delim, std::size_t from) {
  for (std::size_t at = body.find(delim, from); at != std::string_view::npos;
       at = body.find(delim, at + 1)) {
    if (at == 0 || body[at - 1] == '\n') return at;
  }
  return std::string_view::npos;
}

// The line break before a delimiter belongs to the delimiter (RFC 2046).
std::size_t part_end(std::string_view body, std::size_t delimiter_at) {
  std::size_t end = delimiter_at;
  if (end > 0 && body[end - 1] == '\n') --end;
  if (end > 0 && body[end - 1] == '\r') --end;
  return end;
}

std::size_t after_line(std::string_view body, std::size_t at) {
  const std::size_t eol = body.find('\n', at);
  return eol == std::string_view::npos ? body.size() : eol + 1;
}

Result<std::vector<PartSpan>> split_parts(std::string_view body, std::string_view boundary,
                                          const MimeLimits& limits) {
  const std::string delim = "--" + std::string(boundary);
  std::vector<PartSpan> spans;
  std::size_t at = find_delimiter(body, delim, 0);
  if (at == std::string_view::npos)
    return Error{ErrorCode::bad_input, "multipart boundary not found"};
  for (;;) {
    if (body.substr(at + delim.size()).starts_with("--")) return spans;  // close delimiter
    const std::size_t begin = after_line(body, at);
    const std::size_t next = find_delimiter(body, delim, begin);
    if (next == std::string_view::npos)
      return Error{ErrorCode::bad_input, "multipart has no closing boundary"};
    if (spans.size() >= limits.max_parts)
      return Error{ErrorCode::limit_exceeded,
                   "more than " + std::to_string(limits.max_parts) + " MIME parts"};
    spans.push_back({begin, std::max(begin, part_end(body, next))});
    at = next;
  }
}

Result<MimeEntity> parse_at_depth(std::string_view raw, const MimeLimits& limits,
                                  std::size_t depth);

Result<Ok> parse_children(MimeEntity& entity, const MimeLimits& limits, std::size_t depth) {
  if (!entity.content_type().starts_with("multipart/")) return Ok{};
  if (depth >= limits.max_depth)
    return Error{ErrorCode::limit_exceeded,
                 "MIME nesting deeper than " + std::to_string(limits.max_depth)};
  const std::string boundary = header_param(entity.header("Content-Type"), "boundary");
  if (boundary.empty()) return Error{ErrorCode::bad_input, "multipart without a boundary"};
  auto spans = split_parts(entity.body, boundary, limits);
  if (!spans) return spans.error();
  for (const PartSpan& s : *spans) {
    auto part = parse_at_depth(std::string_view(entity.body).substr(s.begin, s.end - s.begin),
                               limits, depth + 1);
    if (!part) return part.error();
    entity.parts.push_back(std::move(*part));
  }
  return Ok{};
}

Result<MimeEntity> parse_at_depth(std::string_view raw, const MimeLimits& limits,
                                  std::size_t depth) {
  auto split = split_headers(raw, limits);
  if (!split) return split.error();
  MimeEntity entity{std::move(split->first), std::string(raw), std::move(split->second), {}};
  auto children = parse_children(entity, limits, depth);
  if (!children) return children.error();
  return entity;
}

}  // namespace

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string header_param(std::string_view value, std::string_view name) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    std::size_t start = pos + 1;
    // Find the end of this parameter, skipping quoted strings.
    std::size_t end = start;
    bool quoted = false;
    for (; end < value.size(); ++end) {
      if (value[end] == '"') quoted = !quoted;
      if (value[end] == ';' && !quoted) break;
    }
    std::string_view param = trim(value.substr(start, end - start));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), name)) {
      std::string_view v = trim(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    pos = end < value.size() ? end : std::string_view::npos;
  }
  return {};
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

Result<std::string> MimeEntity::decoded_body() const {
  const std::string cte = lower(trim(header("Content-Transfer-Encoding")));
  if (cte.empty() || cte == "binary" || cte == "8bit" || cte == "7bit") return body;
  if (cte == "base64") return base64_decode(body);
  if (cte == "quoted-printable") return quoted_printable_decode(body);
  return Error{ErrorCode::unsupported, "Content-Transfer-Encoding " + cte + " is not supported"};
}

Result<std::pair<Headers, std::string>> split_headers(std::string_view raw,
                                                      const MimeLimits& limits) {
  const std::size_t body_at = body_offset(raw, limits.max_header_bytes);
  if (body_at == std::string_view::npos) {
    if (raw.size() > limits.max_header_bytes)
      return Error{
          ErrorCode::limit_exceeded,
          "MIME header block longer than " + std::to_string(limits.max_header_bytes) + " bytes"};
    return Error{ErrorCode::bad_input, "no blank line after the MIME headers"};
  }
  if (body_at > limits.max_header_bytes)
    return Error{ErrorCode::limit_exceeded, "MIME header block longer than " +
                                                std::to_string(limits.max_header_bytes) + " bytes"};
  auto headers = parse_header_block(raw.substr(0, body_at));
  if (!headers) return headers.error();
  return std::pair<Headers, std::string>{std::move(*headers), std::string(raw.substr(body_at))};
}

Result<MimeEntity> parse_mime(std::string_view raw, const MimeLimits& limits) {
  return parse_at_depth(raw, limits, 0);
}

Result<MimeEntity> parse_mime(const Headers& headers, std::string_view body,
                              const MimeLimits& limits) {
  MimeEntity entity{headers, build_entity(headers, body), std::string(body), {}};
  auto children = parse_children(entity, limits, 0);
  if (!children) return children.error();
  return entity;
}

std::string build_entity(const Headers& headers, std::string_view body) {
  std::string out;
  for (const Header& h : headers) {
    out += h.name;
    out += ": ";
    for (char c : h.value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

std::string build_multipart_body(const std::vector<std::string>& parts, std::string_view boundary) {
  std::string out;
  for (const std::string& part : parts) {
    out += "--";
    out += boundary;
    out += "\r\n";
    out += part;
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

std::string make_boundary() {
  unsigned char random[12];
  if (RAND_bytes(random, sizeof random) != 1) std::fill(std::begin(random), std::end(random), 0x5a);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "----=_edigate_";
  for (unsigned char b : random) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

}  // namespace edigate::as2
