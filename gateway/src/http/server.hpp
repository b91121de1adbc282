// HttpServer: HTTP/1.1 and HTTPS listeners on one io_context with N network threads, one session
// per connection (Beast), every read and write under a timeout, every size under a limit.
// Requests go through a Router; handlers answer through a Responder from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/limits.hpp"
#include "http/metrics.hpp"
#include "http/result.hpp"
#include "http/router.hpp"
#include "http/tls.hpp"

namespace edigate::gateway::http {

inline constexpr std::chrono::milliseconds kDefaultStopDeadline{10'000};

struct ListenerConfig {
  std::string name;  // shown to handlers as Request::listener and used as a metrics label
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
  TlsContextPtr tls;       // null: plain HTTP; else from make_server_tls_context()
};

struct ServerOptions {
  std::size_t network_threads = kDefaultNetworkThreads;
  ServerLimits limits;
  RefusalObserver on_refused;  // may be empty
};

// The member functions are meant for one controlling thread (the daemon's main thread); the
// network threads and the Responders never call them.
class HttpServer {
 public:
  // The server registers its edigate_http_* metrics in `metrics` (shared with other subsystems).
  HttpServer(ServerOptions options, Router router, std::shared_ptr<Metrics> metrics);
  ~HttpServer();  // stop() with a zero deadline if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens at once (so a taken port fails here); returns the bound port. Names must be
  // unique. Call before or after start().
  Result<std::uint16_t> add_listener(const ListenerConfig& config);
  // A TLS listener's new context (a renewed certificate, say): connections accepted from now
  // on use it; open ones keep theirs until they close. Fails for a plain or unknown listener.
  Status replace_tls(std::string_view listener_name, TlsContextPtr tls);
  // Starts the network threads and accepting. Once only.
  Status start();
  // Stops accepting, closes idle connections, lets requests in flight finish (their responses
  // carry Connection: close) until `deadline`, then closes what remains and joins the threads.
  // Responders used after that drop their response. Idempotent.
  void stop(std::chrono::milliseconds deadline = kDefaultStopDeadline);

  std::optional<std::uint16_t> port(std::string_view listener_name) const;
  std::size_t open_connections() const;
  // Request-body bytes held for connections now (see ServerLimits::max_total_body_bytes).
  std::uint64_t reserved_body_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edigate::gateway::http
