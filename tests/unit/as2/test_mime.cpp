// MIME parsing and building: byte-exact parts, unfolding, binary default, limits.
#include <catch2/catch.hpp>
#include <edigate/as2/mime.hpp>

using namespace edigate::as2;

namespace {

const std::string kSigned =
    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
    "\tmicalg=sha-256; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: application/edi-x12\r\n"
    "\r\n"
    "ISA*00*~\nGS*PO~\n\r\n"
    "--b1\r\n"
    "Content-Type: application/pkcs7-signature\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAEC\r\n"
    "--b1--\r\n";

}  // namespace

TEST_CASE("mime: multipart parts keep their exact bytes", "[as2][mime]") {
  auto e = parse_mime(kSigned);
  REQUIRE(e.ok());
  REQUIRE(e->parts.size() == 2);
  CHECK(e->parts[0].raw == "Content-Type: application/edi-x12\r\n\r\nISA*00*~\nGS*PO~\n");
  CHECK(e->parts[0].body == "ISA*00*~\nGS*PO~\n");
  CHECK(e->raw == kSigned);
}

TEST_CASE("mime: folded headers are unfolded on input", "[as2][mime]") {
  auto e = parse_mime(kSigned);
  REQUIRE(e.ok());
  CHECK(header_param(e->header("content-type"), "micalg") == "sha-256");
  CHECK(header_param(e->header("Content-Type"), "boundary") == "b1");
  CHECK(e->content_type() == "multipart/signed");
}

TEST_CASE("mime: missing Content-Transfer-Encoding means binary", "[as2][mime]") {
  auto e = parse_mime(kSigned);
  REQUIRE(e.ok());
  auto payload = e->parts[0].decoded_body();
  REQUIRE(payload.ok());
  CHECK(*payload == "ISA*00*~\nGS*PO~\n");  // LF-only payload untouched
  auto sig = e->parts[1].decoded_body();
  REQUIRE(sig.ok());
  CHECK(*sig == std::string("\x00\x01\x02", 3));
}

TEST_CASE("mime: LF-only line ends are accepted", "[as2][mime]") {
  auto e = parse_mime("Content-Type: multipart/mixed; boundary=x\n\n--x\nA: 1\n\nbody\n--x--\n");
  REQUIRE(e.ok());
  REQUIRE(e->parts.size() == 1);
  CHECK(e->parts[0].body == "body");
  CHECK(e->parts[0].header("a") == "1");
}

TEST_CASE("mime: named limits stop oversized input", "[as2][mime]") {
  MimeLimits limits;
  limits.max_header_bytes = 32;
  auto big = parse_mime("X-Long: " + std::string(100, 'a') + "\r\n\r\nbody", limits);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == ErrorCode::limit_exceeded);

  limits = {};
  limits.max_parts = 2;
  auto parts = parse_mime(
      "Content-Type: multipart/mixed; "
      "boundary=x\r\n\r\n--x\r\n\r\n1\r\n--x\r\n\r\n2\r\n--x\r\n\r\n3\r\n--x--\r\n",
      limits);
  REQUIRE_FALSE(parts.ok());
  CHECK(parts.error().code == ErrorCode::limit_exceeded);

  limits = {};
  limits.max_depth = 1;
  auto deep = parse_mime(
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; "
      "boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--a--\r\n",
      limits);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == ErrorCode::limit_exceeded);
}

TEST_CASE("mime: malformed input is an error, not a crash", "[as2][mime]") {
  CHECK_FALSE(parse_mime("no blank line").ok());
  CHECK_FALSE(
      parse_mime("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nunterminated").ok());
  CHECK_FALSE(parse_mime("Content-Type: multipart/mixed\r\n\r\nbody").ok());
  CHECK_FALSE(parse_mime(" folded first\r\n\r\n").ok());
  auto e = parse_mime("Content-Transfer-Encoding: base64\r\n\r\n!!!!");
  REQUIRE(e.ok());
  CHECK_FALSE(e->decoded_body().ok());
}

TEST_CASE("mime: build never folds and cannot inject headers", "[as2][mime]") {
  const std::string long_value(300, 'v');
  const std::string out =
      build_entity({{"X-Long", long_value}, {"X-Evil", "a\r\nInjected: yes"}}, "body");
  CHECK(out == "X-Long: " + long_value + "\r\nX-Evil: a  Injected: yes\r\n\r\nbody");
  auto back = parse_mime(out);
  REQUIRE(back.ok());
  CHECK(back->header("Injected").empty());
}
