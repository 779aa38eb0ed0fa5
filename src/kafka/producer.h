#pragma once
// Publishes events to Kafka: POST /events when Kafka is on (ingest::EventPublisher) and
// `readside produce`. Idempotent producer with acks=all: a message acknowledged is on every
// in-sync replica, and librdkafka's retries never duplicate or reorder it. Keys go through
// the murmur2 partitioner, the one Java clients use, so a tenant's events land on the same
// partition whichever client wrote them.
// Thread-safety: Publish may be called from any thread; delivery reports run on the
// producer's own poll thread.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/circuit_breaker.h"
#include "ingest/external.h"
#include "kafka/kafka_options.h"

struct rd_kafka_s;

namespace readside::kafka {

class KafkaProducer : public ingest::EventPublisher {
 public:
  // Connects lazily (librdkafka); fails only on a bad configuration.
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaOptions& options,
                                                               std::string topic);
  ~KafkaProducer() override;  // waits up to 10 s for messages in flight

  void Publish(std::vector<Message> messages,
               std::function<void(absl::StatusOr<Published>)> done) override;
  // Blocking convenience wrapper.
  absl::StatusOr<Published> PublishAndWait(std::vector<Message> messages);

  // Whether the last delivery succeeded (for /metrics and health).
  bool up() const { return state_.up.load(std::memory_order_relaxed) && !fatal(); }
  // The idempotent producer hit a fatal error (librdkafka cannot keep its guarantees with this
  // handle): every Publish fails until the node restarts. Logged once, with the reason.
  bool fatal() const { return state_.fatal.load(); }
  const std::string& topic() const { return topic_; }
  // The value librdkafka holds for a configuration property ("" when unknown): what the
  // defaults above and --kafka-config made of it (tests, diagnostics).
  std::string ConfigValue(const std::string& key) const;
  // The circuit breaker in front of the cluster: a Publish whose deliveries time out or find
  // no broker counts as a failure; kBreakerThreshold in a row open it, and Publish then
  // answers Unavailable at once (POST /events: 503 with Retry-After) until a probe after
  // the cool-down is delivered.
  static constexpr CircuitBreakerOptions kBreaker{.failure_threshold = 3,
                                                  .cool_down_micros = 10'000'000};
  CircuitBreaker::State breaker_state() const { return breaker_.state(); }

  // Shared with librdkafka's callbacks (the handle's opaque).
  struct State {
    std::atomic<bool> up{true};
    std::atomic<bool> fatal{false};
    std::atomic<bool> fatal_claimed{false};  // the one thread that writes fatal_reason
    std::string fatal_reason;  // written once, before `fatal`
  };

 private:
  KafkaProducer() = default;
  rd_kafka_s* rk_ = nullptr;
  std::string topic_;
  std::atomic<bool> stop_{false};
  State state_;
  CircuitBreaker breaker_{kBreaker, &SystemClock::Get()};
  std::thread poller_;
};

// Publishes NDJSON lines as they are (one message each, blank lines skipped), keyed by the
// organization_id of those that parse as events (none for the others: random partition).
// For `readside produce` (backfills, tests) and the demo's simulator with Kafka on.
absl::StatusOr<ingest::EventPublisher::Published> ProduceNdjson(KafkaProducer* producer,
                                                                std::string_view ndjson,
                                                                size_t* messages = nullptr);

}  // namespace readside::kafka
