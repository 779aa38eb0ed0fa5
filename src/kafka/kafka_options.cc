#include "kafka/kafka_options.h"

#include <librdkafka/rdkafka.h>

namespace readside::kafka {

absl::Status ParseConfigPair(const std::string& text, std::pair<std::string, std::string>* out) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError("--kafka-config must be key=value (a librdkafka property "
                                      "such as security.protocol=SASL_SSL), got '" + text + "'");
  }
  *out = {text.substr(0, eq), text.substr(eq + 1)};
  // What exactly-once and ordering rest on is not configurable (docs/kafka.md).
  for (const char* fixed : {"enable.auto.commit", "enable.auto.offset.store", "auto.offset.reset",
                            "group.id", "enable.idempotence", "acks", "partitioner",
                            "bootstrap.servers"}) {
    if (out->first == fixed) {
      return absl::InvalidArgumentError(
          "--kafka-config " + out->first + " is set by readside (exactly-once and per-tenant "
          "order depend on it; bootstrap.servers and group.id have their own flags)");
    }
  }
  return absl::OkStatus();
}

absl::Status SetConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return absl::InvalidArgumentError("Kafka configuration " + key + ": " + err);
  }
  return absl::OkStatus();
}

absl::Status ApplyCommonConf(const KafkaOptions& options, rd_kafka_conf_t* conf) {
  if (options.brokers.empty()) {
    return absl::InvalidArgumentError("--kafka-brokers must name at least one HOST:PORT");
  }
  if (absl::Status s = SetConf(conf, "bootstrap.servers", options.brokers); !s.ok()) return s;
  if (absl::Status s = SetConf(conf, "client.id", "readside"); !s.ok()) return s;
  for (const auto& [key, value] : options.config) {
    if (absl::Status s = SetConf(conf, key, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace readside::kafka
