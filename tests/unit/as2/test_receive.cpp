// The receiver against our own sender: every security permutation, MDN and MIC checks, and
// each negative case with its exact disposition.
#include <catch2/catch.hpp>
#include <edigate/as2/receive.hpp>

#include "as2_test_support.hpp"

using namespace edigate::as2;
namespace t = edigate::as2::test;

namespace {

const std::string kPayload =
    "ISA*00*          *00*          *ZZ*PARTNER~\nGS*PO*A*B~\nST*850*0001~\n";

// The partner packs, we receive; returns the outcome and checks the MDN against the MIC.
ReceiveOutcome round_trip(const PartnerProfile& partner_view_of_us, const PackRequest& request,
                          int bits, const PartnerProfile& our_view_of_partner,
                          PackedMessage* packed_out = nullptr) {
  auto packed = pack(request, t::partner_station(bits), partner_view_of_us);
  REQUIRE(packed.ok());
  if (packed_out != nullptr) *packed_out = *packed;
  const PartnerLookup lookup = [&](std::string_view id) {
    return id == our_view_of_partner.as2_id ? &our_view_of_partner : nullptr;
  };
  return receive(packed->http.headers, packed->http.body, t::local_station(bits), lookup);
}

}  // namespace

TEST_CASE("receive: all security permutations round-trip with a matching signed MDN",
          "[as2][receive]") {
  for (int bits : {2048, 3072}) {
    for (ContentCipher cipher : {ContentCipher::aes128_cbc, ContentCipher::aes256_gcm}) {
      for (int security = 0; security < 4; ++security) {
        for (Compression compression :
             {Compression::none, Compression::before_signing, Compression::after_signing}) {
          for (bool async : {false, true}) {
            PartnerProfile us = t::as_partner_of_partner(bits);
            us.sign_outbound = (security & 1) != 0;
            us.encrypt_outbound = (security & 2) != 0;
            us.encrypt.cipher = cipher;
            us.compression = compression;
            PartnerProfile them = t::partner_profile(bits);
            them.require_signed = us.sign_outbound;
            them.require_encrypted = us.encrypt_outbound;
            PackRequest request;
            request.payload = kPayload;
            if (async) request.mdn.async_url = "https://partner.example/mdn";
            PackedMessage packed;
            INFO("bits " << bits << " cipher " << cipher_name(cipher) << " security " << security
                         << " compression " << static_cast<int>(compression) << " async " << async);
            const ReceiveOutcome out = round_trip(us, request, bits, them, &packed);
            REQUIRE(out.error == "");
            CHECK(out.disposition == DispositionStatus::processed);
            CHECK(out.payload == kPayload);
            CHECK(out.was_signed == us.sign_outbound);
            CHECK(out.was_encrypted == us.encrypt_outbound);
            CHECK(out.was_compressed == (compression != Compression::none));
            CHECK(out.content_cipher == (!us.encrypt_outbound                  ? ""
                                         : cipher == ContentCipher::aes128_cbc ? "AES-128-CBC"
                                                                               : "id-aes256-GCM"));
            CHECK(out.mdn_request.async_url == request.mdn.async_url);
            REQUIRE(out.mic);
            CHECK(mic_matches(*out.mic, packed.expected_mic));
            REQUIRE(out.mdn);
            auto mdn = parse_mdn(out.mdn->headers, out.mdn->body,
                                 &t::identity("edigate", bits).certificate);
            REQUIRE(mdn.ok());
            CHECK(mdn->signed_mdn);
            CHECK(mdn->status == DispositionStatus::processed);
            CHECK(mdn->original_message_id == packed.message_id);
            REQUIRE(mdn->received_mic);
            CHECK(mic_matches(*mdn->received_mic, packed.expected_mic));
          }
        }
      }
    }
  }
}

