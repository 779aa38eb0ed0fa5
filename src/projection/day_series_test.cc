#include "projection/day_series.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "common/time_util.h"

// Counts heap allocations so that tests can assert what a copy or a write really allocates.
namespace {
std::atomic<int64_t> g_allocations{0};
std::atomic<int64_t> g_allocated_bytes{0};
}  // namespace

// GCC flags free() on memory from the (replaced) global operator new as mismatched.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_allocated_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace readside::projection {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Allocations made during the lifetime of an AllocationCounter.
class AllocationCounter {
 public:
  AllocationCounter() : count_(g_allocations.load()), bytes_(g_allocated_bytes.load()) {}
  int64_t count() const { return g_allocations.load() - count_; }
  int64_t bytes() const { return g_allocated_bytes.load() - bytes_; }

 private:
  int64_t count_;
  int64_t bytes_;
};

using DayList = std::vector<std::pair<DayNumber, int64_t>>;

DayList Days(const DaySeries& series, DayNumber from, DayNumber to) {
  DayList days;
  series.ForEachDay(from, to, [&](DayNumber day, int64_t value) { days.emplace_back(day, value); });
  return days;
}

TEST(DaySeriesTest, EmptySeriesIsZeroEverywhere) {
  DaySeries series;
  EXPECT_TRUE(series.empty());
  EXPECT_EQ(series.chunk_count(), 0u);
  EXPECT_EQ(series.PrefixBefore(0), 0);
  EXPECT_EQ(series.PrefixBefore(std::numeric_limits<DayNumber>::min()), 0);
  EXPECT_EQ(series.Range(-100, 100), 0);
  EXPECT_EQ(series.PrefixBeforeInstant(5, 123), 0);
  EXPECT_EQ(series.Total(), 0);
  EXPECT_TRUE(Days(series, -1000, 1000).empty());
}

TEST(DaySeriesTest, FlowsAreRangesAndStocksArePrefixes) {
  // Sign-ups per day: day 10: +3, day 11: +2, day 13: +5, day 13 again: -1 (a deletion).
  DaySeries series;
  series.Add(10, 3);
  series.Add(11, 2);
  series.Add(13, 5);
  series.Add(13, -1);
  EXPECT_FALSE(series.empty());
  // Stock at the end of each day = prefix before the next day.
  EXPECT_EQ(series.PrefixBefore(10), 0);
  EXPECT_EQ(series.PrefixBefore(11), 3);
  EXPECT_EQ(series.PrefixBefore(12), 5);
  EXPECT_EQ(series.PrefixBefore(13), 5);
  EXPECT_EQ(series.PrefixBefore(14), 9);
  EXPECT_EQ(series.PrefixBefore(1000), 9);
  // Flows over periods.
  EXPECT_EQ(series.Range(10, 12), 5);
  EXPECT_EQ(series.Range(11, 14), 6);
  EXPECT_EQ(series.Range(12, 13), 0);
  EXPECT_EQ(series.Range(13, 14), 4);
  EXPECT_EQ(series.Range(0, 1000), 9);
  EXPECT_EQ(series.Total(), 9);
}

TEST(DaySeriesTest, EmptyOrReversedRangeIsZero) {
  DaySeries series;
  series.Add(5, 7);
  EXPECT_EQ(series.Range(5, 5), 0);
  EXPECT_EQ(series.Range(6, 5), 0);
  EXPECT_EQ(series.Range(5, 6), 7);
}

TEST(DaySeriesTest, ZeroDeltaIsANoOp) {
  DaySeries series;
  series.Add(5, 0);
  series.AddAt(5, 1000, 0);
  EXPECT_TRUE(series.empty());
  EXPECT_EQ(series.chunk_count(), 0u);
}

TEST(DaySeriesTest, DeltasThatCancelLeaveTheSeriesNonEmpty) {
  DaySeries series;
  series.Add(5, 4);
  series.Add(5, -4);
  EXPECT_FALSE(series.empty());
  EXPECT_EQ(series.Total(), 0);
  EXPECT_TRUE(Days(series, 0, 64).empty());
}

