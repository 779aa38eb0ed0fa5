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

}  // namespace readside::schedule
