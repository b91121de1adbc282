#include "scan.hpp"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edigate::edi::detail {
namespace {

struct ScanState {
  std::vector<std::uint32_t>& bounds;
  std::size_t max_elements;
  std::uint32_t line_breaks = 0;
  bool has_release = false;
  bool escaped = false;   // the previous byte was an unescaped release character
  bool overflow = false;  // separators beyond max_elements were dropped

  void add_bound(std::size_t offset) {
    if (bounds.size() < max_elements) {
      bounds.push_back(static_cast<std::uint32_t>(offset));
    } else {
      overflow = true;
    }
  }
};

// Byte-at-a-time scan from `from` to `to`; returns the terminator offset or `to`.
std::size_t scan_scalar(const char* data, std::size_t from, std::size_t to, ScanDelimiters d,
                        ScanState& state) {
  for (std::size_t i = from; i < to; ++i) {
    const char c = data[i];
    if (state.escaped) {
      state.escaped = false;
      continue;
    }
    if (c == d.segment) return i;
    if (c == d.element) {
      state.add_bound(i);
    } else if (c == '\n') {
      ++state.line_breaks;
    } else if (d.release != 0 && c == d.release) {
      state.escaped = true;
      state.has_release = true;
    }
  }
  return to;
}

#if defined(__SSE2__)
inline std::uint32_t match_mask(__m128i lo, __m128i hi, char c) {
  const __m128i needle = _mm_set1_epi8(c);
  const auto a = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(lo, needle)));
  const auto b = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(hi, needle)));
  return a | (b << 16);
}

// Clears from the masks every byte escaped by a release character; carries an escape that
// falls on the next block in state.escaped.
void apply_release(std::uint32_t release_mask, std::uint32_t& terminators,
                   std::uint32_t& separators, std::uint32_t& breaks, ScanState& state) {
  std::uint32_t escaped = 0;
  if (state.escaped) {
    escaped |= 1u;
    release_mask &= ~1u;
    state.escaped = false;
  }
  while (release_mask != 0) {
    const int bit = __builtin_ctz(release_mask);
    release_mask &= release_mask - 1;
    if (bit == 31) {
      state.escaped = true;
    } else {
      escaped |= 1u << (bit + 1);
      release_mask &= ~(1u << (bit + 1));  // "??" escapes the second release character
    }
  }
  terminators &= ~escaped;
  separators &= ~escaped;
  breaks &= ~escaped;
}
#endif

}  // namespace

ScanResult scan_segment(const char* data, std::size_t size, ScanDelimiters d,
                        std::size_t max_length, std::size_t max_elements,
                        std::vector<std::uint32_t>& bounds) {
  ScanState state{bounds, max_elements};
  const std::size_t limit = std::min(size, max_length + 1);
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 32 <= limit; i += 32) {
    const auto* p = reinterpret_cast<const __m128i*>(data + i);
    const __m128i lo = _mm_loadu_si128(p);
    const __m128i hi = _mm_loadu_si128(p + 1);
    std::uint32_t terminators = match_mask(lo, hi, d.segment);
    std::uint32_t separators = match_mask(lo, hi, d.element);
    std::uint32_t breaks = match_mask(lo, hi, '\n');
    if (d.release != 0) {
      const std::uint32_t releases = match_mask(lo, hi, d.release);
      if (releases != 0 || state.escaped) {
        state.has_release = state.has_release || releases != 0;
        apply_release(releases, terminators, separators, breaks, state);
      }
    }
    if (terminators != 0) {
      const int end = __builtin_ctz(terminators);
      const std::uint32_t before = (1u << end) - 1;
      for (std::uint32_t s = separators & before; s != 0; s &= s - 1) {
        state.add_bound(i + static_cast<std::size_t>(__builtin_ctz(s)));
      }
      state.line_breaks += static_cast<std::uint32_t>(__builtin_popcount(breaks & before));
      const std::size_t length = i + static_cast<std::size_t>(end);
      bounds.push_back(static_cast<std::uint32_t>(length));
      return {ScanStatus::complete, length, state.line_breaks, state.has_release, state.overflow};
    }
    for (std::uint32_t s = separators; s != 0; s &= s - 1) {
      state.add_bound(i + static_cast<std::size_t>(__builtin_ctz(s)));
    }
    state.line_breaks += static_cast<std::uint32_t>(__builtin_popcount(breaks));
  }
#endif
  if (i < limit) {
    const std::size_t end = scan_scalar(data, i, limit, d, state);
    if (end < limit && end <= max_length) {
      bounds.push_back(static_cast<std::uint32_t>(end));
      return {ScanStatus::complete, end, state.line_breaks, state.has_release, state.overflow};
    }
  }
  if (limit > max_length) return {ScanStatus::too_long, 0, 0, false, false};
  return {ScanStatus::incomplete, 0, 0, false, false};
}

}  // namespace edigate::edi::detail
