// libFuzzer target: DER/BER input through the CMS paths that read untrusted bytes:
// CompressedData (with a small decompression limit), detached signature verification,
// decryption, and the cut of pinned-certificate copies out of a SignedData (with a small fixed
// "certificate" the fuzzer can copy into its input, since the fuzz identity is made per process).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <edigate/as2/cms.hpp>
#include <edigate/as2/compression.hpp>
#include <string_view>

#include "as2_fuzz_keys.hpp"
#include "embedded_certs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const edigate::as2::Identity& id = edigate::fuzz::fuzz_identity();
  auto plain = edigate::as2::decompress_cms(input, 1 << 20);
  if (plain) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + plain->size();
  auto verified = edigate::as2::verify_detached(input, "content", id.certificate);
  if (verified) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + 1;
  auto decrypted = edigate::as2::decrypt(input, id);
  if (decrypted) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + decrypted->content.size();
  static constexpr std::string_view kPinned("\x30\x03\x02\x01\x05", 5);
  auto cut = edigate::as2::without_pinned_certificates(input, kPinned);
  if (cut && cut->size() >= input.size()) std::abort();  // a cut that does not shorten the input
  return 0;
}
