#include "connectors/hmac_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace edigate::gateway::connectors {

std::string hmac_hex(std::string_view algorithm, std::string_view key, std::string_view message) {
  const EVP_MD* md = algorithm == "sha256"   ? EVP_sha256()
                     : algorithm == "sha384" ? EVP_sha384()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (md == nullptr) return {};
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // The one-shot HMAC() is not deprecated in OpenSSL 3 (only HMAC_CTX is).
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_len) == nullptr) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(mac_len * 2);
  for (unsigned int i = 0; i < mac_len; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 0x0f]);
  }
  return hex;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  return hmac_hex("sha256", key, message);
}

std::string edigate_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body, std::string_view algorithm) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text.push_back('.');
  signed_text.append(body);
  return std::string(algorithm) + "=" + hmac_hex(algorithm, secret, signed_text);
}

}  // namespace edigate::gateway::connectors
