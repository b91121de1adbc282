// Cross-checks against the openssl CLI as an independent S/MIME producer and verifier:
// messages made by `openssl cms` open in our receiver, and ours open in `openssl cms`.
#include <catch2/catch.hpp>
#include <edigate/as2/cms.hpp>
#include <edigate/as2/compression.hpp>
#include <edigate/as2/limits.hpp>
#include <edigate/as2/receive.hpp>

#include "as2_test_support.hpp"

using namespace edigate::as2;
namespace t = edigate::as2::test;

namespace {

const std::string kPart =
    "Content-Type: application/edi-x12\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    "ISA*00*~\nGS*IN*A*B~\nST*810*0001~\n";

// Key and certificate files for "partner" and "edigate" in a temp dir.
struct Keys {
  t::TempDir dir;
  std::string partner_cert = dir.file("partner.pem"), partner_key = dir.file("partner.key");
  std::string our_cert = dir.file("edigate.pem"), our_key = dir.file("edigate.key");
  explicit Keys(int bits = 2048) {
    REQUIRE(t::run("openssl version") == 0);
    t::write_file(partner_cert, t::pem_certificate(t::identity("partner", bits).certificate));
    t::write_file(partner_key, t::pem_private_key(t::identity("partner", bits).key));
    t::write_file(our_cert, t::pem_certificate(t::identity("edigate", bits).certificate));
    t::write_file(our_key, t::pem_private_key(t::identity("edigate", bits).key));
  }
  std::string openssl(const std::string& args) const {
    return "cd '" + dir.path().string() + "' && openssl " + args;
  }
};

// Receives an S/MIME file written by openssl, as if posted by PARTNER A.
ReceiveOutcome receive_file(const std::string& path, int bits = 2048) {
  auto split = split_headers(t::read_file(path));
  REQUIRE(split.ok());
  Headers headers = split->first;
  headers.insert(headers.end(), {{"AS2-From", "\"PARTNER A\""},
                                 {"AS2-To", "EDIGATE"},
                                 {"Message-ID", "<openssl-1@partner>"},
                                 {"Disposition-Notification-To", "x"},
                                 {"Disposition-Notification-Options",
                                  "signed-receipt-protocol=optional, pkcs7-signature; "
                                  "signed-receipt-micalg=optional, sha256"}});
  static PartnerProfile partner;
  partner = t::partner_profile(bits);
  const PartnerLookup lookup = [](std::string_view) { return &partner; };
  return receive(headers, split->second, t::local_station(bits), lookup);
}

void sign_and_encrypt(const Keys& k, const std::string& sign_args,
                      const std::string& encrypt_args) {
  t::write_file(k.dir.file("part.mime"), kPart);
  REQUIRE(
      t::run(k.openssl(
          "cms -sign -binary -in part.mime -signer partner.pem -inkey partner.key -outform SMIME "
          "-out signed.msg " +
          sign_args)) == 0);
  REQUIRE(t::run(k.openssl(
              "cms -encrypt -binary -in signed.msg -outform SMIME -out enc.msg " + encrypt_args +
              (encrypt_args.find("-recip") == std::string::npos ? " edigate.pem" : ""))) == 0);
}

}  // namespace

TEST_CASE("openssl produces: signed SHA-256 + AES-256-CBC opens with a matching MIC",
          "[as2][openssl]") {
  for (int bits : {2048, 3072}) {
    Keys k(bits);
    sign_and_encrypt(k, "-md sha256", "-aes256");
    const ReceiveOutcome out = receive_file(k.dir.file("enc.msg"), bits);
    INFO(out.error);
    CHECK(out.disposition == DispositionStatus::processed);
    CHECK(out.payload == "ISA*00*~\nGS*IN*A*B~\nST*810*0001~\n");
    CHECK(out.was_signed);
    CHECK(out.was_encrypted);
    REQUIRE(out.mic);
    CHECK(mic_matches(*out.mic, compute_mic(kPart, DigestAlgorithm::sha256)));
  }
}

