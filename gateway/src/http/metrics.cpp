#include "http/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace edigate::gateway::http {

namespace {

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// "a=\"x\",b=\"y\"" without braces; the map key and the rendered form at once.
std::string render_labels(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += name + "=\"" + escape_label_value(value) + "\"";
  }
  return out;
}

std::string braces(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }

std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that round-trips
  return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

std::string with_le(const std::string& labels, const std::string& le) {
  return "{" + labels + (labels.empty() ? "" : ",") + "le=\"" + le + "\"}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<double> default_latency_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

Metrics::Family* Metrics::family(std::string_view name, std::string_view help, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it =
        families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, {}}).first;
  }
  return it->second.type == type ? &it->second : nullptr;
}

Counter& Metrics::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family* f = family(name, help, Type::counter);
  if (f == nullptr) return *detached_counters_.emplace_back(std::make_unique<Counter>());
  auto& slot = f->counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family* f = family(name, help, Type::gauge);
  if (f == nullptr) return *detached_gauges_.emplace_back(std::make_unique<Gauge>());
  auto& slot = f->gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(std::string_view name, std::string_view help,
                              std::vector<double> buckets, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family* f = family(name, help, Type::histogram);
  if (f == nullptr) {
    return *detached_histograms_.emplace_back(std::make_unique<Histogram>(std::move(buckets)));
  }
  if (f->histograms.empty() && f->buckets.empty()) f->buckets = std::move(buckets);
  auto& slot = f->histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(f->buckets);
  return *slot;
}

void Metrics::set_gauge_family(std::string_view name, std::string_view help,
                               const std::vector<std::pair<Labels, double>>& series) {
  std::lock_guard lock(mutex_);
  Family* f = family(name, help, Type::gauge);
  if (f == nullptr) return;
  std::map<std::string, std::unique_ptr<Gauge>> kept;
  for (const auto& [labels, value] : series) {
    const std::string key = render_labels(labels);
    auto& slot = kept[key];
    if (!slot) {
      // The same label set keeps its gauge, so references to it stay attached.
      auto old = f->gauges.find(key);
      const bool reuse = old != f->gauges.end() && old->second;
      slot = reuse ? std::move(old->second) : std::make_unique<Gauge>();
    }
    slot->set(value);
  }
  for (auto& [labels, gauge] : f->gauges) {
    if (gauge) detached_gauges_.push_back(std::move(gauge));
  }
  f->gauges = std::move(kept);
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + kTypeNames[static_cast<int>(f.type)] + "\n";
    for (const auto& [labels, c] : f.counters) {
      out += name + braces(labels) + " " + format_number(c->value()) + "\n";
    }
    for (const auto& [labels, g] : f.gauges) {
      out += name + braces(labels) + " " + format_number(g->value()) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      std::uint64_t cumulative = 0;
      const auto& bounds = h->upper_bounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += h->bucket_count(i);
        std::string le = i < bounds.size() ? format_number(bounds[i]) : "+Inf";
        out += name + "_bucket" + with_le(labels, le) + " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_sum" + braces(labels) + " " + format_number(h->sum()) + "\n";
      out += name + "_count" + braces(labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

}  // namespace edigate::gateway::http
