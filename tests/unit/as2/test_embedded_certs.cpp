// Cutting copies of the pinned certificate out of a SignedData before OpenSSL parses it: exact
// bytes for hand-built DER (including lengths that change size), real DER and BER signatures, and
// every case where the input must be left to OpenSSL unchanged.
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <edigate/as2/cms.hpp>

#include "as2_test_support.hpp"
#include "embedded_certs.hpp"
#include "ossl.hpp"

using namespace edigate::as2;
namespace t = edigate::as2::test;

namespace {

// DER tag-length-value, written independently of the code under test.
std::string tlv(unsigned char tag, const std::string& content) {
  std::string out(1, static_cast<char>(tag));
  const std::size_t n = content.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else if (n < 0x100) {
    out += "\x81";
    out += static_cast<char>(n);
  } else {
    out += "\x82";
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  }
  return out + content;
}

const std::string kSignedDataOid = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02";
const std::string kDataOid = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01";

// ContentInfo { signedData, [0] SignedData { 1, {}, { data }, [certs], {} } }.
std::string signed_data(const std::string& certificates_field) {
  const std::string inner =
      tlv(0x02, "\x01") + tlv(0x31, "") + tlv(0x30, kDataOid) + certificates_field + tlv(0x31, "");
  return tlv(0x30, kSignedDataOid + tlv(0xa0, tlv(0x30, inner)));
}

std::string fake_certificate(std::size_t filler) {
  return tlv(0x30, tlv(0x04, std::string(filler, 'c')));
}

struct CmsFree {
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
};
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsFree>;

CmsPtr parse(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return CmsPtr(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
}

int certificate_count(CMS_ContentInfo* cms) {
  STACK_OF(X509)* certs = CMS_get1_certs(cms);
  const int n = certs == nullptr ? 0 : sk_X509_num(certs);
  sk_X509_pop_free(certs, X509_free);
  return n;
}

}  // namespace

TEST_CASE("embedded certs: copies of the pinned certificate are cut, lengths re-encoded",
          "[as2][cms]") {
  const std::string pinned = fake_certificate(3);
  // One copy, two copies, and a copy large enough that every enclosing length shrinks from the
  // long form to the short form.
  for (const std::string& certs : {pinned, pinned + pinned}) {
    auto cut = without_pinned_certificates(signed_data(tlv(0xa0, certs)), pinned);
    REQUIRE(cut);
    CHECK(*cut == signed_data(""));
  }
  const std::string big = fake_certificate(300);
  REQUIRE(signed_data(tlv(0xa0, big)).substr(0, 2) == "\x30\x82");
  auto cut = without_pinned_certificates(signed_data(tlv(0xa0, big)), big);
  REQUIRE(cut);
  CHECK(*cut == signed_data(""));
  CHECK(cut->substr(0, 2) == std::string("\x30") + static_cast<char>(signed_data("").size() - 2));
  // Bytes after the ContentInfo stay where they were, as OpenSSL would see them.
  auto trailing = without_pinned_certificates(signed_data(tlv(0xa0, pinned)) + "tail", pinned);
  REQUIRE(trailing);
  CHECK(*trailing == signed_data("") + "tail");
}

TEST_CASE("embedded certs: anything else is left for OpenSSL to parse unchanged", "[as2][cms]") {
  const std::string pinned = fake_certificate(3);
  const std::string other = fake_certificate(4);
  CHECK_FALSE(without_pinned_certificates(signed_data(""), pinned));  // no certificates field
  CHECK_FALSE(without_pinned_certificates(signed_data(tlv(0xa0, other)), pinned));
  CHECK_FALSE(without_pinned_certificates(signed_data(tlv(0xa0, pinned + other)), pinned));
  CHECK_FALSE(without_pinned_certificates(signed_data(tlv(0xa1, pinned)), pinned));  // crls
  std::string enveloped = signed_data(tlv(0xa0, pinned));
  enveloped[enveloped.find(kSignedDataOid) + kSignedDataOid.size() - 1] = '\x03';
  CHECK_FALSE(without_pinned_certificates(enveloped, pinned));
  // A SignedData length that ends before the certificates: OpenSSL would reject it; so do we.
  std::string inner = tlv(0x02, "\x01") + tlv(0x31, "") + tlv(0x30, kDataOid);
  const std::string short_length =
      tlv(0x30, kSignedDataOid + tlv(0xa0, tlv(0x30, inner))) + tlv(0xa0, pinned);
  CHECK_FALSE(without_pinned_certificates(short_length, pinned));
  const std::string whole = signed_data(tlv(0xa0, pinned));
  for (std::size_t n = 0; n < whole.size(); ++n)
    CHECK_FALSE(without_pinned_certificates(whole.substr(0, n), pinned));
}

TEST_CASE("embedded certs: real DER and BER signatures parse and verify without the copy",
          "[as2][cms]") {
  const Identity& signer = t::identity("partner");
  const std::string content = "payload bytes\r\n";
  auto der = sign_detached(content, signer);
  REQUIRE(der.ok());
  // BER with indefinite lengths, as streaming producers (openssl cms -stream) write it.
  Bio data_in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  const unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_STREAM;
  CmsPtr streamed(
      CMS_sign(signer.certificate.get(), signer.key.get(), nullptr, data_in.get(), flags));
  REQUIRE(streamed);
  Bio ber_out(BIO_new(BIO_s_mem()));
  Bio data_again(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  REQUIRE(i2d_CMS_bio_stream(ber_out.get(), streamed.get(), data_again.get(), flags) == 1);
  const std::string ber = bio_contents(ber_out.get());
  REQUIRE(ber.substr(0, 2) == "\x30\x80");
  for (const std::string& signature : {*der, ber}) {
    auto original = parse(signature);
    REQUIRE(original);
    CHECK(certificate_count(original.get()) == 1);
    auto cut = without_pinned_certificates(signature, signer.certificate.der());
    REQUIRE(cut);
    CHECK(cut->size() < signature.size());
    auto parsed = parse(*cut);
    REQUIRE(parsed);
    CHECK(certificate_count(parsed.get()) == 0);
    CHECK_FALSE(without_pinned_certificates(signature, t::identity("stranger").certificate.der()));
    auto verified = verify_detached(signature, content, signer.certificate);
    CHECK(verified.ok());
    CHECK(verify_detached(signature, "other bytes", signer.certificate).error().code ==
          ErrorCode::integrity_check_failed);
    CHECK(verify_detached(signature, content, t::identity("stranger").certificate).error().code ==
          ErrorCode::authentication_failed);
  }
}
