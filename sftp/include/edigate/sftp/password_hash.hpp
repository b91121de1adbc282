// Password hashes for partners whose profile enables SFTP password authentication. Only the hash
// is stored, never the password: scrypt (OpenSSL 3's EVP_KDF) in a self-describing string that
// carries its own parameters,
//
//   $scrypt$ln=15,r=8,p=1$<salt, base64 without padding>$<key, base64 without padding>
//
// (the layout of the PHC string format: cost N = 2^ln, block size r, parallelism p).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/sftp/result.hpp"

namespace edigate::sftp {

// New hashes: N = 2^15, r = 8 (32 MiB and roughly 0.1 s per check on a current core).
inline constexpr unsigned kDefaultScryptLogN = 15;
inline constexpr unsigned kDefaultScryptR = 8;
inline constexpr unsigned kDefaultScryptP = 1;
inline constexpr std::size_t kPasswordSaltBytes = 16;
inline constexpr std::size_t kPasswordKeyBytes = 32;
// A stored hash asking for more memory than this (128 * r * N bytes) is refused when the
// configuration is read: a typo must not make every login allocate gigabytes.
inline constexpr std::uint64_t kMaxScryptMemoryBytes = 256ull << 20;
// Longer input is not a password; it is refused before any hashing.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct ScryptParams {
  unsigned log_n = kDefaultScryptLogN;
  unsigned r = kDefaultScryptR;
  unsigned p = kDefaultScryptP;
};

struct PasswordHash {
  ScryptParams params;
  std::vector<unsigned char> salt;
  std::vector<unsigned char> key;
};

// Parses the string form; the error says what is wrong (never echoing the value).
Result<PasswordHash> parse_password_hash(std::string_view text);
// A fresh random salt, the given parameters, the string form.
Result<std::string> hash_password(std::string_view password, ScryptParams params = {});
// Recomputes the key with the stored salt and parameters and compares in constant time.
// False for a malformed hash or an over-long password.
bool verify_password(std::string_view password, const PasswordHash& hash);

}  // namespace edigate::sftp
