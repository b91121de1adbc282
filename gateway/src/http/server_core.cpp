#include "http/server_core.hpp"

#include <vector>

namespace edigate::gateway::http::detail {

ListenerInfo::ListenerInfo(std::string listener_name, Metrics& metrics)
    : name(std::move(listener_name)) {
  const Labels labels{{"listener", name}};
  open_connections =
      &metrics.gauge("edigate_http_open_connections", "Open HTTP connections.", labels);
  rejected_connections = &metrics.counter("edigate_http_rejected_connections_total",
                                          "Connections refused by a connection limit.", labels);
  bytes_received = &metrics.counter("edigate_http_received_bytes_total",
                                    "Request bytes read (header and body).", labels);
  bytes_sent = &metrics.counter("edigate_http_sent_bytes_total", "Response bytes written.", labels);
  timeouts = &metrics.counter("edigate_http_timeouts_total",
                              "Connections closed by a read, write or handshake timeout.", labels);
  duration = &metrics.histogram("edigate_http_request_duration_seconds",
                                "From the first request byte to the last response byte.",
                                default_latency_buckets(), labels);
  for (unsigned i = 0; i < 5; ++i) {
    requests_by_class[i] =
        &metrics.counter("edigate_http_requests_total", "Responses sent, by status class.",
                         {{"listener", name}, {"code", std::to_string(i + 1) + "xx"}});
  }
}

void ListenerInfo::count_request(unsigned status, double seconds) {
  unsigned cls = status / 100;
  if (cls >= 1 && cls <= 5) requests_by_class[cls - 1]->add();
  duration->observe(seconds);
}

void ServerCore::deliver(std::uint64_t connection_id, Response response) {
  // Under the lock so shut_down() cannot free the I/O between the check and the post.
  std::lock_guard lock(mutex_);
  if (!delivering_) return;
  auto it = sessions_.find(connection_id);
  if (it != sessions_.end()) it->second->post_response(std::move(response));
}

std::optional<std::uint64_t> ServerCore::admit(const std::string& ip) {
  std::lock_guard lock(mutex_);
  if (stopping || total_ >= limits.max_connections) return std::nullopt;
  auto& from_ip = per_ip_[ip];
  if (from_ip >= limits.max_connections_per_ip) return std::nullopt;
  ++from_ip;
  ++total_;
  return next_id_++;
}

void ServerCore::attach(std::uint64_t id, std::shared_ptr<SessionBase> session) {
  std::lock_guard lock(mutex_);
  sessions_[id] = std::move(session);
}

void ServerCore::release(std::uint64_t id, const std::string& ip) {
  std::shared_ptr<SessionBase> last;  // destroyed outside the lock
  {
    std::lock_guard lock(mutex_);
    if (auto it = sessions_.find(id); it != sessions_.end()) {
      last = std::move(it->second);
      sessions_.erase(it);
    }
    if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
    --total_;
  }
  idle_.notify_all();
}

bool ServerCore::reserve_body_bytes(std::uint64_t n) {
  std::uint64_t used = body_bytes_.load();
  do {
    if (n > limits.max_total_body_bytes || used > limits.max_total_body_bytes - n) return false;
  } while (!body_bytes_.compare_exchange_weak(used, used + n));
  return true;
}

void ServerCore::request_stop_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, session] : sessions_) session->request_stop();
}

bool ServerCore::wait_until_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return idle_.wait_until(lock, deadline, [this] { return total_ == 0; });
}

void ServerCore::shut_down() {
  std::map<std::uint64_t, std::shared_ptr<SessionBase>> dropped;
  {
    std::lock_guard lock(mutex_);
    delivering_ = false;
    dropped.swap(sessions_);
  }
}

std::size_t ServerCore::open_connections() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace edigate::gateway::http::detail
