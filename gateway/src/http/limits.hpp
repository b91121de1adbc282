// Named limits of the HTTP server. Every size or time a client controls has a default here and a
// field in ServerLimits so the configuration can change it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace edigate::gateway::http {

// Request line plus all header fields; above this the client gets 431.
inline constexpr std::size_t kDefaultMaxHeaderBytes = 16 * 1024;
// A request body is held in memory; above this the client gets 413 before the body is read.
inline constexpr std::uint64_t kDefaultMaxBodyBytes = 32ULL * 1024 * 1024;
// Waiting for the first byte of the next request on a kept-alive connection.
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout{60'000};
// From the first byte of a request to the end of its header block (slowloris defence).
inline constexpr std::chrono::milliseconds kDefaultHeaderReadTimeout{10'000};
// From the end of the header block to the end of the body.
inline constexpr std::chrono::milliseconds kDefaultBodyReadTimeout{120'000};
// Writing one response.
inline constexpr std::chrono::milliseconds kDefaultWriteTimeout{60'000};
// TCP accept to the end of the TLS handshake.
inline constexpr std::chrono::milliseconds kDefaultHandshakeTimeout{10'000};
// After an error response we close our side and discard what the client still sends for at most
// this long, so the client reads the response instead of a reset.
inline constexpr std::chrono::milliseconds kDefaultLingerTimeout{2'000};
inline constexpr std::size_t kDefaultLingerMaxBytes = 1024 * 1024;
// Request bodies held in memory by all connections together (announced or worst-case size,
// reserved when the header arrives, freed when the response is written). Above it: 503.
inline constexpr std::uint64_t kDefaultMaxTotalBodyBytes = 1024ULL * 1024 * 1024;
inline constexpr std::size_t kDefaultMaxConnections = 1024;
inline constexpr std::size_t kDefaultMaxConnectionsPerIp = 64;
inline constexpr std::size_t kDefaultMaxRequestsPerConnection = 1000;
inline constexpr std::size_t kDefaultNetworkThreads = 2;

struct ServerLimits {
  std::size_t max_header_bytes = kDefaultMaxHeaderBytes;
  std::uint64_t max_body_bytes = kDefaultMaxBodyBytes;
  std::uint64_t max_total_body_bytes = kDefaultMaxTotalBodyBytes;
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;
  std::chrono::milliseconds header_read_timeout = kDefaultHeaderReadTimeout;
  std::chrono::milliseconds body_read_timeout = kDefaultBodyReadTimeout;
  std::chrono::milliseconds write_timeout = kDefaultWriteTimeout;
  std::chrono::milliseconds handshake_timeout = kDefaultHandshakeTimeout;
  std::chrono::milliseconds linger_timeout = kDefaultLingerTimeout;
  std::size_t linger_max_bytes = kDefaultLingerMaxBytes;
  std::size_t max_connections = kDefaultMaxConnections;
  std::size_t max_connections_per_ip = kDefaultMaxConnectionsPerIp;
  std::size_t max_requests_per_connection = kDefaultMaxRequestsPerConnection;
};

}  // namespace edigate::gateway::http
