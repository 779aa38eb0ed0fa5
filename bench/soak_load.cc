// Paced HTTP ingest for the soak test (bench/soak/soak.py): posts an NDJSON file's events to
// POST /events at a fixed rate for a given time, in batches, with C keep-alive clients.
//   soak_load URL FILE --rate EVENTS_PER_S --seconds S [--clients 4] [--batch 500]
//             [--stats-every 10] [--first-pass 1] [--shift-dates]
// The file is posted over and over; on every pass (1, 2, …) each event_id gets the prefix
// "p<pass>-" (passes from --first-pass on: two runs against one server take disjoint
// ranges), so each event posted is a new one (the soak counts every acknowledged event as
// stored). With --shift-dates, every date in a pass (the timestamps and the payload's dates)
// also moves forward by pass × the file's span in whole days, so time goes on as in a live
// stream: without it every pass re-posts the same instants for the same entities, and from
// pass 2 on each time log and stock move is a late arrival into a history that grows pass
// after pass (not what a live ERP sends, and quadratic for the read models). Stats lines
// carry the pass being posted and its first day ("day"), so a client can follow the month.
// A batch answered 503 is posted again after 100 ms (a full disk, a queue); a batch
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

#include "common/time_util.h"
#include "ndjson_batches.h"
#include "ingest/ingest_client.h"

namespace {

using Clock = std::chrono::steady_clock;

// "YYYY-MM-DD" of a day number (days since 1970-01-01).
std::string DayText(int64_t day) {
  int64_t y;
  unsigned m, d;
  readside::CivilFromDays(day, &y, &m, &d);
  char out[48];  // 10 for the years this runs over; room for any int64 year
  std::snprintf(out, sizeof out, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return out;
}

// The day number of a "YYYY-MM-DD" (a date or the start of a date-time) at `p`, else -1.
bool IsDigits(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
  }
  return true;
}

int64_t DayAt(std::string_view s, size_t at) {
  if (at + 10 > s.size() || s[at + 4] != '-' || s[at + 7] != '-') return -1;
  const char* p = s.data() + at;
  if (!IsDigits(p, 4) || !IsDigits(p + 5, 2) || !IsDigits(p + 8, 2)) return -1;
  if (at + 10 < s.size() && s[at + 10] != '"' && s[at + 10] != 'T') return -1;
  return readside::DaysFromCivil(std::atoi(std::string(p, 4).c_str()),
                       static_cast<unsigned>(std::atoi(std::string(p + 5, 2).c_str())),
                       static_cast<unsigned>(std::atoi(std::string(p + 8, 2).c_str())));
}

// `body` with every string value that starts with a date moved `days` forward.
std::string ShiftDates(const std::string& body, int64_t days) {
  std::string out;
  out.reserve(body.size());
  size_t at = 0;
  for (size_t q; (q = body.find('"', at)) != std::string::npos;) {
    int64_t day = DayAt(body, q + 1);
    out.append(body, at, q + 1 - at);
    at = q + 1;
    if (day >= 0) {
      out += DayText(day + days);
      at += 10;
    }
  }
  out.append(body, at);
  return out;
}

// The file's span in whole days: last timestamp's day − first's + 1.
int64_t SpanDays(const std::vector<std::string>& bodies) {
  static constexpr std::string_view kKey = "\"timestamp\":\"";
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const std::string& body : bodies) {
    for (size_t hit = body.find(kKey); hit != std::string::npos; hit = body.find(kKey, hit + 1)) {
      int64_t day = DayAt(body, hit + kKey.size());
      if (day < 0) continue;
      first = std::min(first, day);
      last = std::max(last, day);
    }
  }
  return first > last ? 0 : last - first + 1;
}

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
                 "[--batch N] [--stats-every S] [--first-pass P] [--shift-dates]\n");
    return 2;
  }
  std::string url = argv[1], file = argv[2];
  double rate = 0, seconds = 0, stats_every = 10;
  size_t clients = 4, batch = 500;
  uint64_t first_pass = 1;
  bool shift_dates = false;
  for (int i = 3; i < argc; ++i) {
    auto value = [&](auto parse) {
      if (i + 1 < argc) parse(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--shift-dates")) shift_dates = true;
    if (!std::strcmp(argv[i], "--rate")) value([&](const char* v) { rate = std::stod(v); });
    if (!std::strcmp(argv[i], "--seconds")) value([&](const char* v) { seconds = std::stod(v); });
    if (!std::strcmp(argv[i], "--clients")) value([&](const char* v) { clients = std::stoul(v); });
    if (!std::strcmp(argv[i], "--batch")) value([&](const char* v) { batch = std::stoul(v); });
    if (!std::strcmp(argv[i], "--stats-every")) {
      value([&](const char* v) { stats_every = std::stod(v); });
    }
    if (!std::strcmp(argv[i], "--first-pass")) {
      value([&](const char* v) { first_pass = std::stoull(v); });
    }
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

  // Pass p's dates move p × span days (0 without --shift-dates); its first day, printed.
  const int64_t span_days = shift_dates ? SpanDays(bodies) : 0;
  const int64_t first_day = span_days > 0 ? [&] {
    static constexpr std::string_view kKey = "\"timestamp\":\"";
    size_t hit = bodies[0].find(kKey);
    return hit == std::string::npos ? -1 : DayAt(bodies[0], hit + kKey.size());
  }() : -1;
  if (shift_dates && (span_days <= 0 || first_day < 0)) {
    std::fprintf(stderr, "soak_load: --shift-dates: %s holds no timestamps\n", file.c_str());
    return 2;
  }
  auto pass_day = [&](uint64_t pass) {
    if (first_day < 0) return std::string();
    return DayText(first_day + static_cast<int64_t>(pass) * span_days);
  };

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds));
  const double batch_interval = static_cast<double>(batch) / rate;  // seconds between batches
  std::atomic<uint64_t> next{0}, acked{0}, retries{0}, max_behind_us{0}, not_posted{0};
  std::atomic<uint64_t> last_pass{0};  // the highest pass a batch was posted of
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
        const uint64_t pass = k / bodies.size() + first_pass;
        for (uint64_t seen = last_pass.load();
             pass > seen && !last_pass.compare_exchange_weak(seen, pass);) {
        }
        std::string payload = WithPass(bodies[idx], pass);
        if (span_days > 0) payload = ShiftDates(payload, static_cast<int64_t>(pass) * span_days);
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
      uint64_t pass = last_pass.load();
      std::printf("{\"t\":%.1f,\"acked_events\":%llu,\"events_per_second\":%.0f,\"requests\":%zu,"
                  "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"retries\":%llu,\"pass\":%llu,"
                  "\"day\":\"%s\"}\n",
                  t, static_cast<unsigned long long>(a),
                  static_cast<double>(a - last_acked) / stats_every, lat.size(), Quantile(lat, 0.5),
                  Quantile(lat, 0.99), static_cast<unsigned long long>(retries.load()),
                  static_cast<unsigned long long>(pass), pass_day(pass).c_str());
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
              "\"retries\":%llu,\"max_behind_ms\":%.1f,\"last_pass\":%llu,\"failed\":%s}\n",
              static_cast<unsigned long long>(acked.load()), secs,
              static_cast<double>(acked.load()) / secs, rate,
              static_cast<unsigned long long>(not_posted.load()),
              static_cast<unsigned long long>(retries.load()), max_behind_us.load() / 1000.0,
              static_cast<unsigned long long>(last_pass.load()), failed ? "true" : "false");
  return failed ? 1 : 0;
}
