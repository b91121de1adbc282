#include "exact_decimal.hpp"

#include <algorithm>
#include <utility>

namespace edigate::edi::canonical::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

std::string strip_leading_zeros(std::string digits) {
  const std::size_t first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
  return digits;
}

// Both without leading zeros.
int compare_magnitudes(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string add_magnitudes(const std::string& a, const std::string& b) {
  std::string sum;
  int carry = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    sum.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(sum.begin(), sum.end());
  return sum;
}

// a - b with a >= b.
std::string subtract_magnitudes(const std::string& a, const std::string& b) {
  std::string difference;
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
    borrow = d < 0 ? 1 : 0;
    difference.push_back(static_cast<char>('0' + d + 10 * borrow));
  }
  std::reverse(difference.begin(), difference.end());
  return strip_leading_zeros(std::move(difference));
}

}  // namespace

bool is_decimal(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  const std::size_t point = text.find('.');
  if (point == std::string_view::npos) return all_digits(text);
  return all_digits(text.substr(0, point)) && all_digits(text.substr(point + 1));
}

std::optional<ExactDecimal> ExactDecimal::parse(std::string_view text) {
  if (!is_decimal(text)) return std::nullopt;
  ExactDecimal value;
  value.negative_ = text.front() == '-';
  if (value.negative_) text.remove_prefix(1);
  const std::size_t point = text.find('.');
  std::string digits(text.substr(0, point));
  if (point != std::string_view::npos) {
    value.scale_ = text.size() - point - 1;
    digits.append(text.substr(point + 1));
  }
  value.digits_ = strip_leading_zeros(std::move(digits));
  if (value.digits_.empty()) value.negative_ = false;
  return value;
}

void ExactDecimal::rescale(std::size_t scale) {
  if (scale <= scale_) return;
  if (!digits_.empty()) digits_.append(scale - scale_, '0');
  scale_ = scale;
}

ExactDecimal& ExactDecimal::operator+=(const ExactDecimal& other) {
  ExactDecimal b = other;
  rescale(b.scale_);
  b.rescale(scale_);
  if (negative_ == b.negative_) {
    digits_ = add_magnitudes(digits_, b.digits_);
  } else if (compare_magnitudes(digits_, b.digits_) >= 0) {
    digits_ = subtract_magnitudes(digits_, b.digits_);
  } else {
    digits_ = subtract_magnitudes(b.digits_, digits_);
    negative_ = b.negative_;
  }
  if (digits_.empty()) negative_ = false;
  return *this;
}

ExactDecimal operator-(ExactDecimal value) {
  if (!value.digits_.empty()) value.negative_ = !value.negative_;
  return value;
}

int compare(const ExactDecimal& a, const ExactDecimal& b) {
  ExactDecimal difference = a;
  difference += -b;
  if (difference.digits_.empty()) return 0;
  return difference.negative_ ? -1 : 1;
}

std::string ExactDecimal::to_string() const {
  std::string digits = digits_;
  if (digits.size() <= scale_) digits.insert(0, scale_ + 1 - digits.size(), '0');
  if (scale_ > 0) digits.insert(digits.size() - scale_, 1, '.');
  return negative_ ? "-" + digits : digits;
}

}  // namespace edigate::edi::canonical::detail
