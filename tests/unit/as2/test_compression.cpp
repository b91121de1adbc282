// RFC 3274 CompressedData built and parsed with zlib; bombs and broken streams.
#include <catch2/catch.hpp>
#include <edigate/as2/compression.hpp>

using namespace edigate::as2;

TEST_CASE("compression: round trip", "[as2][compression]") {
  const std::string content = "Content-Type: application/edi-x12\r\n\r\n" + std::string(5000, 'x');
  auto der = compress_cms(content);
  REQUIRE(der.ok());
  CHECK(der->size() < content.size());
  auto back = decompress_cms(*der);
  REQUIRE(back.ok());
  CHECK(*back == content);
}

TEST_CASE("compression: bomb stops at the limit with decompression-failed", "[as2][compression]") {
  auto der = compress_cms(std::string(1 << 20, '\0'));
  REQUIRE(der.ok());
  auto back = decompress_cms(*der, 64 * 1024);
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().code == ErrorCode::decompression_failed);
  CHECK(back.error().message.find("limit") != std::string::npos);
}

TEST_CASE("compression: broken zlib stream and non-CMS input", "[as2][compression]") {
  auto der = compress_cms(std::string(4000, 'a') + "tail");
  REQUIRE(der.ok());
  std::string broken = *der;
  broken[broken.size() - 8] = static_cast<char>(broken[broken.size() - 8] ^ 0x55);
  auto back = decompress_cms(broken);
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().code == ErrorCode::decompression_failed);
  auto junk = decompress_cms("not der at all");
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.error().code == ErrorCode::decompression_failed);
}
