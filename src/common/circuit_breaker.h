#pragma once
// A circuit breaker in front of a peer that may go away (the SMTP server, the Kafka cluster
// for POST /events): a dead peer costs one probe per cool-down instead of one timeout per
// call, and callers are answered at once while it is open (operations.md, "Dependencies
// that fail"). The Redis sink has its own single-threaded variant with a doubling backoff
// (sink/circuit_breaker.h).
// Thread-safety: safe for concurrent use.

#include <cstdint>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace readside {

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
  static std::string_view StateName(State s);  // "closed", "open", "half_open"
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

}  // namespace readside