namespace {

struct Scenario {
  PartnerProfile us = t::as_partner_of_partner();
  PartnerProfile them = t::partner_profile();
  PackRequest request;
  Scenario() { request.payload = kPayload; }
  ReceiveOutcome run() { return round_trip(us, request, 2048, them); }
};

DispositionStatus mdn_status(const ReceiveOutcome& out) {
  REQUIRE(out.mdn);
  auto mdn = parse_mdn(out.mdn->headers, out.mdn->body, &t::identity("edigate").certificate);
  REQUIRE(mdn.ok());
  REQUIRE(mdn->status);
  CHECK_FALSE(mdn->received_mic);  // no MIC in a failed MDN
  return *mdn->status;
}

}  // namespace

TEST_CASE("receive: the content cipher our packer chose is reported by its OpenSSL name",
          "[as2][receive]") {
  const std::pair<ContentCipher, const char*> ciphers[] = {
      {ContentCipher::aes128_cbc, "AES-128-CBC"},   {ContentCipher::aes192_cbc, "AES-192-CBC"},
      {ContentCipher::aes256_cbc, "AES-256-CBC"},   {ContentCipher::aes128_gcm, "id-aes128-GCM"},
      {ContentCipher::aes256_gcm, "id-aes256-GCM"}, {ContentCipher::des3_cbc, "DES-EDE3-CBC"},
  };
  for (const auto& [cipher, name] : ciphers) {
    Scenario s;
    s.us.encrypt.cipher = cipher;
    s.us.encrypt.allow_3des = true;
    const ReceiveOutcome out = s.run();
    INFO(cipher_name(cipher));
    CHECK(out.disposition == DispositionStatus::processed);
    CHECK(out.content_cipher == name);
    CHECK(cipher_from_openssl_name(out.content_cipher) == cipher);
  }
  CHECK_FALSE(cipher_from_openssl_name("RC2-40-CBC").has_value());
}

TEST_CASE("receive: a partner's accepted ciphers and digests, when listed, are enforced",
          "[as2][receive]") {
  Scenario s;
  s.us.encrypt.cipher = ContentCipher::aes128_cbc;
  s.them.accept_ciphers = {ContentCipher::aes256_cbc, ContentCipher::aes256_gcm};
  ReceiveOutcome out = s.run();
  CHECK(out.disposition == DispositionStatus::insufficient_message_security);
  CHECK(out.error.find("AES-128-CBC") != std::string::npos);
  CHECK(out.payload.empty());
  CHECK(mdn_status(out) == DispositionStatus::insufficient_message_security);
  s.us.encrypt.cipher = ContentCipher::aes256_gcm;
  CHECK(s.run().disposition == DispositionStatus::processed);

  s.them.accept_digests = {DigestAlgorithm::sha384, DigestAlgorithm::sha512};
  s.us.sign.digest = DigestAlgorithm::sha256;
  out = s.run();
  CHECK(out.disposition == DispositionStatus::insufficient_message_security);
  CHECK(out.error.find("sha-256") != std::string::npos);
  s.us.sign.digest = DigestAlgorithm::sha512;
  CHECK(s.run().disposition == DispositionStatus::processed);
  // Empty lists: anything supported, 3DES included.
  Scenario open;
  open.us.encrypt.cipher = ContentCipher::des3_cbc;
  open.us.encrypt.allow_3des = true;
  CHECK(open.run().disposition == DispositionStatus::processed);
}

TEST_CASE("receive: unsigned where signing is required is insufficient-message-security",
          "[as2][receive]") {
  Scenario s;
  s.us.sign_outbound = false;
  const ReceiveOutcome out = s.run();
  CHECK(out.disposition == DispositionStatus::insufficient_message_security);
  CHECK(out.payload.empty());
  CHECK(mdn_status(out) == DispositionStatus::insufficient_message_security);
}

TEST_CASE("receive: unencrypted where encryption is required is insufficient-message-security",
          "[as2][receive]") {
  Scenario s;
  s.us.encrypt_outbound = false;
  CHECK(mdn_status(s.run()) == DispositionStatus::insufficient_message_security);
}

TEST_CASE("receive: signed by a certificate that is not the partner's is authentication-failed",
          "[as2][receive]") {
  Scenario s;
  s.them.certificate = t::identity("stranger").certificate;
  const ReceiveOutcome out = s.run();
  CHECK(mdn_status(out) == DispositionStatus::authentication_failed);
  CHECK(out.error.find("not the partner") != std::string::npos);
}

