#include "http/probe.h"

#include <vector>

namespace readside::http {

namespace {
constexpr std::string_view kMethodNames[] = {"GET",     "HEAD",  "POST",    "PUT",  "DELETE",
                                             "OPTIONS", "PATCH", "CONNECT", "other"};
}  // namespace

int HttpProbe::MethodIndex(std::string_view method) {
  for (int i = 0; i < kMethods - 1; ++i) {
    if (kMethodNames[i] == method) return i;
  }
  return kMethods - 1;
}

std::string_view HttpProbe::MethodLabel(std::string_view method) {
  return kMethodNames[MethodIndex(method)];
}

void HttpProbe::Record(const std::string& route, std::string_view method, int status,
                       uint64_t micros) {
  int m = MethodIndex(method);
  RouteStats* s = nullptr;
  std::array<Histogram, 6>* by_class = nullptr;
  {
    // The common case (a route and method seen before) only reads the map: a shared lock.
    absl::ReaderMutexLock lock(&mu_);
    auto it = routes_.find(route);
    if (it != routes_.end()) {
      s = it->second.get();
      by_class = s->by_method[static_cast<size_t>(m)].get();
    }
  }
  if (by_class == nullptr) {
    absl::MutexLock lock(&mu_);
    auto it = routes_.find(route);
    if (it == routes_.end()) it = routes_.emplace(route, std::make_unique<RouteStats>()).first;
    s = it->second.get();
    auto& slot = s->by_method[static_cast<size_t>(m)];
    if (!slot) slot = std::make_unique<std::array<Histogram, 6>>();
    by_class = slot.get();
  }
  int cls = status / 100;
  if (cls < 1 || cls > 5) cls = 5;  // not an HTTP status: count it with the server's errors
  s->by_class[static_cast<size_t>(cls)].Add();
  s->latency.Observe(micros);
  (*by_class)[static_cast<size_t>(cls)].Observe(micros);
}

void HttpProbe::Register(MetricsRegistry* registry) {
  registry->Add([this](std::string* out) {
    // The entries are copied out under the lock and rendered without it, so a scrape never
    // holds up the requests being recorded (their counters are atomics).
    struct Entry {
      const std::string* route;
      RouteStats* stats;
      std::array<std::array<Histogram, 6>*, kMethods> by_method;
    };
    std::vector<Entry> entries;
    {
      absl::ReaderMutexLock lock(&mu_);
      entries.reserve(routes_.size());
      for (const auto& [route, s] : routes_) {
        Entry e{&route, s.get(), {}};
        for (int m = 0; m < kMethods; ++m)
          e.by_method[static_cast<size_t>(m)] = s->by_method[static_cast<size_t>(m)].get();
        entries.push_back(e);
      }
    }
    out->append(
        "# HELP readside_http_request_duration_seconds time from the parsed request to the "
        "response being ready, by route pattern, method and status class\n"
        "# TYPE readside_http_request_duration_seconds histogram\n");
    for (const Entry& e : entries) {
      for (int m = 0; m < kMethods; ++m) {
        const auto* by_class = e.by_method[static_cast<size_t>(m)];
        if (!by_class) continue;
        for (int c = 1; c <= 5; ++c) {
          const Histogram& h = (*by_class)[static_cast<size_t>(c)];
          if (h.count() == 0) continue;
          h.Render("readside_http_request_duration_seconds",
                   "route=\"" + *e.route + "\",method=\"" + std::string(kMethodNames[m]) +
                       "\",status_class=\"" + std::to_string(c) + "xx\"",
                   out);
        }
      }
    }
    out->append(
        "# HELP readside_http_requests_total HTTP requests answered\n"
        "# TYPE readside_http_requests_total counter\n");
    for (const Entry& e : entries) {
      for (int c = 1; c <= 5; ++c) {
        uint64_t v = e.stats->by_class[static_cast<size_t>(c)].value();
        if (v == 0) continue;
        out->append("readside_http_requests_total{route=\"" + *e.route + "\",code=\"" +
                    std::to_string(c) + "xx\"} " + std::to_string(v) + "\n");
      }
    }
    out->append(
        "# HELP readside_http_handling_seconds time from parsed request to response\n"
        "# TYPE readside_http_handling_seconds histogram\n");
    for (const Entry& e : entries) {
      e.stats->latency.Render("readside_http_handling_seconds", "route=\"" + *e.route + "\"", out);
    }
  });
}

}  // namespace readside::http
