#pragma once
// Consumes events from Kafka into the store with exactly-once effect and no Kafka
// transactions (operations.md "Kafka ingestion"): each durable store write carries the next
// offset of every partition its messages came from, and on start and on every assignment the
// consumer seeks to the offsets the store holds. A crash anywhere (before, during or after a
// write) loses no message and stores none twice; a rebalance between nodes of one group keeps
// that promise, because each node seeks to what its own store holds.
//
// Messages that fail validation become dead letters (topic, partition, offset, raw bytes,
// reason) in the same write, and consumption goes on. Back-pressure: while the read models are
// more than max_projection_lag events behind the store, the partitions are paused (librdkafka
// stops fetching; nothing is buffered beyond its bounded prefetch).
//
// Thread-safety: Start/Stop from one thread; the rest from any.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "ingest/external.h"
#include "ingest/ingest_service.h"
#include "kafka/kafka_options.h"
#include "store/event_store.h"

struct rd_kafka_s;
struct rd_kafka_topic_partition_list_s;
struct rd_kafka_message_s;

namespace readside::kafka {

// The store's name for a topic's offsets.
inline std::string SourceName(const std::string& topic) { return "kafka:" + topic; }

struct PartitionState {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = -1;  // stored; -1: nothing stored yet
  int64_t high_watermark = -1;  // last known end of the partition; -1: not known yet
  // Caught up once next_offset reaches this: the high watermark first seen after the
  // partition was assigned (-1: not known yet). A fixed target, so that a node catches up
  // under steady production, when the lag is rarely 0 everywhere at once.
  int64_t target = -1;
  // Where the consumer last reached the partition's end (librdkafka's end-of-partition
  // event): beyond the last message when the log ends with transaction markers, which are
  // never delivered. -1: not reached yet.
  int64_t end_reached = -1;
  // The end as last asked from the broker (while paused or down; librdkafka's cached end is
  // not refreshed without fetching). -1: none newer than the cached one.
  int64_t queried_high = -1;
  // How far this node has read: stored messages, or the end it reached past trailing markers.
  int64_t read_to() const { return std::max<int64_t>({0, next_offset, end_reached}); }
  int64_t lag() const {
    return high_watermark < 0 ? 0 : std::max<int64_t>(0, high_watermark - read_to());
  }
};

class KafkaConsumer : public ingest::ExternalSource {
 public:
  // `projection_lag` answers how many stored events the read models have not applied yet.
  KafkaConsumer(KafkaOptions options, ingest::IngestService* ingest, store::EventStore* store,
                std::function<uint64_t()> projection_lag);
  ~KafkaConsumer() override;

  // Validates the configuration and starts the consumer thread (it connects and joins the
  // group in the background).
  absl::Status Start();
  // Stores what was consumed, leaves the group and stops.
  void Stop();

  // ingest::ExternalSource
  std::string HealthJson() const override;
  bool CaughtUp() const override;
  void WhenStored(ingest::PartitionOffsets offsets, std::chrono::milliseconds timeout,
                  std::function<void(std::optional<uint64_t>)> done) override;
  // A partition at or past the POST topic's partition count (from the broker's metadata,
  // asked every 10 s): such an offset never comes, so min_offsets naming it is refused (400)
  // instead of waited for. Unknown count (no metadata yet): nullopt.
  std::optional<std::string> Unreachable(const ingest::PartitionOffsets& offsets) const override;

  // Answers every waiting WhenStored now (with what is stored): SIGTERM's drain.
  void CancelWaits();

  // WhenStored for any consumed topic (the own-state topic: kafka/own_state_writer.h).
  void WhenStoredIn(const std::string& topic, ingest::PartitionOffsets offsets,
                    std::chrono::milliseconds timeout,
                    std::function<void(std::optional<uint64_t>)> done);
  const KafkaOptions& options() const { return options_; }

