#include "edigate/as2/cms.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>

#include "content_cipher.hpp"
#include "edigate/as2/limits.hpp"
#include "embedded_certs.hpp"
#include "ossl.hpp"
#include "text.hpp"

namespace edigate::as2 {
namespace {

struct CipherEntry {
  ContentCipher cipher;
  std::string_view name;
};
constexpr CipherEntry kCiphers[] = {
    {ContentCipher::aes128_cbc, "aes128-cbc"}, {ContentCipher::aes192_cbc, "aes192-cbc"},
    {ContentCipher::aes256_cbc, "aes256-cbc"}, {ContentCipher::aes128_gcm, "aes128-gcm"},
    {ContentCipher::aes256_gcm, "aes256-gcm"}, {ContentCipher::des3_cbc, "3des-cbc"},
};

const EVP_CIPHER* evp_cipher(ContentCipher c) {
  switch (c) {
    case ContentCipher::aes128_cbc:
      return EVP_aes_128_cbc();
    case ContentCipher::aes192_cbc:
      return EVP_aes_192_cbc();
    case ContentCipher::aes256_cbc:
      return EVP_aes_256_cbc();
    case ContentCipher::aes128_gcm:
      return EVP_aes_128_gcm();
    case ContentCipher::aes256_gcm:
      return EVP_aes_256_gcm();
    case ContentCipher::des3_cbc:
      return EVP_des_ede3_cbc();
  }
  return EVP_aes_256_cbc();
}

std::string der_of(CMS_ContentInfo* cms) {
  Bio out(BIO_new(BIO_s_mem()));
  if (i2d_CMS_bio(out.get(), cms) != 1) return {};
  return bio_contents(out.get());
}

Cms parse_cms(std::string_view der) {
  Bio in = memory_bio(der);
  return Cms(d2i_CMS_bio(in.get(), nullptr));  // DER and BER (indefinite length) alike
}

std::optional<DigestAlgorithm> digest_of(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  char name[80];
  OBJ_obj2txt(name, sizeof name, obj, 0);
  return parse_digest_name(name);
}

struct CertStack {
  STACK_OF(X509) * stack = sk_X509_new_null();
  ~CertStack() { sk_X509_free(stack); }
};

Result<CMS_SignerInfo*> only_signer(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1)
    return Error{ErrorCode::authentication_failed, "signature must have exactly one signer"};
  return sk_CMS_SignerInfo_value(infos, 0);
}

// A valid signature over the signed attributes with a wrong content digest means the content
// was changed in transit (integrity), not that someone else signed (authentication).
Error verify_failure(CMS_SignerInfo* si, const Certificate& expected) {
  const std::string detail = openssl_error();
  if (CMS_signed_get_attr_count(si) > 0) {
    CMS_SignerInfo_set1_signer_cert(si, expected.get());
    const int attrs_ok = CMS_SignerInfo_verify(si);
    ERR_clear_error();
    if (attrs_ok == 1)
      return Error{ErrorCode::integrity_check_failed,
                   "signed content does not match its digest: " + detail};
  }
  return Error{ErrorCode::authentication_failed, "signature does not verify: " + detail};
}

// CMS_add_standard_smimecap looks up every cipher and digest by name on each call (a fetch in
// OpenSSL 3); the list never changes within a process, so it is built once and only read after.
struct AlgorithmList {
  STACK_OF(X509_ALGOR) * algs = nullptr;
  AlgorithmList() {
    if (CMS_add_standard_smimecap(&algs) == 1) return;
    sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
    algs = nullptr;
  }
  ~AlgorithmList() { sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free); }
  AlgorithmList(const AlgorithmList&) = delete;
  AlgorithmList& operator=(const AlgorithmList&) = delete;
};

bool add_standard_capabilities(CMS_SignerInfo* si) {
  static const AlgorithmList standard;
  if (standard.algs != nullptr) return CMS_add_smimecap(si, standard.algs) == 1;
  const AlgorithmList retry;  // the first build failed (memory): no cached failure
  return retry.algs != nullptr && CMS_add_smimecap(si, retry.algs) == 1;
}

}  // namespace

std::string_view cipher_name(ContentCipher c) {
  for (const auto& e : kCiphers) {
    if (e.cipher == c) return e.name;
  }
  return "aes256-cbc";
}

std::optional<ContentCipher> parse_cipher_name(std::string_view name) {
  std::string key;
  for (char ch : name) {
    if (ch != '-' && ch != '_') key.push_back(lower_char(ch));
  }
  for (const auto& e : kCiphers) {
    std::string k;
    for (char ch : e.name) {
      if (ch != '-') k.push_back(ch);
    }
    if (k == key) return e.cipher;
  }
  return std::nullopt;
}

std::optional<ContentCipher> cipher_from_openssl_name(std::string_view short_name) {
  for (const auto& e : kCiphers) {
    if (OBJ_nid2sn(EVP_CIPHER_get_nid(evp_cipher(e.cipher))) == short_name) return e.cipher;
  }
  return std::nullopt;
}

