// SHA-256 of tokens and certificates, as the configuration stores them: hex in the files,
// 32 bytes in memory, compared in constant time so a lookup does not leak how much of a guess
// matched.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace edigate::gateway::config {

Sha256 sha256_of(std::string_view bytes);
std::string to_hex(const Sha256& digest);
// 64 hex digits, upper or lower case, optionally in colon-separated pairs (as `openssl x509
// -fingerprint` prints them); nullopt otherwise.
std::optional<Sha256> parse_sha256_hex(std::string_view text);
// The value of one hex digit (either case), -1 for any other character.
int hex_digit_value(char c);
// Equal in time independent of the contents.
bool equal_constant_time(const Sha256& a, const Sha256& b);

}  // namespace edigate::gateway::config
