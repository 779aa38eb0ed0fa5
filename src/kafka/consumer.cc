#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include <cstdio>
#include <map>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace readside::kafka {

struct KafkaConsumer::Pending {
  std::vector<rd_kafka_message_t*> messages;  // owned; destroyed once stored
  std::map<std::pair<std::string, int32_t>, int64_t> next;  // (topic, partition) → next offset
  size_t bytes = 0;  // of the messages' values
  ~Pending() { Clear(); }
  void Clear() {
    for (rd_kafka_message_t* m : messages) rd_kafka_message_destroy(m);
    messages.clear();
    next.clear();
    bytes = 0;
  }
};

// The batch the store is writing while the consumer polls and parses the next one. The
// store's callback holds only the result: librdkafka's messages stay with the consumer (they
// are destroyed on its thread, and before the handle).
struct KafkaConsumer::InFlight {
  struct Result {
    absl::Notification done;
    absl::Status status;  // the store's answer, set before `done`
  };
  Pending batch;
  std::shared_ptr<Result> result = std::make_shared<Result>();
};

namespace {

void RebalanceTrampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t* partitions, void* opaque);

struct Callbacks {
  static void Error(rd_kafka_t*, int err, const char* reason, void* opaque);
};

}  // namespace

KafkaConsumer::KafkaConsumer(KafkaOptions options, ingest::IngestService* ingest,
                             store::EventStore* store, std::function<uint64_t()> projection_lag)
    : options_(std::move(options)),
      ingest_(ingest),
      store_(store),
      projection_lag_(std::move(projection_lag)),
      pending_(std::make_unique<Pending>()) {
  for (const std::string& t : options_.topics) topic_source_.emplace(t, SourceName(t));
  own_source_ = SourceName(options_.own_topic);
}

KafkaConsumer::~KafkaConsumer() { Stop(); }

absl::Status KafkaConsumer::Start() {
  if (absl::Status s = ValidateTopics(options_); !s.ok()) return s;
  if (options_.group.empty()) return absl::InvalidArgumentError("--kafka-group must not be empty");
  down_since_micros_.store(SystemClock::Get().NowMicros(), std::memory_order_relaxed);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  absl::Status s = ApplyCommonConf(options_, conf);
  // The store holds the offsets: Kafka's own commits are off (the group's committed offsets
  // are never read). A partition the store has never seen is read from its beginning: a
  // node is a full replica.
  for (auto [k, v] : {std::pair<const char*, const char*>{"group.id", options_.group.c_str()},
                      {"enable.auto.commit", "false"},
                      {"enable.auto.offset.store", "false"},
                      {"auto.offset.reset", "earliest"},
                      // The end of a partition is an event: a log that ends with transaction
                      // markers (never delivered) is still read to its end (readiness, lag).
                      {"enable.partition.eof", "true"},
                      // Freshness: a fetch waits at most 10 ms for new messages (librdkafka's
                      // default, 500 ms, would be the floor of produce → visible where the
                      // broker holds fetches the whole time, as kafka-dev's mock does).
                      {"fetch.wait.max.ms", "10"},
                      // Bounded prefetch: what librdkafka buffers for the consumer while the
                      // store writes (back-pressure beyond that is pausing). More than a
                      // second of consumption: once the queue is over this bound, librdkafka
                      // 2.0.2 looks at the partitions again only at its broker thread's next
                      // 1 s tick (fetch.queue.backoff.ms, which tunes that, came in 2.1.0), and
                      // with 16 MiB (0.4 s at ~90,000 events/s) the consumer sat idle ~0.5 s
                      // of every second of a catch-up (bench/RESULTS.md, Kafka consume).
                      {"queued.max.messages.kbytes", "65536"},
                      // One fetch adds at most this on top of that bound (default 50 MB).
                      {"fetch.max.bytes", "16777216"}}) {
    if (s.ok()) s = SetConf(conf, k, v);
  }
  for (const auto& [key, value] : options_.config) {  // ParseConfigPair refused the fixed keys
    if (s.ok()) s = SetConf(conf, key, value);
  }
  if (s.ok() && !options_.instance_id.empty()) {
    bool given = false;
    for (const auto& [key, value] : options_.config) given |= key == "group.instance.id";
    if (!given) s = SetConf(conf, "group.instance.id", options_.instance_id);
  }
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_rebalance_cb(conf, RebalanceTrampoline);
  rd_kafka_conf_set_error_cb(conf, Callbacks::Error);
  rd_kafka_conf_set_opaque(conf, this);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(std::string("Kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk_);
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size()));
  for (const std::string& t : options_.topics) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (!options_.own_topic.empty()) {
    rd_kafka_topic_partition_list_add(topics, options_.own_topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(std::string("Kafka subscribe: ") + rd_kafka_err2str(e));
  }
  started_ = std::chrono::steady_clock::now();
  catching_up_since_micros_.store(SystemClock::Get().NowMicros(), std::memory_order_relaxed);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-kafka-cons");
    Loop();
  });
  return absl::OkStatus();
}

