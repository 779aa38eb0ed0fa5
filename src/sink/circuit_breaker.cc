#include "sink/circuit_breaker.h"

#include <algorithm>

namespace readside::sink {

std::string_view CircuitBreaker::StateName(State s) {
  switch (s) {
    case State::kClosed: return "closed";
    case State::kOpen: return "open";
    case State::kHalfOpen: return "half_open";
  }
  return "?";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, const Clock* clock)
    : options_(options), clock_(clock), backoff_micros_(options.initial_backoff_micros) {}

bool CircuitBreaker::Allow() {
  if (state_ != State::kOpen) return true;
  if (NowMicros() - opened_micros_ < backoff_micros_) return false;
  state_ = State::kHalfOpen;
  ++transitions_;
  return true;
}

void CircuitBreaker::RecordSuccess() {
  failures_ = 0;
  backoff_micros_ = options_.initial_backoff_micros;
  if (state_ != State::kClosed) {
    state_ = State::kClosed;
    ++transitions_;
  }
}

void CircuitBreaker::RecordFailure() {
  ++failures_;
  switch (state_) {
    case State::kClosed:
      if (failures_ >= options_.failure_threshold) Open();
      break;
    case State::kHalfOpen:
      backoff_micros_ = std::min(backoff_micros_ * 2, options_.max_backoff_micros);
      Open();
      break;
    case State::kOpen:  // a call let through before it opened: nothing new
      break;
  }
}

void CircuitBreaker::Open() {
  state_ = State::kOpen;
  opened_micros_ = NowMicros();
  ++transitions_;
}

int64_t CircuitBreaker::RetryInMicros() const {
  if (state_ != State::kOpen) return 0;
  return std::max<int64_t>(0, opened_micros_ + backoff_micros_ - NowMicros());
}

}  // namespace readside::sink
