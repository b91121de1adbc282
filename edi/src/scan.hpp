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

// Where the delimiters are in 64 bytes of input: bit i stands for byte i.
struct BlockBits {
  std::uint64_t terminators = 0;
  std::uint64_t separators = 0;   // element separators
  std::uint64_t rare = 0;         // line feeds and release characters
  std::uint64_t components = 0;   // only with ScanDelimiters::marks
  std::uint64_t repetitions = 0;  // only with ScanDelimiters::marks
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

  // The common case without the index (near the end of the buffer, or under a segment limit
  // below 63 bytes): the segment and its terminator lie in the first 64 bytes, with no
  // release character or line feed before the terminator and no more separators than the
  // limit. Fills `bounds` and `r` as scan() would and returns true; returns false for
  // anything else, and scan() must then be used.
  bool scan_short(const char* data, std::size_t size, std::size_t max_length, Bounds& bounds,
                  ScanResult& r) const;

  // The delimiter bits of the 64 bytes from p, which must all be readable.
  void bits_of(const char* p, BlockBits& bits) const;

 private:
  // The same for the 32 bytes from p (the upper 32 bits are clear).
  BlockBits bits_of_32(const char* p) const;

  // scan_short's second half: `bits` describes the bytes from the segment's first one.
  [[gnu::always_inline]] bool cut(const BlockBits& bits, Bounds& bounds, ScanResult& r) const {
    const std::uint64_t terminators = bits.terminators;
    if (terminators == 0) return false;
    const int end = __builtin_ctzll(terminators);
    const std::uint64_t before = (std::uint64_t{1} << end) - 1;
    // A line break or a release character inside the segment is rare: scan() counts the
    // one and honours the other, so one test here spares both on every other segment.
    if ((bits.rare & before) != 0) return false;
    std::uint32_t* out = bounds.begin();
    std::uint32_t* const cap = out + bounds.separator_limit();
    for (std::uint64_t s = bits.separators & before; s != 0; s &= s - 1) {
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
      const std::uint64_t components = bits.components & before;
      r.component_map = components;
      r.marks = static_cast<std::uint8_t>(
          Segment::kKnown | Segment::kComponentMap | (components != 0 ? Segment::kComponent : 0) |
          ((bits.repetitions & before) != 0 ? Segment::kRepetition : 0));
    } else {
      r.component_map = 0;
      r.marks = Segment::kAnyMark;
    }
    return true;
  }

  template <bool kMarks>
  ScanResult scan_impl(const char* data, std::size_t size, std::size_t max_length,
                       Bounds& bounds) const;

  ScanDelimiters d_;
#if defined(__SSE2__)
  __m128i segment_;
  __m128i element_;
  __m128i release_;
  __m128i line_feed_;
  __m128i rare_;  // the release character, or a line feed again when there is none
  __m128i component_;
  __m128i repetition_;
#endif
};

// A structural index of the reader's buffer: the delimiter bits of two consecutive 64-byte
// blocks, each block computed once, so a segment that starts anywhere in the first block is cut
// from bits without its bytes being compared again, and segments of a few bytes do not each
// pay for a 32- or 64-byte scan. It describes the bytes and delimiters it was built with:
// reset() whenever either changes (a refill that moves the window, a new interchange).
class BlockIndex {
 public:
  void reset() { start_ = kNowhere; }

