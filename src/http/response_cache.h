#pragma once
// Answers of analytics GETs kept until they could change: an entry is reused only for the
// same read-model position, the same store counts version (data_quality shows duplicates,
// conflicts and rejections, which are not events) and before its valid-until instant (an
// "as of now" invoices_overdue moves with time). A hit costs one hash lookup and a copy of
// the body instead of computing every metric.
// Thread-safety: safe for concurrent use (sharded mutexes; never held while computing).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"

namespace readside::http {

class ResponseCache {
 public:
  struct Entry {
    uint64_t position = 0;
    uint64_t counts_version = 0;
    int64_t valid_until_micros = 0;
    std::shared_ptr<const std::string> body;
  };

  // The cached body for `key` if it is still exact for this position, counts version and
  // time; nullptr otherwise.
  std::shared_ptr<const std::string> Find(const std::string& key, uint64_t position,
                                          uint64_t counts_version, int64_t now_micros);
  void Put(const std::string& key, Entry entry);

  // What an answer depends on, and whether it may be kept at all.
  struct Lookup {
    std::string key;
    uint64_t position = 0;
    uint64_t counts_version = 0;
    int64_t now_micros = 0;
    // The caller's decision. False for answers to parameters a client picks freely (an
    // explicit as_of): keeping those would let clients fill the cache. Such answers are built
    // every time, never looked up (no hit or miss is counted) and never kept.
    bool cacheable = true;
  };
  // The cached body while it is exact (Find), else build()'s, kept when `lookup.cacheable`
  // until valid_until() (called only then).
  std::string GetOrBuild(const Lookup& lookup, const std::function<std::string()>& build,
                         const std::function<int64_t()>& valid_until);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Renders the hit and miss counters into /metrics.
  void RegisterMetrics(MetricsRegistry* registry) const;

 private:
  static constexpr size_t kShards = 16;
  // Bounds: a shard that would exceed either starts over (64 MiB of bodies in all).
  static constexpr size_t kMaxEntriesPerShard = 4096;
  static constexpr size_t kMaxBytesPerShard = 4 << 20;
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };
  Shard& ShardOf(const std::string& key);

  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace readside::http
