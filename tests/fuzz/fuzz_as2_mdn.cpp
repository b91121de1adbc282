// libFuzzer target: a saved MDN (headers, blank line, body) through the lenient MDN parser,
// unsigned and with a partner certificate (signed MDNs reach the CMS verifier).
#include <cstddef>
#include <cstdint>
#include <edigate/as2/mdn.hpp>
#include <string_view>

#include "as2_fuzz_keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto split = edigate::as2::split_headers(input);
  if (!split) return 0;
  for (const edigate::as2::Certificate* cert :
       {static_cast<const edigate::as2::Certificate*>(nullptr),
        &edigate::fuzz::fuzz_identity().certificate}) {
    auto mdn = edigate::as2::parse_mdn(split->first, split->second, cert);
    if (mdn && mdn->received_mic)
      edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + mdn->received_mic->to_string().size();
  }
  return 0;
}
