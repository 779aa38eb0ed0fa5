#pragma once
// The HTTP layer's metrics:
//   readside_http_request_duration_seconds{route,method,status_class} (operations.md), a
//     histogram of the time from the parsed request to the response being ready;
//   readside_http_requests_total{route,code} and readside_http_handling_seconds{route}, the
//     same per route alone (the benchmarks read them).
// Cardinality is bounded: `route` is the matched pattern ("/analytics/{domain}/{org}",
// "unmatched", the web app's one label), never the path; `method` is one of the eight
// HTTP/1.1 methods or "other".
// Thread-safety: safe from any thread. Record takes a shared lock to find the counters (an
// exclusive one the first time a route and method are seen); a scrape copies the entries
// out under the shared lock and renders them without it.

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"

namespace readside::http {

class HttpProbe {
 public:
  void Record(const std::string& route, std::string_view method, int status, uint64_t micros);
  void Register(MetricsRegistry* registry);

  // The label for a request method: itself when it is a standard one, else "other".
  static std::string_view MethodLabel(std::string_view method);

 private:
  static constexpr int kMethods = 9;  // MethodLabel's eight methods and "other"
  static int MethodIndex(std::string_view method);
  struct RouteStats {
    std::array<Counter, 6> by_class;  // 1xx … 5xx by status / 100, index 0 unused
    Histogram latency;
    // Per method (MethodIndex) and status class: made on the method's first request.
    std::array<std::unique_ptr<std::array<Histogram, 6>>, kMethods> by_method;
  };
  absl::Mutex mu_;
  // Entries are never removed: the pointers stay valid, and their atomics are updated
  // without the lock.
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace readside::http