TEST_CASE("receive: without sign_refusals a negative MDN goes unsigned, a positive one signed",
          "[as2][receive]") {
  Scenario s;
  s.request.mdn.signed_receipt = true;
  Limits limits;
  limits.sign_refusals = false;
  const auto received = [&](const PartnerProfile& them) {
    auto packed = pack(s.request, t::partner_station(2048), s.us);
    REQUIRE(packed.ok());
    const PartnerLookup lookup = [&](std::string_view id) {
      return id == them.as2_id ? &them : nullptr;
    };
    ReceiveOutcome out =
        receive(packed->http.headers, packed->http.body, t::local_station(2048), lookup, limits);
    REQUIRE(out.mdn);
    auto mdn = parse_mdn(out.mdn->headers, out.mdn->body, &t::identity("edigate").certificate);
    REQUIRE(mdn.ok());
    return std::pair{out.disposition, mdn->signed_mdn};
  };
  CHECK(received(s.them) == std::pair{DispositionStatus::processed, true});
  PartnerProfile wrong = s.them;
  wrong.certificate = t::identity("stranger").certificate;  // their signature does not verify
  CHECK(received(wrong) == std::pair{DispositionStatus::authentication_failed, false});
  // Refused after its signature verified (unencrypted against the partner's policy): the
  // partner's own message, answered signed even past the gate.
  s.us.encrypt_outbound = false;
  CHECK(received(s.them) == std::pair{DispositionStatus::insufficient_message_security, true});
  s.us.encrypt_outbound = true;
  limits.sign_refusals = true;  // the default
  CHECK(received(wrong) == std::pair{DispositionStatus::authentication_failed, true});
}

TEST_CASE("receive: encrypted to another key is decryption-failed", "[as2][receive]") {
  Scenario s;
  s.us.certificate = t::identity("stranger").certificate;
  CHECK(mdn_status(s.run()) == DispositionStatus::decryption_failed);
}

TEST_CASE(
    "receive: tampered signature is authentication-failed, tampered content integrity-check-failed",
    "[as2][receive]") {
  Scenario s;
  s.us.encrypt_outbound = false;
  s.them.require_encrypted = false;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  const PartnerLookup lookup = [&](std::string_view) { return &s.them; };
  std::string body = packed->http.body;
  const std::size_t sig_end = body.rfind("\r\n--");
  body[sig_end - 5] = static_cast<char>(body[sig_end - 5] ^ 1);  // last bytes of the RSA signature
  auto out = receive(packed->http.headers, body, t::local_station(), lookup);
  CHECK(mdn_status(out) == DispositionStatus::authentication_failed);

  body = packed->http.body;
  body.replace(body.find("GS*PO"), 5, "GS*IN");
  out = receive(packed->http.headers, body, t::local_station(), lookup);
  CHECK(mdn_status(out) == DispositionStatus::integrity_check_failed);
}

TEST_CASE("receive: decompression bomb is decompression-failed", "[as2][receive]") {
  Scenario s;
  s.us.compression = Compression::before_signing;
  const std::string bomb(2 << 20, 'A');  // compresses ~1000:1
  s.request.payload = bomb;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  Limits limits;
  limits.max_decompressed_bytes = 1 << 20;
  const PartnerLookup lookup = [&](std::string_view) { return &s.them; };
  auto out = receive(packed->http.headers, packed->http.body, t::local_station(), lookup, limits);
  CHECK(mdn_status(out) == DispositionStatus::decompression_failed);
}

