// SHA-256 as lowercase hex: spool ids and the audit chain.
#pragma once

#include <string>
#include <string_view>

namespace edigate::gateway::store {

inline constexpr std::size_t kSha256HexLength = 64;

std::string sha256_hex(std::string_view bytes);

// True for exactly 64 lowercase hex digits (what sha256_hex produces).
bool is_sha256_hex(std::string_view s);

}  // namespace edigate::gateway::store
