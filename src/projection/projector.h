#pragma once
// The applier: follows the event store in position order, applies every event to its
// tenant's read model and publishes an immutable ModelSnapshot (all tenants' views and the
// position they reflect) after each batch. Readers take the current snapshot with one atomic
// load and never lock against the applier.
//
// A pipeline: parse workers (`rs-proj-parse`) read the log and parse consecutive batches of
// events in parallel, the applier (`rs-projector`) applies the batches in position order.
//
// Tenant settings (`readside.tenant.configured` events) apply to the tenant's whole history:
// when one is applied, the tenant's model is rebuilt from the store with the new settings.
//
// Restart: the models are saved to a snapshot file (snapshot_file.h) every
// `snapshot_every_events` and at Stop(); on start the applier loads it and replays only the
// tail. Rebuild (blue/green): RequestRebuild() queues a rebuild of one tenant or of every
// tenant; the rebuild thread (`rs-rebuild`) replays the store into fresh models while the
// current ones keep serving, and the applier then catches them up with the events applied
// meanwhile and swaps them in atomically. One rebuild runs at a time; the others wait in a
// bounded FIFO queue that holds at most one entry per scope (a tenant, or "*" for every
// tenant), so a tenant's admin cannot hold more than one place in it and cannot starve
// other tenants: a repeated request for a queued or running scope joins that entry.
//
// Thread-safety: all public methods are safe from any thread. One applier thread
// (`rs-projector`) owns the mutable models.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/env.h"
#include "projection/replay.h"
#include "projection/tenant_view.h"
#include "trace/trace.h"

namespace readside::store { class EventStore; }
namespace readside::event { class EventParser; }
namespace readside::projection::testing { class ProjectorPeer; }

namespace readside::projection {

struct ModelSnapshot {
  uint64_t position = 0;  // every event up to here is applied
  absl::flat_hash_map<std::string, std::shared_ptr<const TenantView>> tenants;
};

struct ProjectorOptions {
  // Events read and applied between two publications. Smaller: fresher views; larger: less
  // publication overhead.
  size_t batch_events = 8192;
  // A view is reported stale when the applier has been behind the store for this long.
  std::chrono::milliseconds stale_after{2000};
  // Directory of the snapshot file; empty: no snapshots (every start replays the store).
  std::string snapshot_dir;
  // The filesystem for snapshots; nullptr is Env::Default().
  Env* env = nullptr;
  // Write a snapshot after this many events applied since the last one (and at Stop()), but
  // no sooner than snapshot_time_ratio times the last one's duration (encoding to fsync)
  // after it ended, and never two at once: snapshots take at most about 1/(1 + ratio) of the
  // time however large the models grow (a replay of ten million events wrote ten snapshots
  // of 100+ MB, seconds each). The applier only encodes; a writer thread writes and fsyncs.
  uint64_t snapshot_every_events = 1'000'000;
  int snapshot_time_ratio = 9;
  // Threads reading and parsing the log ahead of the applier (parsing costs about three
  // times what applying does).
  int parse_threads = 2;
  // Rebuilds waiting behind the running one (one per scope at most); a request beyond it is
  // refused (RequestRebuild: ResourceExhausted). A rebuild holds a second copy of the models
  // it rebuilds while it runs, so they run one at a time.
  size_t max_queued_rebuilds = 64;
  // Spans of applied batches ("projector.apply", linked to the group commits that stored
  // them); nullptr: none.
  trace::Tracer* tracer = nullptr;
};

struct RebuildStatus {
  std::string state = "idle";  // idle | queued | running | catching_up | done | failed
  std::string scope;           // an organization_id, or "*" for every tenant
  uint64_t target_position = 0;  // the replay covers events up to here, then the tail
  uint64_t events_read = 0;
  // The events the replay reads (events_read's goal): known at once for every tenant (the
  // target position), after a first pass over its events for one tenant; 0 until known.
  uint64_t events_target = 0;
  int64_t started_micros = 0;
  int64_t finished_micros = 0;
  std::string error;
  size_t queue_position = 0;    // state queued: 1 runs next
  int64_t enqueued_micros = 0;  // when it was queued (also kept once it runs)

  bool active() const { return state == "queued" || state == "running" || state == "catching_up"; }
};

// What RequestRebuild did: the entry's status (queued with its position, or running), and
// whether the request joined an entry of the same scope already queued or running.
struct RebuildTicket {
  RebuildStatus status;
  bool coalesced = false;
};

// Every rebuild at once, for operators: the latest (what GetRebuildStatus() answers), the
// running one, and the queue in the order it will run.
struct RebuildOverview {
  RebuildStatus latest;
  std::optional<RebuildStatus> running;
  std::vector<RebuildStatus> queue;  // state queued, queue_position 1, 2, …
  size_t queue_limit = 0;
};

class Projector {
 public:
  Projector(store::EventStore* store, const Clock* clock, ProjectorOptions options = {});
  ~Projector();  // stops the applier
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // Starts the applier thread, which first catches up with the store.
  void Start();
  void Stop();

