// CMS through OpenSSL 3: detached binary signatures and (auth)enveloped data, DER in and out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/as2/credentials.hpp"
#include "edigate/as2/limits.hpp"
#include "edigate/as2/mic.hpp"
#include "edigate/as2/result.hpp"

namespace edigate::as2 {

enum class ContentCipher : unsigned char {
  aes128_cbc,
  aes192_cbc,
  aes256_cbc,
  aes128_gcm,
  aes256_gcm,
  des3_cbc
};

std::string_view cipher_name(ContentCipher c);
std::optional<ContentCipher> parse_cipher_name(std::string_view name);
// The cipher OpenSSL names `short_name` (Decrypted::cipher: "AES-256-CBC", "id-aes128-GCM",
// "DES-EDE3-CBC"), if it is one of ours.
std::optional<ContentCipher> cipher_from_openssl_name(std::string_view short_name);

struct SignOptions {
  DigestAlgorithm digest = DigestAlgorithm::sha256;
  bool allow_sha1 = false;  // SHA-1 only when a partner profile says so
  bool signed_attributes = true;
};

// Detached signature over `content` (binary mode, no canonicalisation): DER SignedData.
Result<std::string> sign_detached(std::string_view content, const Identity& signer,
                                  const SignOptions& options = {});

struct VerifiedSignature {
  Certificate signer;
  DigestAlgorithm digest = DigestAlgorithm::sha256;
  bool had_signed_attributes = true;
};

// Verifies a detached signature (DER or BER) over `content`. The signer must be `expected`:
// a valid signature from any other certificate is authentication_failed. Chain building is
// not done here: AS2 pins the partner's certificate.
Result<VerifiedSignature> verify_detached(std::string_view signature_der, std::string_view content,
                                          const Certificate& expected);

struct EncryptOptions {
  ContentCipher cipher = ContentCipher::aes256_cbc;
  bool rsa_oaep = false;
  bool allow_3des = false;  // never generated unless a partner profile says so
};

// EnvelopedData (CBC) or AuthEnvelopedData (GCM), DER.
Result<std::string> encrypt(std::string_view content, const Certificate& recipient,
                            const EncryptOptions& options = {});

struct Decrypted {
  std::string content;
  bool authenticated = false;  // AuthEnvelopedData (AES-GCM)
  std::string cipher;          // OpenSSL's short name of the content cipher, "" if unreadable
};

// Every failure (parse, key transport, padding, tag) returns the same decryption_failed error
// with the same message, so the answer does not act as a padding oracle.
Result<Decrypted> decrypt(std::string_view der, const Identity& recipient,
                          std::size_t max_recipients = kMaxRecipients);

// The same with several keys of ours (the current one and those of certificates we replaced
// that partners may still encrypt to): the key is the one whose certificate a key-transport
// recipient names (issuer and serial number, or subject key identifier). When none names a
// certificate of ours (one renewed on the same key, key agreement), each key is tried in turn;
// if all fail, the error says which certificates the message was encrypted to (public data: the
// message is the same for every failure of one message). Keys tried in turn spend no more
// private-key operations than max_recipients in all (at least the first key is tried), and
// their result must start like a MIME entity, as AS2 content does (a wrong key's random
// stand-in passes a CBC padding check one time in 256). At most four recipients are named,
// each id cut at 32 bytes.
Result<Decrypted> decrypt(std::string_view der, const std::vector<const Identity*>& keys,
                          std::size_t max_recipients = kMaxRecipients);

}  // namespace edigate::as2
