// The tokenizer's hot loop: finds the end of one segment and the element boundaries in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "edigate/edi/segment.hpp"

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
  char release;         // 0: none
  char component = 0;   // 0: not looked for
  char repetition = 0;  // 0: none
  bool marks = false;   // note which inner separators occur (ScanResult::marks)
};

enum class ScanStatus : unsigned char { complete, incomplete, too_long };

struct ScanResult {
  ScanStatus status;
  std::size_t length;         // segment length, terminator excluded (complete only)
  std::uint32_t line_breaks;  // LF bytes inside the segment
  bool too_many_elements;     // more than max_elements separators; the rest were not recorded
  std::uint8_t marks;         // Segment::Marks: inner separators that occur (all set unless asked)
  std::uint64_t component_map = 0;  // with Segment::kComponentMap: see Segment::component_map
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
  ScanResult scan(const char* data, std::size_t size, std::size_t max_length,
                  Bounds& bounds) const {
    return d_.marks ? scan_impl<true>(data, size, max_length, bounds)
                    : scan_impl<false>(data, size, max_length, bounds);
  }

  // The common case, inline: the segment and its terminator lie in the first 64 bytes, with
  // no release character or line feed before the terminator and no more separators than the
  // limit. Fills `bounds` and `r` as scan() would and returns true; returns false for
  // anything else, and scan() must then be used (it overwrites whatever was stored here).
  bool scan_short(const char* data, std::size_t size, std::size_t max_length, Bounds& bounds,
                  ScanResult& r) const {
#if defined(__SSE2__)
    if (size < 32 || max_length < 31) return false;
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16));
    std::uint64_t terminators = mask(v0, v1, segment_);
    if (terminators == 0) {
      // Longer segments (X12 LIN, N3 and the like): one more block, the first one's
      // separators kept aside.
      if (size < 64 || max_length < 63) return false;
      const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 32));
      const __m128i v3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 48));
      terminators = std::uint64_t{mask(v2, v3, segment_)} << 32;
      if (terminators == 0) return false;
      return cut(bounds, r, terminators, masks_of(v0, v1), masks_of(v2, v3));
    }
    return cut(bounds, r, terminators, masks_of(v0, v1), BlockMasks{});
#else
    (void)data, (void)size, (void)max_length, (void)bounds, (void)r;
    return false;
#endif
  }

 private:
#if defined(__SSE2__)
  // Where the delimiters other than the terminator are in one 32-byte block.
  struct BlockMasks {
    std::uint32_t separators = 0;
    std::uint32_t rare = 0;  // line feeds and release characters
    std::uint32_t components = 0;
    std::uint32_t repetitions = 0;
  };

  [[gnu::always_inline]] BlockMasks masks_of(__m128i lo, __m128i hi) const {
    BlockMasks m;
    m.separators = mask(lo, hi, element_);
    m.rare = mask_either(lo, hi, line_feed_, rare_);
    if (d_.marks) {
      m.components = mask(lo, hi, component_);
      if (d_.repetition != 0) m.repetitions = mask(lo, hi, repetition_);
    }
    return m;
  }

  // scan_short's second half: the segment ends at the first terminator bit (of 64).
  bool cut(Bounds& bounds, ScanResult& r, std::uint64_t terminators, const BlockMasks& a,
           const BlockMasks& b) const {
    const auto join = [](std::uint32_t lo, std::uint32_t hi) {
      return std::uint64_t{lo} | (std::uint64_t{hi} << 32);
    };
    const int end = __builtin_ctzll(terminators);
    const std::uint64_t before = (std::uint64_t{1} << end) - 1;
    // A line break or a release character inside the segment is rare: scan() counts the
    // one and honours the other, so one test here spares both on every other segment.
    if ((join(a.rare, b.rare) & before) != 0) return false;
    std::uint32_t* out = bounds.begin();
    std::uint32_t* const cap = out + bounds.separator_limit();
    for (std::uint64_t s = join(a.separators, b.separators) & before; s != 0; s &= s - 1) {
      if (out == cap) return false;
      *out++ = static_cast<std::uint32_t>(__builtin_ctzll(s));
    }
    *out++ = static_cast<std::uint32_t>(end);
    bounds.set_size(static_cast<std::size_t>(out - bounds.begin()));
    r.status = ScanStatus::complete;
    r.length = static_cast<std::size_t>(end);
    r.too_many_elements = false;
    r.line_breaks = 0;
    if (d_.marks) {
      const std::uint64_t components = join(a.components, b.components) & before;
      r.component_map = components;
      r.marks = static_cast<std::uint8_t>(
          Segment::kKnown | Segment::kComponentMap | (components != 0 ? Segment::kComponent : 0) |
          ((join(a.repetitions, b.repetitions) & before) != 0 ? Segment::kRepetition : 0));
    } else {
      r.component_map = 0;
      r.marks = Segment::kAnyMark;
    }
    return true;
  }
#endif

  template <bool kMarks>
  ScanResult scan_impl(const char* data, std::size_t size, std::size_t max_length,
                       Bounds& bounds) const;

  ScanDelimiters d_;
#if defined(__SSE2__)
  static std::uint32_t mask(__m128i lo, __m128i hi, __m128i needle) {
    const auto a = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(lo, needle)));
    const auto b = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(hi, needle)));
    return a | (b << 16);
  }
  // Bytes equal to either needle.
  static std::uint32_t mask_either(__m128i lo, __m128i hi, __m128i a, __m128i b) {
    const auto l = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(lo, a), _mm_cmpeq_epi8(lo, b))));
    const auto h = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(hi, a), _mm_cmpeq_epi8(hi, b))));
    return l | (h << 16);
  }
  __m128i segment_;
  __m128i element_;
  __m128i release_;
  __m128i line_feed_;
  __m128i rare_;  // the release character, or a line feed again when there is none
  __m128i component_;
  __m128i repetition_;
#endif
};

}  // namespace edigate::edi::detail
