// Open-loop paced GETs: `--rate` requests per second spread over `--connections` keep-alive
// connections for `--seconds`, each request due at its scheduled instant whatever the earlier
// answers took (latency is measured from the due instant, so a stalled server is not hidden by
// a client that waits). For the rate-limit fairness benchmark: the quiet tenant's latency
// while a noisy one floods the server. Prints one JSON line.
//   paced_get URL PATH [--rate 500] [--seconds 10] [--connections 4] [--token T]

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clk = std::chrono::steady_clock;

struct Options {
  std::string host, port, path, token;
  double rate = 500, seconds = 10;
  int connections = 4;
};

struct Totals {
  absl::Mutex mu;
  std::vector<double> latency_ms ABSL_GUARDED_BY(mu);
  std::map<int, uint64_t> statuses ABSL_GUARDED_BY(mu);
  uint64_t errors ABSL_GUARDED_BY(mu) = 0;
};

void Worker(const Options& o, int index, Clk::time_point start, Totals* totals) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(resolver.resolve(o.host, o.port), ec);
  if (ec) {
    absl::MutexLock lock(&totals->mu);
    ++totals->errors;
    return;
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  double per_connection = o.rate / o.connections;
  auto interval = std::chrono::duration<double>(1.0 / per_connection);
  auto offset = std::chrono::duration<double>(interval.count() * index / o.connections);
  std::vector<double> lat;
  std::map<int, uint64_t> statuses;
  uint64_t errors = 0;
  beast::flat_buffer buffer;
  for (uint64_t i = 0;; ++i) {
    auto due = start + std::chrono::duration_cast<Clk::duration>(offset + interval * i);
    if (due >= start + std::chrono::duration_cast<Clk::duration>(
                           std::chrono::duration<double>(o.seconds))) {
      break;
    }
    std::this_thread::sleep_until(due);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, o.path, 11};
    req.set(bhttp::field::host, o.host);
    if (!o.token.empty()) req.set(bhttp::field::authorization, "Bearer " + o.token);
    bhttp::write(stream, req, ec);
    bhttp::response<bhttp::string_body> res;
    if (!ec) bhttp::read(stream, buffer, res, ec);
    if (ec) {
      ++errors;
      break;
    }
    lat.push_back(std::chrono::duration<double, std::milli>(Clk::now() - due).count());
    ++statuses[static_cast<int>(res.result_int())];
  }
  absl::MutexLock lock(&totals->mu);
  totals->latency_ms.insert(totals->latency_ms.end(), lat.begin(), lat.end());
  for (auto [s, n] : statuses) totals->statuses[s] += n;
  totals->errors += errors;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: paced_get URL PATH [--rate N] [--seconds S] [--connections C] "
                 "[--token T]\n");
    return 2;
  }
  Options o;
  std::string url = argv[1];
  if (url.rfind("http://", 0) == 0) url = url.substr(7);
  size_t colon = url.rfind(':');
  o.host = url.substr(0, colon);
  o.port = url.substr(colon + 1);
  while (!o.port.empty() && o.port.back() == '/') o.port.pop_back();
  o.path = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--rate")
      o.rate = std::atof(v.c_str());
    else if (k == "--seconds")
      o.seconds = std::atof(v.c_str());
    else if (k == "--connections")
      o.connections = std::max(1, std::atoi(v.c_str()));
    else if (k == "--token")
      o.token = v;
    else {
      std::fprintf(stderr, "paced_get: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  Totals totals;
  auto start = Clk::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back(Worker, std::cref(o), i, start, &totals);
  }
  for (auto& t : threads) t.join();
  std::vector<double> v;
  std::map<int, uint64_t> by_status;
  uint64_t errors;
  {
    absl::MutexLock lock(&totals.mu);
    v = std::move(totals.latency_ms);
    by_status = std::move(totals.statuses);
    errors = totals.errors;
  }
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v.empty() ? 0.0 : v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
  };
  std::string statuses;
  for (auto [s, n] : by_status) {
    statuses +=
        (statuses.empty() ? "" : ",") + ("\"" + std::to_string(s) + "\":" + std::to_string(n));
  }
  std::printf(
      "{\"requests\":%zu,\"errors\":%llu,\"statuses\":{%s},\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
      v.size(), static_cast<unsigned long long>(errors), statuses.c_str(), at(0.5), at(0.99),
      v.empty() ? 0.0 : v.back());
  return errors == 0 ? 0 : 1;
}
