// A small thread-safe metrics registry rendered in the Prometheus text format (version 0.0.4).
// Subsystems ask for a metric once and keep the reference: the registry owns every metric and
// never moves or frees one while it lives, so updates are lock-free atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edigate::gateway::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);  // sorted ascending; +Inf is implicit
  void observe(double value);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  std::uint64_t bucket_count(std::size_t i) const { return buckets_[i].load(); }  // not cumulative
  std::uint64_t count() const { return count_.load(); }
  double sum() const { return sum_.load(); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Request latency buckets in seconds, from 1 ms to 30 s.
std::vector<double> default_latency_buckets();

class Metrics {
 public:
  // The same name and labels return the same metric. A name is one type for its whole life; asking
  // for it as another type (a programming error) returns a detached metric that is never rendered.
  // Names should follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*), e.g. edigate_http_*.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // Buckets are fixed by the first call for a name.
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                       const Labels& labels = {});
  // Makes `series` the whole of gauge `name`, at once for a scrape: a label set not in it is no
  // longer rendered (a removed partner's), rather than left reading its last value. A reference
  // handed out for such a label set stays valid but is detached.
  void set_gauge_family(std::string_view name, std::string_view help,
                        const std::vector<std::pair<Labels, double>>& series);

  std::string render_prometheus() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family* family(std::string_view name, std::string_view help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::unique_ptr<Counter>> detached_counters_;
  std::vector<std::unique_ptr<Gauge>> detached_gauges_;
  std::vector<std::unique_ptr<Histogram>> detached_histograms_;
};

}  // namespace edigate::gateway::http
