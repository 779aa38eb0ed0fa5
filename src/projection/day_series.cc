#include "projection/day_series.h"

#include "projection/snapshot_codec.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <limits>

namespace readside::projection {
namespace {

constexpr int kChunkDays = 64;
constexpr DayNumber kOffsetMask = kChunkDays - 1;
// While every day of a chunk is within ±2^57, the sum of its 64 days fits in int64, so the
// hot loop can add in int64 (which the compiler vectorizes) instead of 128 bits.
constexpr int64_t kSmallBound = int64_t{1} << 57;

// Floor division by 64 for negative days too (two's complement, guaranteed by C++20).
DayNumber ChunkStart(DayNumber day) { return day & ~kOffsetMask; }
int DayOffset(DayNumber day) { return day & kOffsetMask; }

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

template <typename Wide>
int64_t Clamp(Wide value) {
  if (value > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (value < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

// Replaces `chunk` by a private copy. Out of line: keeps the append fast path small.
template <typename T>
[[gnu::noinline]] void Unshare(std::shared_ptr<T>& chunk) {
  chunk = std::make_shared<T>(*chunk);
}

}  // namespace

struct DaySeries::Chunk {
  // An AddAt delta: `cum` is the exact Σ of the AddAt deltas recorded on the same day at
  // instants <= `micros`, so a split of the day is one binary search.
  struct Instant {
    Wide cum;
    int64_t micros;
    int32_t offset;
  };
  static bool InstantLess(const Instant& a, const Instant& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.micros < b.micros;
  }

  // Exact Σ days[lo, hi).
  Wide Sum(int lo, int hi) const {
    if (!has_large_day) {
      int64_t sum = 0;
      for (int i = lo; i < hi; ++i) sum += days[i];
      return sum;
    }
    Wide sum = 0;
    for (int i = lo; i < hi; ++i) sum += days[i];
    return sum;
  }

  std::array<int64_t, kChunkDays> days{};  // net value per day (saturating)
  Wide total = 0;                          // exact Σ days
  bool has_large_day = false;              // sticky: some day once reached ±kSmallBound
  std::vector<Instant> instants;           // sorted by (offset, micros); only from AddAt
};

size_t DaySeries::LowerBound(DayNumber start) const {
  const size_t n = starts_.size();
  // Appends and "now" queries hit the latest chunk or beyond: skip the search.
  if (n == 0 || starts_.back() < start) return n;
  if (starts_.back() == start) return n - 1;
  return std::lower_bound(starts_.begin(), starts_.end() - 1, start) - starts_.begin();
}

DaySeries::Wide DaySeries::PrefixWide(DayNumber day) const {
  const DayNumber start = ChunkStart(day);
  const size_t i = LowerBound(start);
  if (i == starts_.size()) return total_;
  if (starts_[i] != start) return before_[i];
  const Chunk& chunk = *chunks_[i];
  const int offset = DayOffset(day);
  // Sum whichever side of the offset is shorter.
  if (offset <= kChunkDays / 2) return before_[i] + chunk.Sum(0, offset);
  return before_[i] + chunk.total - chunk.Sum(offset, kChunkDays);
}

inline size_t DaySeries::MutableChunkIndex(DayNumber start) {
  const size_t i = LowerBound(start);
  if (i == starts_.size() || starts_[i] != start) [[unlikely]] {
    return InsertChunk(i, start);
  }
  if (chunks_[i].use_count() > 1) [[unlikely]] {
    Unshare(chunks_[i]);  // a snapshot still reads the old chunk
  } else {
    // Sole owner. use_count() is a relaxed load; the acquire fence makes the acq_rel
    // decrement of the last snapshot that released this chunk synchronize with us, so its
    // reads happen before our writes. (ThreadSanitizer does not model fences and reports
    // a false race here.)
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return i;
}

size_t DaySeries::InsertChunk(size_t index, DayNumber start) {
  last_writable_.store(false, std::memory_order_relaxed);  // the latest chunk may change
  const Wide before = index == starts_.size() ? total_ : before_[index];
  auto chunk = std::make_shared<Chunk>();
  starts_.insert(starts_.begin() + index, start);
  chunks_.insert(chunks_.begin() + index, std::move(chunk));
  before_.insert(before_.begin() + index, before);
  return index;
}

DaySeries::Chunk& DaySeries::ApplyDelta(size_t index, int offset, int64_t delta) {
  Chunk& chunk = *chunks_[index];
  int64_t& value = chunk.days[offset];
  const int64_t old_value = value;
  value = SaturatingAdd(old_value, delta);
  if (value >= kSmallBound || value <= -kSmallBound) chunk.has_large_day = true;
  // What actually changed; differs from `delta` only when the day saturated.
  const Wide applied = Wide{value} - old_value;
  chunk.total += applied;
  total_ += applied;
  for (size_t j = index + 1; j < before_.size(); ++j) before_[j] += applied;
  return chunk;
}

DaySeries::DaySeries(const DaySeries& other)
    : starts_(other.starts_), chunks_(other.chunks_), before_(other.before_), total_(other.total_) {
  other.last_writable_.store(false, std::memory_order_relaxed);  // its chunks are shared now
}

DaySeries& DaySeries::operator=(const DaySeries& other) {
  if (this == &other) return *this;
  starts_ = other.starts_;
  chunks_ = other.chunks_;
  before_ = other.before_;
  total_ = other.total_;
  last_chunk_ = nullptr;
  last_writable_.store(false, std::memory_order_relaxed);
  other.last_writable_.store(false, std::memory_order_relaxed);
  return *this;
}

DaySeries::DaySeries(DaySeries&& other) noexcept
    : starts_(std::move(other.starts_)),
      chunks_(std::move(other.chunks_)),
      before_(std::move(other.before_)),
      total_(other.total_),
      last_chunk_(other.last_chunk_),
      last_start_(other.last_start_),
      last_writable_(other.last_writable_.load(std::memory_order_relaxed)) {
  other.last_chunk_ = nullptr;
  other.last_writable_.store(false, std::memory_order_relaxed);
}

DaySeries& DaySeries::operator=(DaySeries&& other) noexcept {
  if (this == &other) return *this;
  starts_ = std::move(other.starts_);
  chunks_ = std::move(other.chunks_);
  before_ = std::move(other.before_);
  total_ = other.total_;
  last_chunk_ = other.last_chunk_;
  last_start_ = other.last_start_;
  last_writable_.store(other.last_writable_.load(std::memory_order_relaxed),
                       std::memory_order_relaxed);
  other.last_chunk_ = nullptr;
  other.last_writable_.store(false, std::memory_order_relaxed);
  return *this;
}

void DaySeries::RememberLast(size_t index) {
  if (index + 1 != chunks_.size()) return;
  last_chunk_ = chunks_[index].get();
  last_start_ = starts_[index];
  last_writable_.store(true, std::memory_order_relaxed);
}

// Most adds go to the latest chunk, which no copy shares since the writer's first write to
// it after the last copy, far from the saturation bounds: one day and two totals change (no
// later chunk has a prefix to fix, has_large_day stays as it is).
void DaySeries::Add(DayNumber day, int64_t delta) {
  if (delta == 0) return;
  if (last_writable_.load(std::memory_order_relaxed) && last_start_ == ChunkStart(day))
      [[likely]] {
    Chunk& chunk = *last_chunk_;
    int64_t& value = chunk.days[DayOffset(day)];
    int64_t sum;
    if (!__builtin_add_overflow(value, delta, &sum) && sum < kSmallBound && sum > -kSmallBound)
        [[likely]] {
      value = sum;
      chunk.total += delta;
      total_ += delta;
      return;
    }
  }
  AddSlow(day, delta);
}

[[gnu::noinline]] void DaySeries::AddSlow(DayNumber day, int64_t delta) {
  const size_t index = MutableChunkIndex(ChunkStart(day));
  ApplyDelta(index, DayOffset(day), delta);
  RememberLast(index);
}

void DaySeries::AddAt(DayNumber day, int64_t unix_micros, int64_t delta) {
  if (delta == 0) return;
  const int offset = DayOffset(day);
  Chunk& chunk = ApplyDelta(MutableChunkIndex(ChunkStart(day)), offset, delta);
  std::vector<Chunk::Instant>& instants = chunk.instants;
  const Chunk::Instant key{0, unix_micros, offset};
  if (instants.empty() || Chunk::InstantLess(instants.back(), key)) {
    // In-order events: the new latest instant.
    const bool same_day = !instants.empty() && instants.back().offset == offset;
    instants.push_back(
        Chunk::Instant{(same_day ? instants.back().cum : 0) + delta, unix_micros, offset});
    return;
  }
  auto it = std::upper_bound(instants.begin(), instants.end(), key, Chunk::InstantLess);
  if (it != instants.begin() && std::prev(it)->offset == offset) {
    auto prev = std::prev(it);
    if (prev->micros == unix_micros) {
      it = prev;  // same instant: merge into the existing entry
    } else {
      it = instants.insert(it, Chunk::Instant{prev->cum, unix_micros, offset});
    }
  } else {
    it = instants.insert(it, Chunk::Instant{0, unix_micros, offset});
  }
  // Later instants of the same day include the new delta in their running sums.
  for (; it != instants.end() && it->offset == offset; ++it) it->cum += delta;
}

int64_t DaySeries::PrefixBefore(DayNumber day) const { return Clamp(PrefixWide(day)); }

int64_t DaySeries::Range(DayNumber from, DayNumber to) const {
  if (from >= to) return 0;
  return Clamp(PrefixWide(to) - PrefixWide(from));
}

int64_t DaySeries::PrefixBeforeInstant(DayNumber day, int64_t unix_micros) const {
  Wide sum = PrefixWide(day);
  const DayNumber start = ChunkStart(day);
  const size_t i = LowerBound(start);
  if (i != starts_.size() && starts_[i] == start) {
    const std::vector<Chunk::Instant>& instants = chunks_[i]->instants;
    const int offset = DayOffset(day);
    const Chunk::Instant key{0, unix_micros, offset};
    auto it = std::lower_bound(instants.begin(), instants.end(), key, Chunk::InstantLess);
    if (it != instants.begin() && std::prev(it)->offset == offset) sum += std::prev(it)->cum;
  }
  return Clamp(sum);
}

int64_t DaySeries::Total() const { return Clamp(total_); }

void DaySeries::ForEachDay(DayNumber from, DayNumber to,
                           const std::function<void(DayNumber, int64_t)>& fn) const {
  if (from >= to) return;
  for (size_t i = LowerBound(ChunkStart(from)); i < starts_.size() && starts_[i] < to; ++i) {
    const Chunk& chunk = *chunks_[i];
    // int64 so that the chunk end does not overflow near INT32_MAX.
    const int64_t start = starts_[i];
    const int lo = static_cast<int>(std::max<int64_t>(from - start, 0));
    const int hi = static_cast<int>(std::min<int64_t>(int64_t{to} - start, kChunkDays));
    for (int offset = lo; offset < hi; ++offset) {
      if (chunk.days[offset] != 0) fn(static_cast<DayNumber>(start + offset), chunk.days[offset]);
    }
  }
}

int64_t DaySeries::NextInstantAfter(DayNumber day, int64_t unix_micros) const {
  int64_t best = std::numeric_limits<int64_t>::max();
  // The chunk before `day`'s too: a local day may begin before midnight UTC.
  DayNumber from = day > std::numeric_limits<DayNumber>::min() + kChunkDays
                       ? ChunkStart(day - kChunkDays) : std::numeric_limits<DayNumber>::min();
  for (size_t i = LowerBound(ChunkStart(from)); i < chunks_.size(); ++i) {
    for (const Chunk::Instant& in : chunks_[i]->instants) {
      if (in.micros > unix_micros) best = std::min(best, in.micros);
    }
    // Instants of a later chunk are at least 64 days later than those of this one.
    if (best != std::numeric_limits<int64_t>::max() && starts_[i] > ChunkStart(day)) break;
  }
  return best;
}

void DaySeries::Save(SnapshotWriter& w) const {
  w.U64(chunks_.size());
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& c = *chunks_[i];
    w.I64(starts_[i]);
    uint64_t nonzero = 0;
    for (int64_t v : c.days) nonzero += v != 0;
    w.U64(nonzero);
    for (int d = 0; d < kChunkDays; ++d) {
      if (c.days[d] == 0) continue;
      w.U64(static_cast<uint64_t>(d));
      w.I64(c.days[d]);
    }
    w.Bool(c.has_large_day);
    w.U64(c.instants.size());
    for (const Chunk::Instant& in : c.instants) {
      w.U64(static_cast<uint64_t>(in.offset));
      w.I64(in.micros);
      w.I64(static_cast<int64_t>(static_cast<uint64_t>(in.cum)));
      w.I64(static_cast<int64_t>(in.cum >> 64));
    }
  }
}

bool DaySeries::Load(SnapshotReader& r) {
  *this = DaySeries();
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    auto chunk = std::make_shared<Chunk>();
    int64_t start = r.I64();
    uint64_t nonzero = r.Count();
    for (uint64_t k = 0; k < nonzero && r.ok(); ++k) {
      uint64_t d = r.U64();
      if (d >= static_cast<uint64_t>(kChunkDays)) return r.Fail(), *this = DaySeries(), false;
      chunk->days[d] = r.I64();
      chunk->total += chunk->days[d];
    }
    chunk->has_large_day = r.Bool();
    uint64_t instants = r.Count();
    for (uint64_t k = 0; k < instants && r.ok(); ++k) {
      Chunk::Instant in;
      in.offset = static_cast<int32_t>(r.U64());
      in.micros = r.I64();
      uint64_t low = static_cast<uint64_t>(r.I64());
      Wide high = r.I64();
      in.cum = (high << 64) | low;
      if (in.offset < 0 || in.offset >= kChunkDays) return r.Fail(), *this = DaySeries(), false;
      chunk->instants.push_back(in);
    }
    bool ordered = starts_.empty() || starts_.back() < start;
    if (!r.ok() || !ordered || start % kChunkDays != 0 || start < INT32_MIN || start > INT32_MAX) {
      r.Fail();
      *this = DaySeries();
      return false;
    }
    starts_.push_back(static_cast<DayNumber>(start));
    before_.push_back(total_);
    total_ += chunk->total;
    chunks_.push_back(std::move(chunk));
  }
  if (!r.ok()) *this = DaySeries();
  return r.ok();
}

}  // namespace readside::projection
