// libFuzzer target: the SFTP jail's path policy (sftp/src/jail.hpp), the lexical check every
// client path goes through before openat2. Whatever the bytes: an accepted path names the
// root, an area or one plain file in an area (no "..", no '/', no control byte, never a
// temporary upload name), and its display form parses back to the same place.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "jail.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr std::size_t kMaxPathBytes = 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using edigate::sftp::JailPath;
  const std::string path(reinterpret_cast<const char*>(data), size);
  JailPath out;
  std::string reason;
  if (!edigate::sftp::parse_jail_path(path, kMaxPathBytes, out, reason)) {
    check(!reason.empty());  // a refusal always says why
    return 0;
  }
  check(size <= kMaxPathBytes);
  if (out.kind == JailPath::Kind::file) {
    check(edigate::sftp::valid_file_name(out.name));
    check(out.name.find('/') == std::string::npos);
    check(out.name != "." && out.name != "..");
    check(out.name.rfind(edigate::sftp::kUploadTempPrefix, 0) != 0);
    for (const char c : out.name) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  } else {
    check(out.name.empty());
  }
  JailPath again;
  std::string again_reason;
  check(edigate::sftp::parse_jail_path(edigate::sftp::display_path(out), kMaxPathBytes, again,
                                       again_reason));
  check(again.kind == out.kind && again.name == out.name &&
        (out.kind == JailPath::Kind::root || again.area == out.area));
  return 0;
}
