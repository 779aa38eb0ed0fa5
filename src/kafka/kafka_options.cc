#include "kafka/kafka_options.h"

#include <librdkafka/rdkafka.h>

namespace readside::kafka {
namespace {

bool IsTopicName(const std::string& t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateTopics(const KafkaOptions& options) {
  if (options.topics.empty()) return absl::InvalidArgumentError("--kafka-topics must name a topic");
  auto bad = [](const char* flag, const std::string& t) {
    return absl::InvalidArgumentError(
        std::string(flag) + ": '" + t + "' is not a Kafka topic name (1 to 249 letters, digits, "
        "'.', '_' or '-'; patterns such as ^erp-.* are not supported: list the topics)");
  };
  for (size_t i = 0; i < options.topics.size(); ++i) {
    const std::string& t = options.topics[i];
    if (!IsTopicName(t)) return bad("--kafka-topics", t);
    for (size_t j = 0; j < i; ++j) {
      if (options.topics[j] == t) {
        return absl::InvalidArgumentError("--kafka-topics names '" + t + "' twice");
      }
    }
    if (t == options.own_topic) {
      return absl::InvalidArgumentError(
          "--kafka-own-topic '" + t + "' is also an event topic (--kafka-topics): the own-state "
          "topic must be one only readside writes, apart from the ERP's topics");
    }
  }
  if (options.own_topic.empty()) {
    return absl::InvalidArgumentError("--kafka-own-topic must name a topic (default "
                                      "readside.own-state)");
  }
  if (!IsTopicName(options.own_topic)) return bad("--kafka-own-topic", options.own_topic);
  return absl::OkStatus();
}

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
                            "bootstrap.servers", "isolation.level"}) {
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
