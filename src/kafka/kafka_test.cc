// The Kafka consumer and producer against librdkafka's mock cluster (in this process, on
// loopback): consumed events equal HTTP ingest of the same stream, a restart resumes at the
// stored offsets with nothing lost or stored twice, a batch the store refuses when a rebalance
// comes is dropped and read again from the stored offsets, bad messages become dead letters
// with their coordinates, and POST /events through Kafka answers offsets that read-your-writes
// waits on. (Transactions cannot be tested here: librdkafka 2.0.2's mock writes no commit or
// abort markers, so a read_committed consumer gets an aborted transaction's messages too.)

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "common/fault_env.h"
#include "event/parser.h"
#include "kafka/consumer.h"
#include "kafka/dev_cluster.h"
#include "kafka/producer.h"
#include "sim/generator.h"

namespace readside::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("rs-kafka-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(base_);
    // "coop-own": an own-state topic of two partitions (DropBeforeRebalance).
    auto c = DevCluster::Start(1, 0, {{"erp", 4}, {"coop-own", 2}});
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
  }
  void TearDown() override {
    cluster_.reset();
    std::filesystem::remove_all(base_);
  }
  std::unique_ptr<store::EventStore> OpenStore(const std::string& name) {
    auto s = store::EventStore::Open({.path = (base_ / name).string(), .sync = false,
                                      .min_free_bytes = 0, .reserve_bytes = 0});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  KafkaOptions Options(std::string group) {
    return {.brokers = cluster_->bootstrap(), .topics = {"erp"}, .group = std::move(group)};
  }
  // Simulated NDJSON lines.
  static std::vector<std::string> Lines(uint64_t n, double malformed = 0, double duplicates = 0) {
    sim::Generator gen({.seed = 5, .total_events = n, .events_per_second = 0.5,
                        .duplicate_fraction = duplicates, .malformed_fraction = malformed});
    std::vector<std::string> lines;
    std::string line;
    int64_t ts;
    while (gen.Next(&line, &ts)) lines.push_back(line);
    return lines;
  }
  // Publishes raw lines keyed by their organization (none for what does not parse).
  ingest::EventPublisher::Published Produce(const std::vector<std::string>& lines,
                                            const char* compression = "lz4") {
    KafkaOptions options = Options("");
    options.config.push_back({"compression.type", compression});
    auto producer = KafkaProducer::Create(options, "erp");
    EXPECT_TRUE(producer.ok()) << producer.status();
    event::EventParser parser;
    event::Event ev;
    std::vector<event::FieldError> errors;
    std::vector<ingest::EventPublisher::Message> messages;
    for (const std::string& l : lines) {
      parser.ParseOne(l, &ev, &errors);
      messages.push_back({event::IsValidOrganizationId(ev.organization_id) ? ev.organization_id : "", l});
    }
    auto published = (*producer)->PublishAndWait(std::move(messages));
    EXPECT_TRUE(published.ok()) << published.status();
    return published.ok() ? *published : ingest::EventPublisher::Published{};
  }
  // Every event of `org` in store order: (event_id, json).
  static std::vector<std::pair<std::string, std::string>> EventsOf(store::EventStore* s,
                                                                   const std::string& org) {
    std::vector<std::pair<std::string, std::string>> out;
    store::EventQuery q{.organization_id = org, .limit = 1000};
    for (;;) {
      auto page = s->Query(q);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (auto& e : page->events) out.emplace_back(e.event_id, e.json);
      if (!page->next) break;
      q.after_position = *page->next;
    }
    return out;
  }
  // The lines without their "event_id" member.
  static std::vector<std::string> WithoutIds(std::vector<std::string> lines) {
    for (std::string& line : lines) {
      size_t at = line.find("\"event_id\":\"");
      EXPECT_NE(at, std::string::npos);
      if (at == std::string::npos) continue;
      size_t end = line.find('"', at + 12);
      line.erase(at, end + 2 - at);  // "event_id":"…",
    }
    return lines;
  }
  // Polls `done` every 5 ms until it holds or `timeout` passed; the callers assert after it.
  template <typename F>
  static void Eventually(F done, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
  }
  static bool WaitStored(store::EventStore* s, const ingest::EventPublisher::Published& p) {
    return s->WaitForSourceOffsets(SourceName("erp"), p.last_offsets, 60s).has_value();
  }
  // Node A's store refuses a batch while a rebalance comes (the test below).
  void DropBeforeRebalance(const std::string& group, const std::string& assignor,
                           const std::string& own_topic);

  std::filesystem::path base_;
  std::unique_ptr<DevCluster> cluster_;
};

