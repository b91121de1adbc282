// Maps (method, path) to a handler: exact paths first, then the longest matching prefix.
// Routes are added before the server starts; lookups are then read-only and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace edigate::gateway::http {

// Runs on a network thread: it must not block. Slow work goes to a WorkerPool (see
// run_on_workers in worker_pool.hpp); the Responder may be used later from any thread.
using Handler = std::function<void(Request, Responder)>;

class Router {
 public:
  // Exact path match, e.g. add("POST", "/as2/in", h). A `max_body` (bytes, 0: the listener's
  // limit) below the listener's: a request announcing a longer body reaches the handler without
  // it (Request::body_refused_length), so the handler can refuse and audit it before a byte of
  // it is read; a chunked body that grows past it is refused with 413 by the server.
  void add(std::string method, std::string path, Handler handler, std::uint64_t max_body = 0);
  // Any path starting with prefix, e.g. add_prefix("GET", "/api/v1/", h).
  void add_prefix(std::string method, std::string prefix, Handler handler,
                  std::uint64_t max_body = 0);

  enum class Match { found, no_path, no_method };
  struct Lookup {
    Match match = Match::no_path;
    const Handler* handler = nullptr;  // set when found; lives as long as the Router
    std::uint64_t max_body = 0;        // the route's body limit; 0: the listener's
    std::string allow;                 // for 405: the methods the path accepts, "GET, POST"
  };
  Lookup find(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    Handler handler;
    std::uint64_t max_body = 0;
  };
  using MethodTable = std::map<std::string, Route>;
  Lookup pick(const MethodTable& table, const std::string& method) const;

  std::map<std::string, MethodTable> exact_;
  std::vector<std::pair<std::string, MethodTable>> prefixes_;  // longest first
};

}  // namespace edigate::gateway::http
