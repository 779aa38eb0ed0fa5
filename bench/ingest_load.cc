// HTTP ingest load generator: posts an NDJSON file to POST /events in batches with C concurrent
// clients (keep-alive), and prints one JSON line with events/s and request latency quantiles.
//   ingest_load URL FILE [--clients 4] [--batch 1000]
// The bearer token comes from $READSIDE_TOKEN (as for `readside ingest`). A batch answered 503
// (the read models behind, --ingest-max-lag; a full disk) is posted again after 20 ms, and its
// latency runs from the first attempt; `refused` counts those answers.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ndjson_batches.h"
#include "ingest/ingest_client.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ingest_load URL FILE [--clients N] [--batch N]\n");
    return 2;
  }
  std::string url = argv[1], file = argv[2];
  size_t clients = 4, batch = 1000;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--clients")) clients = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch = std::stoul(argv[i + 1]);
  }
  readside::bench::NdjsonBatches batches = readside::bench::ReadNdjsonBatches(file, batch);
  const std::vector<std::string>& bodies = batches.bodies;
  const size_t total = batches.total;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<size_t> refused{0};
  std::vector<std::vector<double>> latencies(clients);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const char* token = std::getenv("READSIDE_TOKEN");
      auto client = readside::ingest::HttpClient::Create(url, token ? token : "");
      if (!client.ok()) return failed.store(true);
      for (size_t i; (i = next.fetch_add(1)) < bodies.size();) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = (*client)->Request("POST", "/events", "application/x-ndjson", bodies[i]);
        while (r.ok() && r->status == 503) {
          refused.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          r = (*client)->Request("POST", "/events", "application/x-ndjson", bodies[i]);
        }
        auto t1 = std::chrono::steady_clock::now();
        if (!r.ok() || r->status != 200) {
          std::fprintf(stderr, "request failed: %s\n",
                       r.ok() ? r->body.c_str() : std::string(r.status().message()).c_str());
          failed = true;
          return;
        }
        latencies[c].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto q = [&](double p) { return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  std::printf("{\"events\":%zu,\"seconds\":%.3f,\"events_per_second\":%.0f,\"requests\":%zu,"
              "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"clients\":%zu,\"batch\":%zu,\"refused\":%zu}\n",
              total, secs, total / secs, all.size(), q(0.5), q(0.99), clients, batch,
              refused.load());
  return failed ? 1 : 0;
}