TEST_CASE("receive: compressed data outside the encryption a partner requires is not opened",
          "[as2][receive]") {
  Scenario s;
  s.us.compression = Compression::after_signing;
  s.us.encrypt_outbound = false;         // a bomb anyone can send: compressed, not encrypted
  const std::string bomb(2 << 20, 'A');  // the request holds a view of it
  s.request.payload = bomb;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  Limits limits;
  limits.max_decompressed_bytes = 1 << 20;  // were it opened: decompression-failed
  REQUIRE(s.them.require_encrypted);
  const PartnerLookup lookup = [&](std::string_view) { return &s.them; };
  auto out = receive(packed->http.headers, packed->http.body, t::local_station(), lookup, limits);
  CHECK(mdn_status(out) == DispositionStatus::insufficient_message_security);
  CHECK_FALSE(out.was_compressed);
}

TEST_CASE("receive: during a rollover, a partner still on our old certificate is answered with it",
          "[as2][receive]") {
  // We renewed: "edigate-2027" is current, "edigate" (what the partner has) is previous.
  LocalStation us{"EDIGATE", t::identity("edigate-2027"), {t::identity("edigate")}};
  Scenario s;
  s.request.mdn.signed_receipt = true;
  auto packed = pack(s.request, t::partner_station(), s.us);  // encrypted to "edigate"
  REQUIRE(packed.ok());
  PartnerProfile them = s.them;
  const PartnerLookup lookup = [&](std::string_view) { return &them; };
  const auto mdn_signer = [&](const Certificate& cert) {
    ReceiveOutcome out = receive(packed->http.headers, packed->http.body, us, lookup);
    CHECK(out.disposition == DispositionStatus::processed);
    REQUIRE(out.mdn);
    auto mdn = parse_mdn(out.mdn->headers, out.mdn->body, &cert);
    return mdn.ok() && mdn->signed_mdn;
  };
  // Decrypted with the previous key; the MDN signed with the current one, which the partner
  // cannot verify yet ...
  CHECK(mdn_signer(t::identity("edigate-2027").certificate));
  CHECK_FALSE(mdn_signer(t::identity("edigate").certificate));
  // ... unless its profile says to sign for it with the previous key.
  them.sign_as = t::identity("edigate");
  CHECK(mdn_signer(t::identity("edigate").certificate));
  // What we send it is signed with the previous key too: the partner, who still has our old
  // certificate, verifies it.
  PartnerProfile partner_seen_by_us = t::partner_profile();
  partner_seen_by_us.sign_as = t::identity("edigate");
  auto ours = pack(s.request, us, partner_seen_by_us);
  REQUIRE(ours.ok());
  PartnerProfile us_seen_by_partner = t::as_partner_of_partner();  // our old certificate
  const PartnerLookup partner_lookup = [&](std::string_view) { return &us_seen_by_partner; };
  CHECK(receive(ours->http.headers, ours->http.body, t::partner_station(), partner_lookup)
            .disposition == DispositionStatus::processed);
  partner_seen_by_us.sign_as = {};
  ours = pack(s.request, us, partner_seen_by_us);
  REQUIRE(ours.ok());
  CHECK(receive(ours->http.headers, ours->http.body, t::partner_station(), partner_lookup)
            .disposition == DispositionStatus::authentication_failed);
  // Without the previous key the message cannot be opened, and the MDN says which certificate
  // it was encrypted to.
  us.also_decrypt.clear();
  ReceiveOutcome lost = receive(packed->http.headers, packed->http.body, us, lookup);
  CHECK(lost.disposition == DispositionStatus::decryption_failed);
  CHECK(lost.error.find("not ours (serial ") != std::string::npos);
}

TEST_CASE("receive: unknown partner and wrong AS2-To", "[as2][receive]") {
  Scenario s;
  s.them.as2_id = "SOMEONE ELSE";
  CHECK(mdn_status(s.run()) == DispositionStatus::authentication_failed);

  Scenario wrong_to;
  auto packed = pack(wrong_to.request, t::partner_station(), wrong_to.us);
  REQUIRE(packed.ok());
  Headers headers = packed->http.headers;
  for (Header& h : headers) {
    if (h.name == "AS2-To") h.value = "NOT US";
  }
  const PartnerLookup lookup = [&](std::string_view) { return &wrong_to.them; };
  const ReceiveOutcome out = receive(headers, packed->http.body, t::local_station(), lookup);
  CHECK(mdn_status(out) == DispositionStatus::authentication_failed);
  CHECK(out.error.find("is not us") != std::string::npos);

  for (const std::string& bad :
       {std::string(129, 'A'), std::string("TAB\tID"), std::string("\xC3\xA9t\xC3\xA9")}) {
    for (Header& h : headers) {
      if (h.name == "AS2-From") h.value = bad;
    }
    const ReceiveOutcome rejected = receive(headers, packed->http.body, t::local_station(), lookup);
    CHECK(rejected.disposition == DispositionStatus::unexpected_processing_error);
    CHECK(rejected.error.find("printable ASCII") != std::string::npos);
  }
}

