// Named limits on untrusted sizes. Every one has a runtime setting (this struct) and a
// conservative default that real partner files stay far below.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edigate::edi {

struct Limits {
  static constexpr std::size_t kDefaultMaxElementLength = 64 * 1024;
  static constexpr std::size_t kDefaultMaxSegmentLength = 256 * 1024;
  static constexpr std::size_t kDefaultMaxElementsPerSegment = 512;
  static constexpr std::size_t kDefaultMaxComponentsPerElement = 64;
  static constexpr std::size_t kDefaultMaxRepetitions = 1024;
  static constexpr std::uint64_t kDefaultMaxSegmentsPerSet = 10'000'000;
  static constexpr std::size_t kDefaultMaxNesting = 32;
  static constexpr std::size_t kDefaultMaxProblemsPerSet = 1000;
  static constexpr std::size_t kDefaultStreamBuffer = 1024 * 1024;

  std::size_t max_element_length = kDefaultMaxElementLength;
  std::size_t max_segment_length = kDefaultMaxSegmentLength;  // bytes, terminator excluded
  std::size_t max_elements_per_segment = kDefaultMaxElementsPerSegment;
  std::size_t max_components_per_element = kDefaultMaxComponentsPerElement;
  std::size_t max_repetitions = kDefaultMaxRepetitions;
  std::uint64_t max_segments_per_set = kDefaultMaxSegmentsPerSet;
  std::size_t max_nesting = kDefaultMaxNesting;  // loop / segment-group / HL depth
  // Problems beyond this many in one set are counted but not reported one by one.
  std::size_t max_problems_per_set = kDefaultMaxProblemsPerSet;
  // Size of the read buffer for stream input; raised to hold max_segment_length if smaller.
  std::size_t stream_buffer = kDefaultStreamBuffer;
};

}  // namespace edigate::edi
