// The tokenizer's hot loop: finds the end of one segment and the element boundaries in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edigate::edi::detail {

// Element boundaries of the current segment: a fixed array sized once from the limits, so the
// hot loop stores without capacity checks or allocation.
class Bounds {
 public:
  explicit Bounds(std::size_t max_elements) : data_(max_elements + 2), limit_(max_elements) {}
  void clear() { size_ = 0; }
  void push_back(std::uint32_t segment_length) { data_[size_++] = segment_length; }
  std::size_t size() const { return size_; }
  const std::uint32_t* data() const { return data_.data(); }
  std::uint32_t operator[](std::size_t i) const { return data_[i]; }

  // For the scanner: raw access to the array, then the count it filled.
  std::uint32_t* begin() { return data_.data(); }
  std::size_t separator_limit() const { return limit_; }
  void set_size(std::size_t size) { size_ = size; }

 private:
  std::vector<std::uint32_t> data_;
  std::size_t size_ = 0;
  std::size_t limit_;
};

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

// Finds segments with the delimiters of one interchange. Made once per interchange: the SIMD
// comparison vectors are built here, not per segment.
class Scanner {
 public:
  explicit Scanner(ScanDelimiters delimiters = {'*', '~', 0});
  const ScanDelimiters& delimiters() const { return d_; }

  // Scans data[0, size) for the segment terminator, recording in `bounds` the offset of every
  // element separator (up to the limit Bounds was made with) and finally the segment length.
  // Never reads past `size`. Returns too_long when no terminator occurs within `max_length`
  // bytes, incomplete when `size` ends first.
  ScanResult scan(const char* data, std::size_t size, std::size_t max_length, Bounds& bounds) const;

 private:
  ScanDelimiters d_;
#if defined(__SSE2__)
  __m128i segment_;
  __m128i element_;
  __m128i release_;
  __m128i line_feed_;
#endif
};

}  // namespace edigate::edi::detail
