#include "config/addresses.hpp"

#include <arpa/inet.h>

namespace edigate::gateway::config {
namespace {

bool is_ipv4(const std::string& bound) {
  in_addr a{};
  return inet_pton(AF_INET, bound.c_str(), &a) == 1;
}

}  // namespace

std::string bound_address(std::string_view address) {
  if (address == "localhost") return "127.0.0.1";
  const std::string text(address);
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1 &&
      inet_ntop(AF_INET, &v4, out, sizeof out) != nullptr) {
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1 &&
      inet_ntop(AF_INET6, &v6, out, sizeof out) != nullptr) {
    return out;
  }
  return text;
}

bool listening_clash(std::string_view a, std::uint16_t port_a, std::string_view b,
                     std::uint16_t port_b) {
  if (port_a != port_b || port_a == 0) return false;
  const std::string x = bound_address(a);
  const std::string y = bound_address(b);
  if (x == y || x == "::" || y == "::") return true;
  return (x == "0.0.0.0" && is_ipv4(y)) || (y == "0.0.0.0" && is_ipv4(x));
}

}  // namespace edigate::gateway::config
