#include "store/index_writer.h"

#include <pthread.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "common/crash_point.h"
#include "store/codec.h"

namespace readside::store {
namespace {

constexpr char kIndexedKey[] = "indexed_through";

}  // namespace

IndexWriter::IndexWriter(Rocks* rocks, bool skip_writes)
    : rocks_(rocks), skip_writes_(skip_writes) {}

IndexWriter::~IndexWriter() {
  {
    absl::MutexLock lk(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status IndexWriter::Start(
    uint64_t last_position,
    const std::function<absl::Status(uint64_t, uint64_t,
                                     const std::function<bool(const StoredEvent&)>&)>& read) {
  std::string value;
  rocksdb::Status s =
      rocks_->db->Get(rocksdb::ReadOptions(), rocks_->cf[kMeta], kIndexedKey, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "index watermark read");
  uint64_t watermark = s.ok() && value.size() == 8 ? codec::GetBE64(value) : 0;
  indexed_ = watermark;
  // Re-index the tail in chunks (normally a few groups: what the index thread had not
  // written when the process died).
  std::vector<IndexEntry> chunk;
  absl::Status status;
  auto flush = [&] {
    if (chunk.empty() || !status.ok()) return;
    status = Write({&chunk, 1});
    chunk.clear();
  };
  absl::Status r = read(watermark, last_position, [&](const StoredEvent& e) {
    chunk.push_back({e.organization_id, e.entity_id,
                     codec::IdempotencyKey(e.organization_id, e.event_id), e.position});
    if (chunk.size() == 100'000) flush();
    return status.ok();
  });
  flush();
  if (!r.ok()) return r;
  if (!status.ok()) return status;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-store-index");
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    Loop();
  });
  return absl::OkStatus();
}

void IndexWriter::Enqueue(std::vector<IndexEntry> entries) {
  if (entries.empty()) return;
  {
    absl::MutexLock lk(&mu_);
    queue_.push_back(std::move(entries));
    for (const IndexEntry& e : queue_.back()) {
      // A key queued again (only a colliding server-made id could be) must view the newest
      // entry: the older one's string is freed once its group is indexed.
      auto [it, inserted] = pending_.try_emplace(e.idempotency_key, e.position);
      if (!inserted) {
        pending_.erase(it);
        pending_.emplace(e.idempotency_key, e.position);
      }
    }
  }
}

std::optional<uint64_t> IndexWriter::FindPending(std::string_view key) const {
  absl::MutexLock lk(&mu_);
  auto it = pending_.find(absl::string_view(key.data(), key.size()));
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

bool IndexWriter::WaitIndexed(uint64_t position, std::chrono::milliseconds timeout) const {
  absl::MutexLock lk(&mu_);
  // A failed index write ends the wait at once: the indexes stay behind until Retry().
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return indexed() >= position || !status_.ok();
  };
  mu_.AwaitWithTimeout(absl::Condition(&done), absl::FromChrono(timeout));
  return indexed() >= position;
}

absl::Status IndexWriter::status() const {
  absl::MutexLock lk(&mu_);
  return status_;
}

absl::Status IndexWriter::Write(std::span<const std::vector<IndexEntry>> groups) {
  rocksdb::WriteBatch batch;
  // Every key and value of this write goes into one buffer (no allocation per entry); the
  // entries of each family are put in sorted key order: the memtable's skip list then reuses
  // most of its search path from one insert to the next instead of searching from the top
  // each time (random-order inserts were the index thread's dominant cost).
  std::string arena;
  size_t count = 0;
  for (const auto& g : groups) count += g.size();
  arena.reserve(count * 96);
  struct Ref {
    size_t key, key_size, value;  // offsets into arena; values are 8-byte positions or empty
  };
  std::vector<Ref> aggregate, idempotency;
  aggregate.reserve(count);
  idempotency.reserve(count);
  absl::flat_hash_map<absl::string_view, std::vector<uint64_t>> by_org;
  for (const std::vector<IndexEntry>& group : groups) {
    for (const IndexEntry& e : group) {
      by_org[e.organization_id].push_back(e.position);
      size_t key = arena.size();
      codec::AppendAggregatePrefix(&arena, e.organization_id, e.entity_id);
      codec::PutBE64(&arena, e.position);
      aggregate.push_back({key, arena.size() - key, std::string::npos});
      key = arena.size();
      arena.append(e.idempotency_key);
      size_t value = arena.size();
      codec::PutBE64(&arena, e.position);
      idempotency.push_back({key, e.idempotency_key.size(), value});
    }
  }

  auto key_of = [&arena](const Ref& r) {
    return std::string_view(arena).substr(r.key, r.key_size);
  };
  auto by_key = [&key_of](const Ref& a, const Ref& b) { return key_of(a) < key_of(b); };
  for (auto* family : {&aggregate, &idempotency}) {
    std::sort(family->begin(), family->end(), by_key);
    Cf cf = family == &aggregate ? kByAggregate : kIdempotency;
    for (const Ref& r : *family) {
      std::string_view k = key_of(r);
      rocksdb::Slice value = r.value == std::string::npos
                                 ? rocksdb::Slice()
                                 : rocksdb::Slice(arena.data() + r.value, 8);
      batch.Put(rocks_->cf[cf], rocksdb::Slice(k.data(), k.size()), value);
    }
  }
  std::string value;
  for (const auto& [org, positions] : by_org) {
    codec::EncodePositions(positions, &value);
    batch.Put(rocks_->cf[kByOrg],
              codec::OrgPrefix(std::string_view(org.data(), org.size())) +
                  codec::PositionKey(positions.front()),
              value);
  }
  uint64_t through = groups.back().back().position;
  batch.Put(rocks_->cf[kMeta], kIndexedKey, codec::PositionKey(through));
  // No WAL: the log is durable, and index entries lost with the memtable in a crash are
  // rebuilt from it on open (the watermark is lost with them: families flush atomically).
  // Keeping index bytes out of the WAL keeps them out of the append path's fsync.
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  READSIDE_CRASH_POINT("store.index.before_write");
  absl::Status s = FromRocks(rocks_->db->Write(wo, &batch), "index write");
  if (!s.ok()) return s;
  READSIDE_CRASH_POINT("store.index.after_write");
  {
    absl::MutexLock lk(&mu_);  // waiters in WaitIndexed look again when it is released
    indexed_.store(through, std::memory_order_release);
  }
  return absl::OkStatus();
}

void IndexWriter::Retry() {
  {
    absl::MutexLock lk(&mu_);
    if (status_.ok() || skip_writes_) return;
    for (auto it = failed_.rbegin(); it != failed_.rend(); ++it) {
      queue_.push_front(std::move(*it));
    }
    failed_.clear();
    status_ = absl::OkStatus();
  }
}

void IndexWriter::Loop() {
  for (;;) {
    Groups work;
    size_t count = 0;
    {
      absl::MutexLock lk(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      while (!queue_.empty() && count < 200'000) {
        count += queue_.front().size();
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // After a failure nothing is written until Retry() (which queues failed_ again ahead
      // of everything), so the watermark never passes an entry whose write failed. Decided
      // under the same lock that took the work, so a Retry cannot slip in between.
      if (skip_writes_ || !status_.ok()) {
        for (auto& g : work) failed_.push_back(std::move(g));  // keys stay pending
        continue;
      }
    }
    absl::Status s = Write(work);
    absl::MutexLock lk(&mu_);
    if (!s.ok()) {
      if (status_.ok()) status_ = s;
      for (auto& g : work) failed_.push_back(std::move(g));  // keys stay pending
      continue;                                              // duplicates are still detected
    }
    for (const std::vector<IndexEntry>& group : work) {
      for (const IndexEntry& e : group) {
        auto it = pending_.find(e.idempotency_key);
        if (it != pending_.end() && it->second == e.position) pending_.erase(it);
      }
    }
  }
}

}  // namespace readside::store
