#pragma once
// Keeps one search index per tenant (DATA_DIR/search/tenants/<tenant>) following the event store, on
// its own thread (`rs-search`, niced: background work): Xapian indexes thousands of documents
// per second, not millions, so search never runs on the read models' applier. It reads the
// store after its position, turns each event into documents (EntityIndexer), commits every
// tenant touched every `commit_every` events and when it catches up (at most once per
// `min_commit_interval` unless a reader waits for a position), then records the position it reached in
// DATA_DIR/search/position (written atomically). A restart resumes from there; events between
// a tenant's commit and the recorded position are applied again, which changes nothing
// (a repeated creation is ignored, an update rewrites the same fields, a removal is a no-op).
//
// One tenant's failure (its index does not open, an update or a commit fails) does not stop
// the others: that tenant is logged and marked failed (Failed), its events are skipped, and
// it stays failed, across restarts too (DATA_DIR/search/failed), until rebuilt (Rebuild).
// Rebuild drops an index and indexes the store again from its start, in place: the tenant's
// searches find only what has been re-indexed until it has caught up (search is derived data;
// the read models' rebuild is blue/green, this one is not, to keep one copy on disk).
// A tenant's rebuild runs on the follower thread (the other tenants wait for it, and so does
// Stop: an index is never committed half rebuilt).
// A damaged index (its files corrupt or cut short: SearchIndex's DataLoss, found when it opens
// or when the follower writes it) is rebuilt the same way without an operator: logged as a
// warning, listed in DATA_DIR/search/damaged until its rebuild has committed, its searches
// answer 503 meanwhile (Damaged). Damage met by a search (ReportDamaged) is handed to the
// follower thread, which reads the whole index (SearchIndex::Check) and rebuilds it only when
// the check confirms the damage. Damage found again during its own rebuild marks it failed
// instead (no rebuild loop). Every tenant rebuild, an operator's too, is listed in
// DATA_DIR/search/rebuilding from before its index is dropped until it has committed, so a
// restart meanwhile rebuilds it again rather than trusting a half-built index; that list is
// not damage (an operator's rebuild answers searches from what is re-indexed so far).
// A disk refusing a write, a read or an fsync (ResourceExhausted, Unavailable: full, EIO) is
// not damage: the indexes are kept, and what was not committed is written again from the
// recorded position after a pause (retry_pause, doubling up to 30 s), the rebuild under way
// too; the lists above are written by the follower thread only, outside the lock searches
// take.
// Thread-safety: Start/Stop from one thread; every other method from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "absl/status/status.h"
#include "search/entity_indexer.h"
#include "search/search_index.h"
#include "store/event_store.h"

namespace readside::search {

struct SearchFollowerOptions {
  std::string dir;                  // DATA_DIR/search
  uint64_t batch_events = 4096;     // read from the store at a time
  uint64_t commit_every = 20'000;   // events between two commits while catching up
  // Once caught up, at most one commit (an fsync per touched tenant) per this interval, unless
  // a reader waits for a position (min_position): under steady ingest, committing after every
  // small batch competed with the store's own fsyncs.
  std::chrono::milliseconds min_commit_interval{1000};
  // The follower thread's nice value (search indexing yields to ingest and the read models).
  int nice = 10;
  // The first pause before writing again after the disk refused (doubled each time in a row).
  std::chrono::milliseconds retry_pause{1000};
  // Tests: opens a tenant's index in the directory given (a faulty disk); null:
  // SearchIndex::Open.
  std::function<absl::StatusOr<std::unique_ptr<SearchIndex>>(const std::string& dir)>
      open_index;
};

class SearchFollower {
 public:
  SearchFollower(store::EventStore* store, SearchFollowerOptions options);
  ~SearchFollower();
  // Reads the recorded position and starts following (from 0, with a warning, when the file
  // is unreadable: re-applying events changes nothing). FailedPrecondition when running.
  absl::Status Start();
  // Stops the thread after committing what it indexed; pending waits answer false.
  void Stop();

  // Every event up to here is indexed and committed (and visible to searches).
  uint64_t Position() const { return position_.load(std::memory_order_acquire); }
  // Renders readside_search_position into /metrics.
  void RegisterMetrics(MetricsRegistry* registry) const;
  // Blocks until Position() >= position, the timeout or Stop; returns whether reached.
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout);
  // Calls done(true) once Position() >= position, or done(false) after `timeout` (checked
  // between batches and at least every 100 ms, so a little late at worst), at Stop, or at
  // once after CancelWaits. `done` runs on the calling thread when the position is already
  // reached, else on the follower thread: it must be quick (a search is).
  void WhenPosition(uint64_t position, std::chrono::milliseconds timeout,
                    std::function<void(bool reached)> done);
  // Answers every pending and future WhenPosition that is not reached at once with false
  // (server drain: in-flight requests must not wait).
  void CancelWaits();
  bool WaitsCancelled() const { return cancelled_.load(); }

