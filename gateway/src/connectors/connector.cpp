#include "connectors/connector.hpp"

namespace edigate::gateway::connectors {

std::string_view outcome_name(DeliveryResult::Outcome outcome) {
  switch (outcome) {
    case DeliveryResult::delivered:
      return "delivered";
    case DeliveryResult::retry:
      return "retry";
    case DeliveryResult::dead:
      return "dead";
  }
  return "unknown";
}

}  // namespace edigate::gateway::connectors
