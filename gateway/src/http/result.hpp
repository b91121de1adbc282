// Errors as values for the HTTP server: a message and, for Result<T>, the value.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace edigate::gateway::http {

struct [[nodiscard]] Status {
  std::string error;  // empty when the call succeeded

  static Status success() { return {}; }
  static Status failure(std::string message) { return {std::move(message)}; }
  bool ok() const { return error.empty(); }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status error) : status_(std::move(error)) {}
  bool ok() const { return value_.has_value(); }
  const std::string& error() const { return status_.error; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace edigate::gateway::http
