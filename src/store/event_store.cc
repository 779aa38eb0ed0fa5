// RocksDB adapter for EventStore: the only file that includes RocksDB headers.

#include "store/event_store.h"

#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "event/parser.h"
#include "store/codec.h"
#include "store/index_writer.h"
#include "store/rocks.h"

namespace readside::store {
namespace {

constexpr const char* kCfNames[kCfCount] = {"log",         "by_org",      "by_aggregate",
                                            "idempotency", "dead_letter", "meta"};

std::string CountKey(std::string_view kind, std::string_view org) {
  return std::string(kind) + "/" + std::string(org);
}
std::string RejectedKey(std::string_view org) { return CountKey("rejected", org); }

// "org\0 len entity BE64(position)" → "org\0 len entity": one aggregate's keys share a prefix.
class AggregatePrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "readside.AggregatePrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 8);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

}  // namespace

struct EventStore::Impl {
  StoreOptions options;
  Rocks rocks;
  rocksdb::DB* db = nullptr;                     // == rocks.db.get()
  std::vector<rocksdb::ColumnFamilyHandle*> cf;  // == rocks.cf
  std::unique_ptr<IndexWriter> indexer;

  std::atomic<uint64_t> last_position{0};
  std::atomic<uint64_t> counts_version{0};  // bumped after a commit that changed counts
  std::atomic<uint64_t> last_dead_letter{0};
  mutable std::mutex commit_mu;
  mutable std::condition_variable commit_cv;
  std::vector<std::function<void(uint64_t)>> listeners;

  struct Pending {
    AppendRequest request;
    AppendCallback done;
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Pending> queue;
  bool stopping = false;
  std::thread writer;

  ~Impl() {
    {
      std::lock_guard lk(queue_mu);
      stopping = true;
    }
    queue_cv.notify_all();
    if (writer.joinable()) writer.join();
    indexer.reset();  // indexes what the writer queued, then stops
    for (auto* h : cf) db->DestroyColumnFamilyHandle(h);
    if (db) db->Close();
  }

