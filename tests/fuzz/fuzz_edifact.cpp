// libFuzzer target: EDIFACT through the reader (element events, small limits) and the validator.
#include <cstddef>
#include <cstdint>

#include "fuzz_harness.hpp"

namespace {

// Syntax 4 with a repetition separator ('*'), so repetitions are reachable from any body.
constexpr std::string_view kHeader =
    "UNA:+.?*'UNB+UNOC:4+FUZZSENDER:14+FUZZRECEIVER:14+241105:1432+1'";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return edigate::fuzz::run_input(data, size, kHeader, {"UNA", "UNB", "\xEF\xBB\xBFUN"});
}
