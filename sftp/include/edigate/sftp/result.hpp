// Errors as values for the sftp module: a code, a message, and for Result<T> the value.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace edigate::sftp {

enum class ErrorCode {
  ok,
  bad_config,   // the configuration file is missing, malformed or inconsistent
  io,           // a file system call failed
  crypto,       // key generation, import or export failed
  network,      // socket or SSH transport failure
  refused,      // the peer or the policy refused (wrong host key, permission)
  sink_failed,  // the ingestion sink could not persist an upload
};

struct [[nodiscard]] Status {
  ErrorCode code = ErrorCode::ok;
  std::string message;

  static Status success() { return {}; }
  static Status error(ErrorCode c, std::string m) { return {c, std::move(m)}; }
  bool ok() const { return code == ErrorCode::ok; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status error) : status_(std::move(error)) {}
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace edigate::sftp
