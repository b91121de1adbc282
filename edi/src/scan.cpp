#include "scan.hpp"

#include <algorithm>

#include "edigate/edi/segment.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edigate::edi::detail {
// Kept in registers during a scan: separators go straight into the Bounds array.
struct ScanState {
  std::uint32_t* cursor;
  std::uint32_t* limit;  // no separator is stored at or past this
  std::uint32_t line_breaks = 0;
  bool has_release = false;
  bool has_component = false;
  bool has_repetition = false;
  bool escaped = false;   // the previous byte was an unescaped release character
  bool overflow = false;  // separators beyond the limit were dropped

  void add_bound(std::size_t offset) {
    if (cursor < limit) {
      *cursor++ = static_cast<std::uint32_t>(offset);
    } else {
      overflow = true;
    }
  }
};

namespace {

// Byte-at-a-time scan from `from` to `to`; returns the terminator offset or `to`.
template <bool kMarks>
std::size_t scan_scalar(const char* data, std::size_t from, std::size_t to, ScanDelimiters d,
                        ScanState& state) {
  for (std::size_t i = from; i < to; ++i) {
    const char c = data[i];
    if (state.escaped) {
      state.escaped = false;
      continue;
    }
    if (c == d.segment) return i;
    if constexpr (kMarks) {
      state.has_component = state.has_component || (c == d.component && c != 0);
      state.has_repetition = state.has_repetition || (c == d.repetition && c != 0);
    }
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
// Line breaks are rare (at most one per segment), so clearing bits beats a popcount, which
// baseline x86-64 (no POPCNT) turns into a library call.
inline std::uint32_t bit_count(std::uint32_t mask) {
  std::uint32_t n = 0;
  for (; mask != 0; mask &= mask - 1) ++n;
  return n;
}

inline bool any(__m128i v) { return _mm_movemask_epi8(v) != 0; }

inline std::uint32_t match_mask(__m128i lo, __m128i hi, __m128i needle) {
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

Scanner::Scanner(ScanDelimiters delimiters) : d_(delimiters) {
#if defined(__SSE2__)
  segment_ = _mm_set1_epi8(d_.segment);
  element_ = _mm_set1_epi8(d_.element);
  release_ = _mm_set1_epi8(d_.release);
  line_feed_ = _mm_set1_epi8('\n');
  rare_ = _mm_set1_epi8(d_.release != 0 ? d_.release : '\n');
  // A delimiter not in use is looked for as the segment terminator, which never counts.
  component_ = _mm_set1_epi8(d_.component != 0 ? d_.component : d_.segment);
  repetition_ = _mm_set1_epi8(d_.repetition != 0 ? d_.repetition : d_.segment);
#endif
}

BlockBits Scanner::bits_of_32(const char* p) const {
  BlockBits b;
#if defined(__SSE2__)
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  b.terminators = match_mask(lo, hi, segment_);
  b.separators = match_mask(lo, hi, element_);
  b.rare = static_cast<std::uint32_t>(_mm_movemask_epi8(
               _mm_or_si128(_mm_cmpeq_epi8(lo, line_feed_), _mm_cmpeq_epi8(lo, rare_)))) |
           (static_cast<std::uint32_t>(_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(hi, line_feed_), _mm_cmpeq_epi8(hi, rare_))))
            << 16);
  if (d_.marks) {
    b.components = match_mask(lo, hi, component_);
    if (d_.repetition != 0) b.repetitions = match_mask(lo, hi, repetition_);
  }
#else
  for (int i = 0; i < 32; ++i) {
    const char c = p[i];
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (c == d_.segment) b.terminators |= bit;
    if (c == d_.element) b.separators |= bit;
    if (c == '\n' || (d_.release != 0 && c == d_.release)) b.rare |= bit;
    if (d_.marks && d_.component != 0 && c == d_.component) b.components |= bit;
    if (d_.marks && d_.repetition != 0 && c == d_.repetition) b.repetitions |= bit;
  }
#endif
  return b;
}

void Scanner::bits_of(const char* p, BlockBits& bits) const {
#if defined(__SSE2__)
  const __m128i segment = segment_;
  const __m128i element = element_;
  const __m128i line_feed = line_feed_;
  const __m128i rare = rare_;
  // 16 bytes to 16 bits each, then two 16-byte halves to 32 bits (a movemask result needs no
  // zero extension), then two 32-byte halves to 64.
  const auto half = [&](const char* at, std::uint32_t& t, std::uint32_t& s, std::uint32_t& r) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16));
    const auto m = [](__m128i v) { return static_cast<std::uint32_t>(_mm_movemask_epi8(v)); };
    t = m(_mm_cmpeq_epi8(lo, segment)) | (m(_mm_cmpeq_epi8(hi, segment)) << 16);
    s = m(_mm_cmpeq_epi8(lo, element)) | (m(_mm_cmpeq_epi8(hi, element)) << 16);
    r = m(_mm_or_si128(_mm_cmpeq_epi8(lo, line_feed), _mm_cmpeq_epi8(lo, rare))) |
        (m(_mm_or_si128(_mm_cmpeq_epi8(hi, line_feed), _mm_cmpeq_epi8(hi, rare))) << 16);
  };
  std::uint32_t t0, s0, r0, t1, s1, r1;
  half(p, t0, s0, r0);
  half(p + 32, t1, s1, r1);
  const std::uint64_t terminators = t0 | (std::uint64_t{t1} << 32);
  const std::uint64_t separators = s0 | (std::uint64_t{s1} << 32);
  const std::uint64_t rares = r0 | (std::uint64_t{r1} << 32);
  bits.terminators = terminators;
  bits.separators = separators;
  bits.rare = rares;
  if (d_.marks) {
    const auto inner = [&](const char* at, __m128i needle) {
      const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16));
      return std::uint64_t{match_mask(lo, hi, needle)};
    };
    bits.components = inner(p, component_) | (inner(p + 32, component_) << 32);
    bits.repetitions =
        d_.repetition != 0 ? inner(p, repetition_) | (inner(p + 32, repetition_) << 32) : 0;
  }
