// Segment tags packed into integers so the validator compares one word per candidate.
#pragma once

#include <cstdint>
#include <string_view>

namespace edigate::edi::detail {

// The first three bytes and the length: tags of schemas are 1-3 characters, so a longer tag
// from the input never equals a schema key.
constexpr std::uint32_t tag_key(std::string_view tag) {
  std::uint32_t key = 0;
  const std::size_t n = tag.size() < 3 ? tag.size() : 3;
  for (std::size_t i = 0; i < n; ++i) {
    key |= static_cast<std::uint32_t>(static_cast<unsigned char>(tag[i])) << (8 * i);
  }
  const std::size_t length = tag.size() < 255 ? tag.size() : 255;
  return key | (static_cast<std::uint32_t>(length) << 24);
}

}  // namespace edigate::edi::detail
