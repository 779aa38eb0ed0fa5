#pragma once
// Seams between ingest and an external event bus (Kafka, src/kafka/), so that ingest and the
// HTTP routes depend on no client library: where POST /events publishes when the bus is on,
// and what the routes ask of the bus's consumer (its health, read-your-writes by offsets).
// Thread-safety: implementations are safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::ingest {

// (partition, offset) pairs of one topic.
using PartitionOffsets = std::vector<std::pair<int32_t, int64_t>>;

// Where accepted events go instead of the store when a bus is on: every node, this one
// included, stores them by consuming (operations.md "Kafka ingestion").
class EventPublisher {
 public:
  struct Message {
    std::string key;    // organization_id: one partition, so one order, per tenant
    std::string value;  // the normalized event JSON
  };
  struct Published {
    std::string topic;
    PartitionOffsets last_offsets;  // per partition written to, the last offset (ascending)
  };
  virtual ~EventPublisher() = default;
  // Publishes the messages, in order per key, and calls `done` exactly once, on another
  // thread, when the bus acknowledged every one (acks=all) or with the first failure (then
  // some may have been written: retrying is safe, their event ids make it idempotent).
  virtual void Publish(std::vector<Message> messages,
                       std::function<void(absl::StatusOr<Published>)> done) = 0;
};

// What the HTTP routes ask of the bus's consumer.
class ExternalSource {
 public:
  virtual ~ExternalSource() = default;
  // A JSON object for /health/ready (state, partitions, lag).
  virtual std::string HealthJson() const = 0;
  // False until the consumer first caught up with the partitions assigned at start (a node
  // replaying a topic is not ready to answer).
  virtual bool CaughtUp() const = 0;
  // Calls `done` once every (partition, offset) of the topic POST /events publishes to is
  // stored, with the store's position then (every event of those messages is at or before
  // it), or with nullopt when `timeout` passes first. `done` runs on another thread or, when
  // already stored, on this one.
  virtual void WhenStored(PartitionOffsets offsets, std::chrono::milliseconds timeout,
                          std::function<void(std::optional<uint64_t>)> done) = 0;
  // Why `offsets` can never be stored (a partition the topic does not have, as far as the
  // bus last said), or nullopt: they may be waited for.
  virtual std::optional<std::string> Unreachable(const PartitionOffsets& offsets) const {
    return std::nullopt;
  }
};

// "0:17,3:5" → {(0,17),(3,5)}; an error names the rule broken.
absl::StatusOr<PartitionOffsets> ParsePartitionOffsets(std::string_view text);
std::string FormatPartitionOffsets(const PartitionOffsets& offsets);

}  // namespace readside::ingest
