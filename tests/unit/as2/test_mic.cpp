// MIC values and digest algorithm names in every spelling partners use.
#include <catch2/catch.hpp>
#include <edigate/as2/mic.hpp>

using namespace edigate::as2;

TEST_CASE("mic: algorithm names in all spellings", "[as2][mic]") {
  for (const char* n : {"sha1", "SHA1", "sha-1", "SHA-1", "sha_1"})
    CHECK(parse_digest_name(n) == DigestAlgorithm::sha1);
  for (const char* n : {"sha256", "sha-256", "SHA_256", "Sha-256", " sha256 "})
    CHECK(parse_digest_name(n) == DigestAlgorithm::sha256);
  CHECK(parse_digest_name("sha_384") == DigestAlgorithm::sha384);
  CHECK(parse_digest_name("SHA512") == DigestAlgorithm::sha512);
  CHECK_FALSE(parse_digest_name("md5").has_value());
  CHECK(digest_name(DigestAlgorithm::sha256) == "sha-256");
}

TEST_CASE("mic: first supported signed-receipt-micalg is used", "[as2][mic]") {
  CHECK(first_supported_micalg("md5, sha_512, sha256") == DigestAlgorithm::sha512);
  CHECK(first_supported_micalg("optional, sha1") == DigestAlgorithm::sha1);
  CHECK_FALSE(first_supported_micalg("md5").has_value());
}

TEST_CASE("mic: digest of known bytes and lenient parsing", "[as2][mic]") {
  const Mic mic = compute_mic("abc", DigestAlgorithm::sha256);
  CHECK(mic.to_string() == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=, sha-256");
  auto parsed = parse_mic("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=,SHA256");
  REQUIRE(parsed);
  CHECK(mic_matches(*parsed, mic));
  auto spaced = parse_mic("  ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=  ,   sha_256 ");
  REQUIRE(spaced);
  CHECK(mic_matches(*spaced, mic));
  CHECK_FALSE(mic_matches(compute_mic("abd", DigestAlgorithm::sha256), mic));
  CHECK_FALSE(parse_mic("no comma").has_value());
}