void KafkaConsumer::Stop() {
  if (rk_ == nullptr) return;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  FireWaiters(/*stopping=*/true);
  // librdkafka's messages go before the handle (what was not stored is consumed again after
  // the restart).
  if (inflight_ != nullptr) inflight_->result->done.WaitForNotification();
  inflight_.reset();
  pending_->Clear();
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

void KafkaConsumer::SetFatal(const std::string& why) {
  if (fatal_.exchange(true)) return;
  std::fprintf(stderr, "readside: kafka: the consumer stopped on a fatal error (%s); it stays "
                       "down until this node restarts\n", why.c_str());
  SetUp(false, "fatal: " + why);
}

void KafkaConsumer::SetUp(bool up, const std::string& why) {
  if (up && fatal_.load()) return;  // only a restart clears a fatal error
  bool was = up_.exchange(up, std::memory_order_relaxed);
  if (was && !up) {
    down_since_micros_.store(SystemClock::Get().NowMicros(), std::memory_order_relaxed);
  }
  if (!up) {
    absl::MutexLock lk(&mu_);
    last_error_ = why;
  }
  if (was != up) {
    std::fprintf(stderr, "readside: kafka: %s%s%s\n", up ? "connected" : "unavailable",
                 why.empty() ? "" : ": ", why.c_str());
  }
}

namespace {

void RebalanceTrampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->OnRebalance(err, partitions);
}

void Callbacks::Error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* c = static_cast<KafkaConsumer*>(opaque);
  char fatal[512];
  if (rd_kafka_fatal_error(rk, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // E.g. another process with this node's group.instance.id: this consumer is fenced for
    // good. Down until a restart (no later success turns it up again).
    c->SetFatal(fatal);
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    c->SetUp(false, reason);
  } else {
    std::fprintf(stderr, "readside: kafka: %s\n", reason);
  }
}

}  // namespace

void KafkaConsumer::OnRebalance(int err, rd_kafka_topic_partition_list_t* partitions) {
  // Whatever was consumed is stored first, with its offsets: a partition that comes back
  // (here or on another node) starts exactly after it. If the store refuses (a full disk),
  // it is dropped: its offsets were not stored either, so it is consumed again.
  FlushOrDrop();
  bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk_)) == "COOPERATIVE";
  rebalances_.Add();
  // Between a revocation and the assignment that follows it, the partitions held are not
  // what the node will hold: no readiness is judged on them (an eager revocation leaves none,
  // which would read as "caught up with every assigned partition").
  rebalancing_ = err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    SetStoredOffsets(partitions);
    rd_kafka_error_t* e = nullptr;
    if (cooperative) {
      e = rd_kafka_incremental_assign(rk_, partitions);
    } else {
      rd_kafka_assign(rk_, partitions);
    }
    if (e != nullptr) {
      std::fprintf(stderr, "readside: kafka: assign: %s\n", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
    // A partition keeps librdkafka's pause across a revocation: one paused by back-pressure,
    // revoked, and assigned again after consumption resumed would stay paused for good.
    if (paused_.load()) {
      rd_kafka_pause_partitions(rk_, partitions);
    } else {
      rd_kafka_resume_partitions(rk_, partitions);
    }
    if (fallback_ready_ && partitions->cnt > 0) {
      // Ready so far on what was stored; now the partitions are here, catch up first.
      fallback_ready_ = false;
      catching_up_since_micros_.store(SystemClock::Get().NowMicros(), std::memory_order_relaxed);
      newest_message_millis_.store(0, std::memory_order_relaxed);
      caught_up_.store(false);
      std::fprintf(stderr, "readside: kafka: partitions assigned at last; not ready until caught "
                           "up with them\n");
    }
    absl::MutexLock lk(&mu_);
    if (!cooperative) assigned_.clear();
    for (int i = 0; i < partitions->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = partitions->elems[i];
      assigned_.push_back({.topic = p.topic, .partition = p.partition,
                           .next_offset = p.offset >= 0 ? p.offset : -1});
    }
    // An empty first assignment (more members than partitions) is not a start: the node
    // becomes ready once it caught up with partitions it holds, or by the fallback.
    if (partitions->cnt > 0) ever_assigned_ = true;
    std::fprintf(stderr, "readside: kafka: assigned %d partition(s) of group %s\n",
                 partitions->cnt, options_.group.c_str());
  } else {
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
    absl::MutexLock lk(&mu_);
    if (!cooperative) {
      assigned_.clear();
    } else {
      std::erase_if(assigned_, [&](const PartitionState& a) {
        for (int i = 0; i < partitions->cnt; ++i) {
          if (a.topic == partitions->elems[i].topic && a.partition == partitions->elems[i].partition) {
            return true;
          }
        }
        return false;
      });
    }
  }
}

