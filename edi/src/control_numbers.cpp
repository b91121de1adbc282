#include "edigate/edi/control_numbers.hpp"

namespace edigate::edi {

std::uint64_t InMemoryControlNumbers::next(ControlKind kind, std::string_view partner) {
  auto [it, inserted] = last_.try_emplace({kind, std::string(partner)}, first_);
  if (!inserted) ++it->second;
  return it->second;
}

std::string format_control(std::uint64_t number, ControlKind kind, bool x12) {
  // ISA13, GS06 and ST02 hold at most 9 digits, UNB 0020 and UNH 0062 14 characters: a counter
  // past the field's range starts again at 1 (numbers are never 0).
  const std::uint64_t max = x12 ? 999'999'999ULL : 99'999'999'999'999ULL;
  number = number == 0 ? 1 : (number - 1) % max + 1;
  std::string digits = std::to_string(number);
  if (!x12) return digits;
  const std::size_t width = kind == ControlKind::interchange   ? 9
                            : kind == ControlKind::transaction ? 4
                                                               : 0;
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

}  // namespace edigate::edi
