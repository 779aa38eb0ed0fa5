#include "kafka/own_state_writer.h"

#include <memory>

#include "event/parser.h"

namespace readside::kafka {

OwnStateWriter::OwnStateWriter(KafkaProducer* producer, KafkaConsumer* consumer,
                               store::EventStore* store)
    : producer_(producer), consumer_(consumer), store_(store) {}

void OwnStateWriter::Append(store::AppendRequest request, store::EventStore::AppendCallback done) {
  if (request.events.empty()) return store_->AppendAsync(std::move(request), std::move(done));
  auto events = std::make_shared<std::vector<store::EventToStore>>(std::move(request.events));
  std::vector<ingest::EventPublisher::Message> messages;
  for (const store::EventToStore& e : *events) messages.push_back({e.organization_id, e.json});
  KafkaConsumer* consumer = consumer_;
  store::EventStore* store = store_;
  std::string topic = consumer_->options().own_topic;
  producer_->Publish(std::move(messages), [consumer, store, topic, events, done = std::move(done)](
                                              absl::StatusOr<ingest::EventPublisher::Published> p) {
    if (!p.ok()) {
      return done(absl::UnavailableError("Kafka did not take the change: " +
                                         std::string(p.status().message())));
    }
    consumer->WhenStoredIn(
        topic, p->last_offsets, std::chrono::seconds(30),
        [store, events, done](std::optional<uint64_t> at) {
          if (!at) {
            return done(absl::UnavailableError(
                "the change was written to Kafka but not consumed back within 30 s"));
          }
          std::vector<store::AppendOutcome> outcomes;
          for (const store::EventToStore& e : *events) {
            absl::StatusOr<std::optional<store::StoredEvent>> found =
                store->FindEvent(e.organization_id, e.event_id);
            if (!found.ok()) return done(found.status());
            if (!found->has_value()) {
              return done(absl::InternalError("event " + e.event_id +
                                               " was consumed but not stored (a dead letter?)"));
            }
            const store::StoredEvent& s = **found;
            bool same = s.json == e.json || event::JsonValueEqual(s.json, e.json);
            outcomes.push_back({same ? store::Outcome::kAccepted : store::Outcome::kConflict,
                                s.position});
          }
          done(std::move(outcomes));
        });
  });
}

}  // namespace readside::kafka
