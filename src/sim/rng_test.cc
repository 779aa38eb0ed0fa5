// Tests of the simulator's integer-only random distributions and value formatting, which
// carry the cross-platform determinism of the generator.
#include "sim/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/json_writer.h"
#include "sim/sim_time.h"

namespace readside::sim {
namespace {

TEST(RngTest, SeedGivesAFixedSequenceOnEveryPlatform) {
  Rng rng(42);
  EXPECT_EQ(rng.Next(), 13696896915399030466ULL);
  EXPECT_EQ(rng.Next(), 12641092763546669283ULL);
  EXPECT_EQ(rng.Next(), 14580102322132234639ULL);
  EXPECT_EQ(rng.Exponential(1000000), 1250982);
  EXPECT_EQ(rng.LogNormal(100000, 800), 31659);
  EXPECT_EQ(rng.Between(-5, 5), 5);
  std::string uuid;
  rng.AppendUuid(&uuid);
  EXPECT_EQ(uuid, "f94db206-2e4b-4552-80d4-8c891f47d994");
}

TEST(RngTest, ExponentialHasTheRequestedMean) {
  Rng rng(7);
  double sum = 0;
  for (int i = 0; i < 200000; ++i) sum += rng.Exponential(1000000);
  EXPECT_NEAR(sum / 200000, 1000000, 10000);
}

TEST(RngTest, LogNormalHasTheRequestedMedianAndSpread) {
  Rng rng(7);
  std::vector<int64_t> v;
  v.reserve(100001);
  for (int i = 0; i < 100001; ++i) v.push_back(rng.LogNormal(500000, 700));
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(v[50000], 500000, 10000);
  EXPECT_GT(v.back(), 5 * 500000);  // a long right tail
  EXPECT_LT(v.front(), 500000 / 5);
}

TEST(RngTest, BetweenChanceAndChooseStayInRangeWithTheRightFrequencies) {
  Rng rng(7);
  int hits = 0, counts[3] = {};
  const uint32_t weights[] = {1, 2, 7};
  for (int i = 0; i < 100000; ++i) {
    int64_t v = rng.Between(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    hits += rng.Chance(0.25);
    ++counts[rng.Choose(weights)];
  }
  EXPECT_NEAR(hits, 25000, 600);
  EXPECT_NEAR(counts[0], 10000, 500);
  EXPECT_NEAR(counts[2], 70000, 700);
}

TEST(FormatTest, MoneyIsWrittenWithAtMostTwoDecimals) {
  auto number = [](int64_t cents) {
    std::string s;
    AppendMoneyNumber(cents, &s);
    return s;
  };
  EXPECT_EQ(number(123450), "1234.5");
  EXPECT_EQ(number(100000), "1000");
  EXPECT_EQ(number(9999), "99.99");
  EXPECT_EQ(number(5), "0.05");
  EXPECT_EQ(number(-12550), "-125.5");
  std::string text;
  AppendMoneyText(125000, &text);
  EXPECT_EQ(text, "\"1250.00\"");
}

TEST(FormatTest, TimestampsAreRfc3339WithMillisecondsOrOffsets) {
  std::string s;
  AppendTimestamp(1705312800123456, &s);  // 2024-01-15T10:00:00.123456Z
  EXPECT_EQ(s, "2024-01-15T10:00:00.123Z");
  s.clear();
  AppendLocalDateTime(1705312800000000, -300, &s);
  EXPECT_EQ(s, "2024-01-15T05:00:00-05:00");
  s.clear();
  AppendDate(DaysFromCivil(2024, 2, 29), &s);
  EXPECT_EQ(s, "2024-02-29");
  EXPECT_EQ(WeekdayFromDays(DaysFromCivil(2024, 1, 1)), 1);  // a Monday
  EXPECT_EQ(FirstDayOfNextMonth(DaysFromCivil(2024, 12, 31)), DaysFromCivil(2025, 1, 1));
}

}  // namespace
}  // namespace readside::sim
