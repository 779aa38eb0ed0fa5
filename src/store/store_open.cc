// Opening the event store: RocksDB's options and column families, the reserve file that
// lets a restart on a full disk recover, warnings about write-ahead-log records dropped on
// recovery, and the writer and index threads.

#include <pthread.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include <cstdarg>
#include <cstdio>

#include "store/rocks_env.h"
#include "store/store_impl.h"

namespace readside::store {
namespace {

constexpr const char* kCfNames[kCfCount] = {"log",         "by_org",      "by_aggregate",
                                            "idempotency", "dead_letter", "meta"};

// "org\0 len entity BE64(position)" → "org\0 len entity": one aggregate's keys share a prefix.
class AggregatePrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "readside.AggregatePrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 8);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

// RocksDB's info log (the LOG file, as by default), also keeping the lines that say recovery
// dropped write-ahead-log records ("… dropping N bytes; Corruption: …"), so that Open can
// warn about them: a torn tail is expected after a crash, but an operator should know.
class RecoveryLogger final : public rocksdb::Logger {
 public:
  explicit RecoveryLogger(std::shared_ptr<rocksdb::Logger> target)
      : rocksdb::Logger(target->GetInfoLogLevel()), target_(std::move(target)) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    va_list copy;
    va_copy(copy, ap);
    if (capturing_.load() && std::strstr(format, "dropping") != nullptr) {
      char line[512];
      std::vsnprintf(line, sizeof line, format, copy);
      if (std::strstr(line, "column family") == nullptr) {
        absl::MutexLock lock(&mu_);
        dropped_.emplace_back(line);
      }
    }
    va_end(copy);
    target_->Logv(level, format, ap);
  }
  void Flush() override { target_->Flush(); }
  size_t GetLogFileSize() const override { return target_->GetLogFileSize(); }

  // The dropped-record lines logged so far; stops collecting.
  std::vector<std::string> TakeDropped() {
    capturing_.store(false);
    absl::MutexLock lock(&mu_);
    return std::move(dropped_);
  }

 private:
  rocksdb::Status CloseImpl() override { return target_->Close(); }

  std::shared_ptr<rocksdb::Logger> target_;
  std::atomic<bool> capturing_{true};
  absl::Mutex mu_;
  std::vector<std::string> dropped_ ABSL_GUARDED_BY(mu_);
};

rocksdb::Options DbOptions() {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // One flush and three compactions at a time: a long compaction of one family (the
  // idempotency index's keys are random, so its compactions rewrite the most) does not hold
  // up the others' (bench/RESULTS.md, "Soak").
  db_options.max_background_jobs = 4;
  db_options.max_total_wal_size = 256 << 20;
  // Each family has one writing thread: plain skip-list inserts, without the atomic
  // compare-and-swap that concurrent memtable writes need.
  db_options.allow_concurrent_memtable_write = false;
  // Index writes skip the WAL (see IndexWriter); flushing every family together keeps the
  // index watermark and the index entries it covers consistent on disk.
  db_options.atomic_flush = true;
  // Recovery replays the write-ahead log into memtables without flushing them to tables: a
  // restart then needs almost no free space (the disk may be full), and is faster. The log
  // files stay until the next regular flush.
  db_options.avoid_flush_during_recovery = true;
  return db_options;
}

// Large memtables: fewer flushes and level-0 compactions competing with ingest for the cores.
size_t WriteBufferSize(const StoreOptions& options, int family) {
  return family == kLog ? options.memtable_bytes : options.memtable_bytes / 2;
}

// Recovery replays the write-ahead log into memtables of this many times the normal size:
// what the log holds was in memtables of the normal size before, and with some slack no
// memtable fills up during recovery, so recovery writes no table (it would need free space).
// Open sets the normal size right after; the next write then flushes, once the disk allows.
constexpr size_t kRecoveryBufferFactor = 4;

// One block cache for every family, holding their index and filter blocks too, so that the
// memory of a store is bounded whatever the data it holds (without it, each open table keeps
// its index and filter blocks outside any cache: memory growing with the data). Index and
// filter blocks have the high-priority half; level-0 tables' stay pinned (every read and
// every idempotency lookup goes through them).
constexpr size_t kBlockCacheBytes = 256 << 20;

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(const StoreOptions& options) {
  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(kBlockCacheBytes, /*num_shard_bits=*/-1,
                           /*strict_capacity_limit=*/false, /*high_pri_pool_ratio=*/0.5);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < kCfCount; ++i) {
    rocksdb::ColumnFamilyOptions cf_options;
    cf_options.write_buffer_size = WriteBufferSize(options, i) * kRecoveryBufferFactor;
    cf_options.compression = rocksdb::kLZ4Compression;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    if (i == kLog) {
      // Read in position order (pages, replays): larger blocks, a quarter of the index.
      table.block_size = 16 << 10;
    }
    if (i == kByOrg || i == kByAggregate || i == kIdempotency) {
      // Flushes are atomic (every family with the log's, every few seconds under load), so
      // these families' level-0 tables are small, and their keys are not in write order:
      // each compaction into level 1 rewrites most of it. Waiting for 8 tables instead of 4
      // halves how often that happens; reads look at a few more (filtered) tables.
      cf_options.level0_file_num_compaction_trigger = 8;
      cf_options.level0_slowdown_writes_trigger = 24;
      cf_options.level0_stop_writes_trigger = 40;
    }
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
  return descriptors;
}

// The position of the last stored event (0 when the log is empty).
absl::StatusOr<uint64_t> LastStoredPosition(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log,
                                            const std::string& path) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log));
  it->SeekToLast();
  if (!it->Valid()) return 0;
  codec::BlockReader block;
  if (it->key().size() != 8 ||
      !block.Reset(codec::GetBE64(it->key().ToStringView()), it->value().ToStringView())) {
    return absl::DataLossError("the last block of the event log at " + path + " is corrupt");
  }
  return block.first() + block.count() - 1;
}

