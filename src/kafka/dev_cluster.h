#pragma once
// `readside kafka-dev`: a Kafka-protocol cluster on loopback for tests, the demo and a
// newcomer, built on librdkafka's mock cluster (no broker to install). Its brokers listen on
// ephemeral ports; with a fixed --port, a small forwarder on that port leads bootstrap
// connections to the first broker (clients then use the addresses the metadata names).
// Not a broker for production: nothing is written to disk.
// Thread-safety: construct and destroy on one thread; bootstrap() from any.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace readside::kafka {

class DevCluster {
 public:
  // `topics`: created with their partition counts (others are created on first use with 4).
  static absl::StatusOr<std::unique_ptr<DevCluster>> Start(
      int brokers, uint16_t port, const std::vector<std::pair<std::string, int>>& topics);
  ~DevCluster();
  // What clients pass as bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  // Takes every broker down (its connections closed, new ones refused) or brings them back
  // with their data, as a cluster that goes away and returns (tests: outages under load).
  absl::Status SetBrokersUp(bool up);
  // "topic:partitions" → pair; the error names the rule.
  static absl::StatusOr<std::pair<std::string, int>> ParseTopic(const std::string& text);

 private:
  DevCluster() = default;
  void Forward(int client);
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 0;
  std::string bootstrap_;
  std::string first_broker_host_;
  uint16_t first_broker_port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
};

}  // namespace readside::kafka