TEST_CASE("receive: a message without a Message-ID is refused", "[as2][receive]") {
  Scenario s;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  const PartnerLookup lookup = [&](std::string_view) { return &s.them; };
  for (const char* value : {"", "   ", "<>"}) {
    Headers headers = packed->http.headers;
    for (Header& h : headers) {
      if (h.name == "Message-ID") h.value = value;
    }
    const ReceiveOutcome out = receive(headers, packed->http.body, t::local_station(), lookup);
    CHECK(out.disposition == DispositionStatus::unexpected_processing_error);
    CHECK(out.error == "the message has no Message-ID");
    CHECK(out.payload.empty());
  }
  Headers without = packed->http.headers;
  std::erase_if(without, [](const Header& h) { return h.name == "Message-ID"; });
  CHECK(receive(without, packed->http.body, t::local_station(), lookup).error ==
        "the message has no Message-ID");
  // Its refusal is signed as the partner's profile says (here: with a previous key of ours).
  s.request.mdn.signed_receipt = true;
  s.them.sign_as = t::identity("edigate-previous");
  auto asking = pack(s.request, t::partner_station(), s.us);
  REQUIRE(asking.ok());
  std::erase_if(asking->http.headers, [](const Header& h) { return h.name == "Message-ID"; });
  const ReceiveOutcome refused =
      receive(asking->http.headers, asking->http.body, t::local_station(), lookup);
  REQUIRE(refused.mdn);
  auto mdn = parse_mdn(refused.mdn->headers, refused.mdn->body,
                       &t::identity("edigate-previous").certificate);
  REQUIRE(mdn.ok());
  CHECK(mdn->signed_mdn);
}

TEST_CASE("receive: unsigned message asking for a signed MDN gets the requested micalg",
          "[as2][receive]") {
  Scenario s;
  s.us.sign_outbound = false;
  s.them.require_signed = false;
  s.request.mdn.micalg = DigestAlgorithm::sha512;
  PackedMessage packed;
  const ReceiveOutcome out = round_trip(s.us, s.request, 2048, s.them, &packed);
  REQUIRE(out.disposition == DispositionStatus::processed);
  REQUIRE(out.mdn);
  CHECK(header_param(find_header(out.mdn->headers, "Content-Type"), "micalg") == "sha-512");
  REQUIRE(out.mic);
  CHECK(out.mic->algorithm == DigestAlgorithm::sha512);
  CHECK(mic_matches(*out.mic, packed.expected_mic));
}

TEST_CASE("receive: micalg list spelled sha_256 and headers folded on input", "[as2][receive]") {
  Scenario s;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  Headers headers = packed->http.headers;
  for (Header& h : headers) {
    if (h.name == "Disposition-Notification-Options")
      h.value =
          "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5, "
          "SHA_256";
  }
  // A folded Content-Type as an HTTP stack that does not unfold would hand it over.
  const std::string entity = build_entity(headers, packed->http.body);
  auto split = split_headers(entity);
  REQUIRE(split.ok());
  const PartnerLookup lookup = [&](std::string_view) { return &s.them; };
  auto out = receive(split->first, split->second, t::local_station(), lookup);
  CHECK(out.disposition == DispositionStatus::processed);
  REQUIRE(out.mic);
  CHECK(out.mic->algorithm == DigestAlgorithm::sha256);
  auto folded =
      parse_mime("Content-Type: application/pkcs7-mime;\r\n smime-type=enveloped-data\r\n\r\n");
  REQUIRE(folded.ok());
  CHECK(header_param(folded->header("Content-Type"), "smime-type") == "enveloped-data");
}

