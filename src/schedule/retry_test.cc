#include "schedule/retry.h"

#include <gtest/gtest.h>

#include <set>

namespace readside::schedule {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(BackoffTest, GrowsExponentiallyUpToTheCapWithoutJitter) {
  BackoffPolicy p{.initial_delay_micros = 10 * kSecond,
                  .multiplier = 3,
                  .max_delay_micros = 200 * kSecond,
                  .jitter = 0};
  EXPECT_EQ(BackoffDelayMicros(p, 1, 42), 10 * kSecond);
  EXPECT_EQ(BackoffDelayMicros(p, 2, 42), 30 * kSecond);
  EXPECT_EQ(BackoffDelayMicros(p, 3, 42), 90 * kSecond);
  EXPECT_EQ(BackoffDelayMicros(p, 4, 42), 200 * kSecond);
  EXPECT_EQ(BackoffDelayMicros(p, 1000, 42), 200 * kSecond);  // saturates, no overflow
  EXPECT_EQ(BackoffDelayMicros(p, 0, 42), 10 * kSecond);      // taken as the first
}

TEST(BackoffTest, JitterShortensWithinItsFractionAndIsDeterministicPerSeed) {
  BackoffPolicy p{.initial_delay_micros = 100 * kSecond,
                  .multiplier = 2,
                  .max_delay_micros = 1000 * kSecond,
                  .jitter = 0.5};
  std::set<int64_t> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    for (int attempt = 1; attempt <= 6; ++attempt) {
      int64_t full = std::min<int64_t>(100 * kSecond << (attempt - 1), 1000 * kSecond);
      int64_t d = BackoffDelayMicros(p, attempt, seed);
      EXPECT_LE(d, full);
      EXPECT_GE(d, full / 2);
      EXPECT_EQ(d, BackoffDelayMicros(p, attempt, seed));  // same inputs, same delay
      if (attempt == 1) seen.insert(d);
    }
  }
  EXPECT_GT(seen.size(), 190u);  // seeds spread the delays
  // The spread covers the interval: some delays near each end.
  EXPECT_LT(*seen.begin(), 55 * kSecond);
  EXPECT_GT(*seen.rbegin(), 95 * kSecond);
}

TEST(BackoffTest, SeedsFromTextAreStableAndDistinct) {
  EXPECT_EQ(BackoffSeed("run-1"), BackoffSeed("run-1"));
  EXPECT_NE(BackoffSeed("run-1"), BackoffSeed("run-2"));
  EXPECT_NE(BackoffSeed(""), 0u);
  // A fixed value: the seed of a stored run id must not change between releases.
  EXPECT_EQ(BackoffSeed("run-1"), 16238719912012046523u);
}

class CircuitBreakerTest : public ::testing::Test {
 protected:
  ManualClock clock_{1'700'000'000 * kSecond};
  CircuitBreaker breaker_{{.failure_threshold = 3, .cool_down_micros = 60 * kSecond}, &clock_};

  void Fail(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.Allow());
      breaker_.RecordFailure();
    }
  }
};

TEST_F(CircuitBreakerTest, OpensAfterTheThresholdOfConsecutiveFailures) {
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  Fail(2);
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  EXPECT_EQ(breaker_.consecutive_failures(), 2);
  Fail(1);
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 60 * kSecond);
  clock_.Advance(59 * kSecond);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 1 * kSecond);
}

TEST_F(CircuitBreakerTest, ASuccessBeforeTheThresholdResetsTheCount) {
  Fail(2);
  ASSERT_TRUE(breaker_.Allow());
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.consecutive_failures(), 0);
  Fail(2);
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
}

TEST_F(CircuitBreakerTest, AfterTheCoolDownOneProbeGoesThroughAndItsSuccessCloses) {
  Fail(3);
  clock_.Advance(60 * kSecond);
  EXPECT_EQ(breaker_.RetryInMicros(), 0);
  EXPECT_TRUE(breaker_.Allow());  // the probe
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_FALSE(breaker_.Allow());  // one probe at a time
  EXPECT_FALSE(breaker_.Allow());
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker_.Allow());
  EXPECT_TRUE(breaker_.Allow());
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensForAnotherCoolDown) {
  Fail(3);
  clock_.Advance(61 * kSecond);
  ASSERT_TRUE(breaker_.Allow());
  clock_.Advance(5 * kSecond);
  breaker_.RecordFailure();
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 60 * kSecond);  // from the probe's failure
  clock_.Advance(60 * kSecond);
  EXPECT_TRUE(breaker_.Allow());
}

TEST_F(CircuitBreakerTest, AProbeSilentForACoolDownIsReplaced) {
  Fail(3);
  clock_.Advance(60 * kSecond);
  ASSERT_TRUE(breaker_.Allow());  // a probe whose caller never reports
  clock_.Advance(59 * kSecond);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 1 * kSecond);
  clock_.Advance(1 * kSecond);
  EXPECT_TRUE(breaker_.Allow());
  EXPECT_FALSE(breaker_.Allow());
}

TEST_F(CircuitBreakerTest, LateReportsWhileOpen) {
  ASSERT_TRUE(breaker_.Allow());  // let through while closed, reports after the breaker opened
  Fail(3);
  clock_.Advance(30 * kSecond);
  breaker_.RecordFailure();  // changes nothing: the cool-down still ends at 60 s
  EXPECT_EQ(breaker_.RetryInMicros(), 30 * kSecond);
  breaker_.RecordSuccess();  // the peer works after all
  EXPECT_EQ(breaker_.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker_.Allow());
}

}  // namespace
}  // namespace readside::schedule
