// libFuzzer target: a whole AS2 request through the receiver, as the daemon's /as2 handler
// calls it: "Name: value" header lines, a blank line, the body. It reaches the AS2 header
// checks (AS2-From/To, Message-ID, the MDN options), MIME, the CMS layers and the MDN built
// for every outcome. The partner "partner" needs neither signature nor encryption, so plain
// bodies go all the way to a payload; others are unknown partners.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <edigate/as2/receive.hpp>
#include <string_view>

#include "as2_fuzz_keys.hpp"

namespace {

namespace as2 = edigate::as2;

as2::Headers header_lines(std::string_view block) {
  as2::Headers headers;
  while (!block.empty() && headers.size() < 64) {
    const std::size_t end = block.find("\r\n");
    const std::string_view line = block.substr(0, end);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    if (end == std::string_view::npos) break;
    block.remove_prefix(end + 2);
  }
  return headers;
}

const as2::PartnerProfile& fuzz_partner() {
  static const as2::PartnerProfile p = [] {
    as2::PartnerProfile profile;
    profile.as2_id = "partner";
    profile.certificate = edigate::fuzz::fuzz_identity().certificate;
    profile.require_signed = false;
    profile.require_encrypted = false;
    return profile;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t blank = input.find("\r\n\r\n");
  const std::string_view head = input.substr(0, blank);
  const std::string_view body =
      blank == std::string_view::npos ? std::string_view{} : input.substr(blank + 4);
  static const as2::LocalStation local{"us", edigate::fuzz::fuzz_identity(), {}};
  as2::Limits limits;
  limits.mime.max_header_bytes = 2048;
  limits.mime.max_parts = 8;
  limits.mime.max_depth = 4;
  limits.max_decompressed_bytes = 1 << 20;
  const as2::ReceiveOutcome out = as2::receive(
      header_lines(head), body, local,
      [](std::string_view from) { return from == "partner" ? &fuzz_partner() : nullptr; }, limits);
  // A refusal hands nothing on, and says why.
  if (!as2::is_positive(out.disposition) && (!out.payload.empty() || out.error.empty())) {
    std::abort();
  }
  if (out.mdn) {
    edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + out.mdn->body.size();
  }
  edigate::fuzz::g_as2_sink = edigate::fuzz::g_as2_sink + out.payload.size();
  return 0;
}
