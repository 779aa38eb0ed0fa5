#include "common/metrics.h"

#include <bit>

#include "common/json_writer.h"

namespace readside {

void Histogram::Observe(uint64_t micros) {
  int b = micros <= 1 ? 0 : std::bit_width(micros - 1);  // smallest b with 2^b >= micros
  if (b > kBuckets - 1) b = kBuckets;
  buckets_[static_cast<size_t>(b)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(micros, std::memory_order_relaxed);
}

double Histogram::Quantile(double q) const {
  uint64_t total = count();
  if (total == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total) + 0.5);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b <= kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)].load(std::memory_order_relaxed);
    if (seen >= rank) return b == kBuckets ? 2.0 * (1 << (kBuckets - 1)) : double(1ULL << b);
  }
  return double(1ULL << (kBuckets - 1));
}

void Histogram::Render(const std::string& name, const std::string& labels,
                       std::string* out) const {
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (int b = 0; b <= kBuckets; ++b) {
    cumulative += buckets_[static_cast<size_t>(b)].load(std::memory_order_relaxed);
    std::string le = b == kBuckets ? "+Inf" : std::to_string(double(1ULL << b) / 1e6);
    out->append(name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " +
                std::to_string(cumulative) + "\n");
  }
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out->append(name + "_sum" + braces + " " +
              std::to_string(static_cast<double>(sum_.load()) / 1e6) + "\n");
  // The count is the +Inf bucket's, read above: never more than it, though observations go on.
  out->append(name + "_count" + braces + " " + std::to_string(cumulative) + "\n");
}

void MetricsRegistry::Add(std::function<void(std::string*)> render) {
  absl::MutexLock lock(&mu_);
  renderers_.push_back(std::move(render));
}

std::string MetricsRegistry::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& r : renderers_) r(&out);
  return out;
}

void RenderCounter(const std::string& name, const std::string& help, uint64_t value,
                   std::string* out) {
  out->append("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
              std::to_string(value) + "\n");
}

void RenderGauge(const std::string& name, const std::string& help, double value,
                 std::string* out) {
  out->append("# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " ");
  AppendJsonDouble(out, value);
  out->push_back('\n');
}

}  // namespace readside
