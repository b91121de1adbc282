#include "problems_command.hpp"

#include <iostream>
#include <string>

#include "edigate/edi/problem.hpp"

namespace edigate::cli {
namespace {

std::string pair(std::string_view x12_997, std::string_view x12_999) {
  if (x12_997 == x12_999) return std::string(x12_997);
  return std::string(x12_997) + " / " + std::string(x12_999);
}

}  // namespace

int run_problems() {
  std::cout << "| problem | scope | TA1 | AK9 | AK5 / IK5 | AK3 / IK3 | AK4 / IK4 | CONTRL |\n"
            << "|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < edi::kProblemCodeCount; ++i) {
    const auto code = static_cast<edi::ProblemCode>(i);
    const edi::AckCodes& a = edi::ack_codes(code);
    std::cout << "| `" << edi::name_of(code) << "` | " << edi::to_string(edi::scope_of(code))
              << " | " << a.ta1 << " | " << a.ak9 << " | " << pair(a.ak5, a.ik5) << " | "
              << pair(a.ak3, a.ik3) << " | " << pair(a.ak4, a.ik4) << " | " << a.contrl << " |\n";
  }
  return 0;
}

}  // namespace edigate::cli
