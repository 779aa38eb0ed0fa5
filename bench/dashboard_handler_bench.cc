// In-process handling time of GET /analytics/dashboard/{org}: opens a readside data directory
// (the server must be stopped: RocksDB holds a lock), lets the projector catch up, then calls
// the server's own Gate (token verification, as served) and Router in a loop with a bearer
// token, and times each call exactly as the server's
// readside_http_handling_seconds histogram would (from the parsed request to the response
// being ready). Also times the parts: the store's per-tenant counts (3 RocksDB reads, done on
// every dashboard request for data_quality) and GET /health/live, the cheapest route. The
// dashboard is timed twice: without a response cache (every call builds the body: the cost of
// a miss) and with the server's ResponseCache (as `readside serve` runs: after the first call,
// the cost of a hit).
// Prints one JSON line.
//   dashboard_handler_bench --data-dir DIR --org ORG --period P [--seconds 3] [--threads 1]
//                           [--expect-bytes N]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/response_cache.h"
#include "http/router.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace {

using namespace readside;
using Clk = std::chrono::steady_clock;

struct Stats {
  double p50, p90, p99, p999, max, mean;
  size_t n;
};

Stats Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s{};
  s.n = v.size();
  if (v.empty()) return s;
  auto q = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]; };
  double sum = 0;
  for (double x : v) sum += x;
  s = {q(0.5), q(0.9), q(0.99), q(0.999), v.back(), sum / static_cast<double>(v.size()), v.size()};
  return s;
}

// The upper bound of the server histogram's bucket (powers of two in µs) holding the
// p-quantile, computed the way Histogram::Quantile does.
double BucketQuantile(const std::vector<double>& micros, double p) {
  Histogram h;
  for (double x : micros) h.Observe(static_cast<uint64_t>(x));  // the server truncates to µs
  return h.Quantile(p);
}

void Print(const char* name, const Stats& s, bool last = false) {
  std::printf("\"%s\":{\"n\":%zu,\"mean_us\":%.2f,\"p50_us\":%.2f,\"p90_us\":%.2f,"
              "\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f}%s",
              name, s.n, s.mean, s.p50, s.p90, s.p99, s.p999, s.max, last ? "" : ",");
}

// Calls `sample` repeatedly on `threads` threads for `seconds`; returns every sample (µs).
std::vector<double> Samples(int threads, double seconds, const std::function<double()>& sample) {
  std::vector<std::vector<double>> per(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  auto end = Clk::now() + std::chrono::duration_cast<Clk::duration>(
                              std::chrono::duration<double>(seconds));
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      auto& out = per[static_cast<size_t>(t)];
      out.reserve(1 << 20);
      while (Clk::now() < end) out.push_back(sample());
    });
  }
  for (auto& t : ts) t.join();
  std::vector<double> all;
  for (auto& p : per) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// Runs fn repeatedly on `threads` threads for `seconds`, returning every call's duration in µs.