TEST_CASE("openssl produces: Sterling-style SHA-1 without signed attributes", "[as2][openssl]") {
  Keys k;
  sign_and_encrypt(k, "-md sha1 -noattr", "-aes128");
  const ReceiveOutcome out = receive_file(k.dir.file("enc.msg"));
  INFO(out.error);
  CHECK(out.disposition == DispositionStatus::processed);
  CHECK(out.signature_digest == DigestAlgorithm::sha1);
  CHECK_FALSE(out.signature_had_attributes);
  CHECK(out.content_cipher == "AES-128-CBC");
}

TEST_CASE("openssl produces: RSASSA-PSS, BER streaming, RSA-OAEP, AES-GCM, 3DES",
          "[as2][openssl]") {
  Keys k;
  struct Variant {
    const char* sign_args;
    const char* encrypt_args;
    const char* cipher;  // what the receive outcome must report
  };
  const Variant variants[] = {
      {"-md sha256 -keyopt rsa_padding_mode:pss", "-aes256", "AES-256-CBC"},
      {"-md sha512 -stream", "-aes192 -stream", "AES-192-CBC"},
      {"-md sha384", "-aes256 -recip edigate.pem -keyopt rsa_padding_mode:oaep", "AES-256-CBC"},
      {"-md sha256", "-aes-128-gcm", "id-aes128-GCM"},
      {"-md sha256", "-des3", "DES-EDE3-CBC"},
      {"-md sha256", "-aes128", "AES-128-CBC"},
      {"-md sha256 -stream", "-aes-256-gcm -stream", "id-aes256-GCM"},
  };
  for (const auto& [sign_args, encrypt_args, cipher] : variants) {
    sign_and_encrypt(k, sign_args, encrypt_args);
    const ReceiveOutcome out = receive_file(k.dir.file("enc.msg"));
    INFO(sign_args << " / " << encrypt_args << ": " << out.error);
    CHECK(out.disposition == DispositionStatus::processed);
    CHECK(out.payload == "ISA*00*~\nGS*IN*A*B~\nST*810*0001~\n");
    CHECK(out.authenticated_encryption ==
          (std::string(encrypt_args).find("gcm") != std::string::npos));
    CHECK(out.content_cipher == cipher);  // read from BER (-stream) and DER alike
  }
}

TEST_CASE("openssl produces: signed by another key is authentication-failed", "[as2][openssl]") {
  Keys k;
  t::write_file(k.dir.file("other.pem"), t::pem_certificate(t::identity("stranger").certificate));
  t::write_file(k.dir.file("other.key"), t::pem_private_key(t::identity("stranger").key));
  t::write_file(k.dir.file("part.mime"), kPart);
  REQUIRE(t::run(k.openssl(
              "cms -sign -binary -in part.mime -signer other.pem -inkey other.key -outform SMIME "
              "-out signed.msg")) == 0);
  REQUIRE(
      t::run(k.openssl(
          "cms -encrypt -binary -in signed.msg -outform SMIME -out enc.msg -aes256 edigate.pem")) ==
      0);
  CHECK(receive_file(k.dir.file("enc.msg")).disposition ==
        DispositionStatus::authentication_failed);
}

namespace {

// Splits our multipart/signed entity into content and DER signature files for openssl.
void write_signed_parts(const Keys& k, std::string_view entity) {
  auto parsed = parse_mime(entity);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->parts.size() == 2);
  t::write_file(k.dir.file("content.bin"), parsed->parts[0].raw);
  auto sig = parsed->parts[1].decoded_body();
  REQUIRE(sig.ok());
  t::write_file(k.dir.file("sig.der"), *sig);
}

}  // namespace

