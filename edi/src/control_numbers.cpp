#include "edigate/edi/control_numbers.hpp"

namespace edigate::edi {

std::uint64_t InMemoryControlNumbers::next(ControlKind kind, std::string_view partner) {
  auto [it, inserted] = last_.try_emplace({kind, std::string(partner)}, first_);
  if (!inserted) ++it->second;
  return it->second;
}

std::string format_control(std::uint64_t number, ControlKind kind, bool x12) {
  std::string digits = std::to_string(number);
  if (!x12) return digits;
  const std::size_t width = kind == ControlKind::interchange   ? 9
                            : kind == ControlKind::transaction ? 4
                                                               : 0;
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

}  // namespace edigate::edi
