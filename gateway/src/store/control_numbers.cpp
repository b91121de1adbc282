#include "store/control_numbers.hpp"

namespace edigate::gateway::store {

std::string_view control_kind_name(edi::ControlKind kind) {
  switch (kind) {
    case edi::ControlKind::interchange:
      return "interchange";
    case edi::ControlKind::group:
      return "group";
    case edi::ControlKind::transaction:
      return "transaction";
  }
  return "interchange";
}

std::uint64_t ControlNumbers::next(edi::ControlKind kind, std::string_view partner) {
  auto n = store_->allocate_control_number(key_.empty() ? partner : std::string_view(key_),
                                           control_kind_name(kind));
  if (!n.ok()) {
    last_error_ = n.status();
    if (first_error_.ok()) first_error_ = last_error_;
    return 0;
  }
  last_error_ = Status::success();
  return n.value();
}

}  // namespace edigate::gateway::store
