#pragma once
// Token-bucket rate limits keyed by a string (a tenant, a token): each key may spend `rate`
// requests per second on average and `burst` at once. A refused request learns how long
// until one token is back (the Retry-After of a 429). Memory is bounded: when a shard holds
// too many keys, buckets that have refilled completely are forgotten (a full bucket and a
// missing one behave the same), and if that is not enough the shard starts over.
// Thread-safety: Take is safe from any thread (one short mutex per shard).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace readside::http {

struct RateLimit {
  double rate = 0;   // tokens per second; 0 = unlimited
  double burst = 0;  // bucket size; 0 = max(rate, 1)
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, size_t max_keys_per_shard = 16'384);

  // Takes one token for `key` at monotonic time `now_nanos`. Returns 0 when allowed, else the
  // seconds (≥ 1, rounded up) until a token is available.
  int64_t Take(std::string_view key, int64_t now_nanos);
  bool enabled() const { return limit_.rate > 0; }

 private:
  struct Bucket {
    double tokens;
    int64_t updated_nanos;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  void Trim(Shard& shard, int64_t now_nanos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  RateLimit limit_;
  size_t max_keys_;
  std::array<Shard, 16> shards_;
};

}  // namespace readside::http