std::vector<ingest::SourceMessage> KafkaConsumer::Messages(const Pending& batch) const {
  std::vector<ingest::SourceMessage> out;
  out.reserve(batch.messages.size());
  for (rd_kafka_message_t* m : batch.messages) {
    const char* topic = rd_kafka_topic_name(m->rkt);
    bool own = !options_.own_topic.empty() && options_.own_topic == topic;
    out.push_back({.value = std::string_view(static_cast<const char*>(m->payload),
                                             m->payload ? m->len : 0),
                   .source = own ? own_source_ : topic_source_.find(topic)->second,
                   .partition = m->partition,
                   .offset = m->offset,
                   .own = own,
                   .key = m->key != nullptr ? std::optional<std::string_view>(std::string_view(
                                                  static_cast<const char*>(m->key), m->key_len))
                                            : std::nullopt});
  }
  return out;
}

std::vector<store::SourceOffset> KafkaConsumer::Offsets(const Pending& batch) {
  std::vector<store::SourceOffset> offsets;
  for (const auto& [key, next] : batch.next) {
    offsets.push_back({SourceName(key.first), key.second, next});
  }
  return offsets;
}

bool KafkaConsumer::Submit() {
  if (pending_->messages.empty()) return true;
  if (rewind_) {
    // A batch before these was dropped: storing them would move the offsets past it. They
    // are read again after the seek back (Rewind).
    pending_->Clear();
    return true;
  }
  // Parsed while the previous batch is being written; submitted once that one is stored, so
  // that the store's offsets only ever move past what it holds.
  std::vector<size_t> mismatched;
  store::AppendRequest request =
      ingest_->PrepareMessages(Messages(*pending_), Offsets(*pending_), &mismatched);
  if (!Settle()) return false;
  if (!mismatched.empty()) NoteKeyMismatches(mismatched);
  inflight_ = std::make_unique<InFlight>();
  std::swap(inflight_->batch.messages, pending_->messages);
  std::swap(inflight_->batch.next, pending_->next);
  pending_->bytes = 0;
  ingest_->StorePrepared(std::move(request), [result = inflight_->result](absl::Status s) {
    result->status = std::move(s);
    result->done.Notify();
  });
  return true;
}

void KafkaConsumer::NoteEvent(rd_kafka_message_t* m) {
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    std::string topic = rd_kafka_topic_name(m->rkt);
    absl::MutexLock lk(&mu_);
    for (PartitionState& a : assigned_) {
      if (a.partition == m->partition && a.topic == topic) a.end_reached = m->offset;
    }
  } else {
    SetUp(false, rd_kafka_message_errstr(m));
  }
  rd_kafka_message_destroy(m);
}

void KafkaConsumer::DropInFlight(bool count) {
  if (count) dropped_.Add();
  inflight_.reset();
  pending_->Clear();
  rewind_ = true;
}

