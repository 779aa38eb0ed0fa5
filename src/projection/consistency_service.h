#pragma once
// The consistency service (docs/consistency.md): checks tenants' live read models against a
// fresh replay of their events (consistency.h), on request and in the background, counts the
// drift it finds (readside_consistency_drift_total) and repairs it with a blue/green rebuild
// of the tenant (Projector::RequestRebuild); it also runs the reconciliations of control
// totals (control_totals.h), which read a tenant's events likewise.
//
// All that work runs on one thread of its own (`rs-consistency`), niced like the search
// follower's, one job at a time: a check reads the store through its iterators and compares
// immutable published views, so it never blocks ingest, the applier or a query; it costs one
// replay of the tenant (memory: a second copy of that tenant's model while it runs).
//
// A check is consistent by construction: it takes the live view and the position it reflects
// from one published snapshot, and replays the tenant's events up to that position only, so
// events stored or applied meanwhile are on neither side.
//
// Background checks (`serve --consistency-interval`): every tenant of the read models in
// turn, in name order, one per tick; ticks are spread so that a pass over every tenant takes
// about the interval, but never closer than `duty_ratio` times the last check's duration
// (checks take at most ~1/(1 + duty_ratio) of a core, however large the tenants grow).
// Checks asked for over HTTP go first.
//
// Thread-safety: every public method is safe from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "projection/consistency.h"
#include "projection/projector.h"

namespace readside::store { class EventStore; }

namespace readside::projection {

struct ConsistencyOptions {
  // The time a background pass over every tenant should take; 0: no background checks.
  std::chrono::milliseconds interval{0};
  // Background ticks wait at least this many times the last check's duration.
  int duty_ratio = 9;
  // Background checks repair the drift they find.
  bool repair = true;
  // Differences kept per check (all are counted).
  size_t max_differences = 1000;
  // Jobs (checks and reconciliations asked for) waiting at most; more are refused.
  size_t max_pending = 16;
  // Scheduling priority of the thread (setpriority; 0: unchanged).
  int nice = 10;
};

// A check and what came of it.
struct CheckResult {
  ConsistencyReport report;
  std::string trigger;  // "request" | "background"
  int64_t started_micros = 0;
  int64_t finished_micros = 0;
  bool repair_requested = false;
  // Set when a repair was asked for (drift found and repair on): the rebuild's ticket, or
  // why none could be queued.
  std::optional<RebuildTicket> repair;
  std::string repair_error;
};

struct ConsistencyStats {
  uint64_t checks_consistent = 0;
  uint64_t checks_drift = 0;
  uint64_t checks_failed = 0;
  uint64_t drift = 0;    // differences found, all checks
  uint64_t repairs = 0;  // rebuilds queued (or joined) to repair drift
  uint64_t reconciliations = 0;
};

class ConsistencyService {
 public:
  ConsistencyService(store::EventStore* store, Projector* projector, const Clock* clock,
                     ConsistencyOptions options = {});
  ~ConsistencyService();  // Stop()
  ConsistencyService(const ConsistencyService&) = delete;
  ConsistencyService& operator=(const ConsistencyService&) = delete;

  void Start();
  // Answers every job still waiting with Unavailable, cancels the running one, joins.
  void Stop();

  using CheckDone = std::function<void(absl::StatusOr<CheckResult>)>;
  // Queues a check of `org`; `done` runs on the service's thread with its result: NotFound
  // when the tenant has no events, the store's error, or Unavailable when stopping. A check
  // of `org` already waiting takes this request too (repair if either asked for it).
  // Unavailable (and `done` is not called) when max_pending jobs wait already.
  absl::Status Check(const std::string& org, bool repair, CheckDone done);
  // Runs `job` for `org` on the service's thread (reconciliations). `job` gets the cancel flag
  // (set on Stop) and must call its own completion. Unavailable when max_pending jobs wait
  // already, or when one of `org` waits (a tenant holds at most one place, so one tenant's
  // admin cannot fill the queue); on Stop a job that has not run is called with the flag set.
  absl::Status Run(const std::string& org, std::function<void(const std::atomic<bool>& cancel)> job);
  // Counts a reconciliation (for /metrics).
  void CountReconciliation() { reconciliations_.fetch_add(1, std::memory_order_relaxed); }

  // The latest finished check of `org` (request or background), if any.
  std::optional<CheckResult> LastCheck(const std::string& org) const;
  // The latest check of every tenant checked so far, by organization.
  std::map<std::string, CheckResult> LastChecks() const;
  ConsistencyStats Stats() const;
  const ConsistencyOptions& options() const { return options_; }

  // readside_consistency_drift_total (operations.md), checks and repairs.
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  struct Job {
    std::string org;  // the tenant checked, or reconciled by `run`
    bool repair = false;
    std::vector<CheckDone> done;
    std::function<void(const std::atomic<bool>&)> run;
  };
  void Loop();
  // Checks `org` at the projector's current snapshot and records the result.
  absl::StatusOr<CheckResult> CheckNow(const std::string& org, bool repair,
                                       std::string trigger);
  // The next tenant of the background pass, after `background_cursor_`; empty when none.
  std::string NextBackgroundTenant();

  store::EventStore* store_;
  Projector* projector_;
  const Clock* clock_;
  ConsistencyOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CheckResult> last_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::string background_cursor_;  // service thread only
  std::atomic<bool> cancel_{false};
  std::thread thread_;

  std::atomic<uint64_t> checks_consistent_{0}, checks_drift_{0}, checks_failed_{0};
  std::atomic<uint64_t> drift_{0}, repairs_{0}, reconciliations_{0};
};

}  // namespace readside::projection
