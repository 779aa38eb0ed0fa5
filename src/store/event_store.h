#pragma once
// The durable event log: an append-only sequence of events with a global, gap-free position
// (starting at 1), indexed by (organization, position) and (organization, aggregate), with an
// idempotency index on (organization_id, event_id) and a dead-letter store for input that was
// rejected where no caller could be told (Kafka).
//
// Durability: AppendAsync's callback runs only after the group's write-ahead-log fsync, so an
// acknowledged event survives kill -9 and power loss. One writer thread owns all writes and
// batches every request waiting for it into one RocksDB WriteBatch with one fsync (group
// commit); readers use RocksDB snapshots and never block it.
//
// Thread-safety: every method is safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/env.h"
#include "common/metrics.h"
#include "trace/trace.h"
#include "common/problem.h"
#include "store/types.h"

namespace readside::store {

struct StoreOptions {
  std::string path;  // directory; created if missing
  // fsync the WAL before acknowledging. Only tests of non-durability paths turn it off.
  bool sync = true;
  // Upper bound of events in one group commit (bounds memory and latency of one fsync).
  size_t max_group_events = 64 * 1024;
  // Largest index scan one Query may do before it returns a short page with `next` set.
  size_t max_query_scan = 100'000;
  // Tests only: never write secondary indexes, as if the process always died before the
  // index thread got to them (exercises in-memory duplicate detection and re-indexing on open).
  bool testing_skip_index_writes = false;
  // The filesystem; nullptr is Env::Default(). Tests pass a FaultInjectionEnv.
  Env* env = nullptr;
  // Appends are refused (ResourceExhausted, nothing written) while the disk holding the store
  // has less than this free besides room to flush the memtables (their current size), so
  // that RocksDB never fails a flush or a write half-way; they resume by themselves once
  // space returns. 0: no check.
  uint64_t min_free_bytes = 64ull << 20;
  // A file of this size kept in the store directory while it is open, and released first
  // on the next Open, so that a restart on a full disk has room to recover the write-ahead
  // log. Recreated once the disk has room for it again. 0: none.
  uint64_t reserve_bytes = 64ull << 20;
  // Memtable size of the log family (the index families get half). Larger: fewer flushes
  // and compactions competing with ingest, more memory and a longer recovery.
  size_t memtable_bytes = 64 << 20;
  // How often the idle writer looks at the free space (and, while appends are refused,
  // whether they may resume).
  std::chrono::milliseconds recovery_interval{500};
  // Spans of group commits ("store.commit"); nullptr: none.
  trace::Tracer* tracer = nullptr;
};

class EventStore {
 public:
  using AppendCallback = std::function<void(absl::StatusOr<std::vector<AppendOutcome>>)>;

  // Opens (creating if needed) the store at options.path and starts the writer thread.
  // On failure returns a status naming the path and the cause.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const StoreOptions& options);
  ~EventStore();  // finishes queued appends, then closes
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Queues the request for the writer. `done` runs exactly once, on the writer thread, after
  // the group holding the request is durable (outcomes in request order) or failed (an error
  // status; then nothing of the request was stored). `done` must be quick and must not call
  // Append (hand the result to another thread).
  void AppendAsync(AppendRequest request, AppendCallback done);
  // The event `event_id` of `org`, if stored (read through the idempotency index).
  absl::StatusOr<std::optional<StoredEvent>> FindEvent(std::string_view org,
                                                       std::string_view event_id) const;
  // Blocking convenience wrapper around AppendAsync.
  absl::StatusOr<std::vector<AppendOutcome>> Append(AppendRequest request);

  // OK while appends are accepted; otherwise why they are refused (ResourceExhausted: the
  // disk is full; Unavailable: a write or fsync failed). The store retries by itself.
  absl::Status WriteStatus() const;
  // Renders the store's metrics (positions, dead letters, disk, RocksDB) into /metrics.
  void RegisterMetrics(MetricsRegistry* registry) const;

  // An online, consistent copy of the store in `dir` (which must not exist): a RocksDB
  // checkpoint (hard links on the same filesystem, copies otherwise). Returns the last
  // position it holds at least (every event up to it is in the copy).
  absl::StatusOr<uint64_t> Checkpoint(const std::string& dir) const;
  // Warnings of the last Open (e.g. write-ahead-log records dropped as a torn tail).
  std::vector<std::string> OpenWarnings() const;

  // The position of the last durable event (0 when empty).
  uint64_t LastPosition() const;
  // Blocks until LastPosition() >= position or the timeout passes; returns whether reached.
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const;
  // Registers a function the writer calls after every durable group with the new last
  // position. Call before appending; listeners must be quick.
  void AddCommitListener(std::function<void(uint64_t)> listener);
  // Tracing: the spans of the recent group commits that stored positions in (after, until]
  // (at most `max`), so that the span applying them can link to them. Empty when tracing is
  // off or the commits are older than the last 1024.
  std::vector<trace::SpanContext> CommitSpans(uint64_t after, uint64_t until, size_t max) const;

  // Calls fn for each event with after < position <= until, in position order, streaming (no
  // full materialization); stops early when fn returns false.
  absl::Status ReadRange(uint64_t after, uint64_t until,
                         const std::function<bool(const StoredEvent&)>& fn) const;
  absl::StatusOr<QueryPage> Query(const EventQuery& query) const;
  // Durable count of rejected events attributed to `org`.
  uint64_t RejectedCount(std::string_view org) const;
  // Durable counts of rejected, duplicate and conflicting input of `org`.
  TenantCounts GetTenantCounts(std::string_view org) const;
  // Changes whenever any tenant's counts change (for caches of answers that show them).
  uint64_t CountsVersion() const;

  // The stored next offset of every partition of `source` ("kafka:<topic>"), by partition.
  std::vector<SourceOffset> SourceOffsets(std::string_view source) const;
  // Blocks until, for every (partition, offset) of `offsets`, the message at that offset of
  // `source` is durable (stored next offset > offset), or the timeout passes. Returns the
  // store's last position at that moment (every event of those messages is at or before
  // it), or nullopt on timeout.
  std::optional<uint64_t> WaitForSourceOffsets(
      std::string_view source, const std::vector<std::pair<int32_t, int64_t>>& offsets,
      std::chrono::milliseconds timeout) const;

  absl::StatusOr<uint64_t> AddDeadLetter(DeadLetter letter);
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(uint64_t after_id, size_t limit) const;
  absl::Status DeleteDeadLetter(uint64_t id);

 private:
  struct Impl;
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where readside's own state (dashboards, schedules, tenant settings) is written: the store's
// AppendAsync on one node; with Kafka on, through Kafka's own-state topic, so that every node
// stores the same events in the same order per tenant (kafka/own_state_writer.h). The same
// contract as AppendAsync: `done` once, with the outcomes once stored here.
using Appender = std::function<void(AppendRequest, EventStore::AppendCallback)>;

// The answer to an append that failed (nothing of it was stored): 503 with Retry-After; a
// full disk (ResourceExhausted) is "Insufficient storage" and asks the client to wait longer.
Problem AppendFailureProblem(const absl::Status& status);

}  // namespace readside::store
