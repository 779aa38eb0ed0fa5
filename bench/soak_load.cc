// Paced HTTP ingest for the soak test (bench/soak/soak.py): posts an NDJSON file's events to
// POST /events at a fixed rate for a given time, in batches, with C keep-alive clients.
//   soak_load URL FILE --rate EVENTS_PER_S --seconds S [--clients 4] [--batch 500]
//             [--stats-every 10] [--first-pass 1]
// The file is posted over and over; on every pass (1, 2, …) each event_id gets the prefix
// "p<pass>-" (passes from --first-pass on: two runs against one server take disjoint
// ranges), so each event posted is a new one (the soak counts every acknowledged event as
// stored). A batch answered 503 is posted again after 100 ms (a full disk, a queue); a batch
// whose answer was lost (connection error) is posted again too: the ids make that idempotent.
// Batch k is due at start + k·batch/rate; a client never starts one before it is due, so the
// rate holds unless the server falls behind (then `max_behind_ms` grows). The run stops on
// time: what fell behind and was still unsent at the end is reported as `not_posted`.
// Prints one JSON line every --stats-every seconds (acknowledged events so far, request
// latency p50/p99 of that interval, retries) and a last line with the totals; exits 1 if a
// batch was refused for any reason other than 503, or if its answer does not account for every
// event as accepted (or, on a retry, as a duplicate stored by the lost attempt): a rejected
// or conflicting event would be silent loss.
// The bearer token comes from $READSIDE_TOKEN.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ndjson_batches.h"
#include "ingest/ingest_client.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string WithPass(const std::string& body, uint64_t pass) {
  if (pass == 0) return body;
  static constexpr std::string_view kKey = "\"event_id\":\"";
  std::string prefix = "p" + std::to_string(pass) + "-";
  std::string out;
  out.reserve(body.size() + body.size() / 20);
  size_t at = 0;
  for (size_t hit; (hit = body.find(kKey, at)) != std::string::npos; at = hit + kKey.size()) {
    out.append(body, at, hit + kKey.size() - at);
    out += prefix;
  }
  out.append(body, at);
  return out;
}

// The integer after "key": in a JSON body (-1 when absent): enough for POST /events' answer.
long long Field(const std::string& body, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = body.find(needle);
  if (at == std::string::npos) return -1;
  return std::strtoll(body.c_str() + at + needle.size(), nullptr, 10);
}

// Whether the answer's array "key" is absent or empty.
bool NoneIn(const std::string& body, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = body.find(needle);
  if (at == std::string::npos) return true;
  at += needle.size();
  while (at < body.size() && body[at] == ' ') ++at;
  return body.compare(at, 2, "[]") == 0;
}

