// CMS sign/verify/encrypt/decrypt with keys generated in the test.
#include <catch2/catch.hpp>
#include <edigate/as2/cms.hpp>

#include "as2_test_support.hpp"

using namespace edigate::as2;
using edigate::as2::test::identity;

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

TEST_CASE("cms: SHA-1 signing only when allowed; no signed attributes verify", "[as2][cms]") {
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
  const Identity& recipient = identity("edigate");
  auto der = encrypt("secret", recipient.certificate, {});
  REQUIRE(der.ok());
  auto wrong_key = decrypt(*der, identity("stranger"));
  REQUIRE_FALSE(wrong_key.ok());
  std::string corrupt = *der;
  corrupt[corrupt.size() / 3] = static_cast<char>(corrupt[corrupt.size() / 3] ^ 0x40);
  auto corrupted = decrypt(corrupt, recipient);
  auto junk = decrypt("junk", recipient);
  REQUIRE_FALSE(corrupted.ok());
  REQUIRE_FALSE(junk.ok());
  for (const auto* r : {&wrong_key, &corrupted, &junk}) {
    CHECK(r->error().code == ErrorCode::decryption_failed);
    CHECK(r->error().message == wrong_key.error().message);
  }
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