  void WriterLoop();
  void Commit(std::deque<Pending>& group);
  // Decides the outcome of one event against stored and in-group events.
  struct InGroup {
    uint64_t position;
    const std::string* json;
  };
  // `stored` is the idempotency index's value for the key (nullopt: not stored).
  absl::StatusOr<AppendOutcome> Decide(
      const EventToStore& e, const std::string& key, const std::optional<uint64_t>& stored,
      const absl::flat_hash_map<absl::string_view, InGroup>& group);
  // Reads the event at `position` through `log_it` (an iterator over the log family),
  // reusing `block` when it already holds the position.
  absl::Status ReadAt(uint64_t position, rocksdb::Iterator* log_it, codec::BlockReader* block,
                      StoredEvent* out) const;
  absl::Status ReadRangeImpl(uint64_t after, uint64_t until,
                             const std::function<bool(const StoredEvent&)>& fn) const;
  // Looks up every producer-given idempotency key of the group in one MultiGet.
  absl::Status Lookup(const std::deque<Pending>& group, std::vector<std::string>* keys,
                      std::vector<std::optional<uint64_t>>* stored);
};

void EventStore::Impl::WriterLoop() {
  std::deque<Pending> group;
  for (;;) {
    {
      std::unique_lock lk(queue_mu);
      queue_cv.wait(lk, [&] { return !queue.empty() || stopping; });
      if (queue.empty()) return;  // stopping and drained
      size_t events = 0;
      while (!queue.empty() && (group.empty() || events + queue.front().request.events.size() <=
                                                     options.max_group_events)) {
        events += queue.front().request.events.size();
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    Commit(group);
    group.clear();
  }
}

absl::Status EventStore::Impl::ReadAt(uint64_t position, rocksdb::Iterator* log_it,
                                      codec::BlockReader* block, StoredEvent* out) const {
  if (!block->Contains(position)) {
    log_it->SeekForPrev(codec::PositionKey(position));
    if (!log_it->Valid() || log_it->key().size() != 8 ||
        !block->Reset(codec::GetBE64(log_it->key().ToStringView()),
                      log_it->value().ToStringView()) ||
        !block->Contains(position)) {
      absl::Status s = FromRocks(log_it->status(), "event log read");
      return s.ok() ? absl::DataLossError("event at position " + std::to_string(position) +
                                          " is missing or corrupt")
                    : s;
    }
  }
  if (!block->Get(position, out)) {
    return absl::DataLossError("corrupt event record at position " + std::to_string(position));
  }
  return absl::OkStatus();
}

absl::Status EventStore::Impl::Lookup(const std::deque<Pending>& group,
                                      std::vector<std::string>* keys,
                                      std::vector<std::optional<uint64_t>>* stored) {
  for (const Pending& p : group) {
    for (const EventToStore& e : p.request.events) {
      keys->push_back(codec::IdempotencyKey(e.organization_id, e.event_id));
    }
  }
  stored->assign(keys->size(), std::nullopt);
  std::vector<rocksdb::Slice> slices;
  std::vector<size_t> which;
  size_t k = 0;
  // Durable but not yet indexed keys first: a key leaves that set only after its index entry
  // is written, so a miss there followed by the MultiGet below cannot miss a stored key.
  for (const Pending& p : group) {
    for (const EventToStore& e : p.request.events) {
      if (!e.event_id_assigned) {  // a fresh server UUID cannot be stored already
        (*stored)[k] = indexer->FindPending((*keys)[k]);
        if (!(*stored)[k]) {
          slices.emplace_back((*keys)[k]);
          which.push_back(k);
        }
      }
      ++k;
    }
  }
  if (slices.empty()) return absl::OkStatus();
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db->MultiGet(rocksdb::ReadOptions(), cf[kIdempotency], slices.size(), slices.data(),
               values.data(), statuses.data());
  for (size_t i = 0; i < slices.size(); ++i) {
    if (statuses[i].ok()) {
      (*stored)[which[i]] = codec::GetBE64(values[i].ToStringView());
    } else if (!statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "idempotency lookup");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AppendOutcome> EventStore::Impl::Decide(
    const EventToStore& e, const std::string& key, const std::optional<uint64_t>& stored,
    const absl::flat_hash_map<absl::string_view, InGroup>& group) {
  const std::string* original = nullptr;
  uint64_t position = 0;
  std::string stored_json;
  if (auto it = group.find(key); it != group.end()) {
    original = it->second.json;
    position = it->second.position;
  } else if (stored.has_value()) {
    position = *stored;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
    codec::BlockReader block;
    StoredEvent stored_event;
    if (absl::Status s = ReadAt(position, it.get(), &block, &stored_event); !s.ok()) return s;
    stored_json = std::move(stored_event.json);
    original = &stored_json;
  } else {
    return AppendOutcome{Outcome::kAccepted, 0};
  }
  bool same = *original == e.json || event::JsonValueEqual(*original, e.json);
  return AppendOutcome{same ? Outcome::kDuplicate : Outcome::kConflict, position};
}

void EventStore::Impl::Commit(std::deque<Pending>& group) {
  rocksdb::WriteBatch batch;
  uint64_t next = last_position.load(std::memory_order_relaxed) + 1;
  // Keyed by views of `keys`, which outlive it.
  absl::flat_hash_map<absl::string_view, InGroup> in_group;
  absl::flat_hash_map<std::string, uint64_t> rejected;
  std::vector<std::vector<AppendOutcome>> outcomes(group.size());
  std::vector<std::string> keys;
  std::vector<std::optional<uint64_t>> stored;
  absl::Status failure = Lookup(group, &keys, &stored);
  size_t k = 0;
  // Accepted events become log blocks of at most kBlockEvents records, and one by_org entry
  // per organization (see codec.h).
  constexpr uint64_t kBlockEvents = 1024;
  constexpr size_t kBlockBytes = 1 << 20;
  std::string block_body;
  block_body.reserve(kBlockBytes + (64 << 10));
  uint64_t block_first = next, block_count = 0;
  auto flush_block = [&] {
    if (block_count == 0) return;
    std::string key = codec::PositionKey(block_first), header = codec::BlockHeader(block_count);
    rocksdb::Slice key_slice(key), parts[2] = {header, block_body};
    batch.Put(cf[kLog], rocksdb::SliceParts(&key_slice, 1), rocksdb::SliceParts(parts, 2));
    block_body.clear();
    block_first += block_count;
    block_count = 0;
  };
  std::vector<IndexEntry> index_entries;
  std::vector<size_t> index_keys;  // the index in `keys` of each index entry's key
  for (size_t r = 0; r < group.size() && failure.ok(); ++r) {
    AppendRequest& req = group[r].request;
    outcomes[r].reserve(req.events.size());
    for (EventToStore& e : req.events) {
      const std::string& key = keys[k];
      absl::StatusOr<AppendOutcome> decided = Decide(e, key, stored[k], in_group);
      ++k;
      if (!decided.ok()) {
        failure = decided.status();
        break;
      }
      if (decided->outcome == Outcome::kAccepted) {
        uint64_t pos = next++;
        decided->position = pos;
        codec::AppendToBlock(e, &block_body);
        if (++block_count == kBlockEvents || block_body.size() >= kBlockBytes) flush_block();
        in_group.emplace(key, InGroup{pos, &e.json});
        // The request is not read again once decided: its strings move to the index.
        index_entries.push_back({std::move(e.organization_id), std::move(e.entity_id), {}, pos});
        index_keys.push_back(k - 1);
      }
      if (decided->outcome != Outcome::kAccepted) {
        ++rejected[CountKey(decided->outcome == Outcome::kDuplicate ? "duplicates" : "conflicts",
                            e.organization_id)];
      }
      outcomes[r].push_back(*decided);
    }
    for (const auto& [org, n] : req.rejected_by_org) rejected[RejectedKey(org)] += n;
  }
  flush_block();
  in_group.clear();  // its keys are views of `keys`, which now move to the index entries
  for (size_t i = 0; i < index_entries.size(); ++i) {
    index_entries[i].idempotency_key = std::move(keys[index_keys[i]]);
  }
  // Per-tenant counts of rejected, duplicate and conflicting input (durable with the group).
  for (const auto& [key, n] : rejected) {
    if (!failure.ok()) break;
    std::string current;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], key, &current);
    uint64_t count = s.ok() && current.size() == 8 ? codec::GetBE64(current) : 0;
    batch.Put(cf[kMeta], key, codec::PositionKey(count + n));
  }
  if (failure.ok() && batch.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    failure = FromRocks(db->Write(wo, &batch), "event log write");
  }
  if (failure.ok()) {
    uint64_t last = next - 1;
    if (!rejected.empty()) counts_version.fetch_add(1, std::memory_order_release);
    indexer->Enqueue(std::move(index_entries));
    {
      std::lock_guard lk(commit_mu);
      last_position.store(last, std::memory_order_release);
    }
    commit_cv.notify_all();
    for (auto& l : listeners) l(last);
    for (size_t r = 0; r < group.size(); ++r) group[r].done(std::move(outcomes[r]));
  } else {
    for (Pending& p : group) p.done(failure);
  }
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::UnavailableError("cannot create the event store directory " + options.path + ": " +
                                  ec.message());
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.max_total_wal_size = 256 << 20;
  // Each family has one writing thread: plain skip-list inserts, without the atomic
  // compare-and-swap that concurrent memtable writes need.
  db_options.allow_concurrent_memtable_write = false;
  // Index writes skip the WAL (see IndexWriter); flushing every family together keeps the
  // index watermark and the index entries it covers consistent on disk.
  db_options.atomic_flush = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < kCfCount; ++i) {
    rocksdb::ColumnFamilyOptions cf_options;
    // Large memtables: fewer flushes and level-0 compactions competing with ingest for the cores.
    cf_options.write_buffer_size = (i == kLog ? 64 : 32) << 20;
    cf_options.compression = rocksdb::kLZ4Compression;
    rocksdb::BlockBasedTableOptions table;
    if (i == kByAggregate) {
      cf_options.prefix_extractor = std::make_shared<AggregatePrefix>();
    }
    // The idempotency index is only ever read by exact key, and each aggregate's index only
    // within its prefix: hash-based memtables make their (random-order) inserts O(1).
    if (i == kIdempotency) {
      cf_options.memtable_prefix_bloom_size_ratio = 0.05;
      cf_options.memtable_whole_key_filtering = true;
      // Nearly every lookup misses (new events): a Bloom filter answers those from memory.
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.whole_key_filtering = true;
    }
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    descriptors.emplace_back(kCfNames[i], cf_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::UnavailableError("cannot open the event store at " + options.path + ": " +
                                  s.ToString());
  }
  impl->rocks.db.reset(raw);
  impl->db = raw;
  // handles[0] is the default family, unused; keep ours in Cf order.
  raw->DestroyColumnFamilyHandle(handles[0]);
  impl->rocks.cf.assign(handles.begin() + 1, handles.end());
  impl->cf = impl->rocks.cf;

  auto last_key = [&](Cf family) -> uint64_t {
    std::unique_ptr<rocksdb::Iterator> it(
        raw->NewIterator(rocksdb::ReadOptions(), impl->cf[family]));
    it->SeekToLast();
    return it->Valid() && it->key().size() == 8 ? codec::GetBE64(it->key().ToStringView()) : 0;
  };
  {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), impl->cf[kLog]));
    it->SeekToLast();
    codec::BlockReader block;
    if (it->Valid()) {
      if (it->key().size() != 8 ||
          !block.Reset(codec::GetBE64(it->key().ToStringView()), it->value().ToStringView())) {
        return absl::DataLossError("the last block of the event log at " + options.path +
                                   " is corrupt");
      }
      impl->last_position = block.first() + block.count() - 1;
    }
  }
  impl->last_dead_letter = last_key(kDeadLetter);
  Impl* p = impl.get();
  impl->indexer = std::make_unique<IndexWriter>(&impl->rocks, options.testing_skip_index_writes);
  absl::Status indexed = impl->indexer->Start(
      impl->last_position.load(),
      [p](uint64_t after, uint64_t until, const std::function<bool(const StoredEvent&)>& fn) {
        return p->ReadRangeImpl(after, until, fn);
      });
  if (!indexed.ok()) return indexed;
  impl->writer = std::thread([p] {
    pthread_setname_np(pthread_self(), "rs-store-writer");
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);  // no per-operation counters
    p->WriterLoop();
  });
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

void EventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  {
    std::lock_guard lk(impl_->queue_mu);
    impl_->queue.push_back({std::move(request), std::move(done)});
  }
  impl_->queue_cv.notify_one();
}

