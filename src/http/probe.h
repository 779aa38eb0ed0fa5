#pragma once
// The HTTP layer's metrics: requests by route and status class, and handling time (from the
// parsed request to the response being ready) per route.
// Thread-safety: safe from any thread; Record takes a short mutex to find the route's counters.

#include <array>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"

namespace readside::http {

class HttpProbe {
 public:
  void Record(const std::string& route, int status, uint64_t micros);
  void Register(MetricsRegistry* registry);

 private:
  struct RouteStats {
    std::array<Counter, 6> by_class;  // 1xx … 5xx by status / 100, index 0 unused
    Histogram latency;
  };
  RouteStats* Stats(const std::string& route);
  absl::Mutex mu_;
  // Entries are never removed: a RouteStats* stays valid, and its atomics are updated
  // without the lock.
  std::map<std::string, std::unique_ptr<RouteStats>> routes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace readside::http