TEST(DaySeriesTest, ChunkBoundaryBetween63And64) {
  DaySeries series;
  series.Add(63, 1);
  series.Add(64, 10);
  EXPECT_EQ(series.chunk_count(), 2u);
  EXPECT_EQ(series.PrefixBefore(63), 0);
  EXPECT_EQ(series.PrefixBefore(64), 1);
  EXPECT_EQ(series.PrefixBefore(65), 11);
  EXPECT_EQ(series.Range(63, 64), 1);
  EXPECT_EQ(series.Range(64, 65), 10);
  EXPECT_EQ(series.Range(0, 128), 11);
}

TEST(DaySeriesTest, NegativeDaysChunkByFloorDivision) {
  DaySeries series;
  series.Add(-1, 1);     // chunk [-64, 0)
  series.Add(-64, 10);   // chunk [-64, 0)
  series.Add(-65, 100);  // chunk [-128, -64)
  series.Add(0, 1000);   // chunk [0, 64)
  EXPECT_EQ(series.chunk_count(), 3u);
  EXPECT_EQ(series.PrefixBefore(-65), 0);
  EXPECT_EQ(series.PrefixBefore(-64), 100);
  EXPECT_EQ(series.PrefixBefore(-63), 110);
  EXPECT_EQ(series.PrefixBefore(-1), 110);
  EXPECT_EQ(series.PrefixBefore(0), 111);
  EXPECT_EQ(series.PrefixBefore(1), 1111);
  EXPECT_EQ(series.Range(-64, 0), 11);
  EXPECT_EQ(series.Range(-65, -64), 100);
  EXPECT_EQ((Days(series, -200, 200)), (DayList{{-65, 100}, {-64, 10}, {-1, 1}, {0, 1000}}));
}

TEST(DaySeriesTest, LateAddToEarlierChunkFixesLaterPrefixes) {
  DaySeries series;
  series.Add(0, 1);
  series.Add(100, 2);
  series.Add(200, 4);
  series.Add(300, 8);
  EXPECT_EQ(series.PrefixBefore(301), 15);
  series.Add(101, 16);  // late event into the second chunk
  EXPECT_EQ(series.PrefixBefore(101), 3);
  EXPECT_EQ(series.PrefixBefore(102), 19);
  EXPECT_EQ(series.PrefixBefore(200), 19);
  EXPECT_EQ(series.PrefixBefore(201), 23);
  EXPECT_EQ(series.PrefixBefore(301), 31);
  EXPECT_EQ(series.Range(200, 301), 12);
  EXPECT_EQ(series.Total(), 31);
}

TEST(DaySeriesTest, LateAddCreatingAChunkInTheMiddleFixesLaterPrefixes) {
  DaySeries series;
  series.Add(0, 1);
  series.Add(1000, 2);
  series.Add(-1000, 4);
  series.Add(500, 8);  // new chunk between existing ones
  EXPECT_EQ(series.chunk_count(), 4u);
  EXPECT_EQ(series.PrefixBefore(-999), 4);
  EXPECT_EQ(series.PrefixBefore(1), 5);
  EXPECT_EQ(series.PrefixBefore(500), 5);
  EXPECT_EQ(series.PrefixBefore(501), 13);
  EXPECT_EQ(series.PrefixBefore(1001), 15);
  EXPECT_EQ(series.Range(1, 1000), 8);
}

TEST(DaySeriesTest, YearsOneToNineThousandStaySparse) {
  const auto first = static_cast<DayNumber>(DaysFromCivil(1, 1, 1));
  const auto last = static_cast<DayNumber>(DaysFromCivil(9999, 12, 31));
  ASSERT_EQ(first, -719162);
  ASSERT_EQ(last, 2932896);
  DaySeries series;
  AllocationCounter allocations;
  series.Add(last, 5);
  series.Add(first, 7);
  series.Add(0, 11);
  EXPECT_LT(allocations.bytes(), 8 * 1024);  // three chunks, not 3.6M days
  EXPECT_EQ(series.chunk_count(), 3u);
  EXPECT_EQ(series.PrefixBefore(first), 0);
  EXPECT_EQ(series.PrefixBefore(first + 1), 7);
  EXPECT_EQ(series.PrefixBefore(last), 18);
  EXPECT_EQ(series.PrefixBefore(last + 1), 23);
  EXPECT_EQ(series.Range(1, last + 1), 5);
  EXPECT_EQ((Days(series, first, last + 1)), (DayList{{first, 7}, {0, 11}, {last, 5}}));
}

