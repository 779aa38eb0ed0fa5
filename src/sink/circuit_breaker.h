#pragma once
// The Redis sink's circuit breaker: after `failure_threshold` consecutive failures the sink
// stops calling Redis for a backoff that doubles on every failed probe (1 s, 2 s, 4 s … 30 s
// by default), so a dead Redis costs one connect attempt per backoff instead of one per
// publication. Unlike schedule::CircuitBreaker (fixed cool-down, shared by many callers),
// this one has a single caller, the sink's thread, and reports its state changes.
//
//   closed ──threshold failures──▶ open ──backoff passed, Allow()──▶ half-open
//   half-open ──success──▶ closed (backoff reset) | ──failure──▶ open (backoff doubled)
//
// Time is the clock's monotonic time (tests use a ManualClock).
// Thread-safety: not thread-safe; one thread calls it (the sink keeps atomics for /metrics).

#include <cstdint>
#include <string_view>

#include "common/clock.h"

namespace readside::sink {

struct BreakerOptions {
  // Consecutive failures that open a closed breaker. REQUIRES: >= 1.
  int failure_threshold = 3;
  // How long the breaker stays open the first time; each failed probe doubles it, up to
  // max_backoff_micros. REQUIRES: 0 < initial <= max.
  int64_t initial_backoff_micros = 1'000'000;
  int64_t max_backoff_micros = 30'000'000;
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  static std::string_view StateName(State s);  // "closed", "open", "half_open"

  // REQUIRES: `clock` outlives the breaker.
  CircuitBreaker(BreakerOptions options, const Clock* clock);

  // Whether a call may go ahead now. Closed: yes. Open: no until the backoff has passed since
  // it opened; then yes once, and the breaker is half-open (that call is the probe).
  // Half-open: yes (the single caller is the probe). A caller that got true reports the
  // outcome with RecordSuccess or RecordFailure.
  bool Allow();
  void RecordSuccess();
  void RecordFailure();

  State state() const { return state_; }
  int consecutive_failures() const { return failures_; }
  // The current (open) or next (closed, half-open) backoff.
  int64_t backoff_micros() const { return backoff_micros_; }
  // How long until Allow() answers true: 0 unless open.
  int64_t RetryInMicros() const;
  // State changes since construction (closed→open, open→half-open, half-open→closed/open).
  uint64_t transitions() const { return transitions_; }

 private:
  int64_t NowMicros() const { return clock_->MonotonicNanos() / 1000; }
  void Open();

  const BreakerOptions options_;
  const Clock* const clock_;
  State state_ = State::kClosed;
  int failures_ = 0;
  int64_t backoff_micros_;
  int64_t opened_micros_ = 0;
  uint64_t transitions_ = 0;
};

}  // namespace readside::sink
