#pragma once
// Minimal Prometheus-style metrics: counters, gauges and fixed-bucket histograms that business
// code updates with relaxed atomics, and a registry that renders the text exposition format.
// Each component owns its metrics in a small "probe" struct (see http/probe.h) so that metric
// names live in one place per component.
// Thread-safety: all operations are lock-free except registration and rendering (mutex).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace readside {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Latency histogram in microseconds with exponential buckets 1 µs … ~33.6 s: slow answers
// (report exports, durable ingest of large batches, reads waiting on `min_position` up to
// their `wait_ms`) land in a bucket of their own, not all in +Inf.
class Histogram {
 public:
  static constexpr int kBuckets = 26;  // upper bounds 1, 2, 4, … 2^25 µs, then +Inf
  void Observe(uint64_t micros);
  // The q-quantile (0..1) estimated as the upper bound of the bucket holding it, in µs.
  double Quantile(double q) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
};

class MetricsRegistry {
 public:
  // `render` appends complete exposition lines (with # HELP / # TYPE) to the output.
  void Add(std::function<void(std::string*)> render);
  std::string Render() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::function<void(std::string*)>> renderers_ ABSL_GUARDED_BY(mu_);
};

// Helpers for renderers.
void RenderCounter(const std::string& name, const std::string& help, uint64_t value,
                   std::string* out);
void RenderGauge(const std::string& name, const std::string& help, double value,
                 std::string* out);

}  // namespace readside