TEST(DaySeriesTest, ExtremeDayNumbersDoNotOverflow) {
  constexpr DayNumber kFirst = std::numeric_limits<DayNumber>::min();
  constexpr DayNumber kLast = std::numeric_limits<DayNumber>::max();
  DaySeries series;
  series.Add(kFirst, 1);
  series.Add(kLast, 2);
  series.Add(kLast - 1, 4);
  EXPECT_EQ(series.PrefixBefore(kFirst), 0);
  EXPECT_EQ(series.PrefixBefore(kFirst + 1), 1);
  EXPECT_EQ(series.PrefixBefore(kLast), 5);
  EXPECT_EQ(series.Range(kLast - 1, kLast), 4);
  EXPECT_EQ(series.Total(), 7);
  EXPECT_EQ((Days(series, kFirst, kLast)), (DayList{{kFirst, 1}, {kLast - 1, 4}}));
}

TEST(DaySeriesTest, CopySharesChunksInsteadOfCopyingDays) {
  DaySeries series;
  for (int i = 0; i < 100; ++i) series.Add(i * 64, i + 1);
  ASSERT_EQ(series.chunk_count(), 100u);
  AllocationCounter allocations;
  DaySeries copy = series;
  // Only the three index vectors (starts, chunk pointers, prefix totals) are allocated.
  EXPECT_EQ(allocations.count(), 3);
  EXPECT_LT(allocations.bytes(), 100 * 64 * 8 / 10);
  EXPECT_EQ(copy.chunk_count(), 100u);
  EXPECT_EQ(copy.Total(), series.Total());
}

TEST(DaySeriesTest, WriteAfterCopyClonesOnlyTheWrittenChunk) {
  DaySeries series;
  for (int i = 0; i < 100; ++i) series.Add(i * 64, 1);
  DaySeries snapshot = series;
  {
    AllocationCounter allocations;
    series.Add(50 * 64 + 3, 1);
    EXPECT_EQ(allocations.count(), 1);  // one clone
  }
  {
    AllocationCounter allocations;
    series.Add(50 * 64 + 4, 1);  // the clone is no longer shared
    series.Add(99 * 64 + 1, 1);  // ...but the latest chunk still is
    EXPECT_EQ(allocations.count(), 1);
  }
  {
    AllocationCounter allocations;
    series.Add(99 * 64 + 2, 1);  // the fast path, unshared: no allocation
    EXPECT_EQ(allocations.count(), 0);
  }
  EXPECT_EQ(snapshot.Total(), 100);
  EXPECT_EQ(series.Total(), 104);
}

TEST(DaySeriesTest, WriteToOriginalLeavesCopyUnchanged) {
  DaySeries series;
  series.Add(1, 1);
  series.Add(100, 2);
  DaySeries snapshot = series;
  series.Add(1, 10);     // existing shared chunk
  series.Add(100, 20);   // latest shared chunk
  series.Add(-500, 40);  // new chunk before all
  series.Add(5000, 80);  // new chunk after all
  series.AddAt(2, 123, 160);
  EXPECT_EQ(snapshot.Total(), 3);
  EXPECT_EQ(snapshot.chunk_count(), 2u);
  EXPECT_EQ(snapshot.PrefixBefore(2), 1);
  EXPECT_EQ(snapshot.PrefixBefore(101), 3);
  EXPECT_EQ(snapshot.PrefixBeforeInstant(2, 1000), 1);
  EXPECT_EQ((Days(snapshot, -1000, 10000)), (DayList{{1, 1}, {100, 2}}));
  EXPECT_EQ(series.Total(), 313);
  EXPECT_EQ(series.PrefixBefore(2), 51);
}

TEST(DaySeriesTest, WriteToCopyLeavesOriginalUnchanged) {
  DaySeries series;
  series.Add(1, 1);
  series.Add(100, 2);
  DaySeries copy = series;
  copy.Add(1, 10);
  copy.Add(100, 20);
  copy.Add(-500, 40);
  EXPECT_EQ(series.Total(), 3);
  EXPECT_EQ(series.PrefixBefore(101), 3);
  EXPECT_EQ((Days(series, -1000, 1000)), (DayList{{1, 1}, {100, 2}}));
  EXPECT_EQ(copy.Total(), 73);
  // The original keeps working on its own chunks afterwards.
  series.Add(1, 1000);
  EXPECT_EQ(series.PrefixBefore(2), 1001);
  EXPECT_EQ(copy.PrefixBefore(2), 51);
}

