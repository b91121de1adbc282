// The interface between the delivery pipeline and an ERP: one canonical JSON document in, one
// classified outcome out. Implementations: FileConnector (file drop), HttpConnector (REST).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace edigate::gateway::connectors {

// A response body can be anything an ERP (or a proxy in front of it) sends back; we keep only a
// bounded excerpt for the dead-letter record and the console.
inline constexpr std::size_t kMaxResponseExcerptBytes = 4 * 1024;

// One document to deliver. The connector borrows it for the duration of deliver() only.
struct Delivery {
  std::string document_id;      // stable id of the canonical document (names files, logs)
  std::string idempotency_key;  // the same on every attempt; the ERP dedupes on it
  std::string json;             // canonical JSON document (or the body content_type names)
  std::string content_type;     // empty: application/json
  std::string raw_edi;          // the source interchange, may be empty
  std::string document_type;    // e.g. "850"
  std::string partner;          // partner id from the registry
  int attempt = 1;              // 1 for the first attempt
};

struct DeliveryResult {
  enum Outcome { delivered, retry, dead };
  Outcome outcome = retry;
  int http_status = 0;           // 0 when there was no HTTP answer (file drop, network error)
  std::string response_excerpt;  // at most kMaxResponseExcerptBytes of the response body
  std::string error;             // why it was not delivered; empty when delivered
  // The earliest the ERP asked us to come back (Retry-After); zero when it did not say.
  std::chrono::seconds retry_after{0};
};

std::string_view outcome_name(DeliveryResult::Outcome outcome);

class CircuitBreaker;

// deliver() is called concurrently from worker threads: every implementation here is
// thread-safe. It never throws; every failure is a classified DeliveryResult.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual DeliveryResult deliver(const Delivery& delivery) = 0;
  virtual std::string_view name() const = 0;
  // Whether deliver() uses Delivery::raw_edi: when not, the job does not read it.
  virtual bool wants_raw_edi() const { return false; }
  // Whether deliver() only writes on this machine (a file drop) and never waits on another
  // system: the job runner that mapped a document then delivers it to such a connector at
  // once, instead of queueing the delivery for the next free runner to read back.
  virtual bool local() const { return false; }
  // The circuit breaker in front of this connector, if it has one (for /health and /metrics).
  virtual const CircuitBreaker* breaker() const { return nullptr; }
};

}  // namespace edigate::gateway::connectors
