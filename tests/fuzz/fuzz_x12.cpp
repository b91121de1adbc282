// libFuzzer target: X12 through the reader (element events, small limits) and the validator.
#include <cstddef>
#include <cstdint>

#include "fuzz_harness.hpp"

namespace {

// A 5010 interchange header (repetition separator '^') and a ship-notice group.
constexpr std::string_view kHeader =
    "ISA*00*          *00*          *ZZ*FUZZSENDER     *ZZ*FUZZRECEIVER   *241105*1432*^*00501*"
    "000000001*0*T*>~\nGS*SH*FUZZSENDER*FUZZRECEIVER*20241105*1432*1*X*005010~\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return edigate::fuzz::run_input(data, size, kHeader, {"ISA", "\xEF\xBB\xBFISA"});
}