  std::vector<PartitionState> Partitions() const;
  bool up() const { return up_.load(std::memory_order_relaxed); }
  // When the cluster became unreachable (wall clock, µs; Start() until the first connection);
  // meaningful while !up().
  int64_t down_since_micros() const { return down_since_micros_.load(std::memory_order_relaxed); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  // While not caught up (starting, or partitions assigned at last): how old the node's data may
  // be, in seconds: the age of the newest message consumed (its Kafka timestamp), or, before
  // any, how long it has been catching up. nullopt once caught up. Answers say they are stale
  // meanwhile (a node behind nginx serves while it replays).
  std::optional<double> CatchingUpSeconds() const;
  uint64_t batches() const { return batches_.value(); }
  uint64_t skipped() const { return skipped_.value(); }
  uint64_t store_retries() const { return store_retries_.value(); }
  // Batches the store refused when a rebalance came, dropped (never stored, their offsets
  // neither) and consumed again from the stored offsets.
  uint64_t dropped_batches() const { return dropped_.value(); }
  uint64_t key_mismatches() const { return key_mismatches_.value(); }
  uint64_t offset_resets() const { return offset_resets_.value(); }
  void RegisterMetrics(MetricsRegistry* registry) const;

  // For librdkafka's callbacks (on the consumer thread, inside its poll) only.
  void OnRebalance(int err, rd_kafka_topic_partition_list_s* partitions);
  void SetUp(bool up, const std::string& why);
  // A fatal error (e.g. fenced by another member with this group.instance.id): down for good.
  void SetFatal(const std::string& why);

 private:
  struct Pending;   // messages consumed and not yet stored
  struct InFlight;  // the batch being written
  void Loop();
  std::vector<ingest::SourceMessage> Messages(const Pending& batch) const;
  static std::vector<store::SourceOffset> Offsets(const Pending& batch);
  // Parses what was consumed since the last write (while the previous write goes on), waits
  // for that write (Settle) and hands this batch to the store with the partitions' next
  // offsets. False when stopping before the previous write could be stored.
  bool Submit();
  // Waits for the batch being written. While the store refuses it: with `retry`, retries
  // with the assigned partitions paused, still polling (a rebalance drops it: OnRebalance;
  // waiters are still answered at their deadline) and returns false only when stopping or
  // dropped first; without, drops it and returns false (its messages are consumed again from
  // the stored offsets).
  bool Settle(bool retry = true);
  // Forgets the batch being written and what was consumed after it: all of it is consumed
  // again from the stored offsets (the next poll rewinds). `count`: a batch was dropped
  // (readside_kafka_dropped_batches_total).
  void DropInFlight(bool count);
  // A librdkafka event that is not a message (the end of a partition, an error); destroys it.
  void NoteEvent(rd_kafka_message_s* m);
  // Before a rebalance: stores what was consumed if the store takes it at once, else drops it
  // (never blocking the group's rebalance on a full disk).
  void FlushOrDrop();
  // Seeks every assigned partition back to the offset the store holds (after FlushOrDrop
  // dropped a batch), dropping what was fetched before.
  void Rewind();
  // Each partition's offset := the next offset its store holds (the beginning when none),
  // and the offset expected next there.
  void SetStoredOffsets(rd_kafka_topic_partition_list_s* partitions);
  // The partitions' ends, from the broker (a blocking request per partition, each bounded by
  // `timeout`): while paused (librdkafka's cached ends are not refreshed without fetching),
  // and to find Kafka back after an outage on a quiet topic. Consumer thread.
  void QueryWatermarks(std::chrono::milliseconds timeout);
  // Reads the POST topic's partition count from the broker's metadata (partition_count_).
  void RefreshPartitionCount(std::chrono::milliseconds timeout);
  // Stores everything consumed (Submit, then Settle).
  bool Flush();
  // Counts valid messages of pending_ whose key is not their organization, warning once per
  // partition.
  void NoteKeyMismatches(const std::vector<size_t>& indexes);
  void UpdateBackPressure();
  void FireWaiters(bool stopping);

  KafkaOptions options_;
  ingest::IngestService* ingest_;
  store::EventStore* store_;
  std::function<uint64_t()> projection_lag_;
  rd_kafka_s* rk_ = nullptr;
  std::unique_ptr<Pending> pending_;  // consumer thread only
  std::unique_ptr<InFlight> inflight_;  // consumer thread only; null when nothing is written
  // The dead letters' "source" per consumed topic ("kafka:<topic>").
  std::map<std::string, std::string, std::less<>> topic_source_;
  std::string own_source_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> up_{false};
  std::atomic<int64_t> down_since_micros_{0};
  std::atomic<int64_t> catching_up_since_micros_{0};  // wall clock: Start, or assigned at last
  std::atomic<int64_t> newest_message_millis_{0};     // Kafka timestamp; 0: none consumed
  std::atomic<bool> paused_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> waits_cancelled_{false};  // SIGTERM's drain: every wait answered at once
  std::atomic<bool> fatal_{false};
  std::chrono::steady_clock::time_point started_;
  // Ready after 30 s without any assignment (Kafka unreachable): serving what is stored. A
  // later assignment makes the node catch up again before it is ready.
  bool fallback_ready_ = false;  // consumer thread only
  bool rewind_ = false;          // consumer thread only: Rewind() due
  bool rebalancing_ = false;     // consumer thread only: revoked, the next assignment due
  int32_t partition_count_ ABSL_GUARDED_BY(mu_) = -1;  // of options_.topics[0]; -1: unknown
  bool topics_exist_ = false;    // consumer thread only: every topic in the last metadata
  size_t query_from_ = 0;        // consumer thread only: QueryWatermarks' rotation
  bool rewind_logged_ = false;   // consumer thread only
  Counter batches_, messages_, dead_letters_, store_retries_, rebalances_;
  Counter dropped_;  // batches refused by the store and dropped before a rebalance
  // Messages this node never saw: the offset consumed next was beyond the one expected (the
  // log's start moved past them by retention, or a compacted topic). Consumer thread only,
  // but for the counter.
  Counter skipped_;
  Counter key_mismatches_;
  Counter offset_resets_;  // the log went back below the stored offset
  std::set<std::pair<std::string, int32_t>> key_warned_;  // consumer thread only
  std::map<std::pair<std::string, int32_t>, int64_t> expected_;  // next offset expected

  mutable absl::Mutex mu_;
  std::vector<PartitionState> assigned_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  bool ever_assigned_ ABSL_GUARDED_BY(mu_) = false;
  struct Waiter {
    std::string topic;
    ingest::PartitionOffsets offsets;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(std::optional<uint64_t>)> done;
  };
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace readside::kafka
