#include "isa.hpp"

#include <cctype>

namespace edigate::edi::detail {
namespace {

constexpr std::array<std::size_t, 17> kIsaWidths = {0, 2, 10, 2, 10, 2, 15, 2, 15,
                                                    6, 4, 1,  5, 9,  1, 1,  1};

bool is_line_break(char c) { return c == '\r' || c == '\n'; }

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// The standard layout: every separator at its fixed column.
bool read_fixed(const char* data, std::size_t size, IsaResult& result) {
  if (size < 106) return false;
  const char sep = data[3];
  std::size_t pos = 3;
  for (std::size_t field = 1; field <= 16; ++field) {
    if (data[pos] != sep) return false;
    const std::size_t width = kIsaWidths[field];
    for (std::size_t k = 1; k <= width; ++k) {
      if (data[pos + k] == sep && field != 16) return false;
    }
    result.fields[field].assign(data + pos + 1, width);
    pos += width + 1;
  }
  result.delimiters.segment = data[105];
  result.length = 106;
  return true;
}

// Any layout: separators counted, line breaks inside the ISA skipped.
bool read_tolerant(const char* data, std::size_t size, bool at_end, IsaResult& result) {
  const char sep = data[3];
  const std::size_t limit = std::min(size, kMaxIsaLength);
  std::size_t field = 1;
  std::size_t i = 4;
  for (auto& f : result.fields) f.clear();
  for (; i < limit && field < 16; ++i) {
    const char c = data[i];
    if (is_line_break(c)) {
      result.wrapped = true;
    } else if (c == sep) {
      ++field;
    } else {
      result.fields[field].push_back(c);
    }
  }
  while (i < limit && is_line_break(data[i])) result.wrapped = true, ++i;
  if (field < 16 || i + 1 >= limit) {
    result.status = (!at_end && size < kMaxIsaLength) ? IsaStatus::incomplete : IsaStatus::invalid;
    result.detail = "the ISA does not have 16 elements followed by a segment terminator";
    return false;
  }
  result.fields[16].assign(1, data[i]);
  ++i;
  // The terminator is the byte after ISA16. In a wrapped file a line break may fall right
  // there; the terminator is then the next byte if that is punctuation.
  char terminator = data[i];
  if (is_line_break(terminator) && result.wrapped) {
    std::size_t j = i;
    while (j < limit && is_line_break(data[j])) ++j;
    if (j < limit && !is_alnum(data[j]) && data[j] != ' ') {
      i = j;
      terminator = data[j];
    }
  }
  result.delimiters.segment = terminator;
  result.length = i + 1;
  result.nonstandard = true;
  return true;
}

bool valid_delimiter(char c) { return !is_alnum(c) && c != ' '; }

void classify_delimiters(IsaResult& result) {
  Delimiters& d = result.delimiters;
  d.release = 0;
  d.decimal = '.';
  const std::string& isa11 = result.fields[11];
  const std::string& isa12 = result.fields[12];
  // ISA11 is the repetition separator from version 00402 on; before that it is "U".
  d.repetition =
      (isa11.size() == 1 && valid_delimiter(isa11[0]) && isa12 >= "00402") ? isa11[0] : 0;
  d.component = result.fields[16].empty() ? 0 : result.fields[16][0];
  if (!valid_delimiter(d.component) || d.component == d.element) {
    result.status = IsaStatus::bad_component_separator;
    result.detail = "ISA16 component separator is not a valid delimiter";
  } else if (!valid_delimiter(d.segment) || d.segment == d.element || d.segment == d.component) {
    result.status = IsaStatus::bad_segment_terminator;
    result.detail = "the byte after ISA16 is not a valid segment terminator";
  } else {
    result.status = IsaStatus::ok;
  }
}

}  // namespace

IsaResult read_isa(const char* data, std::size_t size, bool at_end) {
  IsaResult result;
  if (size < 4) {
    result.status = at_end ? IsaStatus::invalid : IsaStatus::incomplete;
    result.detail = "input ends inside the ISA";
    return result;
  }
  result.delimiters.element = data[3];
  if (!valid_delimiter(data[3]) || is_line_break(data[3])) {
    result.status = IsaStatus::bad_element_separator;
    result.detail = "the byte after ISA is not a valid element separator";
    return result;
  }
  if (!read_fixed(data, size, result)) {
    if (size < 106 && !at_end) {
      result.status = IsaStatus::incomplete;
      return result;
    }
    if (!read_tolerant(data, size, at_end, result)) return result;
  }
  while (result.length < size && is_line_break(data[result.length])) ++result.length;
  classify_delimiters(result);
  return result;
}

}  // namespace edigate::edi::detail