bool KafkaConsumer::Settle(bool retry) {
  if (inflight_ == nullptr) return true;
  inflight_->result->done.WaitForNotification();
  absl::Status s = inflight_->result->status;
  bool logged = false;
  // The partitions paused while the store refuses (resumed when this returns).
  rd_kafka_topic_partition_list_t* held = nullptr;
  auto resume = [&] {
    if (held == nullptr) return;
    rd_kafka_resume_partitions(rk_, held);
    rd_kafka_topic_partition_list_destroy(held);
    held = nullptr;
  };
  while (!s.ok()) {
    // The store refused the write (a full disk, a failed write): nothing of the batch was
    // written.
    store_retries_.Add();
    if (!logged) {
      std::fprintf(stderr, "readside: kafka: storing a batch failed (%s); %s\n",
                   std::string(s.message()).c_str(),
                   retry ? "retrying" : "dropped before the rebalance (consumed again later)");
      logged = true;
    }
    if (!retry || stop_.load()) {
      // Not stored: consumed again from the stored offsets, and so is everything after it
      // (nothing after it may be stored before the seek back).
      DropInFlight(/*count=*/!retry);
      resume();
      return false;
    }
    // Keep it and retry every 200 ms. Meanwhile the consumer keeps polling, so that a
    // rebalance does not wait for the disk (OnRebalance drops the batch, above), with the
    // assigned partitions paused: librdkafka fetches nothing more, and what it had fetched is
    // discarded and fetched again once they are resumed (from the last message returned).
    if (held == nullptr && !paused_.load()) {  // (already paused: the read models are behind)
      if (rd_kafka_assignment(rk_, &held) == RD_KAFKA_RESP_ERR_NO_ERROR && held != nullptr) {
        rd_kafka_pause_partitions(rk_, held);
      } else {
        held = nullptr;
      }
    }
    for (int i = 0; i < 20 && !stop_.load() && inflight_ != nullptr; ++i) {
      FireWaiters(/*stopping=*/false);  // answered at their deadline all the same
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 10);
      if (m == nullptr) continue;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        NoteEvent(m);
        continue;
      }
      // A message: of a partition assigned by a rebalance during this poll (after the drop),
      // or fetched despite the pause. Its partition now reads past it, so it is read again the
      // way a dropped batch is: every partition back to the stored offsets (Rewind).
      rd_kafka_message_destroy(m);
      DropInFlight(/*count=*/inflight_ != nullptr);
    }
    if (inflight_ == nullptr) {  // dropped: a rebalance came (OnRebalance), or above
      resume();
      return false;
    }
    s = ingest_->IngestMessages(Messages(inflight_->batch), Offsets(inflight_->batch));
  }
  resume();
  batches_.Add();
  messages_.Add(inflight_->batch.messages.size());
  {
    absl::MutexLock lk(&mu_);
    for (PartitionState& a : assigned_) {
      auto it = inflight_->batch.next.find({a.topic, a.partition});
      if (it != inflight_->batch.next.end()) a.next_offset = it->second;
    }
  }
  inflight_.reset();
  return true;
}

bool KafkaConsumer::Flush() { return Submit() && Settle(); }

void KafkaConsumer::FlushOrDrop() {
  // A batch the store refuses is dropped (Settle): the partitions this node keeps go back to
  // the stored offsets (Rewind, after the rebalance); those it loses are read from there by
  // their next owner.
  if (Settle(/*retry=*/false) && Submit()) Settle(/*retry=*/false);
}

void KafkaConsumer::SetStoredOffsets(rd_kafka_topic_partition_list_t* partitions) {
  std::map<std::string, std::map<int32_t, int64_t>> stored;
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& p = partitions->elems[i];
    auto [it, fresh] = stored.try_emplace(p.topic);
    if (fresh) {
      for (const store::SourceOffset& o : store_->SourceOffsets(SourceName(p.topic))) {
        it->second[o.partition] = o.next_offset;
      }
    }
    auto o = it->second.find(p.partition);
    p.offset = o != it->second.end() ? o->second : RD_KAFKA_OFFSET_BEGINNING;
    expected_[{p.topic, p.partition}] = o != it->second.end() ? o->second : 0;
  }
}

