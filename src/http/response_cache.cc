#include "http/response_cache.h"

#include "absl/hash/hash.h"

namespace readside::http {

ResponseCache::Shard& ResponseCache::ShardOf(const std::string& key) {
  return shards_[absl::HashOf(key) % kShards];
}

std::shared_ptr<const std::string> ResponseCache::Find(const std::string& key, uint64_t position,
                                                       uint64_t counts_version,
                                                       int64_t now_micros) {
  Shard& shard = ShardOf(key);
  {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.entries.find(key);
    if (it != shard.entries.end() && it->second.position == position &&
        it->second.counts_version == counts_version &&
        now_micros < it->second.valid_until_micros) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.body;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void ResponseCache::Put(const std::string& key, Entry entry) {
  Shard& shard = ShardOf(key);
  size_t size = key.size() + (entry.body ? entry.body->size() : 0);
  absl::flat_hash_map<std::string, Entry> dropped;  // freed after the lock is released
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) {
    shard.bytes -= key.size() + (it->second.body ? it->second.body->size() : 0);
  } else if (shard.entries.size() >= kMaxEntriesPerShard ||
             shard.bytes + size > kMaxBytesPerShard) {
    dropped.swap(shard.entries);
    shard.bytes = 0;
  }
  shard.bytes += size;
  shard.entries[key] = std::move(entry);
}

std::string ResponseCache::GetOrBuild(const Lookup& lookup,
                                      const std::function<std::string()>& build,
                                      const std::function<int64_t()>& valid_until) {
  if (!lookup.cacheable) return build();
  if (auto body = Find(lookup.key, lookup.position, lookup.counts_version, lookup.now_micros)) {
    return *body;
  }
  std::string body = build();
  Put(lookup.key, {lookup.position, lookup.counts_version, valid_until(),
                   std::make_shared<const std::string>(body)});
  return body;
}

}  // namespace readside::http

namespace readside::http {

void ResponseCache::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_response_cache_hits_total", "analytics answers served from the cache",
                  hits(), out);
    RenderCounter("readside_response_cache_misses_total", "analytics answers computed", misses(),
                  out);
  });
}

}  // namespace readside::http
