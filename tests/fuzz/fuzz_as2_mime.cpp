// libFuzzer target: AS2 MIME parsing with small limits; every part's bytes and decoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <edigate/as2/mime.hpp>
#include <string_view>

namespace {

volatile std::size_t g_sink = 0;

void walk(const edigate::as2::MimeEntity& e, std::string_view input, std::size_t depth) {
  if (depth > 4) std::abort();  // deeper than the limit we set
  g_sink = g_sink + e.raw.size() + e.body.size() + e.content_type().size();
  if (depth > 0 && input.find(e.raw) == std::string_view::npos)
    std::abort();  // parts are exact input bytes
  auto decoded = e.decoded_body();
  if (decoded) g_sink = g_sink + decoded->size();
  for (const auto& h : e.headers) g_sink = g_sink + h.name.size() + h.value.size();
  g_sink = g_sink + edigate::as2::header_param(e.header("Content-Type"), "boundary").size();
  for (const auto& part : e.parts) walk(part, input, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  edigate::as2::MimeLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_parts = 8;
  limits.max_depth = 4;
  auto entity = edigate::as2::parse_mime(input, limits);
  if (entity) walk(*entity, input, 0);
  return 0;
}
