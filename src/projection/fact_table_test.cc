// FactTable: sums per key over day ranges equal a brute-force oracle across sealed blocks,
// published views never change, snapshots round-trip.

#include "projection/fact_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "projection/snapshot_codec.h"

namespace readside::projection {
namespace {

struct Oracle {
  std::vector<std::tuple<std::string, DayNumber, int64_t>> facts;
  KeySums Sum(DayNumber from, DayNumber to) const {
    std::map<std::string, __int128, std::less<>> wide;
    for (const auto& [key, day, delta] : facts) {
      if (day >= from && day < to) wide[key] += delta;
    }
    KeySums out;
    for (const auto& [key, v] : wide) {
      if (v != 0) out[key] = static_cast<int64_t>(v);
    }
    return out;
  }
};

// Keys, days and deltas drawn so that blocks seal many times, days arrive out of order (late
// facts), some keys cancel out and ranges cut through blocks.
void Fill(FactTable* table, Oracle* oracle, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(rng() % 40);
    DayNumber day = static_cast<DayNumber>(i / 50) - static_cast<DayNumber>(rng() % 5);
    int64_t delta = static_cast<int64_t>(rng() % 21) - 10;
    table->Add(key, day, delta);
    if (delta != 0) oracle->facts.emplace_back(key, day, delta);
  }
}

TEST(FactTableTest, SumsEqualTheOracleForEveryRange) {
  FactTable table;
  Oracle oracle;
  Fill(&table, &oracle, 40'000, 7);  // ~10 sealed blocks, plus a tail
  FactTableView view = table.Publish();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 300; ++i) {
    DayNumber a = static_cast<DayNumber>(rng() % 820) - 10;
    DayNumber b = a + static_cast<DayNumber>(rng() % 200);
    EXPECT_EQ(view.Sum(a, b), oracle.Sum(a, b)) << a << ".." << b;
    EXPECT_EQ(view.Sum(FactTableView::kMinDay, b), oracle.Sum(FactTableView::kMinDay, b)) << b;
  }
  EXPECT_EQ(view.Sum(FactTableView::kMinDay, 1'000'000),
            oracle.Sum(FactTableView::kMinDay, 1'000'000));
  EXPECT_TRUE(view.Sum(5, 5).empty());
}

TEST(FactTableTest, KeysThatCancelOutAreOmitted) {
  FactTable table;
  table.Add("a", 1, 5);
  table.Add("b", 1, 2);
  table.Add("a", 2, -5);
  table.Add("zero", 1, 0);  // a zero delta is not even a key
  FactTableView view = table.Publish();
  EXPECT_EQ(view.Sum(0, 3), (KeySums{{"b", 2}}));
  EXPECT_EQ(view.Sum(0, 2), (KeySums{{"a", 5}, {"b", 2}}));
  std::vector<std::tuple<std::string, DayNumber, int64_t>> days;
  view.ForEachKeyDay(
      [&](std::string_view k, DayNumber d, int64_t v) { days.emplace_back(k, d, v); });
  EXPECT_EQ(days, (std::vector<std::tuple<std::string, DayNumber, int64_t>>{
                      {"a", 1, 5}, {"a", 2, -5}, {"b", 1, 2}}));
  EXPECT_TRUE(FactTableView().empty());
  EXPECT_TRUE(FactTableView().Sum(0, 10).empty());
  EXPECT_FALSE(view.empty());
}

TEST(FactTableTest, PublishedViewsNeverChange) {
  FactTable table;
  Oracle oracle;
  std::vector<std::pair<FactTableView, Oracle>> kept;
  for (int round = 0; round < 20; ++round) {
    Fill(&table, &oracle, 1'500, 100 + round);  // new keys and seals between publications
    table.Add("new-" + std::to_string(round), round, 1);
    oracle.facts.emplace_back("new-" + std::to_string(round), round, 1);
    kept.emplace_back(table.Publish(), oracle);
  }
  for (const auto& [view, then] : kept) {
    EXPECT_EQ(view.Sum(FactTableView::kMinDay, 1'000'000),
              then.Sum(FactTableView::kMinDay, 1'000'000));
    EXPECT_EQ(view.Sum(100, 300), then.Sum(100, 300));
  }
}

TEST(FactTableTest, SumsAreExactBeyondInt64AndClampedOnlyAtTheEnd) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  FactTable table;
  for (int i = 0; i < 600; ++i) table.Add("big", i % 2, i % 2 == 0 ? kMax : -kMax);  // seals too
  table.Add("big", 0, 7);
  FactTableView view = table.Publish();
  EXPECT_EQ(view.Sum(0, 2), (KeySums{{"big", 7}}));
  EXPECT_EQ(view.Sum(0, 1).at("big"), kMax);  // 300 × kMax + 7, clamped
  EXPECT_EQ(view.Sum(1, 2).at("big"), std::numeric_limits<int64_t>::min());
}

TEST(FactTableTest, SnapshotRoundTrip) {
  FactTable table;
  Oracle oracle;
  Fill(&table, &oracle, 12'345, 11);
  SnapshotWriter w;
  table.Save(w);
  SnapshotReader r(w.buffer());
  FactTable loaded;
  loaded.Add("stale", 1, 1);  // Load replaces everything
  ASSERT_TRUE(loaded.Load(r));
  EXPECT_TRUE(r.done());
  for (DayNumber to : {0, 50, 120, 240, 1000}) {
    EXPECT_EQ(loaded.Publish().Sum(FactTableView::kMinDay, to),
              oracle.Sum(FactTableView::kMinDay, to));
    EXPECT_EQ(loaded.Publish().Sum(to - 30, to), oracle.Sum(to - 30, to));
  }
  loaded.Add("k1", 5, 3);  // and goes on like the original
  table.Add("k1", 5, 3);
  EXPECT_EQ(loaded.Publish().Sum(0, 10), table.Publish().Sum(0, 10));
  for (size_t cut = 0; cut < w.buffer().size(); cut += 97) {
    SnapshotReader truncated(std::string_view(w.buffer()).substr(0, cut));
    FactTable t;
    EXPECT_FALSE(t.Load(truncated) && truncated.done()) << cut;
  }
}

// A reader sums a published view on another thread while the writer appends, seals and adds
// keys (run under the sanitizers by make check).
TEST(FactTableTest, ReadersRunConcurrentlyWithTheWriter) {
  FactTable table;
  Oracle oracle;
  Fill(&table, &oracle, 3'000, 21);
  FactTableView view = table.Publish();
  KeySums want = oracle.Sum(FactTableView::kMinDay, 1'000'000);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) ASSERT_EQ(view.Sum(FactTableView::kMinDay, 1'000'000), want);
  });
  Oracle more;
  Fill(&table, &more, 30'000, 22);
  done = true;
  reader.join();
}

}  // namespace
}  // namespace readside::projection

