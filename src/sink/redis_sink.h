#pragma once
// The Redis sink (../shared/spec/operations.md "Redis sink", docs/redis.md): publishes the
// read models for consumers of the original design. For every tenant whose views changed,
// the analytics body of each affected domain (crm, hrm, finance, inventory, projects, cross)
// over the current month and the current quarter in the tenant's time zone — the very bytes
// `GET /analytics/<domain>/…/{org}?period=P` answers for a full-access caller
// (query::SectionBody) — is written with `SET {org}:analytics:{domain}:{period} <json> EX ttl`,
// pipelined, then `PUBLISH {org}:updates <what changed>`. readside never reads Redis back.
//
// Threading: OnPublished (the projector's applier thread) only records the changed tenants
// in a set bounded by the number of tenants and wakes the sink's thread (`rs-redis`), which
// renders and writes. Changes arriving while a write is in flight are merged into the next
// round: a tenant changed a thousand times meanwhile is written once more, not a thousand
// times. The applier never waits for Redis.
//
// Failures: every Redis call is bounded by short connect/command timeouts and sits behind a
// circuit breaker (circuit_breaker.h). Tenants that could not be written stay dirty and are
// written once the breaker lets a call through again. Every new connection (the first one,
// and each after a failure: Redis may have restarted empty) first republishes every tenant;
// so does a periodic refresh (keys never expire while readside runs, and a new month or
// quarter gets its keys without waiting for an event).
//
// Thread-safety: every public member is safe from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "projection/period.h"
#include "projection/projector.h"
#include "query/section.h"
#include "sink/circuit_breaker.h"
#include "sink/redis_client.h"

namespace readside {
class MetricsRegistry;
}

namespace readside::sink {

struct RedisSinkOptions {
  RedisClientOptions client;
  // EX of every key. Default 1 h: long enough to ride out a restart of readside, short
  // enough that keys of a readside gone for good do not pass for current.
  int64_t ttl_seconds = 3600;
  BreakerOptions breaker;
  // Least time between the starts of two write rounds (bounds the load on Redis while the
  // projector publishes many times a second; changes meanwhile are merged).
  std::chrono::milliseconds min_interval{100};
  // A PING after this long without a round, so an outage shows in /metrics while idle.
  std::chrono::milliseconds ping_interval{5000};
  // Every tenant is republished after this; 0: a third of the TTL.
  std::chrono::milliseconds refresh_interval{0};
  // Tenants per pipeline (each is 12 SETs of a few KiB and a PUBLISH): bounds the memory of
  // one round whatever the number of tenants.
  size_t tenants_per_pipeline = 64;
};

struct RedisSinkStats {
  bool up = false;  // the last call to Redis succeeded
  CircuitBreaker::State breaker = CircuitBreaker::State::kClosed;
  uint64_t keys_written = 0;
  uint64_t publishes = 0;
  uint64_t failures = 0;
  uint64_t breaker_transitions = 0;
  uint64_t rounds = 0;  // successful write rounds (a full republication counts one)
  uint64_t full_rounds = 0;
  uint64_t dirty_tenants = 0;  // waiting to be written
};

// "{org}:analytics:{domain}:{period}", e.g. "acme:analytics:crm:2026-12".
std::string AnalyticsKey(std::string_view org, query::Section section,
                         const projection::Period& period);
// "{org}:updates".
std::string UpdatesChannel(std::string_view org);

class RedisSink {
 public:
  // REQUIRES: projector and clock outlive the sink.
  RedisSink(projection::Projector* projector, const Clock* clock, RedisSinkOptions options);
  ~RedisSink();  // Stop()
  RedisSink(const RedisSink&) = delete;
  RedisSink& operator=(const RedisSink&) = delete;

  // Starts the sink's thread; its first round connects and publishes every tenant.
  void Start();
  // Stops the thread (a round under way finishes, bounded by the timeouts) and disconnects.
  void Stop();

  // The projector's publish listener (Projector::AddPublishListener): quick, never blocks on
  // Redis.
  void OnPublished(uint64_t position,
                   std::span<const projection::Projector::TenantChange> tenants, bool all);

  RedisSinkStats Stats() const;
  // The readside_redis_* metrics. readside_dependency_up{dependency="redis"} is rendered
  // with the other dependencies' from Stats().up (http::Services::dependencies): a metric
  // family's samples must sit under one # TYPE line.
  void RegisterMetrics(MetricsRegistry* metrics) const;

 private:
  using Dirty = absl::flat_hash_map<std::string, query::DomainMask>;  // tenant → domains
  void Run();
  // Connects when needed and writes `dirty` (every tenant when `all`, or after a new
  // connection); PING when there is nothing to write. On failure, what was not written is
  // left in `dirty` / `all` for the caller to merge back.
  absl::Status Round(bool& all, Dirty& dirty);
  // Reports a round's outcome to the breaker and the metrics (and the log on a change).
  void RecordOutcome(const absl::Status& s);
  // Writes `tenants` (each with the domains that changed) in one pipeline.
  absl::Status WriteTenants(std::span<const std::pair<std::string, query::DomainMask>> tenants);

  projection::Projector* const projector_;
  const Clock* const clock_;
  const RedisSinkOptions options_;
  RedisClient client_;       // the sink's thread only
  CircuitBreaker breaker_;   // the sink's thread only

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  Dirty dirty_ ABSL_GUARDED_BY(mu_);
  bool all_ ABSL_GUARDED_BY(mu_) = true;  // the first round publishes everything
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  std::atomic<bool> up_{false};
  std::atomic<int> breaker_state_{0};
  std::atomic<uint64_t> keys_written_{0}, publishes_{0}, failures_{0}, transitions_{0},
      rounds_{0}, full_rounds_{0}, dirty_count_{0};
};

}  // namespace readside::sink
