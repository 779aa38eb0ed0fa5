#include "http/probe.h"

namespace readside::http {

HttpProbe::RouteStats* HttpProbe::Stats(const std::string& route) {
  absl::MutexLock lock(&mu_);
  auto& slot = routes_[route];
  if (!slot) slot = std::make_unique<RouteStats>();
  return slot.get();
}

void HttpProbe::Record(const std::string& route, int status, uint64_t micros) {
  RouteStats* s = Stats(route);
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) s->by_class[static_cast<size_t>(cls)].Add();
  s->latency.Observe(micros);
}

void HttpProbe::Register(MetricsRegistry* registry) {
  registry->Add([this](std::string* out) {
    absl::MutexLock lock(&mu_);
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
