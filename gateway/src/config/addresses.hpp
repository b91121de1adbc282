// Listening addresses compared as the sockets they make, not as the text the operator wrote:
// "localhost" and "127.0.0.1" are one socket, "0:0::1" is "::1", and a wildcard takes every
// address of its family on its port (`::` takes IPv4 too: no listener sets IPV6_V6ONLY).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edigate::gateway::config {

// The address a listener binds, in one text per socket address: "localhost" is 127.0.0.1
// (http/server.cpp, daemon/sftp_intake.cpp), IPv6 in its canonical form. Text that is not an
// address comes back as it is (the config reader reports it).
std::string bound_address(std::string_view address);

// Whether sockets listening on both would clash (the second bind fails with EADDRINUSE): the
// same port, not 0 (a port the kernel picks never clashes), and the same bound address or a
// wildcard covering the other.
bool listening_clash(std::string_view a, std::uint16_t port_a, std::string_view b,
                     std::uint16_t port_b);

}  // namespace edigate::gateway::config