void KafkaConsumer::Rewind() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || list == nullptr) return;
  if (list->cnt == 0) {  // nothing held: the next assignment seeks to the stored offsets
    rd_kafka_topic_partition_list_destroy(list);
    pending_->Clear();
    rewind_ = false;
    return;
  }
  SetStoredOffsets(list);
  pending_->Clear();  // fetched before the seek
  std::string failed;
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_, list, 2000); e != nullptr) {
    failed = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
  }
  for (int i = 0; i < list->cnt && failed.empty(); ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failed = std::string(list->elems[i].topic) + "/" + std::to_string(list->elems[i].partition) +
               ": " + rd_kafka_err2str(list->elems[i].err);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  // Until every partition is back at its stored offset, nothing is stored (Submit drops what
  // comes); tried again on the next turn of the loop.
  rewind_ = !failed.empty();
  if (rewind_ && !rewind_logged_) {
    std::fprintf(stderr, "readside: kafka: seeking back to the stored offsets failed (%s); "
                         "retrying\n", failed.c_str());
  }
  rewind_logged_ = rewind_;
}

void KafkaConsumer::NoteKeyMismatches(const std::vector<size_t>& indexes) {
  key_mismatches_.Add(indexes.size());
  for (size_t i : indexes) {
    const rd_kafka_message_t* m = pending_->messages[i];
    std::string topic = rd_kafka_topic_name(m->rkt);
    if (!key_warned_.insert({topic, m->partition}).second) continue;
    std::fprintf(stderr,
                 "readside: kafka: WARNING: %s partition %d offset %lld: the message key is %s, "
                 "not the event's organization_id; stored all the same, but a tenant spread over "
                 "partitions has no single order (the producer must key by organization; "
                 "counted in readside_kafka_key_mismatches_total, warned once per partition)\n",
                 topic.c_str(), m->partition, static_cast<long long>(m->offset),
                 m->key == nullptr ? "missing"
                                   : ("'" + std::string(static_cast<const char*>(m->key),
                                                        std::min<size_t>(m->key_len, 128)) + "'")
                                         .c_str());
  }
}

