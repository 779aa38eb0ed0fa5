// The token bucket: burst, refill, Retry-After, independence of keys and bounded memory.

#include "http/rate_limiter.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace readside::http {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(RateLimiterTest, UnlimitedWhenRateIsZero) {
  RateLimiter limiter({});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Take("a", 0), 0);
}

TEST(RateLimiterTest, BurstThenOnePerIntervalWithRetryAfter) {
  RateLimiter limiter({.rate = 2, .burst = 3});
  int64_t t = 100 * kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t), 0) << i;
  EXPECT_EQ(limiter.Take("a", t), 1);  // 0.5 s to the next token, rounded up
  EXPECT_EQ(limiter.Take("a", t + kSecond / 4), 1);
  EXPECT_EQ(limiter.Take("a", t + kSecond / 2), 0);  // refilled one
  EXPECT_EQ(limiter.Take("a", t + kSecond / 2), 1);
  // A long pause refills up to the burst, not beyond.
  t += 100 * kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t), 0) << i;
  EXPECT_GT(limiter.Take("a", t), 0);
}

TEST(RateLimiterTest, RetryAfterCountsWholeSecondsForSlowRates) {
  RateLimiter limiter({.rate = 0.1, .burst = 1});
  EXPECT_EQ(limiter.Take("a", 0), 0);
  EXPECT_EQ(limiter.Take("a", 0), 10);
  EXPECT_EQ(limiter.Take("a", 5 * kSecond), 5);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter({.rate = 1, .burst = 1});
  EXPECT_EQ(limiter.Take("noisy", 0), 0);
  EXPECT_GT(limiter.Take("noisy", 0), 0);
  EXPECT_EQ(limiter.Take("quiet", 0), 0);
}

TEST(RateLimiterTest, ManyKeysStayBoundedAndRecentOnesKeepTheirState) {
  RateLimiter limiter({.rate = 1, .burst = 1}, /*max_keys_per_shard=*/4);
  // Thousands of keys in a shard sized for four: buckets that have refilled are forgotten (a
  // full bucket and a missing one behave the same); the ones just used keep being empty.
  for (int i = 0; i < 5000; ++i) {
    std::string key = "k" + std::to_string(i);
    ASSERT_EQ(limiter.Take(key, int64_t{i} * 2 * kSecond), 0) << i;
    ASSERT_EQ(limiter.Take(key, int64_t{i} * 2 * kSecond), 1) << i;
  }
}

TEST(RateLimiterTest, ClockGoingBackwardsDoesNotMintTokens) {
  RateLimiter limiter({.rate = 1, .burst = 1});
  EXPECT_EQ(limiter.Take("a", 10 * kSecond), 0);
  EXPECT_GT(limiter.Take("a", 5 * kSecond), 0);
  // Back at the reading the bucket was emptied at: no time has passed since, so no token.
  // (Moving the bucket back to 5 s would refill the same 5 s twice.)
  EXPECT_GT(limiter.Take("a", 10 * kSecond), 0);
  EXPECT_GT(limiter.Take("a", 10 * kSecond + kSecond / 2), 0);
  EXPECT_EQ(limiter.Take("a", 11 * kSecond), 0);  // one second after it: one token
  EXPECT_GT(limiter.Take("a", 11 * kSecond), 0);
}

// Readings that arrive out of order (threads that read the clock before taking the lock in
// the other order) and a clock jumping back and forth: over any stretch, what is granted is
// at most the burst plus rate × the time the clock really advanced.
TEST(RateLimiterTest, JumpsBackAndForthGrantNoMoreThanTheClockAdvanced) {
  RateLimiter limiter({.rate = 2, .burst = 4});
  int64_t granted = 0;
  const int64_t start = 1000 * kSecond;
  int64_t highest = start;
  for (int i = 0; i < 2000; ++i) {
    // Forward in 10 ms steps, with every third reading 0.5..3 s behind the highest.
    int64_t t = start + int64_t{i} * kSecond / 100;
    if (i % 3 == 1) t -= kSecond / 2 + (i % 7) * kSecond / 3;
    highest = std::max(highest, t);
    for (int k = 0; k < 3; ++k) granted += limiter.Take("a", t) == 0;
  }
  const double advanced_seconds = static_cast<double>(highest - start) / kSecond;
  EXPECT_LE(granted, 4 + static_cast<int64_t>(2 * advanced_seconds)) << advanced_seconds;
  EXPECT_GE(granted, static_cast<int64_t>(2 * advanced_seconds) - 1);  // still served
}

TEST(RateLimiterTest, AJumpForwardRefillsAtMostTheBucket) {
  RateLimiter limiter({.rate = 1, .burst = 3});
  int64_t t = 50 * kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t), 0);
  EXPECT_GT(limiter.Take("a", t), 0);
  t += 365LL * 24 * 3600 * kSecond;  // a year ahead
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t), 0) << i;
  EXPECT_GT(limiter.Take("a", t), 0);
}

}  // namespace
}  // namespace readside::http