namespace readside::projection {
namespace {

// KeyPool over StringIndex: ids are dense and stable across growth, and keys that differ in
// one byte anywhere (lengths 0..40, the word-at-a-time comparison's edges) stay apart.
TEST(KeyPoolTest, InternsEveryDistinctKeyOnce) {
  KeyPool pool;
  std::vector<std::string> keys;
  for (size_t len = 0; len <= 40; ++len) {
    std::string base(len, 'x');
    keys.push_back(base);
    for (size_t i = 0; i < len; ++i) {
      std::string k = base;
      k[i] = 'y';
      keys.push_back(k);
    }
  }
  for (int i = 0; i < 3000; ++i) keys.push_back("id-" + std::to_string(i));  // grows many times
  for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(pool.Intern(keys[i]), i) << keys[i];
  KeyPoolView view = pool.Publish();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(pool.Intern(keys[i]), i) << keys[i];
    EXPECT_EQ(view[static_cast<uint32_t>(i)], keys[i]);
  }
  EXPECT_EQ(pool.size(), keys.size());
  EXPECT_EQ(pool.Intern("another"), keys.size());
  EXPECT_EQ(view.size(), keys.size());  // a published view keeps its count
  uint32_t cached = KeyPool::kNone;
  EXPECT_EQ(pool.Intern(&cached, "id-7"), pool.Intern("id-7"));
  EXPECT_EQ(cached, pool.Intern("id-7"));
}

TEST(KeyPoolTest, EqualKeysMatchesStringEquality) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    size_t n = rng() % 40, m = rng() % 3 == 0 ? n : rng() % 40;
    std::string a(n, 'a'), b(m, 'a');
    for (char& ch : a) ch = static_cast<char>('a' + rng() % 2);
    for (char& ch : b) ch = static_cast<char>('a' + rng() % 2);
    EXPECT_EQ(EqualKeys(a, b), a == b) << a << " " << b;
    EXPECT_TRUE(EqualKeys(a, std::string(a)));
  }
}

}  // namespace
}  // namespace readside::projection