void KafkaConsumer::UpdateBackPressure() {
  if (!projection_lag_) return;
  uint64_t lag = projection_lag_();
  bool pause = !paused_.load() && lag > options_.max_projection_lag;
  bool resume = paused_.load() && lag <= options_.max_projection_lag / 2;
  if (!pause && !resume) return;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || list == nullptr) return;
  if (pause) {
    rd_kafka_pause_partitions(rk_, list);
  } else {
    rd_kafka_resume_partitions(rk_, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
  paused_.store(pause);
  std::fprintf(stderr, "readside: kafka: %s consuming (read models %llu events behind)\n",
               pause ? "paused" : "resumed", static_cast<unsigned long long>(lag));
}

void KafkaConsumer::Loop() {
  auto next_refresh = std::chrono::steady_clock::now();
  auto next_query = next_refresh;
  auto next_metadata = next_refresh;
  bool ever_assigned = false;  // a copy of ever_assigned_, outside mu_
  while (!stop_.load()) {
    UpdateBackPressure();
    // Waits long only with nothing consumed and nothing being written; a batch being written
    // is settled within a millisecond of being stored (produce → visible).
    int wait_ms = !pending_->messages.empty() ? 0 : inflight_ != nullptr ? 1 : 100;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait_ms);
    if (m != nullptr) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        NoteEvent(m);
      } else {
        SetUp(true, "");
        std::pair<std::string, int32_t> key{rd_kafka_topic_name(m->rkt), m->partition};
        if (auto e = expected_.find(key); e != expected_.end() && m->offset > e->second) {
          // A gap. Within the log it is transaction markers, aborted transactions or a
          // compacted topic: nothing this node should have stored. Below the log's start it
          // is messages gone (retention) before this node stored them: never silent.
          int64_t low = -1, high = -1;
          rd_kafka_get_watermark_offsets(rk_, key.first.c_str(), key.second, &low, &high);
          int64_t gone_to = std::min<int64_t>(m->offset, low);
          if (low >= 0 && e->second < gone_to) {
            skipped_.Add(static_cast<uint64_t>(gone_to - e->second));
            std::fprintf(stderr,
                         "readside: kafka: WARNING: %s partition %d: offsets %lld..%lld are no "
                         "longer in Kafka (the log starts at %lld: retention) and were never "
                         "stored here; this node misses those events (restore it from another "
                         "node's backup)\n",
                         key.first.c_str(), key.second, static_cast<long long>(e->second),
                         static_cast<long long>(gone_to - 1), static_cast<long long>(low));
          }
        }
        if (auto e = expected_.find(key); e != expected_.end() && m->offset < e->second) {
          // The log went back below what this node stored: the topic was deleted and
          // recreated, or truncated. What follows is consumed (event ids still deduplicate
          // what was stored before); never silent.
          offset_resets_.Add();
          std::fprintf(stderr,
                       "readside: kafka: WARNING: %s partition %d: offset %lld is below the %lld "
                       "this node had stored; the topic was recreated or truncated. Consuming "
                       "from there (events already stored are duplicates and change nothing)\n",
                       key.first.c_str(), key.second, static_cast<long long>(m->offset),
                       static_cast<long long>(e->second));
        }
        expected_[key] = m->offset + 1;
        if (int64_t ts = rd_kafka_message_timestamp(m, nullptr);
            ts > newest_message_millis_.load(std::memory_order_relaxed)) {
          newest_message_millis_.store(ts, std::memory_order_relaxed);
        }
        pending_->next[key] = m->offset + 1;
        pending_->messages.push_back(m);
        pending_->bytes += m->len;
        if (pending_->messages.size() < options_.max_batch && pending_->bytes < options_.max_batch_bytes) {
          continue;  // take what is there
        }
      }
    }
    if (rewind_) Rewind();
    Submit();
    if (inflight_ != nullptr && inflight_->result->done.HasBeenNotified()) Settle();
    FireWaiters(/*stopping=*/false);
    auto now = std::chrono::steady_clock::now();
    if (now < next_refresh) continue;
    next_refresh = now + std::chrono::milliseconds(250);
    if (now >= next_metadata && up()) {
      next_metadata = now + std::chrono::seconds(10);
      RefreshPartitionCount(std::chrono::milliseconds(200));
    }
    if (paused_.load() || !up() || !ever_assigned) {
      // librdkafka's cached partition ends are not refreshed while nothing is fetched (lag
      // would look frozen); and after an outage on a quiet topic no message says Kafka is
      // back. Ask the broker, at most every second.
      if (now >= next_query) {
        next_query = now + std::chrono::seconds(1);
        QueryWatermarks(std::chrono::milliseconds(200));
      }
    }
    // Everything librdkafka returned is stored: the ends it reached count as read.
    bool all_stored = pending_->messages.empty() && inflight_ == nullptr;
    absl::MutexLock lk(&mu_);
    ever_assigned = ever_assigned_;
    bool all = ever_assigned_ && !rebalancing_;
    for (PartitionState& a : assigned_) {
      int64_t low = -1, high = -1;
      bool cached = rd_kafka_get_watermark_offsets(rk_, a.topic.c_str(), a.partition, &low,
                                                   &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                    high >= 0;
      if (!cached) high = -1;
      if (cached && a.next_offset < 0 && low >= 0 && low == high) a.next_offset = low;
      if (a.queried_high > high) {
        high = a.queried_high;  // the broker's newer answer (paused: nothing fetched)
      } else {
        a.queried_high = -1;
      }
      if (high >= 0) a.high_watermark = high;
      if (a.target < 0 && a.high_watermark >= 0) a.target = a.high_watermark;
      bool reached = std::max<int64_t>(a.next_offset, 0) >= a.target ||
                     (all_stored && a.end_reached >= a.target);
      if (a.target < 0 || !reached) all = false;
    }
    if (!ever_assigned_ && now - started_ > std::chrono::seconds(30) &&
        (!up() || !topics_exist_)) {
      // No partition within 30 s, because Kafka is unreachable or a topic is missing: serve
      // what the store holds rather than never being ready; /health/ready says why. (With
      // Kafka there, the group is still forming, e.g. waiting out the session of this node's
      // crashed predecessor: wait for it.) An assignment later makes the node catch up again
      // before it is ready (OnRebalance).
      all = true;
      fallback_ready_ = true;
    }
    if (all && !caught_up_.exchange(true)) {
      std::fprintf(stderr, "readside: kafka: %s\n",
                   ever_assigned_ ? "caught up with the assigned partitions"
                                  : "no partition assigned within 30 s; serving the stored events");
    }
  }
  Flush();
  rd_kafka_consumer_close(rk_);
}

