// Where something is in an EDI input. Every reader event and every problem carries one.
#pragma once

#include <cstdint>
#include <string>

namespace edigate::edi {

struct Location {
  std::uint64_t offset = 0;          // byte offset from the start of the input (BOM included)
  std::uint64_t line = 1;            // 1-based; counts LF bytes (a CR alone also counts)
  std::uint64_t segment = 0;         // 1-based segment number in the whole input; 0 before any
  std::uint32_t segment_in_set = 0;  // 1-based position inside its transaction set / message
                                     // (ST or UNH is 1); 0 outside a set
  std::uint32_t element = 0;         // 1-based element position after the tag; 0 = the segment
  std::uint32_t component = 0;       // 1-based component inside a composite; 0 = none
  std::uint32_t repetition = 0;      // 1-based repetition; 0 = element not repeated
};

// "offset 1234, line 5, segment 17 (8 in set), element 3, component 2"
std::string describe(const Location& location);

}  // namespace edigate::edi
