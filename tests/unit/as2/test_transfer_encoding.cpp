// Content-Transfer-Encoding on received parts: quoted-printable (RFC 2045 6.7) and the identity
// encodings, alone and inside a signed message and an MDN whose bytes are verified as received.
#include <catch2/catch.hpp>
#include <edigate/as2/mdn.hpp>
#include <edigate/as2/quoted_printable.hpp>
#include <edigate/as2/receive.hpp>

#include "as2_test_support.hpp"

using namespace edigate::as2;
namespace t = edigate::as2::test;

namespace {

std::string qp(std::string_view text) {
  auto decoded = quoted_printable_decode(text);
  REQUIRE(decoded.ok());
  return *decoded;
}

std::string qp_error(std::string_view text) {
  auto decoded = quoted_printable_decode(text);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == ErrorCode::bad_input);
  return decoded.error().message;
}

// A multipart/signed entity over `content_part` (exact bytes), signed by `signer`.
std::pair<Headers, std::string> signed_entity(const std::string& content_part,
                                              const Identity& signer) {
  auto signature = sign_detached(content_part, signer);
  REQUIRE(signature.ok());
  const std::string sig_part =
      build_entity({{"Content-Type", "application/pkcs7-signature; name=smime.p7s"},
                    {"Content-Transfer-Encoding", "binary"}},
                   *signature);
  return {{{"Content-Type",
            "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
            "boundary=\"sig-boundary\""}},
          build_multipart_body({content_part, sig_part}, "sig-boundary")};
}

// The X12 payload of the signed-message test, as a partner's QP encoder might have written it:
// "=3D"/"=3d" escapes, soft line breaks (one with padding after the "="), padding on a line.
const std::string kQpPayload =
    "ISA*00*          *00*          *ZZ*PARTNER A      *ZZ*EDIGATE=\r\n"
    "        *261130*0400*U*00401*000000001*0*P*>~\r\n"
    "REF*ZZ*A=3DB*a=3db~   \r\n"
    "N1*ST*caf=C3=A9 =  \r\n"
    "M=C3=BCller~\r\n";
const std::string kDecodedPayload =
    "ISA*00*          *00*          *ZZ*PARTNER A      *ZZ*EDIGATE        *261130*0400*U*00401*"
    "000000001*0*P*>~\r\n"
    "REF*ZZ*A=B*a=b~\r\n"
    "N1*ST*caf\xC3\xA9 M\xC3\xBCller~\r\n";

}  // namespace

TEST_CASE("quoted-printable: escapes, soft breaks and padding per RFC 2045 6.7", "[as2][qp]") {
  CHECK(qp("") == "");
  CHECK(qp("plain text") == "plain text");
  CHECK(qp("a=3Db=3dc") == "a=b=c");  // upper- and lower-case hex
  CHECK(qp("=00=FF=7f") == std::string("\0\xff\x7f", 3));
  CHECK(qp("long =\r\nline") == "long line");
  CHECK(qp("soft with padding= \t\r\nnext") == "soft with paddingnext");
  CHECK(qp("text   \r\nnext\t\r\n") == "text\r\nnext\r\n");  // padding dropped, CRLF kept
  CHECK(qp("inner  spaces stay") == "inner  spaces stay");
  CHECK(qp("a=\nb\nc\n") == "ab\nc\n");  // LF-only line ends
  CHECK(qp("ends with a soft break=") == "ends with a soft break");
  CHECK(qp("=3D=\r\n=3D") == "==");
  CHECK(qp("\r\n\r\n") == "\r\n\r\n");
}

TEST_CASE("quoted-printable: a malformed escape is an error naming its offset", "[as2][qp]") {
  CHECK(qp_error("a=4") == "malformed quoted-printable escape at byte 1");
  CHECK(qp_error("ok\r\nx=G1") == "malformed quoted-printable escape at byte 5");
  CHECK(qp_error("==\r\n").find("at byte 0") != std::string::npos);
  CHECK(qp_error("=4\r\n").find("at byte 0") != std::string::npos);  // escape cut by a break
  CHECK(qp_error("= x").find("at byte 0") != std::string::npos);     // "=" then a space, mid-line
}

TEST_CASE("mime: decoded_body undoes quoted-printable and keeps the identity encodings",
          "[as2][mime][qp]") {
  auto entity = parse_mime(
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n"
      "caf=C3=A9=\r\n au lait  \r\n");
  REQUIRE(entity.ok());
  auto body = entity->decoded_body();
  REQUIRE(body.ok());
  CHECK(*body == "caf\xC3\xA9 au lait\r\n");
  CHECK(entity->body == "caf=C3=A9=\r\n au lait  \r\n");  // the received bytes are untouched
  for (const char* identity : {"7bit", "8BIT", "binary", " Binary "}) {
    auto plain =
        parse_mime(std::string("Content-Transfer-Encoding: ") + identity + "\r\n\r\na=3D b  \r\n");
    REQUIRE(plain.ok());
    auto same = plain->decoded_body();
    REQUIRE(same.ok());
    CHECK(*same == "a=3D b  \r\n");
  }
  auto bad = parse_mime("Content-Transfer-Encoding: quoted-printable\r\n\r\nx=ZZ");
  REQUIRE(bad.ok());
  auto refused = bad->decoded_body();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "malformed quoted-printable escape at byte 1");
  auto unknown = parse_mime("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin");
  REQUIRE(unknown.ok());
  CHECK(unknown->decoded_body().error().code == ErrorCode::unsupported);
}