void KafkaConsumer::RefreshPartitionCount(std::chrono::milliseconds timeout) {
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk_, options_.topics[0].c_str(), nullptr);
  if (topic == nullptr) return;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_, 0, topic, &md, static_cast<int>(timeout.count())) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (options_.topics[0] == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        absl::MutexLock lk(&mu_);
        partition_count_ = t.partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(topic);
}

std::optional<std::string> KafkaConsumer::Unreachable(
    const ingest::PartitionOffsets& offsets) const {
  absl::MutexLock lk(&mu_);
  if (partition_count_ < 0) return std::nullopt;
  for (const auto& [partition, offset] : offsets) {
    if (partition >= partition_count_) {
      return "names partition " + std::to_string(partition) + ", but topic " +
             options_.topics[0] + " has " + std::to_string(partition_count_) +
             " partition(s) (0 to " + std::to_string(partition_count_ - 1) + ")";
    }
  }
  return std::nullopt;
}

void KafkaConsumer::QueryWatermarks(std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, int32_t>> partitions;
  {
    absl::MutexLock lk(&mu_);
    for (const PartitionState& a : assigned_) partitions.emplace_back(a.topic, a.partition);
  }
  if (partitions.empty()) {
    // Nothing assigned: is the cluster there, and are the topics?
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 0, nullptr, &md, static_cast<int>(timeout.count())) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      size_t found = 0;
      for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        for (const std::string& want : options_.topics) {
          if (want == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0) ++found;
        }
      }
      rd_kafka_metadata_destroy(md);
      topics_exist_ = found == options_.topics.size();
      SetUp(true, "");
    }
    return;
  }
  // Within `timeout` in all (the loop also answers waiters and resumes consumption),
  // taking the partitions in turn from where the last round stopped.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (size_t n = 0; n < partitions.size(); ++n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const auto& [topic, partition] = partitions[query_from_++ % partitions.size()];
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
        rk_, topic.c_str(), partition, &low, &high, static_cast<int>(left.count()));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return;  // down: tried again in a second
    SetUp(true, "");
    absl::MutexLock lk(&mu_);
    for (PartitionState& a : assigned_) {
      if (a.topic == topic && a.partition == partition) a.queried_high = high;
    }
  }
}

void KafkaConsumer::CancelWaits() {
  {
    absl::MutexLock lk(&mu_);
    waits_cancelled_.store(true);
  }
  FireWaiters(/*stopping=*/true);
}

void KafkaConsumer::FireWaiters(bool stopping) {
  std::vector<std::pair<std::function<void(std::optional<uint64_t>)>, std::optional<uint64_t>>> ready;
  {
    absl::MutexLock lk(&mu_);
    if (waiters_.empty()) return;
    auto now = std::chrono::steady_clock::now();
    std::erase_if(waiters_, [&](Waiter& w) {
      std::optional<uint64_t> at = store_->WaitForSourceOffsets(
          SourceName(w.topic), w.offsets, std::chrono::milliseconds(0));
      if (!at && !stopping && w.deadline > now) return false;
      ready.emplace_back(std::move(w.done), at);
      return true;
    });
  }
  for (auto& [done, at] : ready) done(at);
}

void KafkaConsumer::WhenStored(ingest::PartitionOffsets offsets, std::chrono::milliseconds timeout,
                               std::function<void(std::optional<uint64_t>)> done) {
  WhenStoredIn(options_.topics[0], std::move(offsets), timeout, std::move(done));
}