  // Scanner::scan_short for the segment at data[p], from the index: the same segments (at
  // most 63 bytes, no release character or line feed inside, no more separators than the
  // limit) give the same `bounds` and `r`. Returns false for any other segment, and when the
  // buffer does not hold the 128 bytes of p's block and the next: the caller scans then.
  [[gnu::always_inline]] bool cut(const Scanner& scanner, const char* data, std::size_t size,
                                  std::size_t p, Bounds& bounds, ScanResult& r) {
    std::size_t off = p - start_;
    if (off >= 64) {
      if (off < 128 && start_ + 192 <= size) {
        // p is in the second block (the usual step): it becomes the first.
        a_ = b_;
        start_ += 64;
        scanner.bits_of(data + start_ + 64, b_);
      } else if (!rebuild(scanner, data, size, p)) {
        return false;
      }
      off = p - start_;
    }
    const std::uint64_t from = ~std::uint64_t{0} << off;
    const std::uint64_t terminators = a_.terminators & from;
    std::uint32_t* out = bounds.begin();
    std::uint32_t* const cap = out + bounds.separator_limit();
    const bool marks = scanner.delimiters().marks;
    if (terminators != 0) {
      const int end = __builtin_ctzll(terminators);
      const std::uint64_t inside = ((std::uint64_t{1} << end) - 1) & from;
      if ((a_.rare & inside) != 0) return false;
      const auto base = static_cast<std::uint32_t>(off);
      for (std::uint64_t s = a_.separators & inside; s != 0; s &= s - 1) {
        if (out == cap) return false;
        *out++ = static_cast<std::uint32_t>(__builtin_ctzll(s)) - base;
      }
      const std::size_t length = static_cast<std::size_t>(end) - off;
      if (!marks) return finish(bounds, out, length, r);
      return finish_marked(bounds, out, length, (a_.components & inside) >> off,
                           (a_.repetitions & inside) != 0, r);
    }
    // The segment ends in the second block: off >= 1 here, since a segment that starts at
    // bit 0 and holds no terminator in 64 bytes is too long for this path.
    if (b_.terminators == 0) return false;
    const int end = __builtin_ctzll(b_.terminators);
    const std::size_t length = 64 + static_cast<std::size_t>(end) - off;
    if (length > 63) return false;
    const std::uint64_t before = (std::uint64_t{1} << end) - 1;
    if (((a_.rare & from) | (b_.rare & before)) != 0) return false;
    const auto base = static_cast<std::uint32_t>(off);
    for (std::uint64_t s = a_.separators & from; s != 0; s &= s - 1) {
      if (out == cap) return false;
      *out++ = static_cast<std::uint32_t>(__builtin_ctzll(s)) - base;
    }
    const auto second = static_cast<std::uint32_t>(64 - off);
    for (std::uint64_t s = b_.separators & before; s != 0; s &= s - 1) {
      if (out == cap) return false;
      *out++ = static_cast<std::uint32_t>(__builtin_ctzll(s)) + second;
    }
    if (!marks) return finish(bounds, out, length, r);
    return finish_marked(bounds, out, length,
                         ((a_.components & from) >> off) | ((b_.components & before) << second),
                         ((a_.repetitions & from) | (b_.repetitions & before)) != 0, r);
  }

 private:
  // Far from any offset: p - start_ is at least 128 for every p the buffer can hold.
  static constexpr std::size_t kNowhere = SIZE_MAX / 2;

  static bool finish(Bounds& bounds, std::uint32_t* out, std::size_t length, ScanResult& r) {
    *out++ = static_cast<std::uint32_t>(length);
    bounds.set_size(static_cast<std::size_t>(out - bounds.begin()));
    r.status = ScanStatus::complete;
    r.length = length;
    r.too_many_elements = false;
    r.line_breaks = 0;
    r.component_map = 0;
    r.marks = Segment::kAnyMark;
    return true;
  }

  static bool finish_marked(Bounds& bounds, std::uint32_t* out, std::size_t length,
                            std::uint64_t components, bool repetitions, ScanResult& r) {
    finish(bounds, out, length, r);
    r.component_map = components;
    r.marks = static_cast<std::uint8_t>(Segment::kKnown | Segment::kComponentMap |
                                        (components != 0 ? Segment::kComponent : 0) |
                                        (repetitions ? Segment::kRepetition : 0));
    return true;
  }

  // Builds both blocks from p, when the buffer holds 128 bytes from it.
  bool rebuild(const Scanner& scanner, const char* data, std::size_t size, std::size_t p);

  std::size_t start_ = kNowhere;  // buffer offset of the first block
  BlockBits a_;                   // bytes start_ to start_ + 63
  BlockBits b_;                   // bytes start_ + 64 to start_ + 127
};

}  // namespace edigate::edi::detail
