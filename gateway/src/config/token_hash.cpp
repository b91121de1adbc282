#include "config/token_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace edigate::gateway::config {

Sha256 sha256_of(std::string_view bytes) {
  Sha256 out{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::string to_hex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Sha256> parse_sha256_hex(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c != ':') digits.push_back(c);
  }
  const bool colons = digits.size() != text.size();
  if (digits.size() != 64 || (colons && text.size() != 64 + 31)) return std::nullopt;
  Sha256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(digits[2 * i]);
    const int lo = hex_digit_value(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

bool equal_constant_time(const Sha256& a, const Sha256& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace edigate::gateway::config
