#pragma once
// The report scheduler (../shared/spec/reports.md "Schedules"): stores schedules as events,
// runs each due instant of each schedule exactly once, and delivers the file by SMTP.
//
// State: the schedules and runs are the ScheduleBook of each tenant's published view,
// derived from readside.report.* events (projection/schedule_projection.h). The scheduler
// keeps nothing of its own: after each event it appends it waits until the projector has
// applied it, so every decision reads a view that holds all its earlier writes.
//
// A run (docs/reports.md "Exactly once"):
//   1. render the report, write the file under files_dir and fsync it;
//   2. store run_started (the intent: attempt, Message-ID, file), durable before anything
//      is sent;
//   3. send the message (the same Message-ID and bytes on every attempt of the run);
//   4. store run_finished (sent, retrying with the next attempt's time, failed).
// A run found `running` (an intent without outcome: the process died between 2 and 4) is
// sent again with the same Message-ID; a due instant with no run and not older than the
// catch-up age runs, an older one is recorded as skipped. Run ids derive from (schedule, due
// instant), so a due instant can never get two runs.
//
// Threads: one thread (`rs-scheduler`) does every run, so a slow or dead SMTP server (behind
// timeouts, backoff and a circuit breaker) delays only other runs, never the API. Create and
// Delete are called from HTTP threads and only append events.
// Thread-safety: all public methods are safe to call concurrently.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/metrics.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/problem.h"
#include "own_state/report_schedule.h"
#include "schedule/retry.h"
#include "schedule/smtp.h"
#include "store/event_store.h"

namespace readside::projection { class Projector; struct TenantView; struct RunRecord; }

namespace readside::schedule {

struct SchedulerOptions {
  std::string files_dir;  // run files (<run id>.<ext>); created if missing
  // A due instant missed (server down) runs on start when at most this old, else it is
  // recorded as skipped (--report-catch-up-max-age).
  int64_t catch_up_max_age_micros = int64_t{24} * 3600 * 1'000'000;
  BackoffPolicy backoff;
  CircuitBreakerOptions breaker;
  std::string from;  // the From address (--smtp-from); also the Message-ID's domain
  // With several nodes (Kafka on): this node's id. A run is leased to the node whose intent
  // (run_started, stored through Kafka's own-state topic) comes first in the tenant's order:
  // every node sees the same first one. The node id rides in the run's Message-ID
  // ("<run id>~<node>@domain"); only that node sends, retries and finishes the run. Empty:
  // one node, every run is its own.
  std::string node;
  // Upper bound of one idle wait (the scheduler also wakes for new schedules and Stop()).
  int64_t max_sleep_micros = 1'000'000;
  // Test seam (READSIDE_REPORT_CRASH_AT): the process kills itself (SIGKILL) at this point
  // of the next run: before_intent, after_intent, after_send, after_outcome.
  std::string crash_at;
};

struct Created {
  own_state::ReportSchedule schedule;
  int64_t next_run_at_micros = 0;
  uint64_t position = 0;
};

class ReportScheduler {
 public:
  // Where changes are written (store::Appender); unset: the store. Set before serving.
  void SetAppender(store::Appender appender) { appender_ = std::move(appender); }
  // `transport` may be null (no --smtp-url): runs fail with "no SMTP server configured".
  ReportScheduler(store::EventStore* store, projection::Projector* projector,
                  MailTransport* transport, const Clock* clock, Env* env,
                  SchedulerOptions options);
  ~ReportScheduler();

  void Start();
  void Stop();

  // Validates `s` (organization_id, report, type, period, parameters, format, cron,
  // timezone, recipients, subject; id and created_at are assigned) against the tenant's
  // view; a 400 Problem names the field. Stores it and calls `done` once the projector has
  // applied it (so the caller reads its own write), or with a 503 Problem.
  using CreateReply = std::variant<Created, Problem>;
  void Create(own_state::ReportSchedule s, std::function<void(CreateReply)> done);

  // Deletes schedule `id` of `organization_id` (404 when it has none by that id); done(nullopt)
  // once applied.
  void Delete(const std::string& organization_id, const std::string& id,
              std::function<void(std::optional<Problem>)> done);

  // The next due instant of `s` after `after_micros` (kNoCronRun when none).
  static int64_t NextRunAt(const own_state::ReportSchedule& s, int64_t after_micros);

  // The run file's bytes (as attached), or NotFound.
  absl::StatusOr<std::string> ReadRunFile(const std::string& file) const;

  // Wakes the scheduler thread (a schedule changed).
  void Wake();

  // The SMTP server as this node last saw it: configured, whether its last delivery went
  // through (true until one fails), and the circuit breaker's state (closed | open |
  // half_open).
  struct SmtpHealth {
    bool configured = false;
    bool up = true;
    std::string_view breaker = "closed";
  };
  SmtpHealth Smtp() const;
  // Renders readside_report_runs_total{status} (outcomes this node stored).
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  // Whether this node holds the run with this Message-ID (see SchedulerOptions::node).
  bool OwnedHere(const std::string& message_id) const;
  struct Due;
  void Loop();
  // One pass over every tenant's schedules; returns when the next pass is due.
  int64_t Pass();
  int64_t PassTenant(const projection::TenantView& view, int64_t now);
  // Runs attempt `attempt` of the run at `due` (an existing run when `message_id` is set).
  // False when nothing could be recorded (the store or the run file failed): the due
  // instant stays open for the next pass.
  bool Run(const own_state::ReportSchedule& s, int64_t due, int attempt,
           const std::string& message_id, const std::string& file, int64_t first_started_at);
  // Stores an outcome (finished now) under the event id derived from its run and
  // `id_suffix`; false when it could not be stored.
  bool RecordOutcome(own_state::RunFinished r, std::string_view id_suffix);
  bool Skip(const own_state::ReportSchedule& s, int64_t due);
  // Records the open run of a deleted schedule as failed.
  void Abandon(const projection::RunRecord& run, const std::string& organization_id);
  // Appends one own event and waits until the projector applied it.
  absl::Status AppendAndWait(std::string org, std::string event_id, std::string entity_id,
                             std::string type, std::string json, int64_t timestamp);
  void MaybeCrash(std::string_view point);
  // Removes run files of `org`'s schedules that the history no longer lists.
  void PruneFiles(const std::string& org);
  bool StopOrWoken() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || woken_; }
  std::string FilePath(const std::string& file) const;

  store::EventStore* store_;
  store::Appender appender_;
  void AppendAsync(store::AppendRequest request, store::EventStore::AppendCallback done);
  projection::Projector* projector_;
  MailTransport* transport_;
  const Clock* clock_;
  Env* env_;
  const SchedulerOptions options_;
  CircuitBreaker breaker_;

  std::atomic<uint64_t> written_{0};  // the highest position this scheduler stored
  std::atomic<bool> smtp_up_{true};    // the last delivery reached the server
  std::array<std::atomic<uint64_t>, 5> runs_by_status_{};  // indexed by RunStatus
  // Creates stored but not yet applied, by organization: the cap on schedules counts them
  // (two creates at 99 would both see 99 in the view).
  absl::Mutex creating_mu_;
  absl::flat_hash_map<std::string, int> creating_ ABSL_GUARDED_BY(creating_mu_);
  void CreateDone(const std::string& org);

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace readside::schedule
