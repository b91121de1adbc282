// What a handler sees (Request) and what it sends back (Response, through a Responder).
// No Boost types here: handlers are written against plain standard types.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edigate::gateway::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One fully read request. The handler owns it (it is moved in) and may keep it as long as it likes.
struct Request {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // as sent, e.g. "/as2/in?x=1"
  std::string path;    // target up to '?'
  std::string query;   // after '?', without it; empty when absent
  HeaderList headers;  // in the order received; names as sent
  std::string body;
  std::string remote_address;  // textual IP of the peer
  std::uint16_t remote_port = 0;
  std::string listener;  // ListenerConfig::name of the listener that accepted the connection
  bool tls = false;
  // Lowercase hex SHA-256 of the verified client certificate (DER), when one was presented.
  std::optional<std::string> client_cert_sha256;
  // Not 0: the body was not read because its announced length (this) exceeds the route's body
  // limit (Router::add's max_body); `body` is empty and the connection closes after the answer.
  std::uint64_t body_refused_length = 0;

  // First header with that name (case-insensitive), or nullopt. The view lives as long as *this.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  HeaderList headers;  // Content-Length and Date are set by the server; do not add them
  std::string body;
  bool close = false;  // close the connection after this response

  static Response text(unsigned status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // Empty-bodied error with a short reason text ("404 Not Found").
  static Response error(unsigned status);
};

// A request the server refused itself, before any handler saw it: malformed (400), headers or
// body over their limit (431, 413), the body budget spent (503), or the request not received
// within its timeout (408; the connection is closed, nothing can be sent). Connection-level
// refusals (too many connections, failed TLS handshakes) are only counted in the metrics.
struct Refusal {
  std::string listener;
  std::string remote_address;
  unsigned status = 0;
  std::string reason;
  std::string method;  // empty when the request line was never read
  std::string target;  // at most kMaxRefusalTarget bytes of it
};
inline constexpr std::size_t kMaxRefusalTarget = 256;
// Called on a network thread: it must return at once (hand the work to another thread).
using RefusalObserver = std::function<void(const Refusal&)>;

// Where a Responder delivers: implemented by the server, one per server.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void deliver(std::uint64_t connection_id, Response response) = 0;
};

// Sends the response to one request. Copyable; may be used from any thread, at any later time;
// the first send() wins and later ones are ignored. If every copy is destroyed without a send(),
// the client gets 500 (a handler that forgot to answer never leaves a connection hanging).
// Sending after the connection closed or the server stopped is harmless: the response is dropped.
class Responder {
 public:
  Responder(std::shared_ptr<ResponseSink> sink, std::uint64_t connection_id);
  void send(Response response) const;
  bool sent() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace edigate::gateway::http
