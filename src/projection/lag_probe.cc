#include "projection/lag_probe.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace readside::projection {

LagProbe::LagProbe(store::EventStore* store, const Projector* projector, const Clock* clock)
    : store_(store), projector_(projector), clock_(clock) {
  // A node restarted with a backlog: its age is unknown but at least zero now; counting from
  // here, the lag in seconds grows while it catches up instead of reading 0.
  uint64_t stored = store_->LastPosition();
  if (stored > projector_->AppliedPosition()) {
    absl::MutexLock lock(&mu_);
    groups_.emplace_back(stored, clock_->MonotonicNanos());
  }
  store_->AddCommitListener([this](uint64_t position) { OnCommit(position); });
}

void LagProbe::Detach() {
  absl::MutexLock lock(&mu_);
  detached_ = true;
}

void LagProbe::OnCommit(uint64_t position) {
  int64_t now = clock_->MonotonicNanos();
  // Under the lock, so that Detach (before the projector goes) waits for a call in progress.
  absl::MutexLock lock(&mu_);
  if (detached_) return;
  uint64_t applied = projector_->AppliedPosition();
  while (!groups_.empty() && groups_.front().first <= applied) groups_.pop_front();
  if (position <= applied) return;
  if (groups_.size() >= kMaxGroups) {
    groups_.back().first = position;  // merged into the last group, which keeps its instant
    return;
  }
  groups_.emplace_back(position, now);
}

uint64_t LagProbe::LagEvents() const {
  // Applied first: the store can only have moved on since, so the lag is never negative.
  uint64_t applied = projector_->AppliedPosition();
  uint64_t stored = store_->LastPosition();
  return stored > applied ? stored - applied : 0;
}

double LagProbe::LagSeconds() const {
  uint64_t applied = projector_->AppliedPosition();
  int64_t now = clock_->MonotonicNanos();
  absl::MutexLock lock(&mu_);
  while (!groups_.empty() && groups_.front().first <= applied) groups_.pop_front();
  if (groups_.empty()) return 0;
  return static_cast<double>(std::max<int64_t>(0, now - groups_.front().second)) / 1e9;
}

std::vector<std::pair<std::string, uint64_t>> LagProbe::WorstTenants() const {
  uint64_t applied = projector_->AppliedPosition();
  uint64_t stored = store_->LastPosition();
  std::vector<std::pair<std::string, uint64_t>> out;
  if (stored <= applied) return out;
  int64_t now = clock_->MonotonicNanos();
  absl::MutexLock lock(&worst_mu_);
  if (worst_at_nanos_ != 0 && now - worst_at_nanos_ < 1'000'000'000) return worst_;
  uint64_t until = std::min(stored, applied + kTenantScanLimit);
  absl::flat_hash_map<std::string, uint64_t> by_org;
  store_->ReadRange(applied, until, [&](const store::StoredEvent& e) {
          ++by_org[e.organization_id];
          return true;
        })
      .IgnoreError();  // a failed read leaves the labels out this once
  out.assign(by_org.begin(), by_org.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (out.size() > kWorstTenants) out.resize(kWorstTenants);
  worst_ = out;
  worst_at_nanos_ = now;
  return out;
}

LagProbe::Staleness LagProbe::Freshness() const {
  Staleness s;
  s.stale = projector_->Stale();
  if (s.stale) s.seconds = LagSeconds();
  if (upstream_) {
    if (std::optional<double> down = upstream_()) {
      s.stale = true;
      s.seconds = std::max(s.seconds, *down);
    }
  }
  return s;
}

void LagProbe::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderGauge("readside_applied_position", "position the read models have applied",
                static_cast<double>(projector_->AppliedPosition()), out);
    RenderCounter("readside_projection_events_applied_total", "events applied since start",
                  projector_->EventsApplied(), out);
    RenderGauge("readside_projection_lag_events",
                "durable events the read models have not applied yet",
                static_cast<double>(LagEvents()), out);
    RenderGauge("readside_projection_lag_seconds",
                "age of the oldest durable event the read models have not applied yet",
                LagSeconds(), out);
    out->append(
        "# HELP readside_projection_tenant_lag_events unapplied events of the few tenants with "
        "the most (among the first 10000 unapplied); absent when nothing is behind\n"
        "# TYPE readside_projection_tenant_lag_events gauge\n");
    for (const auto& [org, n] : WorstTenants()) {
      // Organization ids are [a-z0-9-] (events.md): nothing to escape.
      out->append("readside_projection_tenant_lag_events{tenant=\"" + org + "\"} " +
                  std::to_string(n) + "\n");
    }
  });
}

}  // namespace readside::projection