TEST_F(KafkaTest, ConsumedEventsEqualHttpIngestOfTheSameStream) {
  std::vector<std::string> lines = Lines(6000, /*malformed=*/0.02, /*duplicates=*/0.02);
  // HTTP ingest of the stream (POST /events, NDJSON, in batches as `readside ingest` sends).
  auto http_store = OpenStore("http");
  ingest::IngestService http(http_store.get(), {});
  for (size_t i = 0; i < lines.size(); i += 1000) {
    std::string body;
    for (size_t j = i; j < std::min(lines.size(), i + 1000); ++j) body += lines[j] + "\n";
    std::promise<ingest::IngestReply> reply;
    http.Ingest(body, event::BodyFormat::kNdjson, [&](ingest::IngestReply r) { reply.set_value(std::move(r)); });
    ASSERT_TRUE(std::holds_alternative<ingest::IngestAnswer>(reply.get_future().get()));
  }
  // The same lines through Kafka.
  auto kafka_store = OpenStore("kafka");
  ingest::IngestService ingest(kafka_store.get(), {});
  KafkaConsumer consumer(Options("g1"), &ingest, kafka_store.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  auto published = Produce(lines);
  ASSERT_GE(published.last_offsets.size(), 3u) << "keys spread over the partitions";
  ASSERT_TRUE(WaitStored(kafka_store.get(), published));
  consumer.Stop();

  EXPECT_EQ(kafka_store->LastPosition(), http_store->LastPosition());
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    SCOPED_TRACE(org);
    auto a = EventsOf(http_store.get(), org), b = EventsOf(kafka_store.get(), org);
    EXPECT_GT(a.size(), 100u);
    EXPECT_EQ(a, b) << "each tenant's events in the same order, byte for byte";
    store::TenantCounts ca = http_store->GetTenantCounts(org), cb = kafka_store->GetTenantCounts(org);
    EXPECT_EQ(ca.duplicates, cb.duplicates);
    EXPECT_EQ(ca.conflicts, cb.conflicts);
    EXPECT_EQ(ca.rejected, cb.rejected);
  }
  // Every malformed line is a dead letter with its coordinates.
  auto letters = kafka_store->ListDeadLetters(0, 100'000);
  ASSERT_TRUE(letters.ok());
  uint64_t rejected = ingest.bus_counters().rejected.value();
  EXPECT_EQ(letters->size(), rejected);
  EXPECT_GT(rejected, 50u);
  EXPECT_EQ(http.counters().rejected.value(), rejected);
  for (const auto& d : *letters) {
    EXPECT_TRUE(d.source.starts_with("kafka:erp/")) << d.source;
    EXPECT_FALSE(d.reason.empty());
  }
  EXPECT_EQ(consumer.key_mismatches(), 0u) << "every valid event was keyed by its organization";
}

TEST_F(KafkaTest, RestartResumesAtTheStoredOffsetsWithNothingLostOrStoredTwice) {
  std::vector<std::string> lines = Lines(8000);
  auto published = Produce(lines);
  auto s = OpenStore("node");
  ingest::IngestService ingest(s.get(), {});
  // Small batches, stopped part-way through (a crash between batches loses only what the
  // store never acknowledged: its offsets were not written either).
  KafkaOptions o = Options("g2");
  o.max_batch = 97;
  {
    KafkaConsumer first(o, &ingest, s.get(), nullptr);
    ASSERT_TRUE(first.Start().ok());
    while (s->LastPosition() < 2000) std::this_thread::sleep_for(1ms);
    first.Stop();
  }
  uint64_t part = s->LastPosition();
  EXPECT_LT(part, lines.size());
  s.reset();
  s = OpenStore("node");  // a restart of the node
  ingest::IngestService again(s.get(), {});
  // Another group: the offsets that count are the store's, whatever the group committed (the
  // old member of g2 would hold its partitions until its session times out).
  o.group = "g2-after-restart";
  KafkaConsumer second(o, &again, s.get(), nullptr);
  ASSERT_TRUE(second.Start().ok());
  ASSERT_TRUE(WaitStored(s.get(), published));
  EXPECT_EQ(s->LastPosition(), lines.size()) << "every message stored exactly once";
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    EXPECT_EQ(s->GetTenantCounts(org).duplicates, 0u) << "no message consumed twice";
  }
  EXPECT_EQ(again.bus_counters().duplicates.value(), 0u);
  std::set<std::string> ids;
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    for (auto& [id, json] : EventsOf(s.get(), org)) EXPECT_TRUE(ids.insert(id).second);
  }
  EXPECT_EQ(ids.size(), lines.size());
}

