#include "edigate/as2/quoted_printable.hpp"

namespace edigate::as2 {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One encoded line (no line break, trailing padding already removed) appended to `out`;
// `offset` is where the line starts in the whole text, for the error message.
Result<Ok> decode_line(std::string_view line, std::size_t offset, std::string& out) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '=') {
      out.push_back(line[i]);
      continue;
    }
    const int high = i + 1 < line.size() ? hex_value(line[i + 1]) : -1;
    const int low = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
    if (high < 0 || low < 0)
      return Error{ErrorCode::bad_input,
                   "malformed quoted-printable escape at byte " + std::to_string(offset + i)};
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return Ok{};
}

}  // namespace

Result<std::string> quoted_printable_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const bool has_break = eol != std::string_view::npos;
    std::string_view line = text.substr(pos, (has_break ? eol : text.size()) - pos);
    std::string_view line_break = has_break ? "\n" : "";
    if (has_break && line.ends_with('\r')) {
      line.remove_suffix(1);
      line_break = "\r\n";
    }
    const std::size_t line_at = pos;
    pos = has_break ? eol + 1 : text.size();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const bool soft_break = line.ends_with('=');
    if (soft_break) line.remove_suffix(1);
    auto decoded = decode_line(line, line_at, out);
    if (!decoded) return decoded.error();
    if (!soft_break) out += line_break;
  }
  return out;
}

}  // namespace edigate::as2