double Quantile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: soak_load URL FILE --rate EV_PER_S --seconds S [--clients N] "
                 "[--batch N] [--stats-every S] [--first-pass P]\n");
    return 2;
  }
  std::string url = argv[1], file = argv[2];
  double rate = 0, seconds = 0, stats_every = 10;
  size_t clients = 4, batch = 500;
  uint64_t first_pass = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rate")) rate = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clients")) clients = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--stats-every")) stats_every = std::stod(argv[i + 1]);
    if (!std::strcmp(argv[i], "--first-pass")) first_pass = std::stoull(argv[i + 1]);
  }
  if (rate <= 0 || seconds <= 0 || clients == 0 || batch == 0) {
    std::fprintf(stderr, "soak_load: --rate and --seconds must be positive\n");
    return 2;
  }
  readside::bench::NdjsonBatches batches = readside::bench::ReadNdjsonBatches(file, batch);
  const std::vector<std::string>& bodies = batches.bodies;
  const std::vector<size_t>& sizes = batches.sizes;
  if (bodies.empty()) {
    std::fprintf(stderr, "soak_load: %s holds no events\n", file.c_str());
    return 2;
  }

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds));
  const double batch_interval = static_cast<double>(batch) / rate;  // seconds between batches
  std::atomic<uint64_t> next{0}, acked{0}, retries{0}, max_behind_us{0}, not_posted{0};
  std::atomic<bool> failed{false}, done{false};
  std::mutex mu;  // guards interval_ms
  std::vector<double> interval_ms;

  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      const char* token = std::getenv("READSIDE_TOKEN");
      auto client = readside::ingest::HttpClient::Create(url, token ? token : "");
      if (!client.ok()) {
        std::fprintf(stderr, "soak_load: %s\n", std::string(client.status().message()).c_str());
        failed = true;
        return;
      }
      while (!failed) {
        uint64_t k = next.fetch_add(1);
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(batch_interval * k));
        auto now = Clock::now();
        // The run ends on time: batches due before the end but not yet started (the server
        // fell behind) are not posted, and count as `not_posted`.
        if (due >= end) return;
        if (now >= end) {
          not_posted += sizes[k % bodies.size()];
          continue;
        }
        if (now < due) {
          std::this_thread::sleep_until(due);
        } else {
          uint64_t behind = std::chrono::duration_cast<std::chrono::microseconds>(now - due).count();
          uint64_t prev = max_behind_us.load();
          while (behind > prev && !max_behind_us.compare_exchange_weak(prev, behind)) {
          }
        }
        size_t idx = k % bodies.size();
        std::string payload = WithPass(bodies[idx], k / bodies.size() + first_pass);
        for (bool retry = false;; retry = true) {
          auto t0 = Clock::now();
          auto r = (*client)->Request("POST", "/events", "application/x-ndjson", payload);
          auto t1 = Clock::now();
          if (r.ok() && r->status == 200) {
            // Every event posted is new: all of it must be accepted; duplicates only on a
            // retry, when an earlier attempt stored the batch and its answer was lost.
            long long accepted = Field(r->body, "accepted");
            long long duplicates = Field(r->body, "duplicates");
            if (accepted < 0 || duplicates < 0 || (!retry && duplicates > 0) ||
                accepted + duplicates != static_cast<long long>(sizes[idx]) ||
                !NoneIn(r->body, "conflicts") || !NoneIn(r->body, "rejected")) {
              std::fprintf(stderr, "soak_load: a batch of %zu new events was answered %s\n",
                           sizes[idx], r->body.substr(0, 500).c_str());
              failed = true;
              return;
            }
            acked += sizes[idx];
            std::lock_guard<std::mutex> lock(mu);
            interval_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            break;
          }
          if (r.ok() && r->status != 503) {
            std::fprintf(stderr, "soak_load: batch refused with %d: %s\n", r->status,
                         r->body.substr(0, 500).c_str());
            failed = true;
            return;
          }
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          if (!r.ok()) {  // the connection went away: a new one
            auto again = readside::ingest::HttpClient::Create(url, token ? token : "");
            if (again.ok()) client = std::move(again);
          }
        }
      }
    });
  }

  std::thread reporter([&] {
    auto tick = start;
    uint64_t last_acked = 0;
    while (!done) {
      tick += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(stats_every));
      while (!done && Clock::now() < tick) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::vector<double> lat;
      {
        std::lock_guard<std::mutex> lock(mu);
        lat.swap(interval_ms);
      }
      uint64_t a = acked.load();
      double t = std::chrono::duration<double>(Clock::now() - start).count();
      std::printf("{\"t\":%.1f,\"acked_events\":%llu,\"events_per_second\":%.0f,\"requests\":%zu,"
                  "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"retries\":%llu}\n",
                  t, static_cast<unsigned long long>(a),
                  static_cast<double>(a - last_acked) / stats_every, lat.size(), Quantile(lat, 0.5),
                  Quantile(lat, 0.99), static_cast<unsigned long long>(retries.load()));
      std::fflush(stdout);
      last_acked = a;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reporter.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"done\":true,\"acked_events\":%llu,\"seconds\":%.1f,\"events_per_second\":%.0f,"
              "\"target_events_per_second\":%.0f,\"not_posted\":%llu,"
              "\"retries\":%llu,\"max_behind_ms\":%.1f,\"failed\":%s}\n",
              static_cast<unsigned long long>(acked.load()), secs,
              static_cast<double>(acked.load()) / secs, rate,
              static_cast<unsigned long long>(not_posted.load()),
              static_cast<unsigned long long>(retries.load()), max_behind_us.load() / 1000.0,
              failed ? "true" : "false");
  return failed ? 1 : 0;
}
