#pragma once
// DaySeries: an additive metric kept as one delta per local day, so that read models can
// answer flows ("how much during [a, b)": PrefixBefore(b) - PrefixBefore(a)) and stocks
// ("how much at the end of b": PrefixBefore(b)) for any period in O(log #chunks + 64).
// Days are grouped into sparse, 64-day aligned chunks that are shared copy-on-write, so
// copying a series to publish an immutable snapshot costs O(#chunks) pointer copies and
// allocates no day storage; a later write clones only the one chunk it touches.
//
// Thread-safety: one writer; const methods may run concurrently with each other. A copy is
// independent of its source: once `DaySeries snapshot = series;` has been made on the
// writer thread (or otherwise ordered before the next write), any number of threads may
// read `snapshot` while the writer keeps mutating `series`, without locks. Snapshots may
// be copied and destroyed on any thread.
//
// Overflow: a single day's value saturates at INT64_MIN/INT64_MAX instead of wrapping
// (so once clamped it is no longer the exact sum of its deltas). Sums over several days
// are computed exactly in 128 bits and clamped to the int64 range only when returned, so
// e.g. Range() stays exact even when PrefixBefore() at its ends is clamped.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace readside::projection {

class SnapshotReader;
class SnapshotWriter;

// Local civil date as days since 1970-01-01 (negative before it).
using DayNumber = int32_t;

class DaySeries {
 public:
  // An empty series. Copies share all chunks (O(#chunks) pointer copies); moves are O(1).
  DaySeries() = default;
  DaySeries(const DaySeries& other);
  DaySeries& operator=(const DaySeries& other);
  DaySeries(DaySeries&& other) noexcept;
  DaySeries& operator=(DaySeries&& other) noexcept;
  ~DaySeries() = default;

  // Adds `delta` to `day`. A delta of 0 is a no-op. O(1) when `day` falls in the latest
  // chunk and that chunk is not shared with a copy; otherwise O(log #chunks) to find the
  // chunk, plus O(#chunks) when it has to be created or is not the latest one (prefix
  // totals of later chunks are fixed), plus one chunk clone (64 days and the chunk's
  // AddAt instants) if the chunk is shared with a copy.
  void Add(DayNumber day, int64_t delta);

  // Like Add, and also records the exact instant so that PrefixBeforeInstant can split
  // the day. `unix_micros` is not checked against `day` (the time zone is the caller's);
  // deltas recorded at the same instant on the same day are merged. Additional cost: O(1)
  // amortized when it is the chunk's latest (day, instant); otherwise O(log k + k) for the
  // k instants recorded in the chunk. Memory: 32 bytes per distinct instant.
  void AddAt(DayNumber day, int64_t unix_micros, int64_t delta);

  // Σ deltas of all days < `day`. O(log #chunks + 32).
  int64_t PrefixBefore(DayNumber day) const;

  // Σ deltas of days in [from, to); 0 if from >= to. Exact even if both prefixes clamp.
  // O(log #chunks + 64).
  int64_t Range(DayNumber from, DayNumber to) const;

  // Σ deltas of days < `day`, plus Σ of the AddAt deltas recorded on `day` itself whose
  // instant is < `unix_micros`. Plain Add deltas on `day` are not included. This is the
  // state at an arbitrary instant when the metric's intra-day changes went through AddAt.
  // O(log #chunks + 32 + log k) for the k instants recorded in the day's chunk.
  int64_t PrefixBeforeInstant(DayNumber day, int64_t unix_micros) const;

  // The earliest AddAt instant later than `unix_micros` among the chunks from `day`'s on
  // (INT64_MAX if none): until then, PrefixBeforeInstant of any later instant equals the
  // one at `unix_micros`. Used to know how long an answer "as of now" stays true.
  // O(instants scanned), meant for cache fills, not per-event work.
  int64_t NextInstantAfter(DayNumber day, int64_t unix_micros) const;

  // Σ of all deltas. O(1).
  int64_t Total() const;

  // True iff no non-zero delta was ever added. A series whose deltas cancel out to zero is
  // not empty. O(1).
  bool empty() const { return chunks_.empty(); }

  // Calls fn(day, value) for every day in [from, to) whose net value is non-zero, in
  // ascending day order. `fn` must not modify this series. O(log #chunks + 64 * chunks
  // overlapping the range).
  void ForEachDay(DayNumber from, DayNumber to,
                  const std::function<void(DayNumber, int64_t)>& fn) const;

  // Number of 64-day chunks allocated (memory is about 600 bytes per chunk). O(1).
  size_t chunk_count() const { return chunks_.size(); }

  // Snapshot encoding (snapshot_codec.h). Load replaces *this; false (and *this empty) on
  // malformed input.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  __extension__ typedef __int128 Wide;  // exact sums of up to 2^64 int64 values
  struct Chunk;

  // Add when the fast path (the latest chunk, not shared, no saturation) does not apply.
  void AddSlow(DayNumber day, int64_t delta);
  // Index of the first chunk whose start is >= `start` (chunk_count() if none).
  size_t LowerBound(DayNumber start) const;
  // Exact Σ deltas of days < day.
  Wide PrefixWide(DayNumber day) const;
  // Index of the chunk starting at `start`, creating it if absent; never shared on return.
  size_t MutableChunkIndex(DayNumber start);
  // Inserts an empty chunk for `start` at `index` (the position that keeps starts_ sorted).
  size_t InsertChunk(size_t index, DayNumber start);
  // Adds `delta` (saturating) to day `offset` of chunk `index` and fixes the totals of that
  // chunk, of later chunks and of the series; returns the chunk. REQUIRES: chunk not shared.
  Chunk& ApplyDelta(size_t index, int offset, int64_t delta);

  std::vector<DayNumber> starts_;               // ascending chunk starts (multiples of 64)
  std::vector<std::shared_ptr<Chunk>> chunks_;  // chunks_[i] covers [starts_[i], +64)
  std::vector<Wide> before_;                    // before_[i] = Σ totals of chunks_[0..i)
  Wide total_ = 0;                              // Σ totals of all chunks

  // Add's fast path: the latest chunk, made writable (not shared) by an earlier write, read
  // without touching starts_, chunks_ or the chunk's reference count. A copy shares every
  // chunk, so copying clears the flag of the copy and of the source (an atomic: a published
  // series may be copied on any thread); so does inserting a chunk.
  void RememberLast(size_t index);
  Chunk* last_chunk_ = nullptr;
  DayNumber last_start_ = 0;
  mutable std::atomic<bool> last_writable_{false};
};

}  // namespace readside::projection
