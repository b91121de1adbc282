// Digest algorithms by their AS2 names and the RFC 4130 MIC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edigate/as2/result.hpp"

typedef struct evp_md_st EVP_MD;

namespace edigate::as2 {

enum class DigestAlgorithm : unsigned char { sha1, sha224, sha256, sha384, sha512 };

// Accepts every spelling partners send: sha1, SHA1, sha-1, sha_1, sha256, sha-256, SHA_256...
std::optional<DigestAlgorithm> parse_digest_name(std::string_view name);
// The canonical AS2 spelling (RFC 5751 micalg): sha-1, sha-256, ...
std::string_view digest_name(DigestAlgorithm alg);
const EVP_MD* digest_md(DigestAlgorithm alg);

// First supported algorithm of a `signed-receipt-micalg` list ("sha-512, sha-256").
std::optional<DigestAlgorithm> first_supported_micalg(std::string_view list,
                                                      bool allow_sha1 = true);

struct Mic {
  std::string digest_base64;
  DigestAlgorithm algorithm;
  std::string to_string() const;  // "base64, sha-256" as in Received-Content-MIC
};

Mic compute_mic(std::string_view bytes, DigestAlgorithm alg);

// Parses "value, alg" leniently (any spacing); nullopt when it cannot be read.
std::optional<Mic> parse_mic(std::string_view text);

// Same digest bytes and algorithm.
bool mic_matches(const Mic& a, const Mic& b);

}  // namespace edigate::as2
