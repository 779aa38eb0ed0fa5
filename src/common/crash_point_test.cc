#include "common/crash_point.h"

#include <csignal>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace readside::crash {
namespace {

#if defined(READSIDE_CRASH_POINTS)

class CrashPointTest : public ::testing::Test {
 protected:
  void TearDown() override { internal::Configure(""); }
};

TEST_F(CrashPointTest, NamesAreUniqueAndDescribed) {
  std::set<std::string_view> names;
  for (const CrashPointInfo& p : CrashPoints()) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_FALSE(p.where.empty()) << p.name;
    EXPECT_EQ(p.name.find(':'), std::string_view::npos) << p.name;
  }
  EXPECT_GE(names.size(), 10u);
}

TEST_F(CrashPointTest, UnsetIsDisarmed) {
  ASSERT_TRUE(internal::Configure(""));
  EXPECT_FALSE(g_armed);
  READSIDE_CRASH_POINT("store.commit.before_write");  // survives
}

TEST_F(CrashPointTest, RefusesUnknownNamesAndBadCounts) {
  EXPECT_FALSE(internal::Configure("store.commit.nowhere"));
  EXPECT_FALSE(g_armed);
  EXPECT_FALSE(internal::Configure("store.commit.before_write:0"));
  EXPECT_FALSE(internal::Configure("store.commit.before_write:x"));
  EXPECT_FALSE(internal::Configure("store.commit.before_write:"));
  EXPECT_FALSE(g_armed);
  EXPECT_TRUE(internal::Configure("store.commit.before_write:12"));
  EXPECT_TRUE(g_armed);
}

TEST_F(CrashPointTest, KillsAtTheConfiguredHitOfItsPointOnly) {
  EXPECT_EXIT(
      {
        internal::Configure("store.index.before_write:3");
        for (int i = 0; i < 5; ++i) READSIDE_CRASH_POINT("store.commit.before_write");
        READSIDE_CRASH_POINT("store.index.before_write");
        READSIDE_CRASH_POINT("store.index.before_write");
        std::fputs("two hits survived\n", stderr);
        READSIDE_CRASH_POINT("store.index.before_write");
        std::fputs("the third hit survived\n", stderr);
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL),
      "two hits survived\ncrash point store.index.before_write hit 3: killing\n$");
}

TEST_F(CrashPointTest, DefaultCountIsTheFirstHit) {
  EXPECT_EXIT(
      {
        internal::Configure("rebuild.swap.before");
        READSIDE_CRASH_POINT("rebuild.swap.before");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "crash point rebuild.swap.before hit 1: killing");
}

#else

TEST(CrashPointTest, CompiledOutPointsDoNothing) {
  READSIDE_CRASH_POINT("store.commit.before_write");
  SUCCEED();
}

#endif

}  // namespace
}  // namespace readside::crash