std::vector<double> Loop(int threads, double seconds, const std::function<bool()>& fn,
                         std::atomic<bool>* failed) {
  return Samples(threads, seconds, [&] {
    auto t0 = Clk::now();
    bool ok = fn();
    auto t1 = Clk::now();
    if (!ok) failed->store(true);
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, org, period;
  double seconds = 3;
  int threads = 1;
  size_t expect_bytes = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data-dir")) data_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--org")) org = argv[i + 1];
    else if (!std::strcmp(argv[i], "--period")) period = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--expect-bytes")) expect_bytes = std::stoul(argv[i + 1]);
  }
  if (data_dir.empty() || org.empty() || period.empty()) {
    std::fprintf(stderr,
                 "usage: dashboard_handler_bench --data-dir DIR --org ORG --period P "
                 "[--seconds S] [--threads T] [--expect-bytes N]\n");
    return 2;
  }
  auto store = store::EventStore::Open({.path = data_dir + "/events"});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  projection::Projector projector(store->get(), &SystemClock::Get());
  projector.Start();
  uint64_t target = (*store)->LastPosition();
  auto load0 = Clk::now();
  if (!projector.WaitForPosition(target, std::chrono::minutes(5))) {
    std::fprintf(stderr, "projector did not catch up with %llu\n",
                 static_cast<unsigned long long>(target));
    return 1;
  }
  double catch_up_s = std::chrono::duration<double>(Clk::now() - load0).count();

  // Authentication as `readside serve` does it: an HS256 secret file, a token for the tenant.
  std::string secret = "dashboard-handler-bench-secret-0123456789";
  std::string secret_file = "/tmp/readside-dashboard-handler-bench-" +
                            std::to_string(::getpid()) + ".secret";
  if (FILE* f = std::fopen(secret_file.c_str(), "w")) {
    std::fputs(secret.c_str(), f);
    std::fclose(f);
  }
  auto authenticator = auth::Authenticator::Create({.secret_file = secret_file}, {});
  std::remove(secret_file.c_str());
  if (!authenticator.ok()) {
    std::fprintf(stderr, "%s\n", std::string(authenticator.status().message()).c_str());
    return 1;
  }
  int64_t now_s = SystemClock::Get().NowMicros() / 1'000'000;
  std::string token = *auth::SignHs256({.subject = "bench", .organizations = {org},
                                        .roles = {"admin"}, .issued_at = now_s,
                                        .expires_at = now_s + 86400},
                                       secret);
  http::TokenAccess access(http::RateLimit{}, &SystemClock::Get());
  MetricsRegistry metrics;
  http::Services services{.store = store->get(), .ingest = nullptr, .access = &access,
                          .metrics = &metrics, .projector = &projector,
                          .clock = &SystemClock::Get()};
  http::Router router;  // no response cache: every dashboard call builds its body
  http::AddOpsRoutes(&router, services);
  http::AddAnalyticsRoutes(&router, services);
  http::ResponseCache cache;
  http::Services cached_services = services;
  cached_services.cache = &cache;
  http::Router cached_router;  // as the server is wired
  http::AddAnalyticsRoutes(&cached_router, cached_services);
  http::Gate gate(&router, authenticator->get(), {}, &SystemClock::Get());
  http::Gate cached_gate(&cached_router, authenticator->get(), {}, &SystemClock::Get());

  std::atomic<bool> failed{false};
  size_t body_bytes = 0;
  auto dispatch_on = [&](const http::Gate& r, const std::string& path, bool with_period) {
    http::Request req;  // built outside the measured interval in the server too (OnRead)
    req.method = "GET";
    req.path = path;
    req.headers["authorization"] = "Bearer " + token;
    if (with_period) req.query["period"] = period;
    int status = 0;
    size_t bytes = 0;
    auto t0 = Clk::now();
    r.Handle(req, [&](http::Response resp) {
      status = resp.status;
      bytes = resp.body.size();
    });
    auto t1 = Clk::now();
    if (status != 200) failed = true;
    body_bytes = bytes;
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
  };
  auto dispatch = [&](const std::string& path, bool with_period) {
    return dispatch_on(gate, path, with_period);
  };
  std::string dash_path = "/analytics/dashboard/" + org;
  // Warm-up, then the measured loops. Loop() times the whole lambda; the lambdas below time
  // only Dispatch (the request object is built outside, as the server builds it in OnRead).
  for (int i = 0; i < 200; ++i) dispatch(dash_path, true);
  if (expect_bytes != 0 && body_bytes != expect_bytes) {
    std::fprintf(stderr, "dashboard body is %zu bytes, expected %zu\n", body_bytes, expect_bytes);
  }
  auto timed = [&](const http::Gate& r, const std::string& path, bool with_period) {
    return Samples(threads, seconds, [&] { return dispatch_on(r, path, with_period); });
  };
  std::vector<double> dash = timed(gate, dash_path, true);
  size_t dash_bytes = body_bytes;
  dispatch_on(cached_gate, dash_path, true);  // fills the cache
  std::vector<double> hits = timed(cached_gate, dash_path, true);
  std::vector<double> counts = Loop(threads, seconds / 3, [&] {
    store::TenantCounts c = (*store)->GetTenantCounts(org);
    return c.rejected != ~uint64_t{0};
  }, &failed);
  std::vector<double> live = timed(gate, "/health/live", false);
  double wall = seconds;
  std::printf("{\"org\":\"%s\",\"period\":\"%s\",\"threads\":%d,\"events\":%llu,"
              "\"catch_up_seconds\":%.2f,\"dashboard_bytes\":%zu,"
              "\"dashboard_calls_per_second\":%.0f,\"dashboard_bucket_p99_us\":%.0f,"
              "\"cached_calls_per_second\":%.0f,\"cache_hits\":%llu,",
              org.c_str(), period.c_str(), threads, static_cast<unsigned long long>(target),
              catch_up_s, dash_bytes, static_cast<double>(dash.size()) / wall,
              BucketQuantile(dash, 0.99), static_cast<double>(hits.size()) / wall,
              static_cast<unsigned long long>(cache.hits()));
  Print("dashboard_dispatch", Summarize(dash));
  Print("dashboard_cached_dispatch", Summarize(hits));
  Print("tenant_counts_3_rocksdb_gets", Summarize(counts));
  Print("health_live_dispatch", Summarize(live), true);
  std::printf(",\"ok\":%s}\n", failed ? "false" : "true");
  projector.Stop();
  return failed ? 1 : 0;
}
