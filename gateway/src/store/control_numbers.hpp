// edi::ControlNumberAllocator backed by the store: numbers are committed before they are
// handed out, so none is ever reused, also across restarts.
#pragma once

#include <string>

#include "edigate/edi/control_numbers.hpp"
#include "store/store.hpp"

namespace edigate::gateway::store {

class ControlNumbers final : public edi::ControlNumberAllocator {
 public:
  // `store` must outlive this object. With a `key`, every number is drawn under it whatever
  // key the EDI code asks for: the daemon passes the partner's id, so that its
  // acknowledgements (which the EDI code numbers by the received sender id) and its outbound
  // interchanges (numbered by the mapping's partner id) to one partner share one sequence and
  // never carry the same ISA13/GS06/ST02 or UNB/UNH reference.
  explicit ControlNumbers(Store& store, std::string key = {})
      : store_(&store), key_(std::move(key)) {}

  // The allocator interface has no error channel: on a store failure this returns 0, which
  // is never a valid control number, and last_error() says why. Callers must check for 0
  // before enveloping.
  std::uint64_t next(edi::ControlKind kind, std::string_view partner) override;
  const Status& last_error() const { return last_error_; }
  // The first failure since this object was made (success if none): a caller that took several
  // numbers checks once.
  const Status& first_error() const { return first_error_; }

 private:
  Store* store_;
  std::string key_;
  Status last_error_;
  Status first_error_;
};

std::string_view control_kind_name(edi::ControlKind kind);

}  // namespace edigate::gateway::store
