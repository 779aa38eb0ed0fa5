// In-process handling time of GET /dashboards/{org} (issue 12: "with 12 widgets: server-side
// p99 ≤ 1 ms"), the sibling of dashboard_handler_bench (which times /analytics/dashboard).
// Opens a readside data directory (the server must be stopped: RocksDB holds a lock), lets the
// projector catch up, then makes the organization's default dashboard the 12 widgets of
// bench/dashboard_widgets.json (@PERIOD@ → --period) through the real routes and
// DashboardService: DELETE of every other widget and POST /dashboards/{org}/widgets of each
// missing one, every change stored as a readside.dashboard.* event and applied by the projector
// (skipped when the stored default already is that set, e.g. made by dashboard_bench.sh over
// HTTP). Then it checks the answer (12 widgets, none forbidden or without data, the chart with
// 12 points) and calls the server's Gate (token verification, as served) and Router in a loop,
// timing each call exactly as the server's readside_http_handling_seconds histogram would
// (from the parsed request to the response being ready). For comparison in the same process:
// GET /analytics/dashboard/{org}?period=P without a response cache (every call builds it).
// Prints one JSON line.
//   dashboards_handler_bench --data-dir DIR --org ORG --period P --widgets FILE
//                            [--seconds 3] [--threads 1]

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "dashboard/dashboards.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/router.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace {

using namespace readside;
namespace json = boost::json;
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
  for (double x : micros) h.Observe(static_cast<uint64_t>(x));
  return h.Quantile(p);
}

void Print(const char* name, const Stats& s, bool last = false) {
  std::printf(
      "\"%s\":{\"n\":%zu,\"mean_us\":%.2f,\"p50_us\":%.2f,\"p90_us\":%.2f,"
      "\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f}%s",
      name, s.n, s.mean, s.p50, s.p90, s.p99, s.p999, s.max, last ? "" : ",");
}

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Every call's wall time and its thread's CPU time (µs), and the measuring threads' context
// switches: voluntary ones are waits (a lock, I/O), involuntary ones preemption by other
// processes on this shared VM. Wall minus CPU time is the time a call was not running.
struct Run {
  std::vector<double> wall, cpu;
  long voluntary = 0, involuntary = 0;
};

