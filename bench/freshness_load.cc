// Ingest-to-visible freshness at a steady event rate. Posts an NDJSON file to POST /events in
// batches on a fixed schedule (open loop: batch i is due at start + i × batch/rate, whatever
// the previous answers took), from several keep-alive sender connections. For every
// acknowledged batch (store position p), a watcher connection immediately issues
//   GET <probe>&min_position=p&wait_ms=W
// (the server answers once the read models have applied p) and records the time from the
// POST's acknowledgment to that answer. Prints one JSON line.
//   freshness_load URL FILE [--rate 20000] [--batch 1000] [--seconds 30] [--warmup 3]
//                  [--senders 4] [--watchers 8] [--wait-ms 1000]
//                  [--probe /analytics/dashboard/ORG?period=P] [--samples FILE]
// The bearer token comes from $READSIDE_TOKEN.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/http.hpp>

#include "blocking_http.h"

namespace {

namespace bhttp = boost::beast::http;
using Clk = std::chrono::steady_clock;

double Ms(Clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// One blocking keep-alive connection per sender and watcher thread.
class Connection : public readside::bench::HttpConnection {
 public:
  Connection(std::string host, std::string port)
      : HttpConnection(std::move(host), std::move(port), "readside-freshness") {}
};

struct Ack {
  size_t batch;
  uint64_t position;
  Clk::time_point sent, acked;
  bool measured;  // after the warm-up
};


struct Sample {
  double ack_to_visible_ms, send_to_visible_ms, queue_ms;
  double acked_at_ms;  // since the schedule's start
  double post_ms;
  uint64_t position;
};

struct Quantiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};
Quantiles Q(std::vector<double> v) {
  Quantiles q;
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]; };
  return {at(0.5), at(0.9), at(0.99), at(0.999), v.back()};
}
void PrintQ(const char* name, const std::vector<double>& v, bool comma = true) {
  Quantiles q = Q(v);
  std::printf("\"%s\":{\"n\":%zu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
              "\"max\":%.3f}%s",
              name, v.size(), q.p50, q.p90, q.p99, q.p999, q.max, comma ? "," : "");
}

