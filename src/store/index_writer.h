#pragma once
// Internal to the store: maintains the secondary indexes (by_org, by_aggregate, idempotency)
// off the append path. The writer thread makes events durable in the log (the source of
// truth) and hands their index entries here; a second thread writes them, with a watermark
// ("indexed through position p") in the same atomic batch. Until an event is indexed its
// idempotency key is kept in memory, so duplicate detection never misses it. After a crash the
// log tail past the watermark is indexed again on open (puts are idempotent).
//
// Why: index inserts are random-order skip-list inserts and were half of the writer thread's
// time; on separate threads the two cores share the work.
//
// Thread-safety: Enqueue from the writer thread only; FindPending, WaitIndexed, indexed()
// from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "store/types.h"
#include "store/rocks.h"

namespace readside::store {

struct IndexEntry {
  std::string organization_id;
  std::string entity_id;
  std::string idempotency_key;
  uint64_t position;
};

class IndexWriter {
 public:
  IndexWriter(Rocks* rocks, bool skip_writes);
  ~IndexWriter();  // indexes everything queued, then stops

  // Indexes the log tail after the durable watermark up to `last_position` (after a crash),
  // then starts the index thread. `read` streams the log like EventStore::ReadRange.
  absl::Status Start(
      uint64_t last_position,
      const std::function<absl::Status(uint64_t, uint64_t,
                                       const std::function<bool(const StoredEvent&)>&)>& read);

  // Queues the entries of one durable group (positions increasing). Their idempotency keys are
  // visible to FindPending immediately.
  void Enqueue(std::vector<IndexEntry> entries);
  // The position of a durable but not yet indexed idempotency key.
  std::optional<uint64_t> FindPending(std::string_view key) const;
  bool WaitIndexed(uint64_t position, std::chrono::milliseconds timeout) const;
  uint64_t indexed() const { return indexed_.load(std::memory_order_acquire); }
  // The first error of the index thread (indexes are then stale; the log is unaffected).
  // After an error nothing more is written (so the watermark never passes an entry that
  // failed) until Retry().
  absl::Status status() const;
  // Queues every entry whose write failed again, in order, ahead of the rest, and clears
  // the error (after the store recovered from a full or failing disk).
  void Retry();

 private:
  using Groups = std::vector<std::vector<IndexEntry>>;
  void Loop();
  absl::Status Write(std::span<const std::vector<IndexEntry>> groups);

  Rocks* rocks_;
  bool skip_writes_;
  std::atomic<uint64_t> indexed_{0};
  mutable absl::Mutex mu_;
  std::deque<std::vector<IndexEntry>> queue_ ABSL_GUARDED_BY(mu_);
  // Views of the keys of queued and in-flight entries: their vectors are moved whole (which
  // keeps every element in place) until the entries are indexed and erased from here.
  absl::flat_hash_map<absl::string_view, uint64_t> pending_ ABSL_GUARDED_BY(mu_);
  Groups failed_ ABSL_GUARDED_BY(mu_);  // entries whose write failed: their keys stay pending
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace readside::store
