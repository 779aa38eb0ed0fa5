#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>

#include "absl/synchronization/mutex.h"
#include "event/parser.h"

namespace readside::kafka {
namespace {

bool IsUnreachable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return true;
    default:
      return false;
  }
}

// One Publish call: answered when its last delivery report arrives.
struct PendingBatch {
  std::string topic;
  CircuitBreaker* breaker = nullptr;  // told the outcome; null: not counted
  std::function<void(absl::StatusOr<ingest::EventPublisher::Published>)> done;
  std::atomic<size_t> remaining{0};
  absl::Mutex mu;
  std::map<int32_t, int64_t> last ABSL_GUARDED_BY(mu);
  absl::Status failure ABSL_GUARDED_BY(mu);
  rd_kafka_resp_err_t first_error ABSL_GUARDED_BY(mu) = RD_KAFKA_RESP_ERR_NO_ERROR;

  // Called once per message (delivered or failed), on the poll thread; the last one answers.
  void Report(rd_kafka_resp_err_t err, int32_t partition, int64_t offset) {
    {
      absl::MutexLock lk(&mu);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (failure.ok()) {
          failure = absl::UnavailableError(rd_kafka_err2str(err));
          first_error = err;
        }
      } else if (partition >= 0) {  // -1: the Publish loop's own count
        int64_t& l = last[partition];
        l = std::max(l, offset);
      }
    }
    if (remaining.fetch_sub(1) != 1) return;
    Finish();
  }
  void Finish() {
    absl::StatusOr<ingest::EventPublisher::Published> result;
    {
      absl::MutexLock lk(&mu);
      if (breaker != nullptr) {
        // Only a cluster that cannot be reached counts against it; a message it refused
        // (too large, a topic that does not exist) is that message's failure.
        if (IsUnreachable(first_error)) {
          breaker->RecordFailure();
        } else {
          breaker->RecordSuccess();
        }
      }
      if (!failure.ok()) {
        result = failure;
      } else {
        ingest::EventPublisher::Published p{.topic = topic};
        p.last_offsets.assign(last.begin(), last.end());
        result = std::move(p);
      }
    }
    done(std::move(result));
  }
};

void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* state = static_cast<KafkaProducer::State*>(opaque);
  char fatal[512];
  if (rd_kafka_fatal_error(rk, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (!state->fatal_claimed.exchange(true)) {  // callbacks may run on two polling threads
      state->fatal_reason = fatal;
      state->fatal.store(true);
      std::fprintf(stderr,
                   "readside: kafka: the idempotent producer stopped on a fatal error (%s); "
                   "POST /events answers 503 until this node restarts\n",
                   fatal);
    }
    return;
  }
  (void)err;
  (void)reason;  // transient: librdkafka retries; the consumer's callback logs the same ones
}

void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  auto* state = static_cast<KafkaProducer::State*>(opaque);
  state->up.store(m->err == RD_KAFKA_RESP_ERR_NO_ERROR, std::memory_order_relaxed);
  auto* batch = static_cast<std::shared_ptr<PendingBatch>*>(m->_private);
  (*batch)->Report(m->err, m->partition, m->offset);
  delete batch;
  (void)rk;
}

}  // namespace

