#pragma once
// When to try again after a failed delivery, and when to stop trying for a while: exponential
// backoff with jitter, and a circuit breaker in front of a peer (the SMTP server) so that a
// dead peer costs one probe per cool-down instead of one timeout per due report.
// Thread-safety: BackoffDelayMicros and BackoffSeed are pure functions; CircuitBreaker is safe
// for concurrent use.

#include <cstdint>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace readside::schedule {

struct BackoffPolicy {
  // The delay before the first retry. Default 30 s: long enough for a greylisting server
  // (they ask for a few minutes at most) to be retried soon after.
  int64_t initial_delay_micros = 30'000'000;
  // Each further retry waits this many times longer. REQUIRES: >= 1.
  double multiplier = 2.0;
  // No delay is longer than this. Default 30 min.
  int64_t max_delay_micros = 1'800'000'000;
  // A delay d is drawn uniformly from [d * (1 - jitter), d], so retries of many runs spread
  // out instead of hitting the peer together, and no delay exceeds max_delay_micros.
  // REQUIRES: 0 <= jitter <= 1.
  double jitter = 0.2;
  // Attempts in all (the first one included) before a run is given up as failed. The
  // scheduler's to enforce; the delays themselves do not depend on it.
  int max_attempts = 5;
};

// The delay after failed attempt number `attempt` (1 = the first attempt failed) before the
// next: min(initial * multiplier^(attempt-1), max), jittered. The same (policy, attempt,
// seed) gives the same delay, so a restarted scheduler computes the same retry times.
// attempt < 1 is taken as 1.
int64_t BackoffDelayMicros(const BackoffPolicy& policy, int attempt, uint64_t seed);

// A well-mixed 64-bit seed from text, e.g. a run's id (FNV-1a, then a SplitMix64 finalizer).
uint64_t BackoffSeed(std::string_view text);

struct CircuitBreakerOptions {
  // Consecutive failures that open a closed breaker. REQUIRES: >= 1.
  int failure_threshold = 5;
  // How long an open breaker refuses calls before it lets one probe through. Default 60 s.
  int64_t cool_down_micros = 60'000'000;
};

// Closed: every call goes ahead; `failure_threshold` failures in a row open it.
// Open: calls are refused until `cool_down_micros` have passed since it opened; then the next
//   Allow() turns it half-open and lets that one call through as the probe.
// Half-open: other calls are refused while the probe is out. The probe's success closes the
//   breaker; its failure opens it again for another cool-down. A probe that reports nothing
//   for a whole cool-down (its caller is presumed gone) is replaced by the next caller's.
// Any success closes the breaker and resets the failure count, also one reported while open
// (a call let through before it opened); a failure reported while open changes nothing.
// Time is the clock's monotonic time.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  // REQUIRES: `clock` outlives the breaker.
  CircuitBreaker(CircuitBreakerOptions options, const Clock* clock);

  // Whether a call may go ahead now (see the states above). A caller that got true must
  // report the outcome with RecordSuccess or RecordFailure.
  bool Allow();
  void RecordSuccess();
  void RecordFailure();

  // The state as of the last call; an open breaker whose cool-down has passed stays kOpen
  // until Allow() lets the probe through.
  State state() const;
  int consecutive_failures() const;
  // How long until Allow() may answer true again: 0 when closed, and when an open breaker's
  // cool-down (or a half-open breaker's unanswered probe's) has passed.
  int64_t RetryInMicros() const;

 private:
  int64_t NowMicros() const { return clock_->MonotonicNanos() / 1000; }

  const CircuitBreakerOptions options_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  // Open: when it opened. Half-open: when the probe was let through.
  int64_t since_micros_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace readside::schedule
