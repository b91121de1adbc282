// Reading the X12 ISA segment, which defines the interchange's delimiters.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "edigate/edi/delimiters.hpp"

namespace edigate::edi::detail {

enum class IsaStatus : unsigned char {
  ok,
  incomplete,               // more input is needed to read the ISA
  invalid,                  // not 16 elements within the allowed length
  bad_element_separator,    // TA1 026
  bad_component_separator,  // TA1 027
  bad_segment_terminator,   // TA1 004
};

struct IsaResult {
  IsaStatus status = IsaStatus::invalid;
  Delimiters delimiters;
  std::array<std::string, 17> fields;  // fields[1..16] = ISA01..ISA16 as written
  std::size_t length = 0;    // bytes consumed through the terminator and any CR/LF after it
  bool nonstandard = false;  // not the fixed 106-byte layout
  bool wrapped = false;      // line breaks inside the ISA (a file wrapped at a fixed width)
  std::string detail;        // what was nonstandard or invalid
};

// The longest ISA we read (padded fields and line breaks included) before calling it invalid.
inline constexpr std::size_t kMaxIsaLength = 512;

// Reads the ISA at data[0] ("ISA" already matched). `at_end`: no more input will follow.
IsaResult read_isa(const char* data, std::size_t size, bool at_end);

}  // namespace edigate::edi::detail