// The writer's fast path remembers the latest chunk as writable; every way of sharing the
// chunks (copy construction, copy assignment, in either direction) must end that.
TEST(DaySeriesTest, EveryCopyEndsTheWritersFastPathOnSharedChunks) {
  DaySeries series;
  series.Add(100, 1);
  series.Add(100, 2);  // the fast path
  DaySeries assigned;
  assigned.Add(5, 7);
  assigned = series;  // copy assignment shares the latest chunk
  series.Add(100, 4);
  EXPECT_EQ(assigned.PrefixBefore(101), 3);
  assigned.Add(100, 8);
  EXPECT_EQ(series.PrefixBefore(101), 7);
  EXPECT_EQ(assigned.PrefixBefore(101), 11);
  DaySeries moved = std::move(assigned);  // a move keeps the chunks unshared
  moved.Add(100, 16);
  EXPECT_EQ(moved.PrefixBefore(101), 27);
  EXPECT_EQ(series.PrefixBefore(101), 7);
  DaySeries copy(moved);
  moved.Add(101, 32);
  copy.Add(101, 64);
  EXPECT_EQ(moved.Total(), 59);
  EXPECT_EQ(copy.Total(), 91);
  series.Add(130, 128);  // a new latest chunk, then the old one again
  series.Add(100, 256);
  EXPECT_EQ(series.Range(64, 128), 263);
  EXPECT_EQ(series.Total(), 391);
}

TEST(DaySeriesTest, MovedFromSeriesLeavesTheTargetIntact) {
  DaySeries series;
  series.Add(3, 5);
  DaySeries moved = std::move(series);
  EXPECT_EQ(moved.Total(), 5);
  EXPECT_EQ(moved.PrefixBefore(4), 5);
}

TEST(DaySeriesTest, PrefixBeforeInstantSplitsADay) {
  constexpr DayNumber kDay = 19'737;  // 2024-01-14
  const int64_t midnight = kDay * kMicrosPerDay;
  const int64_t nine = midnight + kMicrosPerSecond * 3600 * 9;
  const int64_t noon = midnight + kMicrosPerSecond * 3600 * 12;
  DaySeries active;
  active.Add(kDay - 1, 100);    // stock carried in
  active.AddAt(kDay, nine, 5);  // 5 subscriptions start at 09:00
  active.AddAt(kDay, noon, -2);
  active.Add(kDay, 1000);  // a plain Add on the day is not placed within the day
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, midnight), 100);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, nine), 100);  // strictly before 09:00
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, nine + 1), 105);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, noon), 105);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, noon + 1), 103);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, midnight + kMicrosPerDay), 103);
  // AddAt deltas count in the day like Add deltas do.
  EXPECT_EQ(active.PrefixBefore(kDay + 1), 1103);
  EXPECT_EQ(active.Range(kDay, kDay + 1), 1003);
  // Instants on other days do not leak into this one.
  active.AddAt(kDay + 1, midnight + kMicrosPerDay + 1, 7);
  active.AddAt(kDay - 1, noon - kMicrosPerDay, 9);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay, noon + 1), 112);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay + 1, midnight + kMicrosPerDay), 1112);
  EXPECT_EQ(active.PrefixBeforeInstant(kDay + 1, midnight + kMicrosPerDay + 2), 1119);
}

TEST(DaySeriesTest, PrefixBeforeInstantHandlesLateAndRepeatedInstants) {
  DaySeries series;
  series.AddAt(-3, 300, 1);
  series.AddAt(-3, 100, 10);   // late: earlier instant on the same day
  series.AddAt(-3, 300, 100);  // same instant again: merged
  series.AddAt(-3, 200, 1000);
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 100), 0);
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 101), 10);
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 201), 1010);
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 300), 1010);
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 301), 1111);
  EXPECT_EQ(series.PrefixBefore(-2), 1111);
  series.AddAt(-3, 300, -101);  // the merged instant nets to zero
  EXPECT_EQ(series.PrefixBeforeInstant(-3, 301), 1010);
  EXPECT_EQ(series.PrefixBeforeInstant(-2, 0), 1010);
}