  std::shared_ptr<const ModelSnapshot> Current() const;
  // The tenant's current view, and the position of the snapshot it was taken from (every
  // event up to it is reflected). A tenant without events gets an empty view with default
  // settings: its metrics are all zero.
  struct TenantRead {
    std::shared_ptr<const TenantView> view;
    uint64_t position = 0;
  };
  TenantRead Read(const std::string& org) const;
  uint64_t AppliedPosition() const { return applied_.load(std::memory_order_acquire); }
  // True once the applier has caught up with what the store held at Start().
  bool Ready() const { return ready_.load(std::memory_order_acquire); }
  // True when the applier has been behind the store for longer than options.stale_after.
  bool Stale() const;
  // Blocks until AppliedPosition() >= position or the timeout passes; returns whether reached.
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const;
  // Calls done(true) once AppliedPosition() >= position, or done(false) when the timeout
  // passes first or the projector stops. Runs `done` inline when already applied, otherwise
  // on the applier thread: it must be quick.
  void WhenApplied(uint64_t position, std::chrono::milliseconds timeout,
                   std::function<void(bool)> done);
  // Answers every pending WhenApplied at once (done(false), unless reached) and every later
  // one without waiting: the server is shutting down. Safe from any thread.
  void CancelWaits();
  bool WaitsCancelled() const { return waits_cancelled_.load(); }
  // Events applied since start (for /metrics).
  uint64_t EventsApplied() const { return events_applied_.load(std::memory_order_relaxed); }

  // Called on the applier thread after each publication, with its position and the tenants
  // whose views it changed, each with what changed (`all`: every tenant's view was replaced,
  // after a snapshot load or a rebuild). It must be quick: the live hub and the Redis sink
  // only record them and wake their thread. Several listeners may be added, each called in
  // the order added; add them before Start() (the list is not locked).
  struct TenantChange {
    std::string org;
    // Bit (1 << event::Domain) per business domain whose events were applied; kOwnState for
    // readside's own state (dashboards, schedules); kEverything for new tenant settings.
    uint8_t changed = 0;
    static constexpr uint8_t kOwnState = 1 << 6;
    static constexpr uint8_t kEverything = 0xff;
  };
  using PublishListener =
      std::function<void(uint64_t position, std::span<const TenantChange> tenants, bool all)>;
  void AddPublishListener(PublishListener listener) { listeners_.push_back(std::move(listener)); }
  // Replaces every listener added so far with `listener`.
  void SetPublishListener(PublishListener listener) {
    listeners_.clear();
    AddPublishListener(std::move(listener));
  }

  // Queues a blue/green rebuild of one tenant (`org`) or of every tenant (empty); it starts
  // at once when none runs (then its status says running before this returns). A request
  // for a scope already queued or running joins that entry (coalesced). ResourceExhausted
  // when max_queued_rebuilds entries wait already; FailedPrecondition once stopping.
  absl::StatusOr<RebuildTicket> RequestRebuild(const std::string& org);
  // RequestRebuild without the ticket.
  absl::Status StartRebuild(const std::string& org) { return RequestRebuild(org).status(); }
  // The running rebuild, else the latest that ran (state idle when none has).
  RebuildStatus GetRebuildStatus() const;
  // The rebuild of `scope` (an organization_id, or "*"): queued, running, else the latest of
  // that scope that ended (done or failed), else idle. Nothing of other scopes.
  RebuildStatus GetRebuildStatus(const std::string& scope) const;
  RebuildOverview GetRebuildOverview() const;

 private:
  struct ParsedBatch;
  void Run();
  void RunParser();
  // Applies a batch to the models; its publication may be deferred (Run): while the applier
  // is behind, the next batch already parsed and nobody waiting, publishing after every
  // batch cost more than applying it (each publication copies what changed since the
  // previous one: directories, keyed families, the receivables book's chunk list, all
  // growing with the history). At most kMaxDeferredBatches or 50 ms go unpublished.
  void ApplyParsed(ParsedBatch& batch);
  // Publishes the tenants the applied batches touched and advances AppliedPosition() to the
  // last of them; no-op when nothing is pending. Applier thread (or Stop() after it joined).
  void PublishApplied();
  void LoadSnapshot();
  void WriteSnapshot();   // encodes and writes on the calling thread
  void StartSnapshot();   // encodes, and writes on snapshot_writer_
  // Writes an encoded snapshot and records its outcome (either thread).
  void FinishSnapshot(uint64_t position, const std::string& data, int64_t start_nanos);
  void FireWaiters(bool stopping);
  // Applies one stored event to `tenants` (creating or rebuilding the tenant as needed).
  void ApplyStored(const store::StoredEvent& stored, TenantMap& tenants, int64_t now);
  // The rebuild thread: runs each rebuild StartNextRebuild made current.
  void RunRebuilds();
  void RunRebuild(std::string org, uint64_t target);
  void AdoptRebuild();
  // Makes the first queued rebuild the running one when none runs (and not stopping).
  void StartNextRebuild() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records the current rebuild's end (done or failed) and starts the next.
  void EndRebuild() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // rebuild_status_ with its progress counters.
  RebuildStatus CurrentRebuild() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs the tasks queued for the applier thread (testing::ProjectorPeer).
  void RunApplierTasks();
  void PublishAll();
  // The applier's wake-up conditions.
  bool NextBatchParsed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ApplierHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A parse worker's: a range to claim and room for its batch.
  bool ParserHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::EventStore* store_;
  const Clock* clock_;
  ProjectorOptions options_;
  std::atomic<uint64_t> applied_{0};
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> events_applied_{0};
  std::atomic<int64_t> behind_since_nanos_{0};  // 0 when caught up
  uint64_t start_target_ = 0;
  std::atomic<std::shared_ptr<const ModelSnapshot>> current_;