#else
  const BlockBits lo = bits_of_32(p);
  const BlockBits hi = bits_of_32(p + 32);
  bits.terminators = lo.terminators | (hi.terminators << 32);
  bits.separators = lo.separators | (hi.separators << 32);
  bits.rare = lo.rare | (hi.rare << 32);
  bits.components = lo.components | (hi.components << 32);
  bits.repetitions = lo.repetitions | (hi.repetitions << 32);
#endif
}

bool Scanner::scan_short(const char* data, std::size_t size, std::size_t max_length, Bounds& bounds,
                         ScanResult& r) const {
  if (size < 32 || max_length < 31) return false;
  BlockBits b = bits_of_32(data);
  if (b.terminators == 0) {
    // Longer segments (X12 LIN, N3 and the like): one more block.
    if (size < 64 || max_length < 63) return false;
    bits_of(data, b);
  }
  return cut(b, bounds, r);
}

bool BlockIndex::rebuild(const Scanner& scanner, const char* data, std::size_t size,
                         std::size_t p) {
  if (size < 128 || p > size - 128) return false;
  start_ = p;
  scanner.bits_of(data + p, a_);
  scanner.bits_of(data + p + 64, b_);
  return true;
}

template <bool kMarks>
ScanResult Scanner::scan_impl(const char* data, std::size_t size, std::size_t max_length,
                              Bounds& bounds) const {
  const char release = d_.release;
  ScanState state{bounds.begin(), bounds.begin() + bounds.separator_limit()};
  const auto finish = [&](std::size_t length) {
    *state.cursor++ = static_cast<std::uint32_t>(length);
    bounds.set_size(static_cast<std::size_t>(state.cursor - bounds.begin()));
    const auto marks =
        kMarks ? static_cast<std::uint8_t>(Segment::kKnown |
                                           (state.has_component ? Segment::kComponent : 0) |
                                           (state.has_repetition ? Segment::kRepetition : 0) |
                                           (state.has_release ? Segment::kRelease : 0))
               : std::uint8_t{Segment::kAnyMark};
    return ScanResult{ScanStatus::complete, length, state.line_breaks, state.overflow, marks, 0};
  };
  const std::size_t limit = std::min(size, max_length + 1);
  std::size_t i = 0;
#if defined(__SSE2__)
  // Component and repetition characters only need a yes or no: accumulated in vectors, and
  // looked at once, when the segment ends.
  __m128i components = _mm_setzero_si128();
  __m128i repetitions = _mm_setzero_si128();
  for (; i + 32 <= limit; i += 32) {
    const auto* p = reinterpret_cast<const __m128i*>(data + i);
    const __m128i lo = _mm_loadu_si128(p);
    const __m128i hi = _mm_loadu_si128(p + 1);
    std::uint32_t terminators = match_mask(lo, hi, segment_);
    std::uint32_t separators = match_mask(lo, hi, element_);
    std::uint32_t breaks = match_mask(lo, hi, line_feed_);
    std::uint32_t releases = 0;
    if (release != 0) {
      releases = match_mask(lo, hi, release_);
      if (releases != 0 || state.escaped) {
        apply_release(releases, terminators, separators, breaks, state);
      }
    }
    if (terminators != 0) {
      const int end = __builtin_ctz(terminators);
      const std::uint32_t before = (1u << end) - 1;
      if constexpr (kMarks) {
        const std::uint32_t inner_c = match_mask(lo, hi, component_) & before;
        const std::uint32_t inner_r = match_mask(lo, hi, repetition_) & before;
        state.has_component = inner_c != 0 || any(components);
        state.has_repetition = inner_r != 0 || any(repetitions);
        state.has_release = state.has_release || (releases & before) != 0;
      }
      for (std::uint32_t s = separators & before; s != 0; s &= s - 1) {
        state.add_bound(i + static_cast<std::size_t>(__builtin_ctz(s)));
      }
      state.line_breaks += bit_count(breaks & before);
      const std::size_t length = i + static_cast<std::size_t>(end);
      return finish(length);
    }
    for (std::uint32_t s = separators; s != 0; s &= s - 1) {
      state.add_bound(i + static_cast<std::size_t>(__builtin_ctz(s)));
    }
    state.line_breaks += bit_count(breaks);
    if constexpr (kMarks) {
      state.has_release = state.has_release || releases != 0;
      components = _mm_or_si128(
          components, _mm_or_si128(_mm_cmpeq_epi8(lo, component_), _mm_cmpeq_epi8(hi, component_)));
      repetitions = _mm_or_si128(repetitions, _mm_or_si128(_mm_cmpeq_epi8(lo, repetition_),
                                                           _mm_cmpeq_epi8(hi, repetition_)));
    }
  }
  if constexpr (kMarks) {
    state.has_component = any(components);
    state.has_repetition = any(repetitions);
  }
#endif
  if (i < limit) {
    const std::size_t end = scan_scalar<kMarks>(data, i, limit, d_, state);
    if (end < limit && end <= max_length) {
      return finish(end);
    }
  }
  bounds.set_size(static_cast<std::size_t>(state.cursor - bounds.begin()));
  if (limit > max_length) return {ScanStatus::too_long, 0, 0, false, 0};
  return {ScanStatus::incomplete, 0, 0, false, 0};
}

template ScanResult Scanner::scan_impl<true>(const char*, std::size_t, std::size_t, Bounds&) const;
template ScanResult Scanner::scan_impl<false>(const char*, std::size_t, std::size_t, Bounds&) const;

}  // namespace edigate::edi::detail