TEST_CASE("receive: a retry keeps its Message-ID, an MDN is produced only when requested",
          "[as2][receive]") {
  Scenario s;
  s.request.message_id = "<retry-1@PARTNER A>";
  s.request.mdn.requested = false;
  PackedMessage packed;
  const ReceiveOutcome out = round_trip(s.us, s.request, 2048, s.them, &packed);
  CHECK(packed.message_id == "<retry-1@PARTNER A>");
  CHECK(out.message_id == "<retry-1@PARTNER A>");
  CHECK(out.as2_from == "PARTNER A");
  CHECK(out.disposition == DispositionStatus::processed);
  CHECK_FALSE(out.mdn);
}

TEST_CASE("receive: an MDN is signed with SHA-1 only when the partner's profile allows SHA-1",
          "[as2][receive]") {
  Scenario s;
  auto packed = pack(s.request, t::partner_station(), s.us);
  REQUIRE(packed.ok());
  const auto received = [&](const std::string& micalgs, const PartnerProfile& them) {
    Headers headers = packed->http.headers;
    for (Header& h : headers) {
      if (h.name == "Disposition-Notification-Options")
        h.value =
            "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=" + micalgs;
    }
    const PartnerLookup lookup = [&](std::string_view id) {
      return id == them.as2_id ? &them : nullptr;
    };
    return receive(headers, packed->http.body, t::local_station(), lookup);
  };
  const auto mdn_micalg = [](const ReceiveOutcome& out) {
    REQUIRE(out.mdn);
    return header_param(find_header(out.mdn->headers, "Content-Type"), "micalg");
  };
  PartnerProfile strict = s.them;
  strict.accept_sha1_signatures = false;
  PartnerProfile legacy = s.them;
  legacy.accept_sha1_signatures = true;

  // Not allowed: the next algorithm listed, or SHA-256 when SHA-1 was all.
  auto out = received("optional, sha1, sha-384", strict);
  REQUIRE(out.disposition == DispositionStatus::processed);
  REQUIRE(out.mic);
  CHECK(out.mic->algorithm == DigestAlgorithm::sha384);
  CHECK(mdn_micalg(out) == "sha-384");
  out = received("required, SHA1", strict);
  REQUIRE(out.mic);
  CHECK(out.mic->algorithm == DigestAlgorithm::sha256);
  CHECK(mdn_micalg(out) == "sha-256");
  // Allowed: as asked.
  out = received("optional, sha1, sha-384", legacy);
  REQUIRE(out.mic);
  CHECK(out.mic->algorithm == DigestAlgorithm::sha1);
  CHECK(mdn_micalg(out) == "sha-1");
  // A stranger's refusal is never signed with SHA-1.
  PartnerProfile other = legacy;
  other.as2_id = "SOMEONE ELSE";
  out = received("optional, sha1", other);
  CHECK(out.disposition == DispositionStatus::authentication_failed);
  CHECK(mdn_micalg(out) == "sha-256");
}

TEST_CASE("receive: a SHA-1 signature is insufficient-message-security unless allowed",
          "[as2][receive]") {
  Scenario s;
  s.us.sign.digest = DigestAlgorithm::sha1;
  s.us.sign.allow_sha1 = true;  // the sender may; whether we accept it is our profile's call
  s.them.accept_sha1_signatures = false;
  const ReceiveOutcome refused = s.run();
  CHECK(refused.disposition == DispositionStatus::insufficient_message_security);
  CHECK(refused.payload.empty());
  CHECK(mdn_status(refused) == DispositionStatus::insufficient_message_security);
  s.them.accept_sha1_signatures = true;
  const ReceiveOutcome accepted = s.run();
  CHECK(accepted.disposition == DispositionStatus::processed);
  REQUIRE(accepted.signature_digest);
  CHECK(*accepted.signature_digest == DigestAlgorithm::sha1);
}