  // Applier-thread state.
  TenantMap tenants_;
  std::unique_ptr<event::EventParser> parser_;
  // Snapshots: the applier encodes the models (it owns them) and a writer thread writes and
  // fsyncs the file meanwhile (StartSnapshot); one write at a time. Stop() joins it and
  // writes the last one itself (WriteSnapshot).
  std::atomic<uint64_t> last_snapshot_{0};           // position of the last snapshot written
  std::atomic<int64_t> last_snapshot_end_nanos_{0};  // monotonic, when the last write ended
  std::atomic<int64_t> last_snapshot_cost_nanos_{0};  // encoding to fsync, how long it took
  std::atomic<bool> snapshot_writing_{false};
  std::thread snapshot_writer_;  // started and joined by the applier, or by Stop() after it
  // Applied but not yet published (ApplyParsed / PublishApplied): the tenants touched, the
  // last position applied, how many batches, and when the last publication was.
  absl::flat_hash_map<std::string, uint8_t> unpublished_;  // tenant → TenantChange::changed
  bool publication_pending_ = false;
  uint64_t unpublished_position_ = 0;
  int unpublished_batches_ = 0;
  int64_t last_publish_nanos_ = 0;
  std::vector<PublishListener> listeners_;
  std::vector<TenantChange> published_;  // the listener's argument, reused

  mutable absl::Mutex mu_;
  mutable absl::CondVar cv_;  // applied_ advanced, or new events, or stop

  // Rebuild state. rebuild_status_ is the running rebuild, else the latest that ran; the
  // rebuild thread starts with the first request and runs until Stop().
  std::thread rebuild_thread_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancel_rebuild_{false};
  std::atomic<uint64_t> rebuild_events_{0};
  std::atomic<uint64_t> rebuild_target_events_{0};
  RebuildStatus rebuild_status_ ABSL_GUARDED_BY(mu_);
  bool rebuild_replaying_ ABSL_GUARDED_BY(mu_) = false;  // the thread took the current one
  std::deque<RebuildStatus> rebuild_queue_ ABSL_GUARDED_BY(mu_);  // state queued, FIFO
  // The latest ended rebuild of each scope (done or failed), bounded by the tenants.
  absl::flat_hash_map<std::string, RebuildStatus> rebuild_ended_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<TenantMap> rebuilt_ ABSL_GUARDED_BY(mu_);  // waiting to be adopted
  // Tests only (testing::ProjectorPeer): rebuilds wait to start while set; tasks run on the
  // applier thread between two batches.
  bool hold_rebuilds_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> applier_tasks_ ABSL_GUARDED_BY(mu_);
  friend class testing::ProjectorPeer;

  uint64_t stored_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  struct Waiter {
    uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> waits_cancelled_{false};
  std::thread thread_;

  // The parse stage: batches parsed and waiting, and spare ones to refill. Parse workers
  // claim consecutive ranges (sequence numbers); the applier takes them back in sequence
  // order, so events apply in position order whatever worker parsed them.
  std::map<uint64_t, std::unique_ptr<ParsedBatch>> parsed_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<ParsedBatch>> spare_ ABSL_GUARDED_BY(mu_);
  // The last position handed to a parse worker.
  uint64_t claimed_through_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_claim_ ABSL_GUARDED_BY(mu_) = 0;  // sequence number of the next range to claim
  uint64_t next_apply_ ABSL_GUARDED_BY(mu_) = 0;  // sequence number the applier needs next
  std::vector<std::thread> parse_threads_;        // started by thread_, joined by Stop after it
  // The store's commit listener outlives us; it reaches us only through this link.
  struct Link {
    absl::Mutex mu;
    Projector* target ABSL_GUARDED_BY(mu) = nullptr;
  };
  std::shared_ptr<Link> link_ = std::make_shared<Link>();
};

}  // namespace readside::projection