absl::StatusOr<std::vector<AppendOutcome>> EventStore::Append(AppendRequest request) {
  std::promise<absl::StatusOr<std::vector<AppendOutcome>>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(request), [&promise](absl::StatusOr<std::vector<AppendOutcome>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

uint64_t EventStore::LastPosition() const {
  return impl_->last_position.load(std::memory_order_acquire);
}

bool EventStore::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(impl_->commit_mu);
  return impl_->commit_cv.wait_for(lk, timeout, [&] { return LastPosition() >= position; });
}

void EventStore::AddCommitListener(std::function<void(uint64_t)> listener) {
  impl_->listeners.push_back(std::move(listener));
}

absl::Status EventStore::ReadRange(uint64_t after, uint64_t until,
                                   const std::function<bool(const StoredEvent&)>& fn) const {
  return impl_->ReadRangeImpl(after, until, fn);
}

absl::Status EventStore::Impl::ReadRangeImpl(
    uint64_t after, uint64_t until, const std::function<bool(const StoredEvent&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
  // The block holding after + 1 may start before it.
  it->SeekForPrev(codec::PositionKey(after + 1));
  if (!it->Valid()) it->SeekToFirst();
  codec::BlockReader block;
  StoredEvent ev;
  for (; it->Valid(); it->Next()) {
    if (it->key().size() != 8 ||
        !block.Reset(codec::GetBE64(it->key().ToStringView()), it->value().ToStringView())) {
      return absl::DataLossError("corrupt event log block");
    }
    for (uint64_t pos = std::max(block.first(), after + 1); pos < block.first() + block.count();
         ++pos) {
      if (pos > until) return absl::OkStatus();
      if (!block.Get(pos, &ev)) {
        return absl::DataLossError("corrupt event record at position " + std::to_string(pos));
      }
      if (!fn(ev)) return absl::OkStatus();
    }
  }
  return FromRocks(it->status(), "event log read");
}

absl::StatusOr<QueryPage> EventStore::Query(const EventQuery& q) const {
  // Indexes trail the log by a group or two: answer only once they cover every event that
  // was durable when the query arrived (read-your-writes for GET /events).
  if (!impl_->indexer->WaitIndexed(LastPosition(), std::chrono::seconds(5))) {
    absl::Status s = impl_->indexer->status();
    return s.ok() ? absl::UnavailableError("the event indexes are behind; retry") : s;
  }
  QueryPage page;
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> log_it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  codec::BlockReader block;
  StoredEvent ev;
  size_t scanned = 0;
  absl::Status status;
  // Visits one candidate position; returns false to stop.
  auto visit = [&](uint64_t pos) {
    if (++scanned > impl_->options.max_query_scan) {  // bound the work of one request
      page.next = pos - 1;
      return false;
    }
    status = impl_->ReadAt(pos, log_it.get(), &block, &ev);
    if (!status.ok()) return false;
    if (!q.event_type.empty() && ev.event_type != q.event_type) return true;
    if (ev.timestamp_micros < q.from_micros || ev.timestamp_micros >= q.to_micros) return true;
    if (page.events.size() == q.limit) {  // one more match exists: there is a next page
      page.next = page.events.back().position;
      return false;
    }
    page.events.push_back(ev);
    return true;
  };
  const std::string start_pos = codec::PositionKey(q.after_position + 1);
  if (!q.aggregate_id.empty()) {
    std::string prefix = codec::AggregatePrefix(q.organization_id, q.aggregate_id);
    rocksdb::ReadOptions index_ro = ro;
    index_ro.prefix_same_as_start = true;  // the aggregate index is prefix-organized
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(index_ro, impl_->cf[kByAggregate]));
    for (it->Seek(prefix + start_pos); it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
      if (!visit(codec::GetBE64(key.substr(prefix.size())))) break;
    }
    if (status.ok()) status = FromRocks(it->status(), "event query");
  } else {
    // by_org entries are keyed by their first position: the one holding after + 1 may start
    // before it.
    std::string prefix = codec::OrgPrefix(q.organization_id);
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kByOrg]));
    it->SeekForPrev(prefix + start_pos);
    if (!it->Valid() || !it->key().ToStringView().starts_with(prefix)) it->Seek(prefix + start_pos);
    std::vector<uint64_t> positions;
    bool more = true;
    for (; more && it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
      if (!codec::DecodePositions(it->value().ToStringView(), &positions)) {
        status = absl::DataLossError("corrupt organization index entry");
        break;
      }
      for (uint64_t pos : positions) {
        if (pos <= q.after_position) continue;
        if (!(more = visit(pos))) break;
      }
    }
    if (status.ok()) status = FromRocks(it->status(), "event query");
  }
  log_it.reset();
  impl_->db->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return page;
}

