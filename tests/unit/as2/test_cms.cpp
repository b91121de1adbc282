// CMS sign/verify/encrypt/decrypt with keys generated in the test.
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <edigate/as2/cms.hpp>
#include <memory>
#include <string>
#include <vector>

#include "as2_test_support.hpp"

using namespace edigate::as2;
using edigate::as2::test::identity;

namespace {

struct SignedAttributes {
  std::vector<int> nids;     // in encoded order
  std::string capabilities;  // DER of the SMIMECapabilities value
};

// The signed attributes of the only signer of a DER SignedData.
SignedAttributes signed_attributes(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
  REQUIRE(cms);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  SignedAttributes out;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, i);
    const int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attr));
    out.nids.push_back(nid);
    if (nid != NID_SMIMECapabilities) continue;
    const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    REQUIRE(value->type == V_ASN1_SEQUENCE);
    out.capabilities.assign(reinterpret_cast<const char*>(value->value.sequence->data),
                            static_cast<std::size_t>(value->value.sequence->length));
  }
  return out;
}

}  // namespace

TEST_CASE("cms: detached binary signatures verify for SHA-256/384/512", "[as2][cms]") {
  const Identity& signer = identity("partner");
  const std::string content = "Content-Type: text/plain\r\n\r\nline\nLF only\n";
  for (DigestAlgorithm alg :
       {DigestAlgorithm::sha256, DigestAlgorithm::sha384, DigestAlgorithm::sha512}) {
    SignOptions options;
    options.digest = alg;
    auto sig = sign_detached(content, signer, options);
    REQUIRE(sig.ok());
    auto verified = verify_detached(*sig, content, signer.certificate);
    REQUIRE(verified.ok());
    CHECK(verified->digest == alg);
    CHECK(verified->had_signed_attributes);
  }
}

TEST_CASE("cms: our signed attributes are the ones CMS_sign itself writes", "[as2][cms]") {
  const Identity& signer = identity("partner");
  const std::string content = "Content-Type: text/plain\r\n\r\nsame attributes\r\n";
  auto ours = sign_detached(content, signer);
  REQUIRE(ours.ok());
  BIO* data = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  CMS_ContentInfo* reference = CMS_sign(signer.certificate.get(), signer.key.get(), nullptr, data,
                                        CMS_BINARY | CMS_DETACHED);
  REQUIRE(reference != nullptr);
  unsigned char* bytes = nullptr;
  const int n = i2d_CMS_ContentInfo(reference, &bytes);
  REQUIRE(n > 0);
  const std::string reference_der(reinterpret_cast<const char*>(bytes),
                                  static_cast<std::size_t>(n));
  OPENSSL_free(bytes);
  CMS_ContentInfo_free(reference);
  BIO_free(data);
  const SignedAttributes a = signed_attributes(*ours);
  const SignedAttributes b = signed_attributes(reference_der);
  CHECK(a.nids == b.nids);
  CHECK(std::find(a.nids.begin(), a.nids.end(), NID_SMIMECapabilities) != a.nids.end());
  CHECK_FALSE(a.capabilities.empty());
  CHECK(a.capabilities == b.capabilities);
  // A second signature takes the list from the cache: still the same bytes.
  auto again = sign_detached(content, signer);
  REQUIRE(again.ok());
  CHECK(signed_attributes(*again).capabilities == b.capabilities);
}

TEST_CASE("cms: SHA-1 signing only when allowed, no signed attributes verify", "[as2][cms]") {
  const Identity& signer = identity("partner");
  SignOptions options;
  options.digest = DigestAlgorithm::sha1;
  auto refused = sign_detached("x", signer, options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::unsupported);
  options.allow_sha1 = true;
  options.signed_attributes = false;
  auto sig = sign_detached("x", signer, options);
  REQUIRE(sig.ok());
  auto verified = verify_detached(*sig, "x", signer.certificate);
  REQUIRE(verified.ok());
  CHECK(verified->digest == DigestAlgorithm::sha1);
  CHECK_FALSE(verified->had_signed_attributes);
}

