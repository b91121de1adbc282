// Errors as values for the gateway's store: a code, a message and, for Result<T>, the value.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace edigate::gateway::store {

enum class StoreErrc {
  ok,
  io,              // a file system call failed (spool)
  database,        // the database refused or failed a statement
  schema_too_new,  // the database was written by a newer edigate
  duplicate,       // a unique key already exists (AS2 Message-ID, MDN for a message)
  not_found,       // no such row or spool entry
  conflict,        // the row is not in the state the caller expected (job lost its lock)
  too_large,       // a named limit was exceeded
  bad_input,       // a malformed argument (spool id, details JSON)
  corrupt,         // stored data does not match its hash
};

struct [[nodiscard]] Status {
  StoreErrc code = StoreErrc::ok;
  std::string message;

  static Status success() { return {}; }
  static Status error(StoreErrc c, std::string m) { return {c, std::move(m)}; }
  bool ok() const { return code == StoreErrc::ok; }
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

}  // namespace edigate::gateway::store
