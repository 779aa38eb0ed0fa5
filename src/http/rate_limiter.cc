#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace readside::http {

RateLimiter::RateLimiter(RateLimit limit, size_t max_keys_per_shard)
    : limit_(limit), max_keys_(std::max<size_t>(max_keys_per_shard, 1)) {
  if (limit_.burst <= 0) limit_.burst = std::max(limit_.rate, 1.0);
}

int64_t RateLimiter::Take(std::string_view key, int64_t now_nanos) {
  if (limit_.rate <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.buckets.find(absl::string_view(key.data(), key.size()));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_) Trim(shard, now_nanos);
    it = shard.buckets.emplace(std::string(key), Bucket{limit_.burst, now_nanos}).first;
  }
  Bucket& b = it->second;
  // A reading behind the bucket's (a clock stepped back, or a thread that read the clock
  // before another took the lock) neither refills nor moves the bucket back: moving it back
  // would count the same interval again on the next reading and mint tokens. A jump forward
  // refills at most the bucket.
  if (now_nanos > b.updated_nanos) {
    double elapsed = static_cast<double>(now_nanos - b.updated_nanos) * 1e-9;
    b.tokens = std::min(limit_.burst, b.tokens + elapsed * limit_.rate);
    b.updated_nanos = now_nanos;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  double wait = (1.0 - b.tokens) / limit_.rate;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
}

void RateLimiter::Trim(Shard& shard, int64_t now_nanos) {
  double full_after_nanos = limit_.burst / limit_.rate * 1e9;
  absl::erase_if(shard.buckets, [&](const auto& entry) {
    const Bucket& b = entry.second;
    double refill = static_cast<double>(now_nanos - b.updated_nanos) * limit_.rate * 1e-9;
    return b.tokens + refill >= limit_.burst ||
           static_cast<double>(now_nanos - b.updated_nanos) >= full_after_nanos;
  });
  if (shard.buckets.size() >= max_keys_) shard.buckets.clear();
}

}  // namespace readside::http