TEST_CASE("cms: wrong signer, altered content and altered signature", "[as2][cms]") {
  const Identity& signer = identity("partner");
  auto sig = sign_detached("payload", signer, {});
  REQUIRE(sig.ok());
  auto wrong = verify_detached(*sig, "payload", identity("stranger").certificate);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::authentication_failed);

  auto altered = verify_detached(*sig, "paYload", signer.certificate);
  REQUIRE_FALSE(altered.ok());
  CHECK(altered.error().code == ErrorCode::integrity_check_failed);

  std::string bad = *sig;
  bad[bad.size() - 10] = static_cast<char>(bad[bad.size() - 10] ^ 1);  // inside the RSA signature
  auto tampered = verify_detached(bad, "payload", signer.certificate);
  REQUIRE_FALSE(tampered.ok());
  CHECK(tampered.error().code == ErrorCode::authentication_failed);

  CHECK(verify_detached("garbage", "payload", signer.certificate).error().code ==
        ErrorCode::authentication_failed);
  // No certificate to pin the signer to (`as2 unpack` without --partner-cert): refused, not a
  // crash.
  auto unpinned = verify_detached(*sig, "payload", Certificate{});
  REQUIRE_FALSE(unpinned.ok());
  CHECK(unpinned.error().code == ErrorCode::authentication_failed);
}

TEST_CASE("cms: encrypt and decrypt with AES-CBC, AES-GCM and RSA-OAEP", "[as2][cms]") {
  const Identity& recipient = identity("edigate");
  const std::string content(10000, 'q');
  for (ContentCipher c :
       {ContentCipher::aes128_cbc, ContentCipher::aes192_cbc, ContentCipher::aes256_cbc,
        ContentCipher::aes128_gcm, ContentCipher::aes256_gcm}) {
    for (bool oaep : {false, true}) {
      EncryptOptions options;
      options.cipher = c;
      options.rsa_oaep = oaep;
      auto der = encrypt(content, recipient.certificate, options);
      REQUIRE(der.ok());
      auto plain = decrypt(*der, recipient);
      REQUIRE(plain.ok());
      CHECK(plain->content == content);
      CHECK(plain->authenticated ==
            (c == ContentCipher::aes128_gcm || c == ContentCipher::aes256_gcm));
    }
  }
}

TEST_CASE("cms: 3DES only inbound unless allowed", "[as2][cms]") {
  const Identity& recipient = identity("edigate");
  EncryptOptions options;
  options.cipher = ContentCipher::des3_cbc;
  REQUIRE_FALSE(encrypt("x", recipient.certificate, options).ok());
  options.allow_3des = true;
  auto der = encrypt("triple", recipient.certificate, options);
  REQUIRE(der.ok());
  auto plain = decrypt(*der, recipient);
  REQUIRE(plain.ok());
  CHECK(plain->content == "triple");
  CHECK(plain->cipher == "DES-EDE3-CBC");
}

TEST_CASE("cms: every decryption failure looks the same", "[as2][cms]") {
  // AES-GCM, whose tag makes every one of these fail every time. With CBC, the uniform path
  // (a key that does not unwrap is replaced by a random one, so that no padding oracle tells
  // the two apart) decrypts with that random key, and about one time in 200 the garbage ends
  // in valid padding: "decrypted" nonsense, which the signature check then refuses.
  // The message may say which certificate a message names as its recipient (public data, the
  // same for every failure of one message), never how the private-key operation went.
  const Identity& recipient = identity("edigate");
  auto der = encrypt("secret", recipient.certificate, {ContentCipher::aes256_gcm});
  REQUIRE(der.ok());
  std::string corrupt = *der;
  corrupt[corrupt.size() / 3] = static_cast<char>(corrupt[corrupt.size() / 3] ^ 0x40);
  auto corrupted = decrypt(corrupt, recipient);
  auto junk = decrypt("junk", recipient);
  std::string wrong_tag = *der;
  wrong_tag[wrong_tag.size() - 3] = static_cast<char>(wrong_tag[wrong_tag.size() - 3] ^ 0x01);
  auto tag = decrypt(wrong_tag, recipient);
  REQUIRE_FALSE(corrupted.ok());
  REQUIRE_FALSE(junk.ok());
  REQUIRE_FALSE(tag.ok());
  for (const auto* r : {&corrupted, &junk, &tag}) {
    CHECK(r->error().code == ErrorCode::decryption_failed);
    CHECK(r->error().message == "the message could not be decrypted");
  }
  // Encrypted to a certificate that is not ours: every attempt says so, naming it.
  const auto wrong_key = decrypt(*der, identity("stranger"));
  const auto again = decrypt(*der, identity("stranger"));
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(wrong_key.error().code == ErrorCode::decryption_failed);
  CHECK(wrong_key.error().message.find("encrypted to a certificate that is not ours (serial ") !=
        std::string::npos);
  CHECK(wrong_key.error().message.find("issued by /CN=edigate)") != std::string::npos);
  CHECK(again.error().message == wrong_key.error().message);
}