void KafkaConsumer::WhenStoredIn(const std::string& topic, ingest::PartitionOffsets offsets,
                                 std::chrono::milliseconds timeout,
                                 std::function<void(std::optional<uint64_t>)> done) {
  std::optional<uint64_t> at = store_->WaitForSourceOffsets(SourceName(topic), offsets,
                                                            std::chrono::milliseconds(0));
  if (!at && timeout.count() > 0) {
    // Under mu_: Stop() sets stop_ before its last FireWaiters (which takes mu_), so a waiter
    // is either answered there or sees stop_ here; none is left unanswered.
    absl::MutexLock lk(&mu_);
    if (!stop_.load() && !waits_cancelled_.load()) {
      waiters_.push_back({topic, std::move(offsets), std::chrono::steady_clock::now() + timeout,
                          std::move(done)});
      return;
    }
  }
  done(at);
}

bool KafkaConsumer::CaughtUp() const { return caught_up_.load(); }

std::optional<double> KafkaConsumer::CatchingUpSeconds() const {
  if (CaughtUp()) return std::nullopt;
  int64_t now = SystemClock::Get().NowMicros();
  int64_t newest = newest_message_millis_.load(std::memory_order_relaxed);
  int64_t since = newest > 0 ? newest * 1000 : catching_up_since_micros_.load(std::memory_order_relaxed);
  return std::max<int64_t>(0, now - since) / 1e6;
}

std::vector<PartitionState> KafkaConsumer::Partitions() const {
  absl::MutexLock lk(&mu_);
  return assigned_;
}

std::string KafkaConsumer::HealthJson() const {
  JsonBuilder b;
  b.BeginObject().Key("state").String(up() ? "up" : "down");
  b.Key("group").String(options_.group);
  b.Key("topics").BeginArray();
  for (const std::string& t : options_.topics) b.String(t);
  b.EndArray();
  b.Key("caught_up").Bool(CaughtUp()).Key("paused").Bool(paused());
  absl::MutexLock lk(&mu_);
  int64_t total = 0;
  b.Key("partitions").BeginArray();
  for (const PartitionState& a : assigned_) {
    b.BeginObject().Key("topic").String(a.topic).Key("partition").Int(a.partition);
    b.Key("next_offset").Int(a.next_offset).Key("high_watermark").Int(a.high_watermark);
    b.Key("lag").Int(a.lag()).EndObject();
    total += a.lag();
  }
  b.EndArray().Key("lag").Int(total);
  if (!up() && !last_error_.empty()) b.Key("error").String(last_error_);
  b.EndObject();
  return b.Take();
}

void KafkaConsumer::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_kafka_batches_total", "consumed batches stored (one durable write each)",
                  batches_.value(), out);
    RenderCounter("readside_kafka_messages_total", "Kafka messages stored (events and dead letters)",
                  messages_.value(), out);
    RenderCounter("readside_kafka_rebalances_total", "partition assignments and revocations",
                  rebalances_.value(), out);
    RenderCounter("readside_kafka_store_retries_total",
                  "consumed batches the store refused (retried until stored)",
                  store_retries_.value(), out);
    RenderCounter("readside_kafka_dropped_batches_total",
                  "consumed batches the store refused when a rebalance came: dropped, their "
                  "offsets not stored, consumed again from the stored offsets",
                  dropped_.value(), out);
    RenderCounter("readside_kafka_offset_resets_total",
                  "partitions found below the offset this node had stored (topic recreated or "
                  "truncated)",
                  offset_resets_.value(), out);
    RenderCounter("readside_kafka_key_mismatches_total",
                  "events stored whose message key was not their organization_id",
                  key_mismatches_.value(), out);
    RenderCounter("readside_kafka_skipped_messages_total",
                  "messages gone from Kafka (retention, compaction) before this node stored them",
                  skipped_.value(), out);
    RenderGauge("readside_kafka_paused",
                "1 while consumption is paused because the read models fell behind",
                paused() ? 1 : 0, out);
    *out += "# HELP readside_kafka_consumer_lag messages of a partition not yet stored (high "
            "watermark minus the stored next offset)\n# TYPE readside_kafka_consumer_lag gauge\n";
    for (const PartitionState& a : Partitions()) {
      *out += "readside_kafka_consumer_lag{topic=\"" + a.topic + "\",partition=\"" +
              std::to_string(a.partition) + "\"} " + std::to_string(a.lag()) + "\n";
    }
  });
}

}  // namespace readside::kafka
