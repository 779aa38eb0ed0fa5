#pragma once
// FactTable: an additive quantity per (key, local day) kept as an append-only log of deltas,
// for the per-entity breakdowns of reports (per product, per employee, per project, …).
//
// Why not a keyed family of DaySeries (series.h K)? A family clones every series it writes
// after a publication (copy-on-write), so publishing every few thousand events costs one
// clone per key touched in between: with hundreds of products, employees and owners per
// tenant that halved the applier's throughput. A FactTable publishes in O(1) whatever was
// written: a view shares the sealed segments and reads a prefix of the segment still being
// appended to. Reads aggregate instead: Sum() costs O(#segments + facts of the segments that
// straddle the range's ends + keys), meant for report requests, not per-event work.
//
// Storage: facts (key, day, delta) are appended to a fixed-capacity block; a full block is
// sealed: its facts summed per (key, day), with the block's day range and per-key totals, so a
// range that covers the whole block takes the totals without scanning.
// Sums are exact (128-bit) and clamped to the int64 range when returned (a (key, day) value
// beyond it is clamped in ForEachKeyDay and so in snapshots).
//
// Thread-safety: one writer. A FactTableView is immutable; any number of threads may read it
// while the writer goes on appending (the writer only writes facts past every published
// prefix, into blocks and key chunks that never move, and copies the key-chunk list and the
// segment list on their first change after a publication).

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "projection/day_series.h"
#include "projection/string_index.h"

namespace readside::projection {

class SnapshotReader;
class SnapshotWriter;

namespace fact_table_internal {
struct Fact {  // no member initializers: a block's facts stay uninitialized until written
  uint32_t key;  // index into the key list
  DayNumber day;
  int64_t delta;
};
struct Block;   // the segment being appended to
struct Sealed;  // an immutable, summed segment
// The key list: fixed chunks of strings that never move, so the writer appends keys past
// every published count without copying the list (a copy per new key after a publication
// was most of the writer's allocations). Only the vector of chunk pointers is copied, on
// adding a chunk while a view shares it.
inline constexpr uint32_t kKeyChunk = 32;
using KeyChunks = std::vector<std::shared_ptr<std::string[]>>;
}  // namespace fact_table_internal

// Per key, zeros omitted, in key order.
using KeySums = std::map<std::string, int64_t, std::less<>>;

// A published, immutable prefix of a KeyPool. Copies are cheap (a shared pointer).
class KeyPoolView {
 public:
  uint32_t size() const { return count_; }
  const std::string& operator[](uint32_t id) const {
    return (*chunks_)[id / fact_table_internal::kKeyChunk][id % fact_table_internal::kKeyChunk];
  }

 private:
  friend class KeyPool;
  std::shared_ptr<const fact_table_internal::KeyChunks> chunks_;
  uint32_t count_ = 0;
};

// Key strings (entity ids, codes, stages, …) interned to dense ids. A tenant's fact tables
// share one pool, so an event's key is hashed once however many tables it writes, and an
// entity can keep its key's id and write by id without any lookup.
// Thread-safety: one writer; views as for FactTableView.
class KeyPool {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  KeyPool();
  // The id of `key`, added if new. O(1): one StringIndex probe.
  uint32_t Intern(std::string_view key) {
    const uint64_t hash = StringIndex::Hash(key);
    const uint32_t id =
        index_.Find(key, hash, [this](uint32_t i) -> const std::string& { return (*this)[i]; });
    return id != StringIndex::kNone ? id : Add(key, hash);
  }
  // Intern(key) the first time, then the id kept in *id (an entity's cached id; kNone at first).
  uint32_t Intern(uint32_t* id, std::string_view key) {
    return *id != kNone ? *id : (*id = Intern(key));
  }
  const std::string& operator[](uint32_t id) const {
    return (*chunks_)[id / fact_table_internal::kKeyChunk][id % fact_table_internal::kKeyChunk];
  }
  uint32_t size() const { return count_; }
  KeyPoolView Publish() const;

 private:
  uint32_t Add(std::string_view key, uint64_t hash);  // a new key

  StringIndex index_;
  std::shared_ptr<fact_table_internal::KeyChunks> chunks_;
  uint32_t count_ = 0;
};

// A published, immutable state of a FactTable. Copies are cheap (a few shared pointers).
class FactTableView {
 public:
  // Σ delta per key over the days in [from, to) (from = kMinDay for a stock at `to`).
  KeySums Sum(DayNumber from, DayNumber to) const;
  // Calls fn(key, day, value) for every (key, day) whose value is non-zero, by key then day.
  // O(#facts log #facts); for tests and snapshots.
  void ForEachKeyDay(const std::function<void(std::string_view, DayNumber, int64_t)>& fn) const;
  bool empty() const;

  static constexpr DayNumber kMinDay = std::numeric_limits<DayNumber>::min();

 private:
  friend class FactTable;
  KeyPoolView keys_;
  std::shared_ptr<const std::vector<std::shared_ptr<const fact_table_internal::Sealed>>> sealed_;
  std::shared_ptr<const fact_table_internal::Block> tail_;
  uint32_t tail_size_ = 0;
};

class FactTable {
 public:
  FactTable();  // with a pool of its own
  explicit FactTable(std::shared_ptr<KeyPool> pool);
  ~FactTable();
  FactTable(FactTable&&) noexcept;
  FactTable& operator=(FactTable&&) noexcept;

  // Adds `delta` to (key, day). A delta of 0 is a no-op. O(1) amortized: a hash lookup of
  // the key and an append (plus summing the block when it fills up, every few thousand).
  void Add(std::string_view key, DayNumber day, int64_t delta) {
    if (delta != 0) AddId(pool_->Intern(key), day, delta);
  }
  // The same with a key id of this table's pool: no lookup at all.
  void AddId(uint32_t key, DayNumber day, int64_t delta) {
    if (delta == 0) return;
    if (tail_size_ == tail_capacity_) [[unlikely]] NextBlock();
    tail_facts_[tail_size_++] = {key, day, delta};
  }

  // The current state, shared with the writer until its next write. O(1).
  FactTableView Publish() const;

  // Snapshot encoding (snapshot_codec.h): the summed (key, day) values, not the segmentation.
  // Load replaces the facts of *this (interning keys into its pool); false on malformed input.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  void NextBlock();  // the first block, or Seal() of the full one and a new one
  void Seal();

  std::shared_ptr<KeyPool> pool_;
  std::shared_ptr<std::vector<std::shared_ptr<const fact_table_internal::Sealed>>> sealed_;
  std::shared_ptr<fact_table_internal::Block> tail_;  // null until the first Add
  uint32_t tail_size_ = 0;
  fact_table_internal::Fact* tail_facts_ = nullptr;  // tail_'s facts and capacity (0: none)
  uint32_t tail_capacity_ = 0;
};

}  // namespace readside::projection
