#include "auth/principal_cache.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "auth/absl_view.h"

namespace readside::auth {

PrincipalCache::PrincipalCache(size_t capacity, int64_t leeway_seconds)
    : per_shard_((capacity + kShards - 1) / kShards),
      leeway_(std::clamp<int64_t>(leeway_seconds, 0, int64_t{1} << 53)) {}

bool PrincipalCache::Usable(const Entry& entry, uint64_t generation, int64_t now_seconds) const {
  // expires_at and valid_from are clamped to ±2^53 by the claims parser (or INT64_MIN) and
  // leeway_ to 2^53: no overflow. A clock stepped back before nbf/iat makes the entry unusable
  // as a clock past exp does: verifying the token again refuses it.
  const Principal& p = *entry.principal;
  return entry.generation == generation && now_seconds <= p.expires_at + leeway_ &&
         (p.valid_from == INT64_MIN || now_seconds >= p.valid_from - leeway_);
}

PrincipalCache::Shard& PrincipalCache::ShardFor(std::string_view token) {
  // The top bits: the maps inside use the low ones of the same hash.
  size_t h = absl::Hash<std::string_view>{}(token);
  return shards_[(h >> (sizeof(size_t) * 8 - 4)) % kShards];
}

std::shared_ptr<const Principal> PrincipalCache::Lookup(std::string_view token, uint64_t generation,
                                                        int64_t now_seconds) {
  if (per_shard_ == 0) return nullptr;
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(View(token));
  if (it == shard.entries.end()) return nullptr;
  if (!Usable(it->second, generation, now_seconds)) {
    shard.entries.erase(it);
    return nullptr;
  }
  return it->second.principal;
}

void PrincipalCache::Insert(std::string_view token, uint64_t generation,
                            std::shared_ptr<const Principal> principal, int64_t now_seconds) {
  if (per_shard_ == 0) return;
  Shard& shard = ShardFor(token);
  absl::MutexLock lock(&shard.mu);
  auto& entries = shard.entries;
  if (entries.size() >= per_shard_ && !entries.contains(View(token))) {
    absl::erase_if(entries,
                   [&](const auto& kv) { return !Usable(kv.second, generation, now_seconds); });
    // Sweeping must free a good share of the shard, or every insert would sweep again.
    if (entries.size() > per_shard_ - per_shard_ / 8 - 1) entries.clear();
  }
  entries.insert_or_assign(std::string(token), Entry{std::move(principal), generation});
}

void PrincipalCache::Clear() {
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    shard.entries.clear();
  }
}

size_t PrincipalCache::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace readside::auth