TEST(DaySeriesTest, DayValueSaturatesInsteadOfOverflowing) {
  DaySeries series;
  series.Add(0, kMax);
  series.Add(0, 1);
  EXPECT_EQ(series.PrefixBefore(1), kMax);
  EXPECT_EQ((Days(series, 0, 1)), (DayList{{0, kMax}}));
  series.Add(1, kMin);
  series.Add(1, -1);
  EXPECT_EQ((Days(series, 1, 2)), (DayList{{1, kMin}}));
  EXPECT_EQ(series.Range(1, 2), kMin);
  EXPECT_EQ(series.Total(), -1);  // kMax + kMin, exact
}

TEST(DaySeriesTest, SumsAcrossDaysSaturateButRangesStayExact) {
  DaySeries series;
  series.Add(0, kMax);
  series.Add(1, kMax);
  series.Add(100, kMax);
  series.Add(200, -kMax);
  series.Add(201, -kMax);
  EXPECT_EQ(series.PrefixBefore(1), kMax);
  EXPECT_EQ(series.PrefixBefore(2), kMax);    // 2 * kMax clamps
  EXPECT_EQ(series.PrefixBefore(101), kMax);  // 3 * kMax clamps
  EXPECT_EQ(series.Total(), kMax);            // 3 * kMax - 2 * kMax, exact
  EXPECT_EQ(series.Range(1, 101), kMax);      // exact: 2 * kMax clamps only at the end
  EXPECT_EQ(series.Range(100, 202), -kMax);   // both prefixes clamp, difference does not
  EXPECT_EQ(series.Range(1, 2), kMax);
  series.AddAt(300, 5, kMin);
  series.AddAt(300, 6, kMin);
  EXPECT_EQ(series.PrefixBeforeInstant(300, 6), -1);    // kMax + kMin, exact
  EXPECT_EQ(series.PrefixBeforeInstant(300, 7), kMin);  // kMax + 2 * kMin clamps
}

TEST(DaySeriesTest, ForEachDayVisitsNonZeroDaysInRangeAscending) {
  DaySeries series;
  series.Add(130, 3);
  series.Add(-70, 1);
  series.Add(5, 2);
  series.Add(6, 4);
  series.Add(6, -4);  // nets to zero: skipped
  series.Add(64, 5);
  EXPECT_EQ((Days(series, -1000, 1000)), (DayList{{-70, 1}, {5, 2}, {64, 5}, {130, 3}}));
  EXPECT_EQ((Days(series, 5, 64)), (DayList{{5, 2}}));  // `to` is exclusive
  EXPECT_EQ((Days(series, 6, 131)), (DayList{{64, 5}, {130, 3}}));
  EXPECT_EQ((Days(series, -70, -69)), (DayList{{-70, 1}}));
  EXPECT_TRUE(Days(series, 131, 1000).empty());
  EXPECT_TRUE(Days(series, 100, 5).empty());
}

// The naive model the series must agree with.
struct Reference {
  std::map<DayNumber, int64_t> days;
  std::map<DayNumber, std::map<int64_t, int64_t>> instants;
  int64_t total = 0;

  void Add(DayNumber day, int64_t delta) {
    days[day] += delta;
    total += delta;
  }
  void AddAt(DayNumber day, int64_t micros, int64_t delta) {
    Add(day, delta);
    instants[day][micros] += delta;
  }
  int64_t PrefixBefore(DayNumber day) const {
    int64_t sum = 0;
    for (auto it = days.begin(); it != days.end() && it->first < day; ++it) sum += it->second;
    return sum;
  }
  int64_t Range(DayNumber from, DayNumber to) const {
    int64_t sum = 0;
    for (auto it = days.lower_bound(from); it != days.end() && it->first < to; ++it) {
      sum += it->second;
    }
    return sum;
  }
  int64_t PrefixBeforeInstant(DayNumber day, int64_t micros) const {
    int64_t sum = PrefixBefore(day);
    auto day_it = instants.find(day);
    if (day_it == instants.end()) return sum;
    for (const auto& [instant, delta] : day_it->second) {
      if (instant < micros) sum += delta;
    }
    return sum;
  }
  std::vector<std::pair<DayNumber, int64_t>> NonZeroDays(DayNumber from, DayNumber to) const {
    std::vector<std::pair<DayNumber, int64_t>> result;
    for (auto it = days.lower_bound(from); it != days.end() && it->first < to; ++it) {
      if (it->second != 0) result.push_back(*it);
    }
    return result;
  }
};

