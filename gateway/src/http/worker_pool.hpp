// A fixed set of threads with a bounded queue, for handler work that may block (SQLite, crypto,
// file I/O). When the queue is full submit() refuses instead of growing: back-pressure reaches
// the client as 503 with Retry-After.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "http/router.hpp"

namespace edigate::gateway::http {

inline constexpr std::size_t kDefaultWorkerThreads = 4;
inline constexpr std::size_t kDefaultWorkerQueueCapacity = 256;
inline constexpr unsigned kDefaultRetryAfterSeconds = 5;

class WorkerPool {
 public:
  WorkerPool(std::size_t threads = kDefaultWorkerThreads,
             std::size_t queue_capacity = kDefaultWorkerQueueCapacity);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the task is then not run.
  [[nodiscard]] bool submit(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void stop();
  std::size_t queued() const;

 private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The usual way to write a blocking handler: `work` runs on a pool thread and its Response is
// sent back to the connection; when the pool is full the client gets 503 + Retry-After at once.
// The pool must outlive the server that uses the handler. `work` must not throw; if it does, the
// client gets 500.
Handler run_on_workers(WorkerPool& pool, std::function<Response(const Request&)> work,
                       unsigned retry_after_seconds = kDefaultRetryAfterSeconds);

}  // namespace edigate::gateway::http
