#pragma once
// The HTTP layer's metrics: requests by route and status class, and handling time (from the
// parsed request to the response being ready) per route.
// Thread-safety: safe from any thread; Record takes a short mutex to find the route's counters.

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>

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
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<RouteStats>> routes_;
};

}  // namespace readside::http