void ExpectSameContents(const DaySeries& series, const Reference& reference) {
  constexpr DayNumber kFirst = std::numeric_limits<DayNumber>::min();
  constexpr DayNumber kLast = std::numeric_limits<DayNumber>::max();
  ASSERT_EQ(Days(series, kFirst, kLast), reference.NonZeroDays(kFirst, kLast));
  ASSERT_EQ(series.Total(), reference.total);
  int64_t prefix = 0;
  for (const auto& [day, value] : reference.days) {
    ASSERT_EQ(series.PrefixBefore(day), prefix) << day;
    prefix += value;
    ASSERT_EQ(series.PrefixBefore(day + 1), prefix) << day;
  }
}

// Random operations over days drawn from [lo, hi], mostly appending near a moving "today".
void RunDifferential(DayNumber lo, DayNumber hi, int operations, uint32_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t a, int64_t b) {
    return std::uniform_int_distribution<int64_t>(a, b)(rng);
  };
  DaySeries series;
  Reference reference;
  std::vector<std::pair<DaySeries, Reference>> snapshots;
  DayNumber today = lo;
  const int64_t step = std::max<int64_t>(1, (int64_t{hi} - lo) / operations * 2);
  // Late events hit a pool of past days more often than fresh ones, which keeps the number of
  // distinct days (and so the naive model's O(days) queries) affordable on a wide range.
  std::vector<DayNumber> pool(400);
  for (DayNumber& day : pool) day = static_cast<DayNumber>(uniform(lo, hi));
  auto random_day = [&]() -> DayNumber {
    const int64_t where = uniform(0, 99);
    if (where < 60) return today - static_cast<DayNumber>(uniform(0, 2));
    if (where < 97) return pool[static_cast<size_t>(uniform(0, pool.size() - 1))];
    return static_cast<DayNumber>(uniform(lo, hi));
  };
  for (int op = 0; op < operations; ++op) {
    if (uniform(0, 99) == 0) today = static_cast<DayNumber>(std::min<int64_t>(hi, today + step));
    const int64_t kind = uniform(0, 99);
    if (kind < 55) {
      const DayNumber day = random_day();
      const int64_t delta = uniform(-1'000'000'000, 1'000'000'000);
      series.Add(day, delta);
      reference.Add(day, delta);
    } else if (kind < 70) {
      const DayNumber day = random_day();
      const int64_t micros = day * kMicrosPerDay + uniform(0, 20) * 1000;
      const int64_t delta = uniform(-1000, 1000);
      series.AddAt(day, micros, delta);
      reference.AddAt(day, micros, delta);
    } else if (kind < 78) {
      const DayNumber day = random_day();
      ASSERT_EQ(series.PrefixBefore(day), reference.PrefixBefore(day)) << "op " << op;
    } else if (kind < 86) {
      DayNumber from = random_day();
      DayNumber to = uniform(0, 1) ? random_day() : from + static_cast<DayNumber>(uniform(0, 200));
      ASSERT_EQ(series.Range(from, to), from < to ? reference.Range(from, to) : 0) << "op " << op;
    } else if (kind < 93) {
      const DayNumber day = random_day();
      const int64_t micros = day * kMicrosPerDay + uniform(-1, 21) * 1000 + uniform(-1, 1);
      ASSERT_EQ(series.PrefixBeforeInstant(day, micros), reference.PrefixBeforeInstant(day, micros))
          << "op " << op;
    } else if (kind < 96) {
      const DayNumber from = random_day();
      const DayNumber to = from + static_cast<DayNumber>(uniform(0, 300));
      ASSERT_EQ(Days(series, from, to), reference.NonZeroDays(from, to)) << "op " << op;
      ASSERT_EQ(series.Total(), reference.total);
      ASSERT_EQ(series.empty(), reference.days.empty());
    } else if (kind < 97) {
      // Keep a snapshot (1 in 4 times: copying the naive model is what costs here).
      if (uniform(0, 3) != 0) continue;
      if (snapshots.size() < 16) {
        snapshots.emplace_back(series, reference);
      } else {
        const size_t victim = static_cast<size_t>(uniform(0, 15));
        ExpectSameContents(snapshots[victim].first, snapshots[victim].second);
        snapshots[victim] = {series, reference};
      }
    } else if (!snapshots.empty()) {
      // Continue writing to a snapshot's copy: the original must not see it.
      auto& [copy, copy_reference] =
          snapshots[static_cast<size_t>(uniform(0, snapshots.size() - 1))];
      const DayNumber day = random_day();
      copy.Add(day, 1);
      copy_reference.Add(day, 1);
    }
  }
  ExpectSameContents(series, reference);
  for (const auto& [snapshot, snapshot_reference] : snapshots) {
    ExpectSameContents(snapshot, snapshot_reference);
  }
}

