#pragma once
// The routes a server runs (analytics, reports, dashboards) over a real store, projector and
// DashboardService holding a few weeks of simulated events of "fuzz-a" and "fuzz-b", for the
// fuzz targets that reach routes with hostile parameters and bodies (params_fuzz,
// report_fuzz, dashboard_fuzz). The Gate is request_fuzz's: here every request carries a
// verified principal for "fuzz-a" (admin, subject "fuzzer"), so inputs reach the parsers
// behind authentication. Report exports render on the calling thread (no RenderPool).
// Thread-safety: one RouteStack per process (TheRouteStack), used by the fuzzer's one thread;
// answers may come from the projector's or the dashboard service's threads.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "scratch_dir.h"
#include "auth/jwt.h"
#include "common/metrics.h"
#include "dashboard/dashboards.h"
#include "event/parser.h"
#include "http/access_policy.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace readside::fuzz {

// Events from 2023-10-01 to 2023-11-15; kNowMicros is the instant the routes are asked at
// only through period defaults (the routes read the system clock).
inline constexpr int64_t kSimStart = 1696118400000000;  // 2023-10-01T00:00:00Z
inline constexpr int64_t kSimEnd = 1700006400000000;    // 2023-11-15T00:00:00Z

struct RouteStack {
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<projection::Projector> projector;
  std::unique_ptr<dashboard::DashboardService> dashboards;
  std::unique_ptr<http::TokenAccess> access;
  MetricsRegistry metrics;
  http::Router router;
  std::shared_ptr<const auth::Principal> principal;

  RouteStack() {
    std::string dir = fuzz::ScratchDir("readside-route-fuzz");
    auto opened = store::EventStore::Open({.path = dir + "/events", .sync = false});
    if (!opened.ok()) std::abort();
    store = std::move(*opened);
    projector = std::make_unique<projection::Projector>(store.get(), &SystemClock::Get());
    projector->Start();
    dashboards = std::make_unique<dashboard::DashboardService>(store.get(), projector.get());
    access = std::make_unique<http::TokenAccess>(http::RateLimit{}, &SystemClock::Get());
    sim::Generator gen({.seed = 5,
                        .tenants = {"fuzz-a", "fuzz-b"},
                        .start_unix_micros = kSimStart,
                        .end_unix_micros = kSimEnd,
                        .events_per_second = 0.001});
    event::EventParser parser;
    std::string line;
    int64_t ts;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    while (gen.Next(&line, &ts)) {
      event::Event e;
      if (!parser.ParseOne(line, &e, &errors)) continue;
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
    }
    if (!store->Append(std::move(request)).ok()) std::abort();
    if (!projector->WaitForPosition(store->LastPosition(), std::chrono::seconds(60))) std::abort();
    http::Services s{.store = store.get(),
                     .access = access.get(),
                     .metrics = &metrics,
                     .projector = projector.get(),
                     .clock = &SystemClock::Get(),
                     .dashboards = dashboards.get()};
    http::AddAnalyticsRoutes(&router, s);
    http::AddReportRoutes(&router, s);
    http::AddDashboardRoutes(&router, s);
    auto p = std::make_shared<auth::Principal>();
    p->subject = "fuzzer";
    p->organizations = {"fuzz-a"};
    p->roles = {"admin"};
    p->expires_at = 4'102'444'800;  // 2100
    principal = std::move(p);
  }

  // Dispatches `req` as the fuzz-a admin and waits for the answer.
  http::Response Call(http::Request req) {
    req.principal = principal;
    std::promise<http::Response> answered;
    router.Dispatch(req, [&answered](http::Response r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }
};

inline RouteStack& TheRouteStack() {
  static RouteStack* stack =
      new RouteStack();  // never destroyed: the fuzzer exits without teardown
  return *stack;
}

// What every answer must be: a status a route may give, and problem+json naming what is
// wrong for every error. Aborts with the answer on stderr otherwise.
inline void CheckAnswer(const http::Request& req, const http::Response& r,
                        std::initializer_list<int> allowed) {
  bool ok = false;
  for (int status : allowed) ok = ok || r.status == status;
  if (ok && r.status >= 400) {
    ok = r.content_type == "application/problem+json" &&
         r.body.find("\"status\":" + std::to_string(r.status)) != std::string::npos;
  }
  if (!ok) {
    std::fprintf(stderr, "%s %s: %d %s\n%s\n", req.method.c_str(), req.path.c_str(), r.status,
                 r.content_type.c_str(), r.body.substr(0, 2000).c_str());
    std::abort();
  }
}

// Reads "name=value" lines (a line without '=' is a name with an empty value) into the
// request's query parameters: how the route fuzzers spell a query string.
inline void ParseQueryLines(std::string_view rest, http::Request* req) {
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    size_t eq = line.find('=');
    req->query[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : std::string(line.substr(eq + 1));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
}

}  // namespace readside::fuzz
