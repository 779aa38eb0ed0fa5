#pragma once
// readside's own state through Kafka (operations.md "Several nodes"): dashboards, schedules
// and tenant settings are events, written to the own-state topic instead of the local store,
// so that every node stores the same events in the same order per tenant and agrees. The
// writer answers like the store's AppendAsync once this node has consumed and stored them:
// each event's outcome is read back from the store (its own → accepted at its position;
// another node's under the same event id, first in the partition's order → a conflict at that
// one's position, which is how a schedule's run is leased to exactly one node).
// Thread-safety: Append from any thread; `done` runs on the consumer's or producer's thread.

#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "store/event_store.h"

namespace readside::kafka {

class OwnStateWriter {
 public:
  // `producer` publishes to consumer->options().own_topic.
  OwnStateWriter(KafkaProducer* producer, KafkaConsumer* consumer, store::EventStore* store);
  void Append(store::AppendRequest request, store::EventStore::AppendCallback done);
  store::Appender AsAppender() {
    return [this](store::AppendRequest r, store::EventStore::AppendCallback d) {
      Append(std::move(r), std::move(d));
    };
  }

 private:
  KafkaProducer* producer_;
  KafkaConsumer* consumer_;
  store::EventStore* store_;
};

}  // namespace readside::kafka
