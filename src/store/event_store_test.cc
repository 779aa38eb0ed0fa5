#include "store/event_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

namespace readside::store {
namespace {

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = EventStore::Open({.path = dir_.string()});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  static EventToStore Ev(std::string org, std::string id, std::string entity = "e1",
                         std::string json = "", int64_t ts = 1000) {
    if (json.empty()) json = R"({"event_id":")" + id + R"(","v":1})";
    return {org, id, false, entity, "crm.contact.created", ts, json};
  }
  std::vector<AppendOutcome> Append(std::vector<EventToStore> events) {
    auto r = store_->Append({std::move(events), {}});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<AppendOutcome>{};
  }
  std::filesystem::path dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, PositionsAreGapFreeFromOne) {
  auto out = Append({Ev("a", "1"), Ev("a", "2"), Ev("b", "1")});
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].outcome, Outcome::kAccepted);
    EXPECT_EQ(out[i].position, i + 1);
  }
  EXPECT_EQ(store_->LastPosition(), 3u);
}

TEST_F(EventStoreTest, DuplicateIdIsIdempotentAndConflictKeepsFirst) {
  Append({Ev("a", "1", "e1", R"({"event_id":"1","x":1,"y":2})")});
  auto out = Append({Ev("a", "1", "e1", R"({"y":2, "event_id":"1","x":1})"),
                     Ev("a", "1", "e1", R"({"event_id":"1","x":9})")});
  EXPECT_EQ(out[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[0].position, 1u);
  EXPECT_EQ(out[1].outcome, Outcome::kConflict);
  EXPECT_EQ(store_->LastPosition(), 1u);
  std::string stored;
  ASSERT_TRUE(store_->ReadRange(0, 10, [&](const StoredEvent& e) {
    stored = e.json;
    return true;
  }).ok());
  EXPECT_EQ(stored, R"({"event_id":"1","x":1,"y":2})");
}

TEST_F(EventStoreTest, DuplicatesWithinOneBatchAndAcrossTenants) {
  auto out = Append({Ev("a", "1"), Ev("a", "1"), Ev("b", "1")});
  EXPECT_EQ(out[0].outcome, Outcome::kAccepted);
  EXPECT_EQ(out[1].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[1].position, 1u);
  EXPECT_EQ(out[2].outcome, Outcome::kAccepted);
  EXPECT_EQ(out[2].position, 2u);
}

TEST_F(EventStoreTest, SurvivesReopenWithIndexes) {
  Append({Ev("a", "1", "x"), Ev("a", "2", "y"), Ev("b", "3", "x")});
  store_->Append({{}, {{"a", 2}, {"b", 1}}}).IgnoreError();
  Reopen();
  EXPECT_EQ(store_->LastPosition(), 3u);
  EXPECT_EQ(store_->RejectedCount("a"), 2u);
  auto out = Append({Ev("a", "1", "x"), Ev("a", "4", "x")});
  EXPECT_EQ(out[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[1].position, 4u);
  auto page = store_->Query({.organization_id = "a", .aggregate_id = "x"});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].position, 1u);
  EXPECT_EQ(page->events[1].position, 4u);
}

TEST_F(EventStoreTest, QueryFiltersAndPages) {
  std::vector<EventToStore> evs;
  for (int i = 0; i < 25; ++i) {
    auto e = Ev(i % 2 ? "a" : "b", std::to_string(i), "e" + std::to_string(i % 3), "", i * 10);
    if (i % 5 == 0) e.event_type = "crm.lead.created";
    evs.push_back(e);
  }
  Append(evs);
  std::vector<uint64_t> seen;
  EventQuery q{.organization_id = "a", .limit = 5};
  for (;;) {
    auto page = store_->Query(q);
    ASSERT_TRUE(page.ok());
    for (auto& e : page->events) {
      EXPECT_EQ(e.organization_id, "a");
      seen.push_back(e.position);
    }
    if (!page->next) break;
    q.after_position = *page->next;
  }
  EXPECT_EQ(seen.size(), 12u);  // odd i
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  auto typed = store_->Query({.organization_id = "a", .event_type = "crm.lead.created"});
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed->events.size(), 2u);  // i = 5, 15
  auto timed = store_->Query({.organization_id = "b", .from_micros = 40, .to_micros = 100});
  ASSERT_TRUE(timed.ok());
  EXPECT_EQ(timed->events.size(), 3u);  // i = 4, 6, 8
  EXPECT_FALSE(timed->next.has_value());
  auto none = store_->Query({.organization_id = "zzz"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->events.empty());
}