std::string KafkaProducer::ConfigValue(const std::string& key) const {
  char value[512];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(rk_), key.c_str(), value, &size) != RD_KAFKA_CONF_OK) {
    return "";
  }
  return value;
}

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaOptions& options,
                                                                     std::string topic) {
  if (topic.empty()) return absl::InvalidArgumentError("--kafka-topics must name a topic");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->topic_ = std::move(topic);
  absl::Status s = ApplyCommonConf(options, conf);
  // acks=all and idempotence: exactly one copy of each message, in order, on every in-sync
  // replica. A short linger: POST /events waits for the acknowledgement. LZ4 batches: the
  // events' JSON shrinks about 3×, so brokers send, store and replicate a third of the bytes,
  // and consumers decompress at several GB/s (a catch-up from kafka-dev: its CPU halved, the
  // node's rate +12 %; bench/RESULTS.md). Consumers need nothing: librdkafka decompresses.
  for (auto [k, v] : {std::pair<const char*, const char*>{"enable.idempotence", "true"},
                      {"acks", "all"},
                      {"compression.type", "lz4"},
                      {"linger.ms", "2"},
                      {"partitioner", "murmur2_random"},
                      {"message.timeout.ms", "30000"}}) {
    if (s.ok()) s = SetConf(conf, k, v);
  }
  // --kafka-config wins over the tunable defaults (compression.type, linger.ms,
  // message.timeout.ms); it cannot name the fixed ones (ParseConfigPair refuses them).
  for (const auto& [key, value] : options.config) {
    if (s.ok()) s = SetConf(conf, key, value);
  }
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, &p->state_);
  char err[512];
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(std::string("Kafka producer: ") + err);
  }
  KafkaProducer* self = p.get();
  p->poller_ = std::thread([self] {
    pthread_setname_np(pthread_self(), "rs-kafka-prod");
    while (!self->stop_.load()) rd_kafka_poll(self->rk_, 100);
  });
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 10'000);  // delivers (and answers) what is in flight
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);  // answers the purged ones (with an error)
  rd_kafka_destroy(rk_);
}

void KafkaProducer::Publish(std::vector<Message> messages,
                            std::function<void(absl::StatusOr<Published>)> done) {
  auto batch = std::make_shared<PendingBatch>();
  batch->topic = topic_;
  batch->done = std::move(done);
  if (messages.empty()) {
    batch->Finish();
    return;
  }
  if (fatal()) {
    batch->done(absl::UnavailableError("the Kafka producer stopped on a fatal error (" +
                                       state_.fatal_reason + "); restart this node"));
    return;
  }
  if (!breaker_.Allow()) {
    int64_t wait = std::max<int64_t>(breaker_.RetryInMicros(), 1'000'000);
    batch->done(absl::UnavailableError(
        "Kafka could not be reached by the last " + std::to_string(kBreaker.failure_threshold) +
        " publications; the circuit breaker holds publications and lets one through in " +
        std::to_string((wait + 999'999) / 1'000'000) + " s"));
    return;
  }
  batch->breaker = &breaker_;
  // One count for this loop, so the batch cannot finish before every message is queued.
  batch->remaining.store(messages.size() + 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (Message& m : messages) {
    auto* opaque = new std::shared_ptr<PendingBatch>(batch);
    rd_kafka_resp_err_t err;
    for (;;) {
      err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic_.c_str()),
          // No key (random partition) rather than an empty one.
          RD_KAFKA_V_KEY(m.key.empty() ? nullptr : m.key.data(), m.key.size()),
          RD_KAFKA_V_VALUE(m.value.data(), m.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
      // A full local queue drains as the poll thread serves deliveries: wait, bounded.
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      delete opaque;
      batch->Report(err, -1, -1);
    }
  }
  batch->Report(RD_KAFKA_RESP_ERR_NO_ERROR, -1, -1);  // the loop's own count
}

absl::StatusOr<ingest::EventPublisher::Published> KafkaProducer::PublishAndWait(
    std::vector<Message> messages) {
  std::promise<absl::StatusOr<Published>> promise;
  auto future = promise.get_future();
  Publish(std::move(messages),
          [&promise](absl::StatusOr<Published> r) { promise.set_value(std::move(r)); });
  return future.get();
}

absl::StatusOr<ingest::EventPublisher::Published> ProduceNdjson(KafkaProducer* producer,
                                                                std::string_view ndjson,
                                                                size_t* count) {
  event::EventParser parser;
  event::Event ev;
  std::vector<event::FieldError> errors;
  std::vector<ingest::EventPublisher::Message> messages;
  size_t pos = 0;
  while (pos < ndjson.size()) {
    size_t nl = ndjson.find('\n', pos);
    if (nl == std::string_view::npos) nl = ndjson.size();
    std::string_view line = ndjson.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    ev.organization_id.clear();
    parser.ParseOne(line, &ev, &errors);
    messages.push_back({event::IsValidOrganizationId(ev.organization_id) ? ev.organization_id : "",
                        std::string(line)});
  }
  if (count != nullptr) *count = messages.size();
  return producer->PublishAndWait(std::move(messages));
}

}  // namespace readside::kafka
