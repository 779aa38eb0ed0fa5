#include "schedule/retry.h"

#include <algorithm>
#include <cmath>

namespace readside::schedule {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

int64_t BackoffDelayMicros(const BackoffPolicy& policy, int attempt, uint64_t seed) {
  attempt = std::max(attempt, 1);
  const double cap = static_cast<double>(std::max<int64_t>(policy.max_delay_micros, 0));
  // In doubles, so a large attempt saturates at the cap instead of overflowing.
  double delay = static_cast<double>(std::max<int64_t>(policy.initial_delay_micros, 0)) *
                 std::pow(std::max(policy.multiplier, 1.0), attempt - 1);
  delay = std::min(delay, cap);
  // A uniform fraction in [0, 1) from the seed and the attempt: 53 random bits.
  uint64_t bits = SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(attempt)));
  double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  return static_cast<int64_t>(delay - delay * jitter * u);
}

uint64_t BackoffSeed(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return SplitMix64(h);
}

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

}  // namespace readside::schedule