TEST_F(EventStoreTest, AggregateIdsThatArePrefixesDoNotMix) {
  Append({Ev("a", "1", "x"), Ev("a", "2", std::string("x\0y", 3)), Ev("a", "3", "xy")});
  auto page = store_->Query({.organization_id = "a", .aggregate_id = "x"});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].position, 1u);
}

// Ids are up to 128 characters, up to 512 bytes of UTF-8: lengths past one byte's range
// must survive the record and the aggregate index, and ids of 255 bytes and more must not mix
// with shorter ones that share their start.
TEST_F(EventStoreTest, IdsOfUpTo512BytesRoundTrip) {
  std::string emoji;
  for (int i = 0; i < 128; ++i) emoji += "\xF0\x9F\x98\x80";  // 128 characters, 512 bytes
  const std::string e254(254, 'e'), e255(255, 'e'), e256(256, 'e');
  Append({Ev("a", emoji, emoji), Ev("a", "2", e255), Ev("a", e254, e254), Ev("a", e256, e256)});
  Reopen();
  std::vector<StoredEvent> all;
  absl::Status read = store_->ReadRange(0, 4, [&](const StoredEvent& e) {
    all.push_back(e);
    return true;
  });
  ASSERT_TRUE(read.ok()) << read;
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].event_id, emoji);
  EXPECT_EQ(all[0].entity_id, emoji);
  EXPECT_EQ(all[0].json, R"({"event_id":")" + emoji + R"(","v":1})");
  EXPECT_EQ(all[1].entity_id, e255);
  EXPECT_EQ(all[2].event_id, e254);
  EXPECT_EQ(all[3].entity_id, e256);
  for (const auto& [entity, position] :
       {std::pair{emoji, 1u}, {e255, 2u}, {e254, 3u}, {e256, 4u}}) {
    auto page = store_->Query({.organization_id = "a", .aggregate_id = entity});
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->events.size(), 1u) << entity.size();
    EXPECT_EQ(page->events[0].position, position);
  }
  EXPECT_EQ(Append({Ev("a", emoji, "x")})[0].outcome, Outcome::kDuplicate);
}

TEST_F(EventStoreTest, ConcurrentAppendsShareGroupsAndStayGapFree) {
  constexpr int kThreads = 8, kBatches = 30, kPerBatch = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> positions;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<EventToStore> evs;
        for (int i = 0; i < kPerBatch; ++i) {
          evs.push_back(Ev("org" + std::to_string(t % 3),
                           std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i)));
        }
        auto r = store_->Append({std::move(evs), {}});
        ASSERT_TRUE(r.ok());
        std::lock_guard lk(mu);
        for (auto& o : *r) EXPECT_TRUE(positions.insert(o.position).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  uint64_t n = kThreads * kBatches * kPerBatch;
  EXPECT_EQ(positions.size(), n);
  EXPECT_EQ(*positions.begin(), 1u);
  EXPECT_EQ(*positions.rbegin(), n);
  uint64_t expect = 1;
  ASSERT_TRUE(store_->ReadRange(0, UINT64_MAX, [&](const StoredEvent& e) {
    EXPECT_EQ(e.position, expect++);
    return true;
  }).ok());
  EXPECT_EQ(expect, n + 1);
}