TEST_CASE("openssl verifies: our signed and encrypted messages open in openssl cms",
          "[as2][openssl]") {
  Keys k;
  for (ContentCipher cipher :
       {ContentCipher::aes128_cbc, ContentCipher::aes256_cbc, ContentCipher::aes128_gcm}) {
    for (bool oaep : {false, true}) {
      PartnerProfile partner = t::partner_profile();
      partner.encrypt.cipher = cipher;
      partner.encrypt.rsa_oaep = oaep;
      PackRequest request;
      request.payload = "UNA:+.? 'UNB+UNOC:3+A+B'\r\n";
      auto packed = pack(request, t::local_station(), partner);
      REQUIRE(packed.ok());
      t::write_file(k.dir.file("body.der"), packed->http.body);
      INFO(cipher_name(cipher) << " oaep " << oaep);
      REQUIRE(
          t::run(k.openssl(
              "cms -decrypt -binary -inform DER -in body.der -inkey partner.key -out dec.mime")) ==
          0);
      write_signed_parts(k, t::read_file(k.dir.file("dec.mime")));
      CHECK(t::run(k.openssl(
                "cms -verify -binary -inform DER -in sig.der -content content.bin -noverify "
                "-certfile edigate.pem -out verified.bin")) == 0);
      CHECK(t::read_file(k.dir.file("verified.bin")).find("UNA:+.? 'UNB+UNOC:3+A+B'\r\n") !=
            std::string::npos);
      // openssl's own digest of the signed bytes equals the MIC we expect back in the MDN.
      CHECK(
          mic_matches(compute_mic(t::read_file(k.dir.file("content.bin")), DigestAlgorithm::sha256),
                      packed->expected_mic));
    }
  }
}

TEST_CASE("openssl verifies: our signed MDN and reads our CompressedData structure",
          "[as2][openssl]") {
  Keys k;
  MdnFields fields;
  fields.original_recipient = "EDIGATE";
  fields.original_message_id = "<1@p>";
  const MdnAddressing addressing{"EDIGATE", "PARTNER A", "<m@edigate>"};
  auto mdn = build_mdn(fields, addressing, &t::identity("edigate"), DigestAlgorithm::sha256);
  REQUIRE(mdn.ok());
  write_signed_parts(
      k, build_entity({{"Content-Type", std::string(find_header(mdn->headers, "Content-Type"))}},
                      mdn->body));
  CHECK(t::run(k.openssl(
            "cms -verify -binary -inform DER -in sig.der -content content.bin -noverify")) == 0);

  auto compressed = compress_cms("hello compressed world");
  REQUIRE(compressed.ok());
  t::write_file(k.dir.file("c.der"), *compressed);
  REQUIRE(t::run(k.openssl("cms -cmsout -print -inform DER -in c.der -out c.txt")) == 0);
  const std::string printed = t::read_file(k.dir.file("c.txt"));
  CHECK(printed.find("id-smime-ct-compressedData") != std::string::npos);
  CHECK(printed.find("zlib") != std::string::npos);
}

TEST_CASE("openssl produces: BER indefinite-length detached SignedData verifies",
          "[as2][openssl]") {
  Keys k;
  t::write_file(k.dir.file("part.mime"), kPart);
  REQUIRE(t::run(k.openssl(
              "cms -sign -binary -stream -md sha256 -in part.mime -signer partner.pem -inkey "
              "partner.key -outform DER -out sig.ber")) == 0);
  const std::string ber = t::read_file(k.dir.file("sig.ber"));
  REQUIRE(ber.size() > 2);
  CHECK(static_cast<unsigned char>(ber[1]) == 0x80);  // indefinite length
  auto verified = verify_detached(ber, kPart, t::identity("partner").certificate);
  INFO((verified.ok() ? std::string() : verified.error().message));
  CHECK(verified.ok());
  auto altered = verify_detached(ber, kPart + "x", t::identity("partner").certificate);
  CHECK_FALSE(altered.ok());
}

TEST_CASE("openssl produces: more recipients than kMaxRecipients is decryption-failed",
          "[as2][openssl]") {
  Keys k;
  t::write_file(k.dir.file("part.mime"), kPart);
  std::string many;
  for (std::size_t i = 0; i <= kMaxRecipients; ++i) many += " edigate.pem";
  REQUIRE(t::run(k.openssl("cms -encrypt -binary -aes256 -in part.mime -outform DER -out many.der" +
                           many)) == 0);
  REQUIRE(t::run(k.openssl(
              "cms -encrypt -binary -aes256 -in part.mime -outform DER -out two.der partner.pem "
              "edigate.pem")) == 0);
  auto two = decrypt(t::read_file(k.dir.file("two.der")), t::identity("edigate"));
  REQUIRE(two.ok());
  CHECK(two->content == kPart);
  auto too_many = decrypt(t::read_file(k.dir.file("many.der")), t::identity("edigate"));
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().code == ErrorCode::decryption_failed);
  CHECK_FALSE(
      decrypt(t::read_file(k.dir.file("two.der")), t::identity("edigate"), 1).ok());  // the setting
}

