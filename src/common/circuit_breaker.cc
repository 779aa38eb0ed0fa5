#include "common/circuit_breaker.h"

namespace readside {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const Clock* clock)
    : options_(options), clock_(clock) {}

bool CircuitBreaker::Allow() {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kClosed) return true;
  // Open past its cool-down, or half-open with a probe silent for a whole cool-down: this
  // call is the (new) probe.
  int64_t now = NowMicros();
  if (now - since_micros_ < options_.cool_down_micros) return false;
  state_ = State::kHalfOpen;
  since_micros_ = now;
  return true;
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  state_ = State::kClosed;
  failures_ = 0;
}

void CircuitBreaker::RecordFailure() {
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      if (++failures_ >= options_.failure_threshold) {
        state_ = State::kOpen;
        since_micros_ = NowMicros();
      }
      break;
    case State::kHalfOpen:
      ++failures_;
      state_ = State::kOpen;
      since_micros_ = NowMicros();
      break;
    case State::kOpen:
      break;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

int64_t CircuitBreaker::RetryInMicros() const {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kClosed) return 0;
  return std::max<int64_t>(0, since_micros_ + options_.cool_down_micros - NowMicros());
}

std::string_view CircuitBreaker::StateName(State s) {
  switch (s) {
    case State::kClosed: return "closed";
    case State::kOpen: return "open";
    case State::kHalfOpen: return "half_open";
  }
  return "closed";
}

}  // namespace readside
