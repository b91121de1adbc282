#include "edigate/as2/mic.hpp"

#include <openssl/evp.h>

#include "edigate/as2/base64.hpp"
#include "text.hpp"

namespace edigate::as2 {

std::optional<DigestAlgorithm> parse_digest_name(std::string_view name) {
  std::string key;
  for (char c : trim(name)) {
    if (c != '-' && c != '_' && c != ' ') key.push_back(lower_char(c));
  }
  if (key == "sha1") return DigestAlgorithm::sha1;
  if (key == "sha224") return DigestAlgorithm::sha224;
  if (key == "sha256") return DigestAlgorithm::sha256;
  if (key == "sha384") return DigestAlgorithm::sha384;
  if (key == "sha512") return DigestAlgorithm::sha512;
  return std::nullopt;
}

std::string_view digest_name(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::sha1:
      return "sha-1";
    case DigestAlgorithm::sha224:
      return "sha-224";
    case DigestAlgorithm::sha256:
      return "sha-256";
    case DigestAlgorithm::sha384:
      return "sha-384";
    case DigestAlgorithm::sha512:
      return "sha-512";
  }
  return "sha-256";
}

const EVP_MD* digest_md(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::sha1:
      return EVP_sha1();
    case DigestAlgorithm::sha224:
      return EVP_sha224();
    case DigestAlgorithm::sha256:
      return EVP_sha256();
    case DigestAlgorithm::sha384:
      return EVP_sha384();
    case DigestAlgorithm::sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

std::optional<DigestAlgorithm> first_supported_micalg(std::string_view list, bool allow_sha1) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    const auto alg = parse_digest_name(list.substr(pos, comma - pos));
    if (alg && (allow_sha1 || *alg != DigestAlgorithm::sha1)) return alg;
    pos = comma + 1;
  }
  return std::nullopt;
}

std::string Mic::to_string() const {
  return digest_base64 + ", " + std::string(digest_name(algorithm));
}

Mic compute_mic(std::string_view bytes, DigestAlgorithm alg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, digest_md(alg), nullptr);
  return Mic{base64_encode(std::string_view(reinterpret_cast<const char*>(md), len)), alg};
}

std::optional<Mic> parse_mic(std::string_view text) {
  const std::size_t comma = text.rfind(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto alg = parse_digest_name(text.substr(comma + 1));
  const std::string_view value = trim(text.substr(0, comma));
  if (!alg || value.empty()) return std::nullopt;
  return Mic{std::string(value), *alg};
}

bool mic_matches(const Mic& a, const Mic& b) {
  if (a.algorithm != b.algorithm) return false;
  auto da = base64_decode(a.digest_base64);
  auto db = base64_decode(b.digest_base64);
  return da && db && *da == *db;
}

}  // namespace edigate::as2