uint64_t LastKey(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToLast();
  return it->Valid() && it->key().size() == 8 ? codec::GetBE64(it->key().ToStringView()) : 0;
}

}  // namespace

EventStore::Impl::~Impl() {
  {
    absl::MutexLock lk(&queue_mu);
    stopping = true;
  }
  if (writer.joinable()) writer.join();
  indexer.reset();  // indexes what the writer queued, then stops
  for (auto* h : cf) db->DestroyColumnFamilyHandle(h);
  if (db) db->Close();
}

void EventStore::Impl::TryHoldReserve() {
  if (options.reserve_bytes == 0 || reserve_held) return;
  // Room for the reserve besides everything an append needs (CheckDisk with the reserve as
  // the batch asks for twice its size): taking it never refuses the next append.
  if (!CheckDisk(options.reserve_bytes).ok()) return;
  reserve_held = env->AllocateFile(reserve_path, options.reserve_bytes).ok();
}

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->env = options.env != nullptr ? options.env : Env::Default();
  Env* env = impl->env;
  if (absl::Status s = env->CreateDirs(options.path); !s.ok()) {
    return absl::UnavailableError("cannot create the event store directory: " +
                                  std::string(s.message()));
  }
  // Release the reserve first: recovering the write-ahead log flushes memtables, which needs
  // room even when the disk filled up before the restart.
  impl->reserve_path = options.path + "/readside.reserve";
  if (absl::Status s = env->RemoveFile(impl->reserve_path); !s.ok()) return s;

  rocksdb::Options db_options = DbOptions();
  // Tickers only (per-core counters, no timers or histograms): /metrics' RocksDB counters.
  impl->statistics = rocksdb::CreateDBStatistics();
  impl->statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.statistics = impl->statistics;
  impl->rocks_env = NewRocksEnv(env);
  if (impl->rocks_env) db_options.env = impl->rocks_env.get();
  std::shared_ptr<rocksdb::Logger> file_logger;
  if (rocksdb::Status s = rocksdb::CreateLoggerFromOptions(options.path, db_options, &file_logger);
      s.ok()) {
    db_options.info_log = std::make_shared<RecoveryLogger>(std::move(file_logger));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, ColumnFamilies(options), &handles, &raw);
  if (auto* logger = dynamic_cast<RecoveryLogger*>(db_options.info_log.get())) {
    impl->open_warnings = logger->TakeDropped();
  }
  if (!s.ok()) {
    return FromRocks(s, "cannot open the event store at " + options.path);
  }
  for (const std::string& w : impl->open_warnings) {
    std::fprintf(stderr,
                 "readside: warning: recovering the event store dropped write-ahead-log "
                 "records: %s. A torn tail after a crash is expected (the group was never "
                 "acknowledged); damage anywhere else in the log means lost data: check "
                 "the disk and restore from a backup\n",
                 w.c_str());
  }
  impl->rocks.db.reset(raw);
  impl->db = raw;
  // handles[0] is the default family, unused; keep ours in Cf order.
  raw->DestroyColumnFamilyHandle(handles[0]);
  impl->rocks.cf.assign(handles.begin() + 1, handles.end());
  impl->cf = impl->rocks.cf;
  for (int i = 0; i < kCfCount; ++i) {
    s = raw->SetOptions(impl->cf[i], {{"write_buffer_size", std::to_string(WriteBufferSize(options, i))}});
    if (!s.ok()) return FromRocks(s, "setting the memtable size of the event store");
  }

  absl::StatusOr<uint64_t> last = LastStoredPosition(raw, impl->cf[kLog], options.path);
  if (!last.ok()) return last.status();
  impl->last_position = *last;
  impl->last_dead_letter = LastKey(raw, impl->cf[kDeadLetter]);
  {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), impl->cf[kMeta]));
    absl::MutexLock lk(&impl->commit_mu);
    for (it->Seek(codec::kOffsetPrefix); it->Valid() && it->key().starts_with(codec::kOffsetPrefix);
         it->Next()) {
      std::string_view key = it->key().ToStringView().substr(codec::kOffsetPrefix.size());
      size_t nul = key.rfind('\0', key.size() >= 9 ? key.size() - 9 : 0);
      if (key.size() < 9 || nul != key.size() - 9 || it->value().size() != 8) {
        return absl::DataLossError("corrupt source offset in the event store at " + options.path);
      }
      impl->offsets[{std::string(key.substr(0, nul)),
                     static_cast<int32_t>(codec::GetBE64(key.substr(nul + 1)))}] =
          static_cast<int64_t>(codec::GetBE64(it->value().ToStringView()));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the source offsets");
  }
  Impl* p = impl.get();
  impl->indexer = std::make_unique<IndexWriter>(&impl->rocks, options.testing_skip_index_writes);
  absl::Status indexed = impl->indexer->Start(
      impl->last_position.load(),
      [p](uint64_t after, uint64_t until, const std::function<bool(const StoredEvent&)>& fn) {
        return p->ReadRangeImpl(after, until, fn);
      });
  if (!indexed.ok()) return indexed;
  impl->TryHoldReserve();
  if (absl::Status disk = impl->CheckDisk(0); !disk.ok()) impl->SetWriteStatus(disk);
  impl->writer = std::thread([p] {
    pthread_setname_np(pthread_self(), "rs-store-writer");
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);  // no per-operation counters
    p->WriterLoop();
  });
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

}  // namespace readside::store