// Debian's OpenSSL has no zlib, so `openssl cms -compress/-uncompress` cannot play the other
// side of the compressed layer. These two tests use OpenSSL's generic DER tools instead:
// `asn1parse -genconf` writes a CompressedData whose structure we did not build, and
// `asn1parse -strparse` takes the zlib stream out of ours, which python3's zlib inflates.
TEST_CASE("openssl produces: CompressedData from asn1parse -genconf opens in our code",
          "[as2][openssl][compression]") {
  Keys k;
  const std::string payload = "ISA*00*          *00*compressed by someone else~\n";
  t::write_file(k.dir.file("payload.bin"), payload);
  REQUIRE(t::run("cd '" + k.dir.path().string() +
                 "' && python3 -c \"import zlib; open('z.hex','w').write("
                 "zlib.compress(open('payload.bin','rb').read()).hex())\"") == 0);
  const std::string zhex = t::read_file(k.dir.file("z.hex"));
  REQUIRE(!zhex.empty());
  // RFC 3274: ContentInfo { id-ct-compressedData, [0] CompressedData { version 0,
  // compressionAlgorithm id-alg-zlibCompress, encapContentInfo { id-data, [0] OCTET STRING } } }
  t::write_file(k.dir.file("c.conf"),
                "asn1 = SEQUENCE:ci\n"
                "[ci]\n"
                "type = OID:1.2.840.113549.1.9.16.1.9\n"
                "content = EXPLICIT:0,SEQUENCE:cd\n"
                "[cd]\n"
                "version = INTEGER:0\n"
                "alg = SEQUENCE:zlib\n"
                "encap = SEQUENCE:encap\n"
                "[zlib]\n"
                "oid = OID:1.2.840.113549.1.9.16.3.8\n"
                "[encap]\n"
                "type = OID:1.2.840.113549.1.7.1\n"
                "data = EXPLICIT:0,FORMAT:HEX,OCTETSTRING:" +
                    zhex + "\n");
  REQUIRE(t::run(k.openssl("asn1parse -genconf c.conf -out c.der -noout")) == 0);
  auto opened = decompress_cms(t::read_file(k.dir.file("c.der")));
  INFO((opened.ok() ? std::string() : opened.error().message));
  REQUIRE(opened.ok());
  CHECK(*opened == payload);
}

TEST_CASE("openssl reads: the zlib stream in our CompressedData inflates elsewhere",
          "[as2][openssl][compression]") {
  Keys k;
  const std::string payload(20000, 'x');
  auto compressed = compress_cms(payload);
  REQUIRE(compressed.ok());
  t::write_file(k.dir.file("c.der"), *compressed);
  // The OCTET STRING inside [0] of encapContentInfo: found by asn1parse's own offsets.
  // (t::run sends the command's own output to /dev/null: the listing goes through sh -c.)
  REQUIRE(t::run("cd '" + k.dir.path().string() +
                 "' && sh -c 'openssl asn1parse -inform DER -in c.der > c.txt'") == 0);
  const std::string listing = t::read_file(k.dir.file("c.txt"));
  const std::size_t at = listing.rfind("OCTET STRING");
  REQUIRE(at != std::string::npos);
  const std::size_t line = listing.rfind('\n', at);
  const std::size_t start = line == std::string::npos ? 0 : line + 1;
  const std::string offset = listing.substr(start, listing.find(':', start) - start);
  REQUIRE(t::run(k.openssl("asn1parse -inform DER -in c.der -strparse " + offset +
                           " -noout -out z.bin")) == 0);
  REQUIRE(t::run("cd '" + k.dir.path().string() +
                 "' && python3 -c \"import zlib; "
                 "open('out.bin','wb').write(zlib.decompress(open('z.bin','rb').read()))\"") == 0);
  CHECK(t::read_file(k.dir.file("out.bin")) == payload);
}
