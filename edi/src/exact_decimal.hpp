// Exact arithmetic on canonical decimal strings ("-12.50"): sums and comparisons without
// floating point, so reconciling totals never depends on rounding.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace edigate::edi::canonical::detail {

// The canonical decimal syntax: an optional '-', digits, optionally '.' and more digits.
bool is_decimal(std::string_view text);

// sign * digits * 10^-scale. digits has no leading zeros ("" is zero) and zero is never
// negative, so equal values with the same scale have equal members.
class ExactDecimal {
 public:
  ExactDecimal() = default;
  // Empty when text is not is_decimal().
  static std::optional<ExactDecimal> parse(std::string_view text);

  ExactDecimal& operator+=(const ExactDecimal& other);
  // -1, 0 or 1; "10.5" and "10.50" compare equal.
  friend int compare(const ExactDecimal& a, const ExactDecimal& b);
  friend ExactDecimal operator-(ExactDecimal value);

  // Canonical form with `scale` fraction digits: "-3.10" for scale 2.
  std::string to_string() const;
  std::size_t scale() const { return scale_; }

 private:
  void rescale(std::size_t scale);  // only ever increases the scale (appends zeros)

  bool negative_ = false;
  std::string digits_;
  std::size_t scale_ = 0;
};

}  // namespace edigate::edi::canonical::detail