// A batch is bounded in bytes too, not only in messages: big messages are stored in several
// durable writes, each within max_batch_bytes (plus one message), and none is lost.
TEST_F(KafkaTest, BigMessagesAreStoredInBatchesBoundedInBytes) {
  std::vector<std::string> lines = Lines(120);
  for (std::string& l : lines) l.insert(l.size() - 1, ",\"pad\":\"" + std::string(10'000, 'p') + "\"");
  auto published = Produce(lines);
  auto s = OpenStore("bytes");
  ingest::IngestService ingest(s.get(), {});
  KafkaOptions o = Options("g-bytes");
  o.max_batch_bytes = 100'000;  // ~9 of these messages
  KafkaConsumer consumer(o, &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitStored(s.get(), published));
  consumer.Stop();
  EXPECT_EQ(s->LastPosition(), lines.size());
  EXPECT_GE(consumer.batches(), lines.size() * 10'000 / 110'000)
      << "at most ~10 messages of 10 KB in a batch of 100,000 bytes";
}

TEST_F(KafkaTest, BadMessagesBecomeDeadLettersAndConsumptionGoesOn) {
  std::vector<std::string> good = Lines(3);
  std::string oversized = good[0];
  oversized.insert(oversized.size() - 1, ",\"pad\":\"" + std::string(70'000, 'x') + "\"");
  std::vector<std::string> lines = {"not json at all", std::string("{\"a\":\"\xff\xfe\"}"), oversized,
                                    R"({"event_id":"x","event_type":"crm.contact.created"})"};
  lines.insert(lines.end(), good.begin(), good.end());
  auto s = OpenStore("dead");
  ingest::IngestService ingest(s.get(), {});
  KafkaConsumer consumer(Options("g3"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  // One message per publication: each answer names that message's partition and offset.
  std::map<std::string, std::string> coordinates;  // raw → "kafka:erp/<partition>/<offset>"
  ingest::EventPublisher::Published published;
  for (const std::string& line : lines) {
    published = Produce({line});
    ASSERT_EQ(published.last_offsets.size(), 1u);
    coordinates[line] = "kafka:erp/" + std::to_string(published.last_offsets[0].first) + "/" +
                        std::to_string(published.last_offsets[0].second);
  }
  Eventually([&] { return s->LastPosition() >= 3u; }, 60s);
  ASSERT_TRUE(WaitStored(s.get(), published));
  EXPECT_EQ(s->LastPosition(), 3u) << "the valid events after the bad ones are stored";
  auto letters = s->ListDeadLetters(0, 100);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 4u);
  std::set<std::string> raws;
  for (const auto& d : *letters) {
    raws.insert(d.raw);
    // kafka:erp/<partition>/<offset> of the very message that carried these bytes.
    ASSERT_TRUE(coordinates.count(d.raw)) << d.raw.substr(0, 80);
    EXPECT_EQ(d.source, coordinates[d.raw]);
    EXPECT_FALSE(d.reason.empty());
  }
  EXPECT_TRUE(raws.count("not json at all"));
  EXPECT_TRUE(raws.count(std::string("{\"a\":\"\xff\xfe\"}"))) << "raw bytes kept, invalid UTF-8 included";
  EXPECT_TRUE(raws.count(oversized));
  for (const auto& d : *letters) {
    if (d.raw == oversized) {
      EXPECT_NE(d.reason.find("65536"), std::string::npos) << d.reason;
    }
  }
  consumer.Stop();
}

TEST_F(KafkaTest, PostEventsThroughKafkaAnswersOffsetsThatReadYourWritesWaitsOn) {
  auto s = OpenStore("rw");
  ingest::IngestService ingest(s.get(), {});
  auto producer = KafkaProducer::Create(Options(""), "erp");
  ASSERT_TRUE(producer.ok());
  ingest.SetPublisher(producer->get());
  KafkaConsumer consumer(Options("g4"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  std::vector<std::string> lines = Lines(50);
  std::string body;
  for (const auto& l : lines) body += l + "\n";
  body += "{\"broken\n";
  std::promise<ingest::IngestReply> reply;
  ingest.Ingest(body, event::BodyFormat::kNdjson, [&](ingest::IngestReply r) { reply.set_value(std::move(r)); });
  ingest::IngestReply r = reply.get_future().get();
  ASSERT_TRUE(std::holds_alternative<ingest::IngestAnswer>(r));
  const auto& answer = std::get<ingest::IngestAnswer>(r);
  EXPECT_EQ(answer.accepted, 50u);
  EXPECT_NE(answer.json.find("\"offsets\":{"), std::string::npos) << answer.json;
  EXPECT_NE(answer.json.find("\"rejected\":[{\"index\":50"), std::string::npos) << answer.json;
  auto offsets = ingest::ParsePartitionOffsets(answer.offsets);
  ASSERT_TRUE(offsets.ok()) << answer.offsets;
  std::promise<std::optional<uint64_t>> stored;
  consumer.WhenStored(*offsets, 30s, [&](std::optional<uint64_t> p) { stored.set_value(p); });
  std::optional<uint64_t> position = stored.get_future().get();
  ASSERT_TRUE(position.has_value());
  EXPECT_EQ(*position, 50u);
  // An offset never written times out with nullopt.
  std::promise<std::optional<uint64_t>> never;
  consumer.WhenStored({{0, 1'000'000}}, 200ms, [&](std::optional<uint64_t> p) { never.set_value(p); });
  EXPECT_FALSE(never.get_future().get().has_value());
  // A partition the topic does not have ("erp" has 4) can never be waited for: once the
  // broker's metadata is known, min_offsets naming it is refused rather than timed out.
  Eventually([&] { return consumer.Unreachable({{4, 0}}).has_value(); }, 30s);
  EXPECT_NE(consumer.Unreachable({{0, 1}, {7, 3}})->find("partition 7, but topic erp has 4"),
            std::string::npos)
      << *consumer.Unreachable({{7, 3}});
  EXPECT_FALSE(consumer.Unreachable({{0, 1'000'000}, {3, 0}}).has_value());
  consumer.Stop();
}

TEST_F(KafkaTest, MessagesGoneFromKafkaBeforeBeingStoredAreCountedNeverSilent) {
  // The mock cluster keeps a bounded log per partition (like retention): a node started after
  // more than that was produced cannot have the oldest messages, and says how many it missed.
  // Uncompressed: 60,000 events of 3 tenants, ~9 MB on each of their partitions, well over the
  // mock's ~5 MB.
  std::vector<std::string> lines = Lines(60'000);
  auto published = Produce(lines, "none");
  auto s = OpenStore("late");
  ingest::IngestService ingest(s.get(), {});
  KafkaConsumer consumer(Options("g5"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitStored(s.get(), published));
  consumer.Stop();
  EXPECT_GT(consumer.skipped(), 0u) << "the mock's log start moved: some messages are gone";
  EXPECT_EQ(s->LastPosition() + consumer.skipped(), lines.size())
      << "every message is either stored or counted as skipped";
}

TEST_F(KafkaTest, EventsKeyedOtherwiseThanByOrganizationAreStoredAndCounted) {
  std::vector<std::string> lines = Lines(30);
  auto producer = KafkaProducer::Create(Options(""), "erp");
  ASSERT_TRUE(producer.ok()) << producer.status();
  std::vector<ingest::EventPublisher::Message> messages;
  for (size_t i = 0; i < lines.size(); ++i) {
    // 10 keyed by another tenant, 10 without a key, 10 as the contract says.
    event::EventParser parser;
    event::Event ev;
    std::vector<event::FieldError> errors;
    ASSERT_TRUE(parser.ParseOne(lines[i], &ev, &errors));
    std::string key = i < 10 ? "someone-else" : i < 20 ? "" : ev.organization_id;
    messages.push_back({key, lines[i]});
  }
  auto published = (*producer)->PublishAndWait(std::move(messages));
  ASSERT_TRUE(published.ok()) << published.status();
  auto s = OpenStore("keys");
  ingest::IngestService ingest(s.get(), {});
  KafkaConsumer consumer(Options("g-keys"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitStored(s.get(), *published));
  consumer.Stop();
  EXPECT_EQ(s->LastPosition(), lines.size()) << "stored all the same";
  EXPECT_EQ(consumer.key_mismatches(), 20u);
}

TEST_F(KafkaTest, APartitionBelowTheStoredOffsetIsConsumedAndSaidNeverSilent) {
  // A store that had read far into "erp" (offsets 10,000 of every partition), then a topic
  // that holds less: it was deleted and recreated. Its messages are consumed, and it is said.
  auto s = OpenStore("recreated");
  store::AppendRequest marks;
  for (int32_t p = 0; p < 4; ++p) marks.source_offsets.push_back({SourceName("erp"), p, 10'000});
  ASSERT_TRUE(s->Append(std::move(marks)).ok());
  std::vector<std::string> lines = Lines(200);
  auto published = Produce(lines);
  ingest::IngestService ingest(s.get(), {});
  KafkaConsumer consumer(Options("g-recreated"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  Eventually([&] { return s->LastPosition() >= lines.size(); }, 30s);
  consumer.Stop();
  EXPECT_EQ(s->LastPosition(), lines.size());
  EXPECT_EQ(consumer.offset_resets(), published.last_offsets.size())
      << "one warning per partition that went back";
  std::map<int32_t, int64_t> stored;
  for (const store::SourceOffset& o : s->SourceOffsets(SourceName("erp"))) {
    stored[o.partition] = o.next_offset;
  }
  for (const auto& [partition, last] : published.last_offsets) {
    EXPECT_EQ(stored[partition], last + 1) << "the store's offsets follow the topic as it is now";
  }
}

TEST_F(KafkaTest, EventsWithoutAnIdGetTheSameIdOnEveryNode) {
  // Events sent without event_id: each node names them by their coordinates and bytes, so
  // replicas agree, and a message consumed again is a duplicate.
  std::vector<std::string> lines = WithoutIds(Lines(40));
  auto published = Produce(lines);
  std::vector<std::vector<std::pair<std::string, std::string>>> nodes;
  for (const char* name : {"node-a", "node-b"}) {
    auto s = OpenStore(name);
    ingest::IngestService ingest(s.get(), {});
    KafkaConsumer consumer(Options(std::string("g-ids-") + name), &ingest, s.get(), nullptr);
    ASSERT_TRUE(consumer.Start().ok());
    ASSERT_TRUE(WaitStored(s.get(), published));
    consumer.Stop();
    EXPECT_EQ(s->LastPosition(), lines.size());
    std::vector<std::pair<std::string, std::string>> all;
    for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
      for (auto& e : EventsOf(s.get(), org)) all.push_back(e);
    }
    nodes.push_back(std::move(all));
  }
  ASSERT_EQ(nodes[0].size(), lines.size());
  EXPECT_EQ(nodes[0], nodes[1]) << "the same ids and bytes on both nodes";
}

TEST_F(KafkaTest, AnIdLessMessageConsumedAgainIsADuplicate) {
  std::vector<std::string> lines = WithoutIds(Lines(60));
  auto published = Produce(lines);
  auto s = OpenStore("again");
  ingest::IngestService ingest(s.get(), {});
  {
    KafkaConsumer first(Options("g-again-1"), &ingest, s.get(), nullptr);
    ASSERT_TRUE(first.Start().ok());
    ASSERT_TRUE(WaitStored(s.get(), published));
    first.Stop();
  }
  ASSERT_EQ(s->LastPosition(), lines.size());
  // The store's offsets go back to the start (as after a recreated topic, or a replay): the
  // same messages are consumed again, and named the same, they are duplicates.
  store::AppendRequest back;
  for (int32_t p = 0; p < 4; ++p) back.source_offsets.push_back({SourceName("erp"), p, 0});
  ASSERT_TRUE(s->Append(std::move(back)).ok());
  KafkaConsumer second(Options("g-again-2"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(second.Start().ok());
  ASSERT_TRUE(WaitStored(s.get(), published));
  second.Stop();
  EXPECT_EQ(s->LastPosition(), lines.size()) << "nothing stored twice";
  uint64_t duplicates = 0;
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    duplicates += s->GetTenantCounts(org).duplicates;
  }
  EXPECT_EQ(duplicates, lines.size());
}

TEST_F(KafkaTest, AFullDiskHoldsConsumptionAndItResumesWithNothingLostOrStoredTwice) {
  std::vector<std::string> lines = Lines(3000);
  auto published = Produce(lines);
  // The disk fills: the store refuses appends (nothing written) until space returns.
  FaultInjectionEnv env;
  env.SetFreeBytes(1 << 20);
  auto s = store::EventStore::Open({.path = (base_ / "full").string(), .sync = false,
                                    .env = &env, .min_free_bytes = 4 << 20, .reserve_bytes = 0,
                                    .recovery_interval = 20ms});
  ASSERT_TRUE(s.ok()) << s.status();
  ingest::IngestService ingest(s->get(), {});
  KafkaOptions o = Options("g-full");
  o.max_batch = 500;  // several batches: the one refused, and the ones consumed behind it
  KafkaConsumer consumer(o, &ingest, s->get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  Eventually([&] { return consumer.store_retries() >= 3; }, 30s);
  ASSERT_GE(consumer.store_retries(), 3u) << "the store refused the batch, and it was retried";
  EXPECT_EQ((*s)->LastPosition(), 0u) << "nothing stored while the disk is full";
  env.SetFreeBytes(std::nullopt);  // space returns: consumption resumes without a restart
  ASSERT_TRUE(WaitStored(s->get(), published));
  consumer.Stop();
  EXPECT_EQ((*s)->LastPosition(), lines.size()) << "every message stored exactly once";
  std::set<std::string> ids;
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    EXPECT_EQ((*s)->GetTenantCounts(org).duplicates, 0u);
    for (auto& [id, json] : EventsOf(s->get(), org)) EXPECT_TRUE(ids.insert(id).second);
  }
  EXPECT_EQ(ids.size(), lines.size());
}

// Before a rebalance, a batch the store refuses (a full disk) is dropped rather than blocking
// the group: its offsets were not stored either, so the partitions this node keeps are sought
// back to the stored offsets, the others are read from there by their next owner, and nothing
// after the dropped batch is stored before that seek back (or the stored offsets would pass
// messages never stored).
//
// Node A's disk is full; A holds a refused batch and retries it. (1) Node B joins A's group:
// A drops the batch (counted) and the rebalance completes at once, the disk still full. A
// reads what it kept from its stored offsets and is refused again. (2) B leaves, and A's disk
// has room again the moment A dropped its batch at that rebalance: whatever A had consumed
// behind the dropped batch must not be stored now. (3) A, holding every partition again,
// stores every message exactly once, at the right offsets.
//
// It cannot pass without the drop: a consumer that keeps retrying holds the rebalance until
// the disk has room (the counter stays 0, B is given nothing). One that, after a drop, stored
// what it had consumed behind the dropped batch, or did not seek its kept partitions back,
// loses the dropped messages (step 3; with the cooperative protocol, where A's kept partitions
// stay assigned throughout).
void KafkaTest::DropBeforeRebalance(const std::string& group, const std::string& assignor,
                                    const std::string& own_topic) {
  std::vector<std::string> lines = Lines(3000);
  auto published = Produce(lines);
  // Three tenants on three of the four partitions.
  ASSERT_EQ(published.last_offsets.size(), 3u);
  FaultInjectionEnv env;
  env.SetFreeBytes(1 << 20);  // the disk is full: the store refuses appends, writing nothing
  auto a_store = store::EventStore::Open({.path = (base_ / "a").string(), .sync = false,
                                          .env = &env, .min_free_bytes = 4 << 20,
                                          .reserve_bytes = 0, .recovery_interval = 20ms});
  ASSERT_TRUE(a_store.ok()) << a_store.status();
  store::EventStore* sa = a_store->get();
  ingest::IngestService a_ingest(sa, {});
  KafkaOptions o = Options(group);
  o.own_topic = own_topic;
  o.max_batch = 500;  // the batch refused, and more consumed behind it
  // Short rebalances: the mock waits for members to rejoin up to the session timeout less 1 s,
  // and a member hears of a rebalance at its next heartbeat.
  o.config = {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "300"},
              {"partition.assignment.strategy", assignor}};
  KafkaConsumer a(o, &a_ingest, sa, nullptr);
  ASSERT_TRUE(a.Start().ok());
  auto erp = [](const KafkaConsumer& c) {
    std::set<int32_t> out;
    for (const PartitionState& p : c.Partitions()) {
      if (p.topic == "erp") out.insert(p.partition);
    }
    return out;
  };
  Eventually([&] { return a.store_retries() >= 2; }, 30s);
  ASSERT_GE(a.store_retries(), 2u) << "the store refused A's batch, and A retries it";
  ASSERT_EQ(erp(a).size(), 4u);
  EXPECT_EQ(a.dropped_batches(), 0u) << "without a rebalance the batch is kept and retried";

  // (1) B joins while A's disk is full: the group moves some of A's partitions to B.
  auto sb = OpenStore("b");
  ingest::IngestService b_ingest(sb.get(), {});
  auto b = std::make_unique<KafkaConsumer>(o, &b_ingest, sb.get(), nullptr);
  ASSERT_TRUE(b->Start().ok());
  const size_t all = a.Partitions().size();
  auto split = [&] {
    std::set<int32_t> ea = erp(a), eb = erp(*b);
    return a.Partitions().size() + b->Partitions().size() == all && ea.size() + eb.size() == 4 &&
           !ea.empty() && !eb.empty();
  };
  Eventually([&] { return a.dropped_batches() >= 1 && split(); }, 30s);
  ASSERT_GE(a.dropped_batches(), 1u) << "A dropped the batch the store refused at the rebalance";
  ASSERT_TRUE(split()) << "the rebalance completed while A's disk is full";
  const std::set<int32_t> kept = erp(a), moved = erp(*b);
  ASSERT_TRUE(std::any_of(published.last_offsets.begin(), published.last_offsets.end(),
                          [&](const auto& p) { return kept.count(p.first) > 0; }))
      << "A kept a partition that holds messages";
  ingest::EventPublisher::Published b_part{.topic = "erp"};
  for (const auto& [partition, last] : published.last_offsets) {
    if (moved.count(partition)) b_part.last_offsets.emplace_back(partition, last);
  }
  ASSERT_TRUE(WaitStored(sb.get(), b_part)) << "B read the partitions it was given";
  // A reads what it kept again, from its stored offsets, and is refused again.
  const uint64_t retries = a.store_retries();
  Eventually([&] { return a.store_retries() >= retries + 2; }, 30s);
  ASSERT_GE(a.store_retries(), retries + 2);
  EXPECT_EQ(sa->LastPosition(), 0u) << "nothing stored on A while its disk is full";
  EXPECT_TRUE(sa->SourceOffsets(SourceName("erp")).empty()) << "nor any offset";
  EXPECT_FALSE(a.CaughtUp()) << "not ready: A holds partitions it has stored nothing of (nor "
                                "while the rebalance had taken every partition away)";

  // (2) B leaves (Stop waits for its LeaveGroup); A's disk has room again as soon as A
  // dropped its batch at that rebalance, before it is given B's partitions.
  const uint64_t dropped = a.dropped_batches();
  std::thread leave([&] { b->Stop(); });
  Eventually([&] { return a.dropped_batches() > dropped; }, 30s);
  env.SetFreeBytes(std::nullopt);
  leave.join();
  b.reset();
  ASSERT_GT(a.dropped_batches(), dropped) << "dropped again at the second rebalance";

  // (3) A holds every partition again and reads each from its own stored offsets.
  ASSERT_TRUE(WaitStored(sa, published));
  EXPECT_EQ(erp(a).size(), 4u);
  a.Stop();
  EXPECT_EQ(sa->LastPosition(), lines.size()) << "every message stored exactly once";
  EXPECT_EQ(a_ingest.bus_counters().duplicates.value(), 0u) << "no message stored twice";
  std::set<std::string> ids;
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    EXPECT_EQ(sa->GetTenantCounts(org).duplicates, 0u) << org;
    for (auto& [id, json] : EventsOf(sa, org)) EXPECT_TRUE(ids.insert(id).second) << id;
  }
  EXPECT_EQ(ids.size(), lines.size()) << "nothing lost";
  std::map<int32_t, int64_t> stored;
  for (const store::SourceOffset& so : sa->SourceOffsets(SourceName("erp"))) {
    stored[so.partition] = so.next_offset;
  }
  ASSERT_EQ(stored.size(), published.last_offsets.size());
  for (const auto& [partition, last] : published.last_offsets) {
    EXPECT_EQ(stored[partition], last + 1) << "partition " << partition;
  }
  EXPECT_EQ(a.skipped(), 0u);
  EXPECT_EQ(a.offset_resets(), 0u);
}

// librdkafka's default assignor (range): a rebalance revokes every partition, and A is given
// back those it keeps, at its stored offsets.
TEST_F(KafkaTest, ARebalanceWhileTheStoreRefusesDropsTheBatchAndLosesNothing) {
  DropBeforeRebalance("g-drop", "range", "readside.own-state");
}

// Incremental rebalancing: A keeps its other partitions assigned throughout, so dropping the
// batch seeks them back to the stored offsets (Rewind) while they are being fetched. (An
// own-state topic of two partitions, so that the sticky assignor moves some of "erp" to B and
// leaves A some: with "readside.own-state" it moves the four of "erp".)
TEST_F(KafkaTest, ACooperativeRebalanceWhileTheStoreRefusesDropsTheBatchAndLosesNothing) {
  DropBeforeRebalance("g-drop-coop", "cooperative-sticky", "coop-own");
}

TEST_F(KafkaTest, ReadModelsFarBehindPauseConsumptionUntilTheyCatchUp) {
  std::vector<std::string> lines = Lines(2000);
  auto published = Produce(lines);
  auto s = OpenStore("behind");
  ingest::IngestService ingest(s.get(), {});
  std::atomic<uint64_t> lag{1'000'000};  // the read models' lag the consumer sees
  KafkaOptions o = Options("g-behind");
  o.max_projection_lag = 1000;
  KafkaConsumer consumer(o, &ingest, s.get(), [&] { return lag.load(); });
  ASSERT_TRUE(consumer.Start().ok());
  Eventually([&] { return !consumer.Partitions().empty(); }, 30s);
  ASSERT_FALSE(consumer.Partitions().empty()) << "joined the group";
  std::this_thread::sleep_for(1500ms);  // ample time to consume 2000 messages, were it not paused
  EXPECT_TRUE(consumer.paused());
  EXPECT_EQ(s->LastPosition(), 0u) << "paused partitions: nothing fetched, nothing stored";
  EXPECT_FALSE(consumer.CaughtUp()) << "not ready: the partitions hold 2000 unread messages";
  std::optional<double> behind = consumer.CatchingUpSeconds();
  ASSERT_TRUE(behind.has_value()) << "answers say they are stale while catching up";
  EXPECT_GE(*behind, 1.0) << "nothing consumed yet: catching up since the start, 1.5 s ago";
  EXPECT_LT(*behind, 60.0);
  for (const PartitionState& p : consumer.Partitions()) {
    if (p.topic == "erp") {
      EXPECT_EQ(p.lag(), p.high_watermark) << "the lag is known while paused";
    }
  }
  lag = 400;  // below half of the bound: resumed
  ASSERT_TRUE(WaitStored(s.get(), published));
  EXPECT_FALSE(consumer.paused());
  Eventually([&] { return consumer.CaughtUp(); }, 10s);
  EXPECT_TRUE(consumer.CaughtUp()) << "ready once every partition is read to its end";
  EXPECT_FALSE(consumer.CatchingUpSeconds().has_value()) << "caught up: not stale";
  consumer.Stop();
  EXPECT_EQ(s->LastPosition(), lines.size());
}

// Kafka going away and coming back under load (issue 17, injected faults): every broker is
// taken down while a producer publishes without pause and the store is read. Publications
// fail and open the producer's breaker (POST /events answers 503 then), and the consumer says
// Kafka is down; with the brokers back, the breaker closes after its cool-down, the consumer
// is up again, and every publication Kafka acknowledged is stored, exactly once.
TEST_F(KafkaTest, BrokersGoingAwayAndComingBackUnderLoadLoseNothing) {
  const std::vector<std::string> lines = Lines(60'000);
  auto s = OpenStore("outage");
  ingest::IngestService ingest(s.get(), {});
  KafkaConsumer consumer(Options("g-outage"), &ingest, s.get(), nullptr);
  ASSERT_TRUE(consumer.Start().ok());
  KafkaOptions po = Options("");
  po.config = {{"message.timeout.ms", "1500"}};  // a publication fails fast while down
  auto producer = KafkaProducer::Create(po, "erp");
  ASSERT_TRUE(producer.ok()) << producer.status();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked_batches{0}, refused{0}, reads{0};
  std::set<std::string> acknowledged;                     // the load thread's until joined
  std::map<int32_t, int64_t> last_offsets;                // likewise
  std::thread load([&] {
    event::EventParser parser;
    event::Event ev;
    std::vector<event::FieldError> errors;
    size_t next = 0;
    while (!stop.load() && next < lines.size()) {
      std::vector<ingest::EventPublisher::Message> batch;
      std::vector<std::string> ids;
      for (; batch.size() < 20 && next < lines.size(); ++next) {
        if (!parser.ParseOne(lines[next], &ev, &errors)) continue;
        ids.push_back(ev.event_id);
        batch.push_back({ev.organization_id, lines[next]});
      }
      auto r = (*producer)->PublishAndWait(std::move(batch));
      if (r.ok()) {
        acknowledged.insert(ids.begin(), ids.end());
        for (const auto& [partition, offset] : r->last_offsets) {
          last_offsets[partition] = std::max(last_offsets[partition], offset);
        }
        acked_batches.fetch_add(1);
      } else {
        EXPECT_TRUE(absl::IsUnavailable(r.status()) || absl::IsDeadlineExceeded(r.status()))
            << r.status();
        refused.fetch_add(1);
        std::this_thread::sleep_for(50ms);  // pacing, as a client honouring Retry-After
      }
      if (s->Query({.organization_id = "acme-corp", .limit = 10}).ok()) reads.fetch_add(1);
      std::this_thread::sleep_for(2ms);
    }
  });
  auto wait_for = [](auto done, std::chrono::seconds timeout) {
    Eventually(done, timeout);
    return done();
  };

  ASSERT_TRUE(wait_for([&] { return acked_batches.load() >= 50 && s->LastPosition() > 0; }, 60s));
  ASSERT_TRUE(cluster_->SetBrokersUp(false).ok());
  EXPECT_TRUE(wait_for([&] { return (*producer)->breaker_state() == CircuitBreaker::State::kOpen; },
                       60s));
  EXPECT_TRUE(wait_for([&] { return !consumer.up(); }, 60s)) << "the consumer says Kafka is down";
  EXPECT_FALSE((*producer)->up());
  // The breaker opened on the third failed publication (counted here once its caller has it)
  // and refuses the next ones at once.
  EXPECT_TRUE(wait_for([&] { return refused.load() >= 4; }, 30s)) << refused.load();
  const uint64_t reads_while_down = reads.load();
  EXPECT_TRUE(wait_for([&] { return reads.load() >= reads_while_down + 20; }, 30s))
      << "the store keeps answering while Kafka is away";

  ASSERT_TRUE(cluster_->SetBrokersUp(true).ok());
  const uint64_t acked_before = acked_batches.load();
  EXPECT_TRUE(wait_for(
      [&] { return (*producer)->breaker_state() == CircuitBreaker::State::kClosed; }, 90s));
  EXPECT_TRUE(wait_for([&] { return acked_batches.load() >= acked_before + 50; }, 60s))
      << "publications go through again";
  EXPECT_TRUE(wait_for([&] { return consumer.up(); }, 60s)) << "the consumer says Kafka is up";
  EXPECT_TRUE((*producer)->up());
  stop = true;
  load.join();

  ingest::EventPublisher::Published all{.topic = "erp"};
  for (const auto& [partition, offset] : last_offsets) {
    all.last_offsets.emplace_back(partition, offset);
  }
  ASSERT_TRUE(WaitStored(s.get(), all));
  consumer.Stop();
  // Every acknowledged publication is stored; nothing is stored twice (a publication that
  // timed out may have reached Kafka after all: stored, once, though never acknowledged).
  std::set<std::string> stored;
  size_t rows = 0;
  for (const char* org : {"acme-corp", "beta-inc", "gamma-llc"}) {
    for (auto& [id, json] : EventsOf(s.get(), org)) {
      stored.insert(id);
      ++rows;
    }
    EXPECT_EQ(s->GetTenantCounts(org).duplicates, 0u) << org;
  }
  EXPECT_EQ(rows, stored.size()) << "an event stored twice";
  EXPECT_EQ(rows, s->LastPosition());
  std::vector<std::string> lost;
  std::set_difference(acknowledged.begin(), acknowledged.end(), stored.begin(), stored.end(),
                      std::back_inserter(lost));
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged events lost, e.g. " << lost.front();
  EXPECT_GT(acknowledged.size(), 2000u);
}

TEST(KafkaConfigTest, WhatExactlyOnceRestsOnCannotBeOverridden) {
  std::pair<std::string, std::string> kv;
  EXPECT_TRUE(ParseConfigPair("linger.ms=5", &kv).ok());
  EXPECT_EQ(kv.first, "linger.ms");
  EXPECT_EQ(kv.second, "5");
  EXPECT_TRUE(ParseConfigPair("sasl.jaas.config=a=b", &kv).ok());
  EXPECT_EQ(kv.second, "a=b");
  for (const char* bad : {"acks=1", "enable.idempotence=false", "auto.offset.reset=latest",
                          "enable.auto.commit=true", "group.id=x", "partitioner=random",
                          "isolation.level=read_uncommitted", "enable.auto.offset.store=true",
                          "bootstrap.servers=elsewhere:9092", "=x",
                          "novalue"}) {
    EXPECT_FALSE(ParseConfigPair(bad, &kv).ok()) << bad;
  }
}

TEST(KafkaConfigTest, ProducersCompressWithLz4UnlessTheConfigurationSaysOtherwise) {
  KafkaOptions options{.brokers = "127.0.0.1:1", .topics = {"erp"}};
  auto lz4 = KafkaProducer::Create(options, "erp");
  ASSERT_TRUE(lz4.ok()) << lz4.status();
  EXPECT_EQ((*lz4)->ConfigValue("compression.type"), "lz4");
  EXPECT_EQ((*lz4)->ConfigValue("acks"), "-1");  // all
  EXPECT_EQ((*lz4)->ConfigValue("enable.idempotence"), "true");
  EXPECT_EQ((*lz4)->ConfigValue("partitioner"), "murmur2_random");
  options.config.push_back({"compression.type", "zstd"});
  auto zstd = KafkaProducer::Create(options, "erp");
  ASSERT_TRUE(zstd.ok()) << zstd.status();
  EXPECT_EQ((*zstd)->ConfigValue("compression.type"), "zstd");
  EXPECT_EQ((*zstd)->ConfigValue("no.such.property"), "");
}

TEST(PartitionOffsetsTest, ParseAndFormat) {
  auto ok = ingest::ParsePartitionOffsets("3:5,0:17");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ingest::FormatPartitionOffsets(*ok), "0:17,3:5");
  for (const char* bad : {"", "0", "0:", ":1", "a:1", "0:-1", "0:1,", "0:1,0:2", "0:1;1:2"}) {
    EXPECT_FALSE(ingest::ParsePartitionOffsets(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace readside::kafka
