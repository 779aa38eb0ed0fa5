#pragma once
// How far the read models are behind the store, for /metrics (operations.md:
// readside_projection_lag_events, readside_projection_lag_seconds, and the few worst-lagging
// tenants with a tenant label) and for the `stale` flag of answers.
//
// Lag in seconds is the age of the oldest durable event not yet applied. The probe learns
// when each group became durable from the store's commit listener and keeps those instants
// while they are unapplied (bounded: past kMaxGroups, the newest groups merge into the last
// one, which keeps its older instant, so the age is not under-reported). Events stored before
// the probe was made count from its making (a restart's backlog: their true age is unknown).
// Thread-safety: safe from any thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace readside::projection {

class LagProbe {
 public:
  static constexpr size_t kMaxGroups = 65536;
  // Tenants labelled in readside_projection_tenant_lag_events, and how many unapplied
  // events are looked at to find them.
  static constexpr size_t kWorstTenants = 5;
  static constexpr uint64_t kTenantScanLimit = 10'000;

  // Registers with store->AddCommitListener: call before anything is appended.
  LagProbe(store::EventStore* store, const Projector* projector, const Clock* clock);

  uint64_t LagEvents() const;
  // Seconds since the oldest unapplied event became durable; 0 when nothing is behind.
  double LagSeconds() const;
  // The tenants with the most unapplied events among the first kTenantScanLimit, most first.
  std::vector<std::pair<std::string, uint64_t>> WorstTenants() const;

  void RegisterMetrics(MetricsRegistry* registry) const;

  // Stops following the store's commits (its listener stays registered): call before the
  // projector goes, since the store's writer may still commit queued appends after it.
  // Once it returns, no listener call reads the projector any more.
  void Detach();

  // Whether answers built now are behind (operations.md: `stale: true` with `stale_seconds`):
  // the read models have lagged the store for longer than the projector's stale_after
  // (Projector::Stale), or the upstream (Kafka) is unreachable. `seconds` is the larger of
  // the lag in seconds and how long the upstream has been unreachable.
  struct Staleness {
    bool stale = false;
    double seconds = 0;
  };
  Staleness Freshness() const;
  // Seconds the upstream has been unreachable, nullopt while it is reached. Set before
  // serving.
  void SetUpstream(std::function<std::optional<double>()> upstream) {
    upstream_ = std::move(upstream);
  }

 private:
  void OnCommit(uint64_t position);

  store::EventStore* store_;
  const Projector* projector_;
  const Clock* clock_;
  std::function<std::optional<double>()> upstream_;
  mutable absl::Mutex mu_;
  bool detached_ ABSL_GUARDED_BY(mu_) = false;
  // (last position of a durable group, when it became durable on the monotonic clock, in
  // nanoseconds: a step of the wall clock neither inflates nor hides the lag), oldest first;
  // groups at or below the applied position are dropped as they are seen.
  mutable std::deque<std::pair<uint64_t, int64_t>> groups_ ABSL_GUARDED_BY(mu_);
  // WorstTenants reads up to kTenantScanLimit events: a scrape within a second of the last
  // one reuses its answer (scrapes while far behind stay cheap).
  mutable absl::Mutex worst_mu_;
  mutable int64_t worst_at_nanos_ ABSL_GUARDED_BY(worst_mu_) = 0;
  mutable std::vector<std::pair<std::string, uint64_t>> worst_ ABSL_GUARDED_BY(worst_mu_);
};

}  // namespace readside::projection