Result<std::string> sign_detached(std::string_view content, const Identity& signer,
                                  const SignOptions& options) {
  if (options.digest == DigestAlgorithm::sha1 && !options.allow_sha1)
    return Error{ErrorCode::unsupported, "SHA-1 signing is not allowed for this partner"};
  unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL;
  Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) return Error{ErrorCode::crypto_error, openssl_error()};
  // The SMIMECapabilities attribute OpenSSL would add is added from a list built once.
  const unsigned int signer_flags = options.signed_attributes
                                        ? static_cast<unsigned int>(CMS_NOSMIMECAP)
                                        : static_cast<unsigned int>(CMS_NOATTR);
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), signer.certificate.get(), signer.key.get(),
                                       digest_md(options.digest), signer_flags);
  if (si == nullptr || (options.signed_attributes && !add_standard_capabilities(si)))
    return Error{ErrorCode::crypto_error, "cannot add signer: " + openssl_error()};
  Bio data = memory_bio(content);
  if (CMS_final(cms.get(), data.get(), nullptr, flags) != 1)
    return Error{ErrorCode::crypto_error, "signing failed: " + openssl_error()};
  return der_of(cms.get());
}

Result<VerifiedSignature> verify_detached(std::string_view signature_der, std::string_view content,
                                          const Certificate& expected) {
  if (!expected) {  // nothing to pin the signer to: nothing is verified
    return Error{ErrorCode::authentication_failed,
                 "the message is signed, and there is no partner certificate to verify it with"};
  }
  ERR_set_mark();  // a walk that gives up leaves nothing in the error queue
  const auto without_copies = without_pinned_certificates(signature_der, expected.der());
  ERR_pop_to_mark();
  Cms cms = parse_cms(without_copies ? std::string_view(*without_copies) : signature_der);
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    ERR_clear_error();
    return Error{ErrorCode::authentication_failed, "signature is not CMS SignedData"};
  }
  auto si = only_signer(cms.get());
  if (!si) return si.error();
  if (CMS_SignerInfo_cert_cmp(*si, expected.get()) != 0)
    return Error{ErrorCode::authentication_failed,
                 "message is signed by a certificate that is not the partner's (expected " +
                     expected.subject() + ")"};
  X509_ALGOR* dig = nullptr;
  CMS_SignerInfo_get0_algs(*si, nullptr, nullptr, &dig, nullptr);
  auto digest = digest_of(dig);
  if (!digest) return Error{ErrorCode::unsupported, "unsupported signature digest algorithm"};
  CertStack certs;
  sk_X509_push(certs.stack, expected.get());
  Bio data = memory_bio(content);
  // Only the pinned certificate is trusted; embedded certificates are ignored (NOINTERN).
  const unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY;
  if (CMS_verify(cms.get(), certs.stack, nullptr, data.get(), nullptr, flags) != 1)
    return verify_failure(*si, expected);
  return VerifiedSignature{expected, *digest, CMS_signed_get_attr_count(*si) > 0};
}

Result<std::string> encrypt(std::string_view content, const Certificate& recipient,
                            const EncryptOptions& options) {
  if (options.cipher == ContentCipher::des3_cbc && !options.allow_3des)
    return Error{ErrorCode::unsupported,
                 "3DES is accepted inbound only unless the partner profile allows it"};
  const unsigned int flags = CMS_BINARY | CMS_PARTIAL;
  Cms cms(CMS_encrypt(nullptr, nullptr, evp_cipher(options.cipher), flags));
  if (!cms) return Error{ErrorCode::crypto_error, openssl_error()};
  CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms.get(), recipient.get(), CMS_KEY_PARAM);
  if (ri == nullptr)
    return Error{ErrorCode::crypto_error, "cannot add recipient: " + openssl_error()};
  if (options.rsa_oaep) {
    EVP_PKEY_CTX* pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    if (pctx == nullptr || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) <= 0)
      return Error{ErrorCode::crypto_error, "cannot select RSA-OAEP: " + openssl_error()};
  }
  Bio data = memory_bio(content);
  if (CMS_final(cms.get(), data.get(), nullptr, flags) != 1)
    return Error{ErrorCode::crypto_error, "encryption failed: " + openssl_error()};
  return der_of(cms.get());
}

namespace {

// Hex of at most kMaxNamedBytes bytes (an X.509 serial is at most 20, RFC 5280 4.1.2.2), "..."
// after: the bytes are the sender's to choose.
constexpr int kMaxNamedBytes = 32;
constexpr int kMaxNamedRecipients = 4;

std::string hex_of(const unsigned char* bytes, int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < size && i < kMaxNamedBytes; ++i) {
    if (i > 0) out += ':';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0f];
  }
  if (size > kMaxNamedBytes) out += ":...";
  return out;
}

