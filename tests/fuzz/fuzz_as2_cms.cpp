// libFuzzer target: DER/BER input through the CMS paths that read untrusted bytes:
// CompressedData (with a small decompression limit), detached signature verification and
// decryption.
#include <cstddef>
#include <cstdint>
#include <edigate/as2/cms.hpp>
#include <edigate/as2/compression.hpp>
#include <string_view>

#include "as2_fuzz_keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const edigate::as2::Identity& id = edigate::fuzz::fuzz_identity();
  auto plain = edigate::as2::decompress_cms(input, 1 << 20);
  if (plain) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + plain->size();
  auto verified = edigate::as2::verify_detached(input, "content", id.certificate);
  if (verified) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + 1;
  auto decrypted = edigate::as2::decrypt(input, id);
  if (decrypted) edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + decrypted->content.size();
  return 0;
}
