#include "http/worker_pool.hpp"

#include <memory>

#include "thread_name.hpp"

namespace edigate::gateway::http {

WorkerPool::WorkerPool(std::size_t threads, std::size_t queue_capacity)
    : capacity_(queue_capacity) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] {
      name_this_thread("http-worker");
      run();
    });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

Handler run_on_workers(WorkerPool& pool, std::function<Response(const Request&)> work,
                       unsigned retry_after_seconds) {
  auto shared_work = std::make_shared<std::function<Response(const Request&)>>(std::move(work));
  return [&pool, shared_work, retry_after_seconds](Request request, Responder responder) {
    auto shared_request = std::make_shared<Request>(std::move(request));
    bool queued = pool.submit([shared_work, shared_request, responder] {
      try {
        responder.send((*shared_work)(*shared_request));
      } catch (...) {
        responder.send(Response::error(500));  // exceptions never cross into the pool thread
      }
    });
    if (!queued) {
      auto busy = Response::error(503);
      busy.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
      responder.send(std::move(busy));
    }
  };
}

}  // namespace edigate::gateway::http