uint64_t PositionOf(const std::string& ack_body) {
  size_t k = ack_body.rfind("\"position\":");
  if (k == std::string::npos) return 0;
  return std::strtoull(ack_body.c_str() + k + 11, nullptr, 10);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: freshness_load URL FILE [--rate 20000] [--batch 1000] [--seconds 30] "
                 "[--warmup 3] [--senders 4] [--watchers 8] [--wait-ms 1000] [--probe PATH?QUERY]\n");
    return 2;
  }
  std::string url = argv[1], file = argv[2];
  double rate = 20000, seconds = 30, warmup = 3;
  size_t batch = 1000, senders = 4, watchers = 8;
  int wait_ms = 1000;
  std::string probe = "/health/live?";
  std::string samples_file;  // one line per measured batch, for looking at the tail
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--rate") rate = std::stod(v);
    else if (a == "--batch") batch = std::stoul(v);
    else if (a == "--seconds") seconds = std::stod(v);
    else if (a == "--warmup") warmup = std::stod(v);
    else if (a == "--senders") senders = std::stoul(v);
    else if (a == "--watchers") watchers = std::stoul(v);
    else if (a == "--wait-ms") wait_ms = std::stoi(v);
    else if (a == "--probe") probe = v;
    else if (a == "--samples") samples_file = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (!url.starts_with("http://")) {
    std::fprintf(stderr, "URL must be http://host:port\n");
    return 2;
  }
  std::string hostport = url.substr(7);
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  std::string sep = probe.find('?') == std::string::npos ? "?" : (probe.back() == '?' ? "" : "&");

  // The batches: enough for warm-up + measured window at the target rate.
  double interval_s = static_cast<double>(batch) / rate;
  size_t warm_batches = static_cast<size_t>(warmup / interval_s + 0.5);
  size_t needed = warm_batches + static_cast<size_t>(seconds / interval_s + 0.5);
  std::vector<std::string> bodies;
  {
    std::ifstream in(file);
    std::string line, body;
    size_t n = 0;
    while (bodies.size() < needed && std::getline(in, line)) {
      body += line;
      body.push_back('\n');
      if (++n == batch) {
        bodies.push_back(std::move(body));
        body.clear();
        n = 0;
      }
    }
  }
  if (bodies.size() < needed) {
    std::fprintf(stderr, "%s holds %zu batches of %zu; %zu needed for %.0f s at %.0f events/s\n",
                 file.c_str(), bodies.size(), batch, needed, warmup + seconds, rate);
    return 2;
  }

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Ack> acks;
  bool senders_done = false;
  std::atomic<bool> failed{false};
  std::atomic<size_t> next{0};
  std::vector<std::vector<double>> lateness(senders), post_ms(senders);
  std::vector<std::vector<Sample>> samples(watchers);
  std::atomic<size_t> timeouts{0}, behind_header{0}, events_acked{0}, measured_events{0};

  auto start = Clk::now() + std::chrono::milliseconds(200);
  auto interval = std::chrono::duration_cast<Clk::duration>(std::chrono::duration<double>(interval_s));
  std::vector<std::thread> threads;
  for (size_t s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      Connection conn(host, port);
      std::string error;
      for (size_t i; !failed && (i = next.fetch_add(1)) < bodies.size();) {
        auto due = start + interval * static_cast<long>(i);
        std::this_thread::sleep_until(due);
        auto t0 = Clk::now();
        auto r = conn.Request(bhttp::verb::post, "/events", &bodies[i], &error);
        auto t1 = Clk::now();
        if (!r || r->status != 200) {
          std::fprintf(stderr, "POST failed: %s\n", r ? r->body.c_str() : error.c_str());
          failed = true;
          break;
        }
        bool measured = i >= warm_batches;
        if (measured) {
          lateness[s].push_back(Ms(t0 - due));
          post_ms[s].push_back(Ms(t1 - t0));
          measured_events += batch;
        }
        events_acked += batch;
        uint64_t p = PositionOf(r->body);
        if (p == 0) continue;  // nothing accepted (duplicates): nothing to wait for
        {
          std::lock_guard lk(mu);
          acks.push_back({i, p, t0, t1, measured});
        }
        cv.notify_one();
      }
    });
  }
  std::vector<std::thread> watch;
  for (size_t w = 0; w < watchers; ++w) {
    watch.emplace_back([&, w] {
      Connection conn(host, port);
      std::string error;
      while (true) {
        Ack a;
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return !acks.empty() || senders_done || failed; });
          if (acks.empty()) return;
          a = acks.front();
          acks.pop_front();
        }
        auto t0 = Clk::now();
        std::string target = probe + sep + "min_position=" + std::to_string(a.position) +
                             "&wait_ms=" + std::to_string(wait_ms);
        auto r = conn.Request(bhttp::verb::get, target, nullptr, &error);
        auto t1 = Clk::now();
        if (!r) {
          std::fprintf(stderr, "GET failed: %s\n", error.c_str());
          failed = true;
          cv.notify_all();
          return;
        }
        if (r->status == 503) {
          ++timeouts;
          continue;
        }
        if (r->status != 200) {
          std::fprintf(stderr, "GET %s answered %d: %s\n", target.c_str(), r->status,
                       r->body.c_str());
          failed = true;
          cv.notify_all();
          return;
        }
        if (!r->position.empty() && std::strtoull(r->position.c_str(), nullptr, 10) < a.position) {
          ++behind_header;  // answered, but the view it reflects is older than asked
        }
        if (a.measured) {
          samples[w].push_back({Ms(t1 - a.acked), Ms(t1 - a.sent), Ms(t0 - a.acked),
                                Ms(a.acked - start), Ms(a.acked - a.sent), a.position});
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto end = Clk::now();
  {
    std::lock_guard lk(mu);
    senders_done = true;
  }
  cv.notify_all();
  for (auto& t : watch) t.join();

  // The probe's own cost when nothing has to be waited for: the floor of ack→visible.
  std::vector<double> floor_ms;
  {
    Connection conn(host, port);
    std::string error;
    for (int i = 0; i < 300; ++i) {
      auto t0 = Clk::now();
      auto r = conn.Request(bhttp::verb::get, probe + sep + "min_position=0", nullptr, &error);
      if (!r || r->status != 200) break;
      floor_ms.push_back(Ms(Clk::now() - t0));
    }
  }

  if (!samples_file.empty()) {
    std::vector<Sample> all;
    for (auto& v : samples) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end(),
              [](const Sample& x, const Sample& y) { return x.acked_at_ms < y.acked_at_ms; });
    if (FILE* f = std::fopen(samples_file.c_str(), "w")) {
      std::fprintf(f, "acked_at_ms position post_ms ack_to_visible_ms watcher_queue_ms\n");
      for (const Sample& x : all) {
        std::fprintf(f, "%.3f %llu %.3f %.3f %.3f\n", x.acked_at_ms,
                     static_cast<unsigned long long>(x.position), x.post_ms, x.ack_to_visible_ms,
                     x.queue_ms);
      }
      std::fclose(f);
    }
  }
  std::vector<double> a2v, s2v, queue, late, post;
  for (auto& v : samples) {
    for (auto& s : v) {
      a2v.push_back(s.ack_to_visible_ms);
      s2v.push_back(s.send_to_visible_ms);
      queue.push_back(s.queue_ms);
    }
  }
  for (auto& v : lateness) late.insert(late.end(), v.begin(), v.end());
  for (auto& v : post_ms) post.insert(post.end(), v.begin(), v.end());
  double measured_s = std::chrono::duration<double>(end - (start + interval * static_cast<long>(warm_batches))).count();
  std::printf("{\"target_events_per_second\":%.0f,\"batch\":%zu,\"senders\":%zu,\"watchers\":%zu,"
              "\"probe\":\"%s\",\"measured_seconds\":%.2f,\"measured_events\":%zu,"
              "\"achieved_events_per_second\":%.0f,\"timeouts\":%zu,\"behind_header\":%zu,",
              rate, batch, senders, watchers, probe.c_str(), measured_s,
              measured_events.load(), static_cast<double>(measured_events.load()) / measured_s,
              timeouts.load(), behind_header.load());
  PrintQ("ack_to_visible_ms", a2v);
  PrintQ("send_to_visible_ms", s2v);
  PrintQ("post_ms", post);
  PrintQ("send_lateness_ms", late);
  PrintQ("watcher_queue_ms", queue);
  PrintQ("probe_floor_ms", floor_ms, false);
  std::printf(",\"ok\":%s}\n", failed ? "false" : "true");
  return failed ? 1 : 0;
}