TEST_CASE("receive: a signed payload part in quoted-printable, the MIC covers it as received",
          "[as2][receive][qp]") {
  const std::string part =
      "Content-Type: application/edi-x12\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      kQpPayload;
  const auto [signed_headers, signed_body] = signed_entity(part, t::identity("partner"));
  auto enveloped =
      encrypt(build_entity(signed_headers, signed_body), t::identity("edigate").certificate);
  REQUIRE(enveloped.ok());
  const Headers http{
      {"AS2-Version", "1.2"},
      {"AS2-From", "\"PARTNER A\""},
      {"AS2-To", "EDIGATE"},
      {"Message-ID", "<qp-1@partner>"},
      {"Content-Type", "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m"},
      {"Disposition-Notification-To", "as2@partner.example"},
      {"Disposition-Notification-Options",
       "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, "
       "sha-256"}};
  const PartnerProfile partner = t::partner_profile();
  const PartnerLookup lookup = [&](std::string_view) { return &partner; };
  const ReceiveOutcome out = receive(http, *enveloped, t::local_station(), lookup);
  REQUIRE(out.disposition == DispositionStatus::processed);
  CHECK(out.payload == kDecodedPayload);
  REQUIRE(out.mic);
  CHECK(out.mic->digest_base64 == compute_mic(part, DigestAlgorithm::sha256).digest_base64);
  CHECK(out.mic->digest_base64 !=
        compute_mic("Content-Type: application/edi-x12\r\n\r\n" + kDecodedPayload,
                    DigestAlgorithm::sha256)
            .digest_base64);
  REQUIRE(out.mdn);
  auto mdn = parse_mdn(out.mdn->headers, out.mdn->body, &t::identity("edigate").certificate);
  REQUIRE(mdn.ok());
  REQUIRE(mdn->received_mic);
  CHECK(mic_matches(*mdn->received_mic, *out.mic));

  // The same message with a broken escape in the payload is refused, not passed on raw.
  std::string broken = part;
  broken.replace(broken.find("=3D"), 3, "=3Q");
  const auto [bad_headers, bad_body] = signed_entity(broken, t::identity("partner"));
  auto bad_enveloped =
      encrypt(build_entity(bad_headers, bad_body), t::identity("edigate").certificate);
  REQUIRE(bad_enveloped.ok());
  const ReceiveOutcome refused = receive(http, *bad_enveloped, t::local_station(), lookup);
  CHECK(refused.disposition == DispositionStatus::unexpected_processing_error);
  CHECK(refused.error.find("malformed quoted-printable escape") != std::string::npos);
  CHECK(refused.payload.empty());
}

TEST_CASE("mdn: a signed MDN whose human-readable part is quoted-printable", "[as2][mdn][qp]") {
  const std::string report_body =
      "--rb\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Die Nachricht <abc@partner> wurde empfangen und verarbeitet; Pr=C3=BCfsumme =3D =\r\n"
      "MIC.   \r\n"
      "--rb\r\n"
      "Content-Type: message/disposition-notification\r\n"
      "Content-Transfer-Encoding: 7bit\r\n\r\n"
      "Reporting-UA: some server\r\n"
      "Original-Recipient: rfc822; EDIGATE\r\n"
      "Final-Recipient: rfc822; EDIGATE\r\n"
      "Original-Message-ID: <abc@partner>\r\n"
      "Received-Content-MIC: ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=, sha-256\r\n"
      "Disposition: automatic-action/MDN-sent-automatically; processed\r\n"
      "\r\n"
      "--rb--\r\n";
  const std::string report = build_entity(
      {{"Content-Type", "multipart/report; report-type=disposition-notification; boundary=\"rb\""}},
      report_body);
  const auto [headers, body] = signed_entity(report, t::identity("partner"));
  const Certificate& partner = t::identity("partner").certificate;
  auto parsed = parse_mdn(headers, body, &partner);
  REQUIRE(parsed.ok());
  CHECK(parsed->signed_mdn);
  CHECK(parsed->status == DispositionStatus::processed);
  CHECK(parsed->explanation ==
        "Die Nachricht <abc@partner> wurde empfangen und verarbeitet; Pr\xC3\xBC"
        "fsumme = MIC.");  // the CRLF before the boundary belongs to the boundary
  REQUIRE(parsed->received_mic);
  CHECK(mic_matches(*parsed->received_mic, compute_mic("abc", DigestAlgorithm::sha256)));

  // A malformed escape in the text leaves the explanation as received; the receipt still counts.
  std::string odd = report;
  odd.replace(odd.find("=3D"), 3, "=3?");
  const auto [odd_headers, odd_body] = signed_entity(odd, t::identity("partner"));
  auto lenient = parse_mdn(odd_headers, odd_body, &partner);
  REQUIRE(lenient.ok());
  CHECK(lenient->status == DispositionStatus::processed);
  CHECK(lenient->explanation.find("Pr=C3=BCfsumme =3? =\r\n") != std::string::npos);
}
