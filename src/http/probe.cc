#include "http/probe.h"

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
  RouteStats* s;
  std::array<Histogram, 6>* by_class;
  {
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
    absl::MutexLock lock(&mu_);
    out->append(
        "# HELP readside_http_request_duration_seconds time from the parsed request to the "
        "response being ready, by route pattern, method and status class\n"
        "# TYPE readside_http_request_duration_seconds histogram\n");
    for (const auto& [route, s] : routes_) {
      for (int m = 0; m < kMethods; ++m) {
        const auto& by_class = s->by_method[static_cast<size_t>(m)];
        if (!by_class) continue;
        for (int c = 1; c <= 5; ++c) {
          const Histogram& h = (*by_class)[static_cast<size_t>(c)];
          if (h.count() == 0) continue;
          h.Render("readside_http_request_duration_seconds",
                   "route=\"" + route + "\",method=\"" + std::string(kMethodNames[m]) +
                       "\",status_class=\"" + std::to_string(c) + "xx\"",
                   out);
        }
      }
    }
    out->append("# HELP readside_http_requests_total HTTP requests answered\n"
                "# TYPE readside_http_requests_total counter\n");
    for (auto& [route, s] : routes_) {
      for (int c = 1; c <= 5; ++c) {
        uint64_t v = s->by_class[static_cast<size_t>(c)].value();
        if (v == 0) continue;
        out->append("readside_http_requests_total{route=\"" + route + "\",code=\"" +
                    std::to_string(c) + "xx\"} " + std::to_string(v) + "\n");
      }
    }
    out->append("# HELP readside_http_handling_seconds time from parsed request to response\n"
                "# TYPE readside_http_handling_seconds histogram\n");
    for (auto& [route, s] : routes_) {
      s->latency.Render("readside_http_handling_seconds", "route=\"" + route + "\"", out);
    }
  });
}

}  // namespace readside::http