// Calls `sample` (returns the wall µs of one call) on `threads` threads for `seconds`.
Run Samples(int threads, double seconds, const std::function<double()>& sample) {
  std::vector<Run> per(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  auto end = Clk::now() +
             std::chrono::duration_cast<Clk::duration>(std::chrono::duration<double>(seconds));
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      Run& out = per[static_cast<size_t>(t)];
      out.wall.reserve(1 << 20);
      out.cpu.reserve(1 << 20);
      rusage r0, r1;
      getrusage(RUSAGE_THREAD, &r0);
      while (Clk::now() < end) {
        double c0 = ThreadCpuMicros();
        out.wall.push_back(sample());
        out.cpu.push_back(ThreadCpuMicros() - c0);
      }
      getrusage(RUSAGE_THREAD, &r1);
      out.voluntary = r1.ru_nvcsw - r0.ru_nvcsw;
      out.involuntary = r1.ru_nivcsw - r0.ru_nivcsw;
    });
  }
  for (auto& t : ts) t.join();
  Run all;
  for (auto& p : per) {
    all.wall.insert(all.wall.end(), p.wall.begin(), p.wall.end());
    all.cpu.insert(all.cpu.end(), p.cpu.begin(), p.cpu.end());
    all.voluntary += p.voluntary;
    all.involuntary += p.involuntary;
  }
  return all;
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "dashboards_handler_bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, org, period, widgets_file;
  double seconds = 3;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data-dir"))
      data_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--org"))
      org = argv[i + 1];
    else if (!std::strcmp(argv[i], "--period"))
      period = argv[i + 1];
    else if (!std::strcmp(argv[i], "--widgets"))
      widgets_file = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads"))
      threads = std::stoi(argv[i + 1]);
  }
  if (data_dir.empty() || org.empty() || period.empty() || widgets_file.empty()) {
    std::fprintf(stderr,
                 "usage: dashboards_handler_bench --data-dir DIR --org ORG --period P "
                 "--widgets FILE [--seconds S] [--threads T]\n");
    return 2;
  }
  std::ifstream in(widgets_file);
  if (!in) Fail("cannot read " + widgets_file);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value wanted = json::parse(Replace(text.str(), "@PERIOD@", period), ec);
  if (ec || !wanted.is_array()) Fail(widgets_file + " is not a JSON array of widget bodies");

  auto store = store::EventStore::Open({.path = data_dir + "/events"});
  if (!store.ok()) Fail("open: " + store.status().ToString());
  projection::Projector projector(store->get(), &SystemClock::Get());
  projector.Start();
  uint64_t target = (*store)->LastPosition();
  auto load0 = Clk::now();
  if (!projector.WaitForPosition(target, std::chrono::minutes(5))) {
    Fail("projector did not catch up with " + std::to_string(target));
  }
  double catch_up_s = std::chrono::duration<double>(Clk::now() - load0).count();

  // Authentication as `readside serve` does it: an HS256 secret file, an admin token.
  std::string secret = "dashboards-handler-bench-secret-0123456789";
  std::string secret_file =
      "/tmp/readside-dashboards-handler-bench-" + std::to_string(::getpid()) + ".secret";
  if (FILE* f = std::fopen(secret_file.c_str(), "w")) {
    std::fputs(secret.c_str(), f);
    std::fclose(f);
  }
  auto authenticator = auth::Authenticator::Create({.secret_file = secret_file}, {});
  std::remove(secret_file.c_str());
  if (!authenticator.ok()) Fail(std::string(authenticator.status().message()));
  int64_t now_s = SystemClock::Get().NowMicros() / 1'000'000;
  // A subject without an own dashboard: GET /dashboards/{org} shows the organization default.
  std::string token = *auth::SignHs256({.subject = "dashboards-bench",
                                        .organizations = {org},
                                        .roles = {"admin"},
                                        .issued_at = now_s,
                                        .expires_at = now_s + 86400},
                                       secret);
  http::TokenAccess access(http::RateLimit{}, &SystemClock::Get());
  MetricsRegistry metrics;
  dashboard::DashboardService dashboards(store->get(), &projector, &SystemClock::Get());
  http::Services services{.store = store->get(),
                          .ingest = nullptr,
                          .access = &access,
                          .metrics = &metrics,
                          .projector = &projector,
                          .clock = &SystemClock::Get()};
  services.dashboards = &dashboards;
  http::Router router;  // as the server is wired, but without the analytics response cache
  http::AddOpsRoutes(&router, services);
  http::AddAnalyticsRoutes(&router, services);
  http::AddDashboardRoutes(&router, services);
  http::Gate gate(&router, authenticator->get(), {}, &SystemClock::Get());

  auto make = [&](std::string method, std::string path) {
    http::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.headers["authorization"] = "Bearer " + token;
    return req;
  };
  // Setup calls may answer later (once the change is applied): wait for the response.
  auto call = [&](http::Request req) {
    auto done = std::make_shared<std::promise<http::Response>>();
    auto answer = done->get_future();
    gate.Handle(req, [done](http::Response r) { done->set_value(std::move(r)); });
    if (answer.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      Fail(req.method + " " + req.path + ": no answer in 60 s");
    }
    return answer.get();
  };
  auto expect = [&](const http::Response& r, int status, const std::string& what) {
    if (r.status != status) {
      Fail(what + ": status " + std::to_string(r.status) + ", expected " + std::to_string(status) +
           ": " + r.body);
    }
  };

  // The default dashboard as the widget file gives it (by title, type, parameters and grid).
  auto same = [](const json::object& have, const json::object& want) {
    for (const char* key : {"widget_type", "title", "data_source", "query_params", "grid"}) {
      if (!have.contains(key) || !want.contains(key) || have.at(key) != want.at(key)) return false;
    }
    return true;
  };
  std::string one_path = "/dashboards/" + org + "/default";
  http::Response current = call(make("GET", one_path));
  expect(current, 200, "GET " + one_path);
  json::array have = json::parse(current.body).at("widgets").as_array();
  size_t changes = 0;
  std::vector<bool> present(wanted.as_array().size(), false);
  for (const json::value& w : have) {
    bool keep = false;
    for (size_t i = 0; i < present.size(); ++i) {
      if (!present[i] && same(w.as_object(), wanted.as_array()[i].as_object())) {
        present[i] = keep = true;
        break;
      }
    }
    if (keep) continue;
    http::Request del = make(
        "DELETE", "/dashboards/" + org + "/widgets/" + std::string(w.at("widget_id").as_string()));
    del.query["dashboard_id"] = "default";
    expect(call(std::move(del)), 204, "DELETE widget " + std::string(w.at("title").as_string()));
    ++changes;
  }
  for (size_t i = 0; i < present.size(); ++i) {
    if (present[i]) continue;
    json::object body = wanted.as_array()[i].as_object();
    body["dashboard_id"] = "default";
    http::Request post = make("POST", "/dashboards/" + org + "/widgets");
    post.headers["content-type"] = "application/json";
    post.body = json::serialize(body);
    expect(call(std::move(post)), 201, "POST widget " + std::string(body.at("title").as_string()));
    ++changes;
  }

  // What the measured route answers: the 12 widgets, each with its data.
  std::string dash_path = "/dashboards/" + org;
  http::Response answer = call(make("GET", dash_path));
  expect(answer, 200, "GET " + dash_path);
  json::value got = json::parse(answer.body);
  const json::array& widgets = got.at("widgets").as_array();
  if (widgets.size() != wanted.as_array().size()) {
    Fail("GET " + dash_path + " has " + std::to_string(widgets.size()) + " widgets");
  }
  size_t chart_points = 0;
  for (const json::value& w : widgets) {
    const json::object& o = w.as_object();
    if (o.contains("forbidden") || o.contains("error") || o.at("cached_data").is_null()) {
      Fail("widget without data: " + json::serialize(w));
    }
    if (o.at("widget_type") == "chart") {
      chart_points = o.at("cached_data").at("points").as_array().size();
    }
  }
  if (chart_points != 12) Fail("the chart has " + std::to_string(chart_points) + " points");
  int64_t version = got.at("version").as_int64();
  uint64_t position = projector.Read(org).position;

  std::atomic<bool> failed{false};
  auto dispatch = [&](const std::string& path, bool with_period) {
    http::Request req = make("GET", path);  // built outside the measured interval, as in OnRead
    if (with_period) req.query["period"] = period;
    int status = 0;
    auto t0 = Clk::now();
    gate.Handle(req, [&](http::Response resp) { status = resp.status; });
    auto t1 = Clk::now();
    if (status != 200) failed = true;  // 0: not answered synchronously
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
  };
  std::string analytics_path = "/analytics/dashboard/" + org;
  for (int i = 0; i < 200; ++i) dispatch(dash_path, false);
  Run dash = Samples(threads, seconds, [&] { return dispatch(dash_path, false); });
  for (int i = 0; i < 50; ++i) dispatch(analytics_path, true);
  Run analytics = Samples(threads, seconds / 3, [&] { return dispatch(analytics_path, true); });
  std::printf(
      "{\"org\":\"%s\",\"period\":\"%s\",\"threads\":%d,\"events\":%llu,"
      "\"catch_up_seconds\":%.2f,\"setup_changes\":%zu,\"dashboard_version\":%lld,"
      "\"position\":%llu,\"widgets\":%zu,\"chart_points\":%zu,\"dashboards_bytes\":%zu,"
      "\"dashboards_calls_per_second\":%.0f,\"dashboards_bucket_p99_us\":%.0f,",
      org.c_str(), period.c_str(), threads, static_cast<unsigned long long>(target), catch_up_s,
      changes, static_cast<long long>(version), static_cast<unsigned long long>(position),
      widgets.size(), chart_points, answer.body.size(),
      static_cast<double>(dash.wall.size()) / seconds, BucketQuantile(dash.wall, 0.99));
  std::printf("\"dashboards_context_switches\":{\"voluntary\":%ld,\"involuntary\":%ld},",
              dash.voluntary, dash.involuntary);
  Print("dashboards_dispatch", Summarize(dash.wall));
  Print("dashboards_dispatch_cpu", Summarize(dash.cpu));
  Print("analytics_dashboard_uncached_dispatch", Summarize(analytics.wall));
  Print("analytics_dashboard_uncached_dispatch_cpu", Summarize(analytics.cpu), true);
  std::printf(",\"ok\":%s}\n", failed ? "false" : "true");
  projector.Stop();
  return failed ? 1 : 0;
}