TEST_F(EventStoreTest, LargeGroupsSpanBlocksAndReadsStartMidBlock) {
  std::vector<EventToStore> evs;
  for (int i = 0; i < 2500; ++i) evs.push_back(Ev(i % 3 ? "a" : "b", std::to_string(i)));
  Append(evs);  // one group: three log blocks, one index entry per organization
  Append({Ev("a", "x1"), Ev("b", "x2")});
  Reopen();
  EXPECT_EQ(store_->LastPosition(), 2502u);
  for (uint64_t after : {0u, 1u, 1023u, 1024u, 1025u, 2047u, 2499u, 2500u, 2501u}) {
    uint64_t expect = after + 1;
    ASSERT_TRUE(store_->ReadRange(after, after + 700, [&](const StoredEvent& e) {
      EXPECT_EQ(e.position, expect++);
      return true;
    }).ok());
    EXPECT_EQ(expect, std::min<uint64_t>(after + 700, 2502) + 1) << after;
  }
  // Paging through one organization from the middle of its index entries.
  std::vector<uint64_t> seen;
  EventQuery q{.organization_id = "b", .after_position = 1500, .limit = 100};
  for (;;) {
    auto page = store_->Query(q);
    ASSERT_TRUE(page.ok());
    for (auto& e : page->events) {
      EXPECT_EQ(e.organization_id, "b");
      seen.push_back(e.position);
    }
    if (!page->next) break;
    q.after_position = *page->next;
  }
  // b holds i % 3 == 0 → positions 1, 4, 7, …; those above 1500, plus x2 at 2502.
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), 1501u);
  EXPECT_EQ(seen.back(), 2502u);
  size_t expected = 1;  // x2
  for (int i = 0; i < 2500; ++i) expected += (i % 3 == 0 && i + 1 > 1500);
  EXPECT_EQ(seen.size(), expected);
  // A duplicate of an event deep in a block is found and compared.
  auto out = Append({Ev("a", "2000")});
  EXPECT_EQ(out[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[0].position, 2001u);
}

