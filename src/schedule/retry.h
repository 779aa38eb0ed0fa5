#pragma once
// When to try again after a failed delivery, and when to stop trying for a while: exponential
// backoff with jitter, and a circuit breaker in front of a peer (the SMTP server) so that a
// dead peer costs one probe per cool-down instead of one timeout per due report.
// Thread-safety: BackoffDelayMicros and BackoffSeed are pure functions; CircuitBreaker is safe
// for concurrent use.

#include <cstdint>
#include <string_view>

#include "common/circuit_breaker.h"
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

// The circuit breaker in front of the SMTP server (common/circuit_breaker.h).
using readside::CircuitBreaker;
using readside::CircuitBreakerOptions;

}  // namespace readside::schedule
