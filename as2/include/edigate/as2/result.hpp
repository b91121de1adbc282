// Errors are values: every fallible as2 call returns Result<T>, a value or an Error.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace edigate::as2 {

// Failure classes. Each maps to one MDN disposition (see disposition_for in mdn.hpp).
enum class ErrorCode : unsigned char {
  bad_input,       // malformed MIME, headers or AS2 fields
  limit_exceeded,  // a named limit was hit
  authentication_failed,
  decryption_failed,
  decompression_failed,
  integrity_check_failed,
  insufficient_security,
  unsupported,   // algorithm or feature we do not accept
  crypto_error,  // key/cert loading, signing, encrypting (our side)
  unknown_partner,
};

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};

}  // namespace edigate::as2