TEST_F(EventStoreTest, UnindexedTailStillDedupesAndIsReindexedOnOpen) {
  store_.reset();
  {
    auto s = EventStore::Open({.path = dir_.string(), .testing_skip_index_writes = true});
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  Append({Ev("a", "1", "x"), Ev("b", "2", "y")});
  // Not indexed, yet a re-send in a later group is a duplicate.
  auto out = Append({Ev("a", "1", "x"), Ev("a", "3", "x")});
  EXPECT_EQ(out[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[0].position, 1u);
  EXPECT_EQ(out[1].position, 3u);
  Reopen();  // indexes the tail from the log
  auto page = store_->Query({.organization_id = "a", .aggregate_id = "x"});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[1].position, 3u);
  EXPECT_EQ(page->events[1].event_id, "3");
  auto org_b = store_->Query({.organization_id = "b"});
  ASSERT_TRUE(org_b.ok());
  ASSERT_EQ(org_b->events.size(), 1u);
  out = Append({Ev("b", "2", "y"), Ev("a", "3", "x", R"({"event_id":"3","v":2})")});
  EXPECT_EQ(out[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ(out[1].outcome, Outcome::kConflict);
}

TEST_F(EventStoreTest, WaitForPositionAndListeners) {
  std::atomic<uint64_t> heard{0};
  store_->AddCommitListener([&](uint64_t p) { heard = p; });
  EXPECT_FALSE(store_->WaitForPosition(1, std::chrono::milliseconds(1)));
  Append({Ev("a", "1")});
  EXPECT_TRUE(store_->WaitForPosition(1, std::chrono::milliseconds(1)));
  EXPECT_EQ(heard.load(), 1u);
}

TEST_F(EventStoreTest, DeadLettersKeepRawBytes) {
  std::string raw("{\xff bad", 7);
  auto id = store_->AddDeadLetter({.source = "kafka:t/0/5", .reason = "not JSON", .raw = raw});
  ASSERT_TRUE(id.ok());
  Reopen();
  auto list = store_->ListDeadLetters(0, 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].raw, raw);
  EXPECT_EQ((*list)[0].reason, "not JSON");
  ASSERT_TRUE(store_->DeleteDeadLetter(*id).ok());
  EXPECT_TRUE(store_->ListDeadLetters(0, 10)->empty());
  auto id2 = store_->AddDeadLetter({.source = "x", .reason = "y", .raw = "z"});
  EXPECT_GT(*id2, *id);
}

TEST_F(EventStoreTest, SourceOffsetsAndDeadLettersAreWrittenWithTheEvents) {
  AppendRequest req;
  req.events = {Ev("a", "1"), Ev("a", "2")};
  req.source_offsets = {{"kafka:erp", 0, 8}, {"kafka:erp", 3, 2}};
  req.dead_letters = {{.source = "kafka:erp/0/5", .reason = "missing organization_id",
                       .raw = std::string("{\"x\":\0\xff}", 9)}};
  ASSERT_TRUE(store_->Append(std::move(req)).ok());
  // A request with no events still records its offsets (every message was a dead letter).
  AppendRequest only_offsets;
  only_offsets.source_offsets = {{"kafka:erp", 0, 9}, {"kafka:other", 1, 4}};
  ASSERT_TRUE(store_->Append(std::move(only_offsets)).ok());
  auto check = [&] {
    std::vector<SourceOffset> erp = store_->SourceOffsets("kafka:erp");
    ASSERT_EQ(erp.size(), 2u);
    EXPECT_EQ(erp[0].partition, 0);
    EXPECT_EQ(erp[0].next_offset, 9);
    EXPECT_EQ(erp[1].partition, 3);
    EXPECT_EQ(erp[1].next_offset, 2);
    ASSERT_EQ(store_->SourceOffsets("kafka:other").size(), 1u);
    EXPECT_TRUE(store_->SourceOffsets("kafka:er").empty());
    auto letters = store_->ListDeadLetters(0, 10);
    ASSERT_TRUE(letters.ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ((*letters)[0].raw, std::string("{\"x\":\0\xff}", 9));
    EXPECT_EQ((*letters)[0].source, "kafka:erp/0/5");
    EXPECT_EQ(store_->LastPosition(), 2u);
  };
  check();
  Reopen();  // durable, and read back on open
  check();
  // Ids continue after a reopen; a direct dead letter and a batched one never share one.
  auto direct = store_->AddDeadLetter({.source = "file:x", .reason = "r", .raw = "y"});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*direct, 2u);
}

TEST_F(EventStoreTest, WaitForSourceOffsetsAnswersThePositionHoldingThem) {
  EXPECT_FALSE(store_->WaitForSourceOffsets("kafka:erp", {{0, 0}}, std::chrono::milliseconds(1)));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    AppendRequest req;
    req.events = {Ev("a", "1"), Ev("a", "2"), Ev("a", "3")};
    req.source_offsets = {{"kafka:erp", 2, 11}};
    ASSERT_TRUE(store_->Append(std::move(req)).ok());
  });
  std::optional<uint64_t> at =
      store_->WaitForSourceOffsets("kafka:erp", {{2, 10}}, std::chrono::seconds(30));
  writer.join();
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(*at, 3u);
  // Offset 11 is not stored yet (next offset 11), nor is a partition never seen.
  EXPECT_FALSE(store_->WaitForSourceOffsets("kafka:erp", {{2, 11}}, std::chrono::milliseconds(1)));
  EXPECT_FALSE(store_->WaitForSourceOffsets("kafka:erp", {{2, 1}, {5, 0}}, std::chrono::milliseconds(1)));
}

TEST_F(EventStoreTest, OpenFailsWithActionableMessage) {
  auto s = EventStore::Open({.path = "/proc/readside-cannot-be-here"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/proc/readside-cannot-be-here"), std::string::npos);
}

}  // namespace
}  // namespace readside::store
