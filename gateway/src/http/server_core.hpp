// Private: the state shared by the listeners, the sessions and every Responder of one server.
// Sessions and Responders hold it by shared_ptr, so it outlives them; it does not own the
// io_context, so a Responder kept by a worker after the server is gone never touches freed I/O.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/limits.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace edigate::gateway::http::detail {

// Per-listener metric handles, resolved once at add_listener.
struct ListenerInfo {
  std::string name;
  Gauge* open_connections = nullptr;
  Counter* rejected_connections = nullptr;
  Counter* bytes_received = nullptr;
  Counter* bytes_sent = nullptr;
  Counter* timeouts = nullptr;
  Histogram* duration = nullptr;
  Counter* requests_by_class[5] = {};  // 1xx .. 5xx

  ListenerInfo(std::string listener_name, Metrics& metrics);
  void count_request(unsigned status, double seconds);
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Both may be called from any thread; they post to the session's strand.
  virtual void post_response(Response response) = 0;
  virtual void request_stop() = 0;
};

class ServerCore : public ResponseSink {
 public:
  ServerCore(ServerLimits server_limits, Router server_router, std::shared_ptr<Metrics> registry,
             RefusalObserver refusal_observer = {})
      : limits(server_limits),
        router(std::move(server_router)),
        metrics(std::move(registry)),
        on_refused(std::move(refusal_observer)) {}

  void deliver(std::uint64_t connection_id, Response response) override;

  // A connection id when the limits allow one more connection from `ip`, else nullopt.
  std::optional<std::uint64_t> admit(const std::string& ip);
  void attach(std::uint64_t id, std::shared_ptr<SessionBase> session);
  // The connection is closed: forget it and free its slot.
  void release(std::uint64_t id, const std::string& ip);

  // The memory budget for request bodies (ServerLimits::max_total_body_bytes).
  bool reserve_body_bytes(std::uint64_t n);
  void release_body_bytes(std::uint64_t n) { body_bytes_.fetch_sub(n); }
  std::uint64_t reserved_body_bytes() const { return body_bytes_.load(); }

  void request_stop_all();
  // True when every connection closed before the deadline.
  bool wait_until_idle(std::chrono::steady_clock::time_point deadline);
  // No more deliveries; drops the sessions the registry still holds (call with I/O stopped).
  void shut_down();
  std::size_t open_connections() const;

  const ServerLimits limits;
  const Router router;
  const std::shared_ptr<Metrics> metrics;
  const RefusalObserver on_refused;
  std::atomic<bool> stopping{false};

 private:
  std::atomic<std::uint64_t> body_bytes_{0};
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool delivering_ = true;
  std::uint64_t next_id_ = 1;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> per_ip_;
  std::map<std::uint64_t, std::shared_ptr<SessionBase>> sessions_;
};

}  // namespace edigate::gateway::http::detail
