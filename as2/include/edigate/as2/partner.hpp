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

struct LocalStation;

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
  // Signs what we send this partner and our MDNs to them when set: one of our previous
  // identities, for a partner that has not yet installed our new certificate. Empty: the
  // station's own.
  Identity sign_as;

  const Identity& signer(const LocalStation& local) const;
};

// Our station: AS2 id, the identity we sign and decrypt with, and the identities of
// certificates we replaced (or are replacing) that partners may still encrypt to: decrypted
// with, never signed with.
struct LocalStation {
  std::string as2_id;
  Identity identity;
  std::vector<Identity> also_decrypt;

  std::vector<const Identity*> decryption_keys() const {
    std::vector<const Identity*> keys{&identity};
    for (const Identity& k : also_decrypt) keys.push_back(&k);
    return keys;
  }
};

inline const Identity& PartnerProfile::signer(const LocalStation& local) const {
  return sign_as.key ? sign_as : local.identity;
}

}  // namespace edigate::as2
