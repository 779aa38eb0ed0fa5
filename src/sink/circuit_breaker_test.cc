#include "sink/circuit_breaker.h"

#include "gtest/gtest.h"

namespace readside::sink {
namespace {

constexpr int64_t kSecond = 1'000'000;
using State = CircuitBreaker::State;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  ManualClock clock_{1000 * kSecond};
  CircuitBreaker breaker_{{.failure_threshold = 3,
                           .initial_backoff_micros = 1 * kSecond,
                           .max_backoff_micros = 30 * kSecond},
                          &clock_};

  void Fail(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.Allow());
      breaker_.RecordFailure();
    }
  }
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThreshold) {
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 0);
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheConsecutiveCount) {
  Fail(2);
  breaker_.RecordSuccess();
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_EQ(breaker_.consecutive_failures(), 2);
}

TEST_F(CircuitBreakerTest, OpensAfterTheThresholdAndRefusesUntilTheBackoffPassed) {
  Fail(3);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 1 * kSecond);
  clock_.Advance(kSecond - 1);
  EXPECT_FALSE(breaker_.Allow());
  EXPECT_EQ(breaker_.RetryInMicros(), 1);
  clock_.Advance(1);
  EXPECT_TRUE(breaker_.Allow());  // the probe
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
}

TEST_F(CircuitBreakerTest, ASuccessfulProbeClosesAndResetsTheBackoff) {
  Fail(3);
  clock_.Advance(kSecond);
  ASSERT_TRUE(breaker_.Allow());
  breaker_.RecordFailure();  // backoff 2 s
  clock_.Advance(2 * kSecond);
  ASSERT_TRUE(breaker_.Allow());
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_EQ(breaker_.consecutive_failures(), 0);
  EXPECT_EQ(breaker_.backoff_micros(), 1 * kSecond);
  // Closed → open → half-open → open → half-open → closed.
  EXPECT_EQ(breaker_.transitions(), 5u);
}

TEST_F(CircuitBreakerTest, FailedProbesDoubleTheBackoffUpToTheMaximum) {
  Fail(3);
  std::vector<int64_t> backoffs;
  for (int i = 0; i < 8; ++i) {
    backoffs.push_back(breaker_.backoff_micros() / kSecond);
    clock_.Advance(breaker_.RetryInMicros());
    ASSERT_TRUE(breaker_.Allow());
    ASSERT_EQ(breaker_.state(), State::kHalfOpen);
    breaker_.RecordFailure();
    ASSERT_EQ(breaker_.state(), State::kOpen);
  }
  EXPECT_EQ(backoffs, (std::vector<int64_t>{1, 2, 4, 8, 16, 30, 30, 30}));
}

TEST_F(CircuitBreakerTest, StateNames) {
  EXPECT_EQ(CircuitBreaker::StateName(State::kClosed), "closed");
  EXPECT_EQ(CircuitBreaker::StateName(State::kOpen), "open");
  EXPECT_EQ(CircuitBreaker::StateName(State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace readside::sink
