#pragma once
// Inside the auth library: Authenticator's memory of verified tokens. Maps the whole token
// string to its Principal and the key generation that verified it. Bounded: 16 shards of at
// most capacity/16 entries (rounded up); an insert into a full shard first drops the entries
// that have expired or belong to an older generation and, if that frees less than an eighth
// of it, empties the shard. Only verified tokens are ever inserted.
// Thread-safety: every member is safe for concurrent calls (one mutex per shard).

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "auth/jwt.h"

namespace readside::auth {

class PrincipalCache {
 public:
  // `capacity` 0 disables the cache. An entry is served while valid_from - leeway <= now <=
  // expires_at + leeway (the clock may step back as well as forward).
  PrincipalCache(size_t capacity, int64_t leeway_seconds);

  // The principal cached for `token` if it was verified under `generation` and has not expired
  // at `now_seconds`; nullptr otherwise (a stale entry is dropped).
  std::shared_ptr<const Principal> Lookup(std::string_view token, uint64_t generation,
                                          int64_t now_seconds);
  void Insert(std::string_view token, uint64_t generation,
              std::shared_ptr<const Principal> principal, int64_t now_seconds);
  void Clear();
  size_t size() const;  // entries held, for tests

  static constexpr size_t kShards = 16;

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    uint64_t generation = 0;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  };

  bool Usable(const Entry& entry, uint64_t generation, int64_t now_seconds) const;
  Shard& ShardFor(std::string_view token);

  const size_t per_shard_;
  const int64_t leeway_;
  std::array<Shard, kShards> shards_;
};

}  // namespace readside::auth
