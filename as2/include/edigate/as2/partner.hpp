// What the as2 logic needs to know about a trading partner and about us.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "edigate/as2/cms.hpp"
#include "edigate/as2/credentials.hpp"
#include "edigate/as2/mic.hpp"

namespace edigate::as2 {

enum class Compression : unsigned char { none, before_signing, after_signing };

// Inbound policy and outbound choices for one partner.
struct PartnerProfile {
  std::string as2_id;
  Certificate certificate;  // verifies their signatures, encrypts to them
  bool require_signed = true;
  bool require_encrypted = true;
  bool accept_sha1_signatures = true;  // inbound; IBM Sterling still sends SHA-1
  // Inbound: the signature digests and content ciphers accepted from this partner; empty: any
  // supported. A message using another is insufficient-message-security.
  std::vector<DigestAlgorithm> accept_digests;
  std::vector<ContentCipher> accept_ciphers;
  // Outbound
  SignOptions sign;
  EncryptOptions encrypt;
  bool sign_outbound = true;
  bool encrypt_outbound = true;
  Compression compression = Compression::none;
};

// Our station: AS2 id and the identity we sign and decrypt with.
struct LocalStation {
  std::string as2_id;
  Identity identity;
};

}  // namespace edigate::as2