TEST_CASE("cms: a message to a previous certificate of ours is decrypted with its key",
          "[as2][cms]") {
  const Identity& current = identity("edigate-2027");
  const Identity& previous = identity("edigate");
  const std::vector<const Identity*> ours{&current, &previous};
  for (const Identity* to : ours) {
    for (ContentCipher c : {ContentCipher::aes256_cbc, ContentCipher::aes128_gcm}) {
      auto der = encrypt("for us", to->certificate, {c});
      REQUIRE(der.ok());
      auto plain = decrypt(*der, ours);
      REQUIRE(plain.ok());
      CHECK(plain->content == "for us");
    }
  }
  // A certificate renewed on the same key: no recipient names a certificate we have, and the
  // key that fits is found by trying ours in turn. The current key is tried first: with CBC its
  // random stand-in passes the padding check about one time in 256, and that "success" must not
  // end the search (AS2 content is a MIME entity; such garbage is not).
  const std::int64_t now = std::time(nullptr);
  const Certificate renewed = test::certificate_valid(previous.key, now - 60, now + 86400);
  const std::string entity = "Content-Type: application/edi-x12\r\n\r\nISA*00~";
  for (int round = 0; round < 1200; ++round) {  // 99% sure to meet a stand-in's valid padding
    auto der = encrypt(entity, renewed, {ContentCipher::aes256_cbc});
    REQUIRE(der.ok());
    auto plain = decrypt(*der, ours);
    REQUIRE(plain.ok());
    REQUIRE(plain->content == entity);
  }
  // To neither: refused, naming the certificate the partner used.
  auto der = encrypt(entity, identity("stranger").certificate, {ContentCipher::aes256_gcm});
  REQUIRE(der.ok());
  auto lost = decrypt(*der, ours);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().message.find("issued by /CN=stranger)") != std::string::npos);
}

TEST_CASE("cms: a message to many strangers names four of them", "[as2][cms]") {
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> certs(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  for (int i = 0; i < 6; ++i) {
    sk_X509_push(certs.get(), identity("stranger-" + std::to_string(i), 1024).certificate.get());
  }
  BIO* in = BIO_new_mem_buf("x", 1);
  CMS_ContentInfo* cms = CMS_encrypt(certs.get(), in, EVP_aes_128_cbc(), CMS_BINARY);
  BIO_free(in);
  REQUIRE(cms != nullptr);
  unsigned char* bytes = nullptr;
  const int size = i2d_CMS_ContentInfo(cms, &bytes);
  CMS_ContentInfo_free(cms);
  REQUIRE(size > 0);
  const std::string der(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
  OPENSSL_free(bytes);
  const auto lost = decrypt(der, identity("edigate"));
  REQUIRE_FALSE(lost.ok());
  const std::string& m = lost.error().message;
  std::size_t named = 0;
  for (std::size_t at = m.find("issued by"); at != std::string::npos;
       at = m.find("issued by", at + 1)) {
    ++named;
  }
  CHECK(named == 4);                                    // four named ...
  CHECK(m.find("; and 2 more)") != std::string::npos);  // ... and the rest counted
}

TEST_CASE("cms: a SignedData is not decrypted", "[as2][cms]") {
  const Identity& recipient = identity("edigate");
  auto signature = sign_detached("x", recipient, {});
  REQUIRE(signature.ok());
  auto not_enveloped = decrypt(*signature, recipient);
  REQUIRE_FALSE(not_enveloped.ok());
  CHECK(not_enveloped.error().code == ErrorCode::decryption_failed);
}

TEST_CASE("cms: cipher names", "[as2][cms]") {
  CHECK(parse_cipher_name("AES256_CBC") == ContentCipher::aes256_cbc);
  CHECK(parse_cipher_name("aes128-gcm") == ContentCipher::aes128_gcm);
  CHECK(parse_cipher_name("3des") == std::nullopt);
  CHECK(parse_cipher_name("3des-cbc") == ContentCipher::des3_cbc);
}