TEST(DaySeriesTest, MatchesNaiveModelOnNarrowRange) { RunDifferential(-300, 300, 100'000, 1); }

TEST(DaySeriesTest, MatchesNaiveModelOnYearsOneToNineThousand) {
  RunDifferential(-719'162, 2'932'896, 100'000, 2);
}

// Number of writes i in [1, writes] with (i * 37) % 512 < day; 37 is coprime to 512, so every
// 512 consecutive writes hit each of the 512 days once.
int64_t WritesBelow(int64_t writes, int64_t day) {
  int64_t count = writes / 512 * day;
  for (int64_t i = writes / 512 * 512 + 1; i <= writes; ++i) count += (i * 37) % 512 < day;
  return count;
}

TEST(DaySeriesTest, ReadersSeeConsistentSnapshotsWhileTheWriterContinues) {
  // The writer adds 1 to day (i * 37) % 512 for write i and publishes a copy every 64 writes;
  // readers check that each snapshot they take describes exactly the writes before it.
  constexpr int64_t kWrites = int64_t{64} * 2'000;
  // The hand-off slot is the only lock; reading a snapshot takes none. Readers take the
  // snapshot out of the slot, so that sometimes a reader, not the writer, drops the last
  // reference to a chunk that the writer then mutates in place.
  std::mutex mutex;
  std::condition_variable published;
  std::shared_ptr<const DaySeries> slot;
  bool done = false;
  std::atomic<int> reads{0};
  std::atomic<int> failures{0};
  auto reader = [&] {
    while (true) {
      std::shared_ptr<const DaySeries> snapshot;
      {
        std::unique_lock<std::mutex> lock(mutex);
        published.wait(lock, [&] { return slot != nullptr || done; });
        if (slot == nullptr) return;  // done, and the last snapshot was checked
        snapshot = std::move(slot);
      }
      const int64_t writes = snapshot->Total();
      int64_t visited = 0;
      snapshot->ForEachDay(0, 512, [&](DayNumber, int64_t value) { visited += value; });
      // Day 300 is mid-chunk: exercises the in-chunk sums.
      if (writes % 64 != 0 || visited != writes ||
          snapshot->PrefixBefore(300) != WritesBelow(writes, 300) ||
          snapshot->Range(100, 300) != WritesBelow(writes, 300) - WritesBelow(writes, 100)) {
        failures.fetch_add(1);
      }
      reads.fetch_add(1);
    }
  };
  std::thread reader1(reader);
  std::thread reader2(reader);
  DaySeries series;
  for (int64_t i = 1; i <= kWrites; ++i) {
    series.Add(static_cast<DayNumber>((i * 37) % 512), 1);
    if (i % 64 == 0) {
      auto snapshot = std::make_shared<const DaySeries>(series);
      {
        std::lock_guard<std::mutex> lock(mutex);
        slot.swap(snapshot);
      }
      published.notify_one();
    }  // an untaken older snapshot is released here, by the writer
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  published.notify_all();
  reader1.join();
  reader2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(reads.load(), 1);
  EXPECT_EQ(series.Total(), kWrites);
  EXPECT_EQ(series.PrefixBefore(300), WritesBelow(kWrites, 300));
}

}  // namespace
}  // namespace readside::projection
