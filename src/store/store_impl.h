#pragma once
// Internal to the store: the state behind EventStore, shared by its parts —
// store_open.cc (Open, the reserve file, recovery warnings), store_writer.cc (the writer
// thread: group commit, the disk check and recovery from write failures), store_query.cc
// (reads) and event_store.cc (the small public methods). Only store .cc files include this.

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/statistics.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "store/codec.h"
#include "store/event_store.h"
#include "store/index_writer.h"
#include "store/rocks.h"

namespace readside::store {

struct EventStore::Impl {
  StoreOptions options;
  Env* env = nullptr;                       // options.env or Env::Default()
  std::unique_ptr<rocksdb::Env> rocks_env;  // outlives the DB (declared before it)
  std::shared_ptr<rocksdb::Statistics> statistics;  // RocksDB's tickers, for /metrics
  Rocks rocks;
  rocksdb::DB* db = nullptr;                     // == rocks.db.get()
  std::vector<rocksdb::ColumnFamilyHandle*> cf;  // == rocks.cf
  std::unique_ptr<IndexWriter> indexer;
  std::string reserve_path;
  std::vector<std::string> open_warnings;  // written by Open only

  std::atomic<uint64_t> last_position{0};
  std::atomic<uint64_t> counts_version{0};  // bumped after a commit that changed counts
  std::atomic<uint64_t> last_dead_letter{0};
  std::atomic<uint64_t> dead_letters_stored{0};  // since start, for /metrics
  // Tracing: (last position, span) of the recent group commits, oldest first, at most 1024.
  mutable absl::Mutex spans_mu;
  std::deque<std::pair<uint64_t, trace::SpanContext>> commit_spans ABSL_GUARDED_BY(spans_mu);
  // Released after each durable group: WaitForPosition waiters look again then.
  mutable absl::Mutex commit_mu;
  std::vector<std::function<void(uint64_t)>> listeners;
  // The stored next offset of each (source, partition), as durable (see SourceOffset).
  absl::flat_hash_map<std::pair<std::string, int32_t>, int64_t> offsets ABSL_GUARDED_BY(commit_mu);

  // Why appends are refused (OK: they are accepted). Written by the writer thread.
  mutable absl::Mutex health_mu;
  absl::Status write_status ABSL_GUARDED_BY(health_mu);
  std::atomic<bool> write_blocked{false};  // == !write_status.ok(), without the lock
  // Writer thread only: RocksDB stopped writes after a failed write (background error) and
  // needs Resume(); whether the reserve file is in place.
  bool rocks_failed = false;
  bool needs_restart = false;  // rocks_failed, and RocksDB cannot resume (a fatal error)
  bool reserve_held = false;

  struct Pending {
    AppendRequest request;
    AppendCallback done;
  };
  absl::Mutex queue_mu;
  std::deque<Pending> queue ABSL_GUARDED_BY(queue_mu);
  bool stopping ABSL_GUARDED_BY(queue_mu) = false;
  std::thread writer;

  ~Impl();

  // --- writer thread (store_writer.cc) ---
  void WriterLoop();
  void Commit(std::deque<Pending>& group);
  // OK when a group of about `bytes` may be written now; otherwise why not (and the store's
  // write status says so). Tries to recover from an earlier failure first.
  absl::Status PrepareWrite(uint64_t bytes);
  // ResourceExhausted when the disk has less than min_free_bytes + the memtables' size +
  // 2 × bytes free. Safe from any thread.
  absl::Status CheckDisk(uint64_t bytes);
  // Checks the disk (the write status follows it), resumes RocksDB after a failed write,
  // re-runs failed index writes and puts the reserve file back, each once the disk has room.
  void Recover();
  void SetWriteStatus(absl::Status status);
  // Decides the outcome of one event against stored and in-group events.
  struct InGroup {
    uint64_t position;
    const std::string* json;
  };
  // `stored` is the idempotency index's value for the key (nullopt: not stored).
  absl::StatusOr<AppendOutcome> Decide(
      const EventToStore& e, const std::string& key, const std::optional<uint64_t>& stored,
      const absl::flat_hash_map<absl::string_view, InGroup>& group);
  // Looks up every producer-given idempotency key of the group in one MultiGet.
  absl::Status Lookup(const std::deque<Pending>& group, std::vector<std::string>* keys,
                      std::vector<std::optional<uint64_t>>* stored);

  // --- reserve file (store_open.cc) ---
  // Creates the reserve file when the disk has room for it besides what appends need.
  void TryHoldReserve();

  // --- reads (store_query.cc) ---
  // Reads the event at `position` through `log_it` (an iterator over the log family),
  // reusing `block` when it already holds the position.
  absl::Status ReadAt(uint64_t position, rocksdb::Iterator* log_it, codec::BlockReader* block,
                      StoredEvent* out) const;
  absl::Status ReadRangeImpl(uint64_t after, uint64_t until,
                             const std::function<bool(const StoredEvent&)>& fn) const;
};

}  // namespace readside::store
