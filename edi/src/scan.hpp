// The tokenizer's hot loop: finds the end of one segment and the element boundaries in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edigate::edi::detail {

struct ScanDelimiters {
  char element;
  char segment;
  char release;  // 0: none
};

enum class ScanStatus : unsigned char { complete, incomplete, too_long };

struct ScanResult {
  ScanStatus status;
  std::size_t length;         // segment length, terminator excluded (complete only)
  std::uint32_t line_breaks;  // LF bytes inside the segment
  bool has_release;           // a release character occurs in the segment
  bool too_many_elements;     // more than max_elements separators; the rest were not recorded
};

// Scans data[0, size) for the segment terminator, appending to `bounds` the offset of every
// element separator and finally the segment length. Never reads past `size`. At most
// `max_elements` separators are recorded (so at most max_elements elements).
// Returns too_long when no terminator occurs within `max_length` bytes.
ScanResult scan_segment(const char* data, std::size_t size, ScanDelimiters delimiters,
                        std::size_t max_length, std::size_t max_elements,
                        std::vector<std::uint32_t>& bounds);

}  // namespace edigate::edi::detail
