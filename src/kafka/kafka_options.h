#pragma once
// The Kafka flags of `readside serve` (operations.md "Kafka ingestion") and the librdkafka
// configuration they make. Standard client properties pass through (--kafka-config
// key=value: SASL, TLS, timeouts), so readside runs against a real cluster as it does against
// `readside kafka-dev`.
// Thread-safety: value types and pure functions.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

struct rd_kafka_conf_s;

namespace readside::kafka {

struct KafkaOptions {
  std::string brokers;              // bootstrap.servers: HOST:PORT[,…]; empty: Kafka off
  std::vector<std::string> topics;  // consumed; POST /events and own state publish to topics[0]
  // The consumer group. Each node of a full-replica deployment has its own (the default,
  // "readside-" + the node's id); nodes sharing one split the partitions between them.
  std::string group;
  // readside's own state (dashboards, schedules, tenant settings) travels on this topic, which
  // only readside nodes write (give ERP services no write access to it): its messages may
  // carry readside.* event types, which the other topics refuse.
  std::string own_topic = "readside.own-state";
  std::vector<std::pair<std::string, std::string>> config;  // --kafka-config key=value
  // The consumer's group.instance.id (static membership): a member restarted with the same id
  // takes its partitions back at once instead of waiting out the session timeout of its dead
  // predecessor. Set for the default per-node group (a full replica, the only member of its
  // group); empty: dynamic membership.
  std::string instance_id;
  // Messages stored in one durable write, at most (one WriteBatch, one fsync), and about how
  // many bytes of them (one message more at most): with the batch being written and
  // librdkafka's own prefetch (64 MiB and one fetch of 16 MiB), what the consumer holds stays
  // bounded whatever the messages' size.
  size_t max_batch = 20'000;
  size_t max_batch_bytes = 16 << 20;
  // Back-pressure: the partitions are paused while the read models are more than this many
  // events behind the store, and resumed below half of it.
  uint64_t max_projection_lag = 200'000;
};

// --kafka-topics and --kafka-own-topic: Kafka topic names (letters, digits, '.', '_', '-', at
// most 249; no patterns), at least one event topic, none named twice, and the own-state topic
// apart from the event topics (only readside may write it). The error names the flag.
absl::Status ValidateTopics(const KafkaOptions& options);

// "key=value" → pair; an error names the flag and the rule.
absl::Status ParseConfigPair(const std::string& text, std::pair<std::string, std::string>* out);

// Sets `key` on `conf`; the error names the key and librdkafka's reason.
absl::Status SetConf(rd_kafka_conf_s* conf, const std::string& key, const std::string& value);
// bootstrap.servers plus every --kafka-config pair, on a new configuration; nullptr and the
// error on a bad one.
absl::Status ApplyCommonConf(const KafkaOptions& options, rd_kafka_conf_s* conf);

}  // namespace readside::kafka
