// MDNs: exact generation for every disposition, lenient parsing, signature checks.
#include <catch2/catch.hpp>
#include <edigate/as2/mdn.hpp>

#include "as2_test_support.hpp"

using namespace edigate::as2;
using edigate::as2::test::identity;

namespace {

MdnFields fields(DispositionStatus status) {
  MdnFields f;
  f.original_recipient = "EDIGATE";
  f.original_message_id = "<abc@partner>";
  f.received_mic = compute_mic("payload", DigestAlgorithm::sha256);
  f.status = status;
  return f;
}

const MdnAddressing kAddressing{"EDIGATE", "PARTNER A", "<mdn-1@edigate>"};

}  // namespace

TEST_CASE("mdn: every disposition is generated exactly and parses back", "[as2][mdn]") {
  const std::pair<DispositionStatus, const char*> all[] = {
      {DispositionStatus::processed, "processed"},
      {DispositionStatus::duplicate_document, "processed/warning: duplicate-document"},
      {DispositionStatus::authentication_failed, "processed/error: authentication-failed"},
      {DispositionStatus::decryption_failed, "processed/error: decryption-failed"},
      {DispositionStatus::decompression_failed, "processed/error: decompression-failed"},
      {DispositionStatus::integrity_check_failed, "processed/error: integrity-check-failed"},
      {DispositionStatus::insufficient_message_security,
       "processed/error: insufficient-message-security"},
      {DispositionStatus::unexpected_processing_error,
       "processed/error: unexpected-processing-error"},
  };
  for (const auto& [status, text] : all) {
    auto mdn = build_mdn(fields(status), kAddressing, nullptr, DigestAlgorithm::sha256);
    REQUIRE(mdn.ok());
    const std::string line =
        std::string("\r\nDisposition: automatic-action/MDN-sent-automatically; ") + text + "\r\n";
    CHECK(mdn->body.find(line) != std::string::npos);
    CHECK(mdn->body.find("\r\nOriginal-Recipient: rfc822; EDIGATE\r\n") != std::string::npos);
    auto parsed = parse_mdn(mdn->headers, mdn->body, nullptr);
    REQUIRE(parsed.ok());
    CHECK(parsed->status == status);
    CHECK(parsed->disposition == text);
    CHECK(parsed->original_message_id == "<abc@partner>");
    REQUIRE(parsed->received_mic);
    CHECK(mic_matches(*parsed->received_mic, *fields(status).received_mic));
  }
}

TEST_CASE("mdn: signed MDN verifies against the partner and fails against another", "[as2][mdn]") {
  const Identity& us = identity("edigate");
  auto mdn =
      build_mdn(fields(DispositionStatus::processed), kAddressing, &us, DigestAlgorithm::sha384);
  REQUIRE(mdn.ok());
  CHECK(find_header(mdn->headers, "AS2-From") == "EDIGATE");
  CHECK(media_type(find_header(mdn->headers, "Content-Type")) == "multipart/signed");
  CHECK(header_param(find_header(mdn->headers, "Content-Type"), "micalg") == "sha-384");
  auto parsed = parse_mdn(mdn->headers, mdn->body, &us.certificate);
  REQUIRE(parsed.ok());
  CHECK(parsed->signed_mdn);
  CHECK(parsed->status == DispositionStatus::processed);
  auto wrong = parse_mdn(mdn->headers, mdn->body, &identity("stranger").certificate);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::authentication_failed);
  std::string tampered = mdn->body;
  tampered.replace(tampered.find("; processed"), 11, "; prOcessed");
  auto altered = parse_mdn(mdn->headers, tampered, &us.certificate);
  REQUIRE_FALSE(altered.ok());
  CHECK(altered.error().code == ErrorCode::integrity_check_failed);
}

TEST_CASE("mdn: lenient parsing of what real products send", "[as2][mdn]") {
  // Missing "rfc822;", no Original-Message-ID, odd spacing and case, LF line ends, folded field.
  const std::string body =
      "--r\n"
      "Content-Type: text/plain\n\nok\n"
      "--r\n"
      "Content-Type: message/disposition-notification\n\n"
      "Reporting-UA: some server\n"
      "Final-Recipient: EDIGATE\n"
      "Received-Content-MIC:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=,SHA_256\n"
      "Disposition: Automatic-Action/MDN-Sent-Automatically;\n"
      "   Processed/Error:Decryption-Failed\n"
      "--r--\n";
  const Headers headers{
      {"Content-Type", "multipart/report; report-type=disposition-notification; boundary=r"}};
  auto parsed = parse_mdn(headers, body, nullptr);
  REQUIRE(parsed.ok());
  CHECK(parsed->final_recipient == "EDIGATE");
  CHECK(parsed->original_message_id.empty());
  CHECK(parsed->status == DispositionStatus::decryption_failed);
  REQUIRE(parsed->received_mic);
  CHECK(mic_matches(*parsed->received_mic, compute_mic("abc", DigestAlgorithm::sha256)));
}

TEST_CASE("mdn: missing pieces are clear errors", "[as2][mdn]") {
  const Headers headers{{"Content-Type", "multipart/report; boundary=r"}};
  CHECK_FALSE(
      parse_mdn(headers, "--r\r\nContent-Type: text/plain\r\n\r\nx\r\n--r--\r\n", nullptr).ok());
  CHECK_FALSE(parse_mdn(headers, "garbage", nullptr).ok());
  auto signed_without_cert = parse_mdn({{"Content-Type", "multipart/signed; boundary=s"}},
                                       "--s\r\n\r\na\r\n--s\r\n\r\nb\r\n--s--\r\n", nullptr);
  REQUIRE_FALSE(signed_without_cert.ok());
  CHECK(signed_without_cert.error().code == ErrorCode::authentication_failed);
}

TEST_CASE("mdn: errors and negative dispositions map both ways", "[as2][mdn]") {
  for (DispositionStatus s :
       {DispositionStatus::authentication_failed, DispositionStatus::decryption_failed,
        DispositionStatus::decompression_failed, DispositionStatus::integrity_check_failed,
        DispositionStatus::insufficient_message_security}) {
    CHECK(disposition_for(error_for(s)) == s);
  }
  CHECK(disposition_for(ErrorCode::unknown_partner) == DispositionStatus::authentication_failed);
  CHECK(disposition_for(ErrorCode::limit_exceeded) ==
        DispositionStatus::unexpected_processing_error);
  CHECK(disposition_for(ErrorCode::bad_input) == DispositionStatus::unexpected_processing_error);
}
