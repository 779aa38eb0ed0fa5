// The store's metrics (positions, dead letters, the data directory's disk, RocksDB's own)
// and its online checkpoint (backups).
#include <sys/statvfs.h>

#include <cstdio>
#include <map>
#include <string>

#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "rocksdb/utilities/checkpoint.h"
#include "store/rocks.h"
#include "store/event_store.h"
#include "store/store_impl.h"

namespace readside::store {
namespace {

uint64_t AggregatedProperty(rocksdb::DB* db, const std::string& name) {
  uint64_t v = 0;
  return db->GetAggregatedIntProperty(name, &v) ? v : 0;
}

uint64_t IntProperty(rocksdb::DB* db, const std::string& name) {
  uint64_t v = 0;
  return db->GetIntProperty(name, &v) ? v : 0;
}

}  // namespace

void EventStore::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    Impl& m = *impl_;
    RenderGauge("readside_store_position", "position of the last durable event",
                static_cast<double>(LastPosition()), out);
    RenderCounter("readside_dead_letters_total",
                  "messages parked in the dead-letter store since start (failed validation)",
                  m.dead_letters_stored.load(std::memory_order_relaxed), out);
    RenderGauge("readside_store_writable",
                "1 when appends are accepted, 0 while refused (full disk, failed write)",
                WriteStatus().ok() ? 1 : 0, out);
    // The filesystem of the data directory: what the store's own free-space check sees, and
    // its size.
    absl::StatusOr<uint64_t> free = m.env->FreeBytes(m.options.path);
    struct statvfs vfs {};
    if (free.ok() && ::statvfs(m.options.path.c_str(), &vfs) == 0) {
      RenderGauge("readside_data_dir_free_bytes",
                  "bytes still free to readside on the data directory's filesystem",
                  static_cast<double>(*free), out);
      RenderGauge("readside_data_dir_size_bytes", "size of the data directory's filesystem",
                  static_cast<double>(vfs.f_blocks) * static_cast<double>(vfs.f_frsize), out);
    }
    rocksdb::DB* db = m.db;
    RenderGauge("readside_rocksdb_live_sst_bytes", "bytes of the live SST files",
                static_cast<double>(AggregatedProperty(db, "rocksdb.live-sst-files-size")), out);
    RenderGauge("readside_rocksdb_memtable_bytes", "bytes of every memtable",
                static_cast<double>(AggregatedProperty(db, "rocksdb.cur-size-all-mem-tables")),
                out);
    RenderGauge("readside_rocksdb_pending_compaction_bytes",
                "estimated bytes compaction still has to rewrite",
                static_cast<double>(
                    AggregatedProperty(db, "rocksdb.estimate-pending-compaction-bytes")),
                out);
    RenderGauge("readside_rocksdb_running_compactions", "compactions running",
                static_cast<double>(IntProperty(db, "rocksdb.num-running-compactions")), out);
    RenderGauge("readside_rocksdb_running_flushes", "memtable flushes running",
                static_cast<double>(IntProperty(db, "rocksdb.num-running-flushes")), out);
    RenderGauge("readside_rocksdb_block_cache_bytes", "bytes held by the block cache",
                static_cast<double>(IntProperty(db, "rocksdb.block-cache-usage")), out);
    RenderGauge("readside_rocksdb_write_stopped", "1 while RocksDB stops writes (a stall)",
                static_cast<double>(IntProperty(db, "rocksdb.is-write-stopped")), out);
    RenderGauge("readside_rocksdb_delayed_write_rate_bytes",
                "the rate RocksDB slows writes to while it delays them (0: not delayed)",
                static_cast<double>(IntProperty(db, "rocksdb.actual-delayed-write-rate")), out);
    // Stalls since open, over every column family (the cfstats map counts them by cause).
    uint64_t stalls = 0;
    for (rocksdb::ColumnFamilyHandle* cf : m.cf) {
      std::map<std::string, std::string> stats;
      if (!db->GetMapProperty(cf, rocksdb::DB::Properties::kCFStats, &stats)) continue;
      for (const char* key : {"io_stalls.total_stop", "io_stalls.total_slowdown"}) {
        auto it = stats.find(key);
        if (it != stats.end()) stalls += std::strtoull(it->second.c_str(), nullptr, 10);
      }
    }
    RenderCounter("readside_rocksdb_write_stalls_total",
                  "writes RocksDB stopped or slowed down (compaction or flush behind)", stalls,
                  out);
    // RocksDB's own tickers (Statistics, tickers only: per-core counters).
    if (m.statistics) {
      const rocksdb::Statistics& st = *m.statistics;
      struct Ticker {
        const char* name;
        const char* help;
        uint32_t ticker;
      };
      static constexpr Ticker kTickers[] = {
          {"readside_rocksdb_block_cache_hits_total", "block cache hits", rocksdb::BLOCK_CACHE_HIT},
          {"readside_rocksdb_block_cache_misses_total", "block cache misses",
           rocksdb::BLOCK_CACHE_MISS},
          {"readside_rocksdb_bytes_written_total", "bytes written by writes (not compactions)",
           rocksdb::BYTES_WRITTEN},
          {"readside_rocksdb_bytes_read_total", "bytes read by point lookups", rocksdb::BYTES_READ},
          {"readside_rocksdb_wal_bytes_total", "bytes written to the write-ahead log",
           rocksdb::WAL_FILE_BYTES},
          {"readside_rocksdb_wal_syncs_total", "write-ahead log fsyncs", rocksdb::WAL_FILE_SYNCED},
          {"readside_rocksdb_compaction_read_bytes_total", "bytes read by compactions",
           rocksdb::COMPACT_READ_BYTES},
          {"readside_rocksdb_compaction_write_bytes_total", "bytes written by compactions",
           rocksdb::COMPACT_WRITE_BYTES},
          {"readside_rocksdb_flush_write_bytes_total", "bytes written by memtable flushes",
           rocksdb::FLUSH_WRITE_BYTES},
      };
      for (const Ticker& t : kTickers) {
        RenderCounter(t.name, t.help, st.getTickerCount(t.ticker), out);
      }
      // RocksDB counts microseconds; Prometheus' unit is the second.
      char stalled[64];
      std::snprintf(stalled, sizeof stalled, "%.6f",
                    static_cast<double>(st.getTickerCount(rocksdb::STALL_MICROS)) / 1e6);
      out->append(
          "# HELP readside_rocksdb_write_stall_seconds_total time writes waited in RocksDB "
          "stalls\n# TYPE readside_rocksdb_write_stall_seconds_total counter\n"
          "readside_rocksdb_write_stall_seconds_total ");
      out->append(stalled);
      out->push_back('\n');
    }
  });
}

absl::StatusOr<uint64_t> EventStore::Checkpoint(const std::string& dir) const {
  // Read first: the checkpoint, taken after, holds at least this much.
  uint64_t position = LastPosition();
  rocksdb::Checkpoint* raw = nullptr;
  if (absl::Status s = FromRocks(rocksdb::Checkpoint::Create(impl_->db, &raw), "checkpoint");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (absl::Status s = FromRocks(checkpoint->CreateCheckpoint(dir), "checkpoint"); !s.ok()) {
    return s;
  }
  return position;
}

}  // namespace readside::store