uint64_t EventStore::RejectedCount(std::string_view org) const {
  return GetTenantCounts(org).rejected;
}

uint64_t EventStore::CountsVersion() const {
  return impl_->counts_version.load(std::memory_order_acquire);
}

TenantCounts EventStore::GetTenantCounts(std::string_view org) const {
  TenantCounts counts;
  std::pair<const char*, uint64_t*> kinds[] = {{"rejected", &counts.rejected},
                                               {"duplicates", &counts.duplicates},
                                               {"conflicts", &counts.conflicts}};
  for (auto& [kind, out] : kinds) {
    std::string value;
    rocksdb::Status s =
        impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kMeta], CountKey(kind, org), &value);
    *out = s.ok() && value.size() == 8 ? codec::GetBE64(value) : 0;
  }
  return counts;
}

absl::StatusOr<uint64_t> EventStore::AddDeadLetter(DeadLetter letter) {
  letter.id = impl_->last_dead_letter.fetch_add(1) + 1;
  std::string value;
  codec::EncodeDeadLetter(letter, &value);
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  absl::Status s =
      FromRocks(impl_->db->Put(wo, impl_->cf[kDeadLetter], codec::PositionKey(letter.id), value),
                "dead-letter write");
  if (!s.ok()) return s;
  return letter.id;
}

absl::StatusOr<std::vector<DeadLetter>> EventStore::ListDeadLetters(uint64_t after_id,
                                                                    size_t limit) const {
  std::vector<DeadLetter> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kDeadLetter]));
  for (it->Seek(codec::PositionKey(after_id + 1)); it->Valid() && out.size() < limit; it->Next()) {
    DeadLetter d;
    uint64_t id = codec::GetBE64(it->key().ToStringView());
    if (!codec::DecodeDeadLetter(id, it->value().ToStringView(), &d)) {
      return absl::DataLossError("corrupt dead letter " + std::to_string(id));
    }
    out.push_back(std::move(d));
  }
  absl::Status s = FromRocks(it->status(), "dead-letter read");
  if (!s.ok()) return s;
  return out;
}

absl::Status EventStore::DeleteDeadLetter(uint64_t id) {
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  return FromRocks(impl_->db->Delete(wo, impl_->cf[kDeadLetter], codec::PositionKey(id)),
                   "dead-letter delete");
}

}  // namespace readside::store
