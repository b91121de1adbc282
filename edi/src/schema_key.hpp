// Segment tags packed into integers so the validator compares one word per candidate.
#pragma once

#include <cstdint>
#include <string_view>

namespace edigate::edi::detail {

// The first three bytes and the length: tags of schemas are 1-3 characters, so a longer tag
// from the input never equals a schema key.
constexpr std::uint32_t tag_key(std::string_view tag) {
  const std::size_t n = tag.size();
  const auto byte = [&](std::size_t i) {
    return i < n ? static_cast<std::uint32_t>(static_cast<unsigned char>(tag[i])) : 0u;
  };
  const std::uint32_t length = n < 255 ? static_cast<std::uint32_t>(n) : 255u;
  return byte(0) | (byte(1) << 8) | (byte(2) << 16) | (length << 24);
}

}  // namespace edigate::edi::detail