  // The tenant's index (opened on first use), or null when it has none: no entity yet, or
  // Failed(org).
  std::shared_ptr<SearchIndex> Index(const std::string& org);
  // Whether the tenant has an index on disk (Index returning null for one that exists means
  // it does not open: a 503, not an empty answer).
  bool HasIndexOnDisk(const std::string& org) const;
  // Whether the tenant's index failed and is left behind until rebuilt.
  bool Failed(const std::string& org) const;
  // Whether the tenant's index was found damaged and is being rebuilt from the store.
  bool Damaged(const std::string& org) const;
  // How many times the tenant's index was found damaged and its rebuild queued.
  int TimesFoundDamaged(const std::string& org) const;
  // A search met damage in the tenant's index (`why` is a DataLoss; any other status is
  // ignored): the follower thread checks the index and rebuilds it if the check confirms.
  // Returns at once; safe from any thread.
  void ReportDamaged(const std::string& org, const absl::Status& why);
  // How many times the follower paused and wrote again after the disk refused.
  uint64_t Retries() const { return retries_.load(); }
  // How many indexes the follower thread has checked after a search reported damage.
  uint64_t Checks() const { return checks_.load(); }
  // Asks the follower thread to drop the index of `org` (empty: every tenant's, and the
  // recorded position) and index the store again from its start. Returns at once.
  void Rebuild(const std::string& org);

  // The directory name of a tenant's index: the id itself when it is plain (letters, digits,
  // '-', '_', '.', not leading), else "x" + its hex — never a path out of `dir`.
  static std::string TenantDir(const std::string& org);

 private:
  struct Waiter {
    uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };

  void Run();
  // Applies the events in (after, until] (only `only`'s when not null) to the indexes.
  absl::Status Apply(uint64_t after, uint64_t until, const std::string* only);
  absl::Status CommitAll(uint64_t position);
  void DoRebuilds(uint64_t* applied, uint64_t* uncommitted);
  void RebuildTenant(const std::string& org, uint64_t applied);
  // Follower thread: `org`'s index failed. ResourceExhausted or Unavailable (the disk
  // refused): transient_, retried by Run; a DataLoss outside its own rebuild is damage
  // (MarkDamagedLocked); anything else leaves it failed.
  void MarkFailed(const std::string& org, const absl::Status& why);
  // Queues the rebuild of a damaged index (once); any thread, under mu_. Recorded on disk
  // by the follower thread (PersistLists).
  void MarkDamagedLocked(const std::string& org, const absl::Status& why);
  void ConfirmSuspects();  // follower thread: checks the indexes searches reported damaged
  // Follower thread: failed_, damaged_ and unfinished_ → DATA_DIR/search/{failed,damaged,
  // rebuilding} where changed, outside mu_. Whether all are on disk.
  bool PersistLists();
  // Whether `org`'s events and searches wait for its rebuild (mu_ held).
  bool AwaitsRebuildLocked(const std::string& org) const {
    return damaged_.contains(org) && org != rebuilding_;
  }
  void AnswerWaiters(bool stopping);
  // `error`, when given, receives why the index did not open.
  std::shared_ptr<SearchIndex> OpenLocked(const std::string& org, bool create,
                                          absl::Status* error = nullptr);

  store::EventStore* store_;
  SearchFollowerOptions options_;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> cancelled_{false};
  bool running_ = false;  // guarded by mu_: between Start and Stop
  std::thread thread_;

  mutable std::mutex mu_;  // everything below but the follower thread's own state
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<SearchIndex>> indexes_;
  std::set<std::string> failed_;
  std::set<std::string> damaged_;  // found damaged, rebuild queued or running
  std::map<std::string, int> found_damaged_;           // times each was found damaged
  std::set<std::string> unfinished_;  // rebuilds begun and not committed (any cause)
  std::string rebuilding_;            // the tenant DoRebuilds is re-indexing, if any
  std::map<std::string, absl::Status> suspects_;  // reported by searches, not checked yet
  // Checked sound after a report: further reports are ignored until then.
  std::map<std::string, std::chrono::steady_clock::time_point> checked_clean_;
  std::vector<std::string> rebuilds_;  // requested; "" = every tenant
  std::vector<Waiter> waiters_;
  std::atomic<int> blocking_waiters_{0};  // threads in WaitForPosition
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> checks_{0};

  // Follower thread only.
  std::map<std::string, bool> dirty_;
  std::map<std::string, std::unique_ptr<EntityIndexer>> indexers_;
  absl::Status transient_;  // the disk refused a write: Run pauses and writes again
  // The lists' contents last written (or read at Start).
  std::string saved_failed_, saved_damaged_, saved_unfinished_;
};

}  // namespace readside::search
