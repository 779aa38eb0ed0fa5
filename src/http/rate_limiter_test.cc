// The token bucket: burst, refill, Retry-After, independence of keys and bounded memory.

#include "http/rate_limiter.h"

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
}

}  // namespace
}  // namespace readside::http