// Whether decrypted bytes start like a MIME entity (a header field name and its colon), as the
// content of every AS2 message does. Bytes decrypted with a wrong key's random stand-in pass a
// CBC padding check about one time in 256, and almost never this.
bool looks_like_mime(std::string_view content) {
  constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  for (std::size_t i = 0; i < content.size() && i < 80; ++i) {
    const char c = content[i];
    if (c == ':') return i > 0;
    const bool token = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       kTokenPunct.find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return false;
}

// "serial 01:2f issued by /CN=...", or "key identifier ab:cd", of a key-transport recipient.
std::string recipient_name(CMS_RecipientInfo* ri) {
  ASN1_OCTET_STRING* key_id = nullptr;
  X509_NAME* issuer = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (CMS_RecipientInfo_ktri_get0_signer_id(ri, &key_id, &issuer, &serial) != 1) return "?";
  if (key_id != nullptr) {
    return "key identifier " + hex_of(ASN1_STRING_get0_data(key_id), ASN1_STRING_length(key_id));
  }
  if (issuer == nullptr || serial == nullptr) return "?";
  char name[128];  // cut short by X509_NAME_oneline
  X509_NAME_oneline(issuer, name, sizeof name);
  return "serial " + hex_of(ASN1_STRING_get0_data(serial), ASN1_STRING_length(serial)) +
         " issued by " + name;
}

}  // namespace

Result<Decrypted> decrypt(std::string_view der, const Identity& recipient,
                          std::size_t max_recipients) {
  return decrypt(der, std::vector<const Identity*>{&recipient}, max_recipients);
}

Result<Decrypted> decrypt(std::string_view der, const std::vector<const Identity*>& keys,
                          std::size_t max_recipients) {
  const Error failed{ErrorCode::decryption_failed, "the message could not be decrypted"};
  Cms cms = parse_cms(der);
  if (!cms || keys.empty()) {
    ERR_clear_error();
    return failed;
  }
  STACK_OF(CMS_RecipientInfo)* recipients = CMS_get0_RecipientInfos(cms.get());
  if (recipients == nullptr ||
      static_cast<std::size_t>(sk_CMS_RecipientInfo_num(recipients)) > max_recipients)
    return failed;  // not enveloped, or more private-key operations than we spend on one message
  // Which of our keys: the recipients' certificate ids are public, compared before any
  // private-key operation. Every key whose certificate a recipient names (two certificates
  // of ours may share an issuer and serial).
  const int recipient_count = sk_CMS_RecipientInfo_num(recipients);
  if (recipient_count <= 0) return failed;
  std::vector<const Identity*> tries;
  std::string strangers;
  int strangers_named = 0, strangers_left = 0;
  bool other_kinds = false;
  for (int i = 0; i < recipient_count; ++i) {
    CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(recipients, i);
    if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS) {
      other_kinds = true;
      continue;
    }
    bool ours = false;
    for (const Identity* k : keys) {
      if (!k->certificate || CMS_RecipientInfo_ktri_cert_cmp(ri, k->certificate.get()) != 0) {
        continue;
      }
      ours = true;
      if (std::find(tries.begin(), tries.end(), k) == tries.end()) tries.push_back(k);
    }
    if (ours) continue;
    if (strangers_named == kMaxNamedRecipients) {
      ++strangers_left;
    } else {
      strangers += (strangers.empty() ? "" : "; ") + recipient_name(ri);
      ++strangers_named;
    }
  }
  ERR_clear_error();
  if (strangers_left > 0) strangers += "; and " + std::to_string(strangers_left) + " more";
  // None named (a certificate renewed on the same key, key agreement): each key in turn. A
  // wrong key fails like a bad padding, and a failure then still names what the message asked
  // for, the same for every failure of this message.
  const bool named = !tries.empty();
  if (!named || other_kinds) {
    for (const Identity* k : keys) {
      if (std::find(tries.begin(), tries.end(), k) == tries.end()) tries.push_back(k);
    }
  }
  // Each try may spend a private-key operation per recipient: no more than max_recipients in
  // all, whatever number of keys we hold (the first try is always made, as with one key).
  const std::size_t budget =
      std::max<std::size_t>(1, max_recipients / static_cast<std::size_t>(recipient_count));
  if (tries.size() > budget) tries.resize(budget);
  // With several keys tried in turn, one that "succeeds" on a wrong key's random stand-in must
  // also look like the MIME entity every AS2 content is, or the right key would never be tried.
  const bool in_turn = tries.size() > 1;
  std::string cipher = content_cipher_name(der);  // read before decrypting: same work on every path
  for (const Identity* key : tries) {
    Bio out(BIO_new(BIO_s_mem()));
    // No certificate: OpenSSL tries each recipient and, on a key-transport failure, goes on
    // with a random key (its Bleichenbacher/MMA countermeasure), so all failures end the same
    // way.
    const int ok = CMS_decrypt(cms.get(), key->key.get(), nullptr, nullptr, out.get(), CMS_BINARY);
    ERR_clear_error();
    if (ok != 1) continue;
    std::string content = bio_contents(out.get());
    if (in_turn && !looks_like_mime(content)) continue;
    const bool gcm = OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_id_smime_ct_authEnvelopedData;
    return Decrypted{std::move(content), gcm, std::move(cipher)};
  }
  if (!named && !strangers.empty() && !other_kinds) {
    return Error{ErrorCode::decryption_failed,
                 "the message could not be decrypted: it is encrypted to a certificate that is "
                 "not ours (" +
                     strangers + "), perhaps an old or wrong certificate of ours"};
  }
  return failed;
}

}  // namespace edigate::as2
