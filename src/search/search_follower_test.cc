// SearchFollower over a real store: every tenant's index holds exactly the entities its
// events created (counted independently here), no tenant's index holds another's, a restart
// resumes from the recorded position, and events appended later are indexed.
#include "search/search_follower.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "event/parser.h"
#include "gtest/gtest.h"
#include "sim/generator.h"

namespace readside::search {
namespace {

using E = event::EventType;

const std::map<E, std::string> kCreates = {
    {E::kCrmContactCreated, "contact"},       {E::kCrmLeadCreated, "lead"},
    {E::kCrmOpportunityCreated, "opportunity"}, {E::kHrmEmployeeCreated, "employee"},
    {E::kFinanceInvoiceCreated, "invoice"},   {E::kInventoryProductCreated, "product"},
    {E::kProjectCreated, "project"},          {E::kProjectTaskCreated, "task"}};

class SearchFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-search-follower-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = *store::EventStore::Open({.path = (dir_ / "store").string(), .sync = false});
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Appends `count` simulator events of the tenants; records what each tenant should hold.
  void Ingest(uint64_t seed, size_t count, std::vector<std::string> tenants) {
    sim::Generator gen({.seed = seed, .tenants = std::move(tenants), .total_events = count});
    event::EventParser parser;
    std::string line;
    int64_t ts;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    while (gen.Next(&line, &ts)) {
      event::Event e;
      if (!parser.ParseOne(line, &e, &errors)) continue;
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
      std::set<std::string>& have = expected_[e.organization_id];
      if (auto it = kCreates.find(e.type); it != kCreates.end()) have.insert(it->second + "/" + e.entity_id);
      if (e.type == E::kCrmContactDeleted) have.erase("contact/" + e.entity_id);
    }
    auto outcomes = store_->Append(std::move(request));
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (const auto& o : *outcomes) ASSERT_EQ(o.outcome, store::Outcome::kAccepted);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::EventStore> store_;
  std::map<std::string, std::set<std::string>> expected_;
};

TEST_F(SearchFollowerTest, EachTenantHoldsExactlyItsEntitiesAndARestartResumes) {
  Ingest(3, 12'000, {"acme-corp", "beta-inc"});
  const uint64_t first = store_->LastPosition();
  {
    SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string(), .commit_every = 3'000});
    ASSERT_TRUE(follower.Start().ok());
    ASSERT_TRUE(follower.WaitForPosition(first, std::chrono::minutes(2)));
    for (const auto& [org, want] : expected_) {
      std::shared_ptr<SearchIndex> index = follower.Index(org);
      ASSERT_NE(index, nullptr) << org;
      EXPECT_EQ(index->size(), want.size()) << org;
      for (const std::string& key : want) {  // each one is there, under its own tenant only
        size_t slash = key.find('/');
        auto doc = index->Get(key.substr(0, slash), key.substr(slash + 1));
        ASSERT_TRUE(doc.ok());
        EXPECT_TRUE(doc->has_value()) << org << " lacks " << key;
      }
    }
    EXPECT_EQ(follower.Index("nobody"), nullptr);
    EXPECT_NE(SearchFollower::TenantDir("../etc"), "../etc");
    EXPECT_EQ(SearchFollower::TenantDir("../etc").find('/'), std::string::npos);
    EXPECT_LE(SearchFollower::TenantDir(std::string(300, '\xe9')).size(), 255u);
    EXPECT_NE(SearchFollower::TenantDir(std::string(300, '\xe9')),
              SearchFollower::TenantDir(std::string(301, '\xe9')));
    follower.Stop();
  }
  // More events, for a tenant already indexed and a new one, after a restart.
  Ingest(4, 3'000, {"gamma-llc", "acme-corp", "position"});  // "position": not the file's name
  const uint64_t second = store_->LastPosition();
  SearchFollower resumed(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(resumed.Start().ok());
  EXPECT_GE(resumed.Position(), first);  // from the recorded position, not from 0
  ASSERT_TRUE(resumed.WaitForPosition(second, std::chrono::minutes(2)));
  for (const auto& [org, want] : expected_) {
    std::shared_ptr<SearchIndex> index = resumed.Index(org);
    ASSERT_NE(index, nullptr) << org;
    EXPECT_EQ(index->size(), want.size()) << org;
    // A tenant's index records the position of its last commit (a tenant without new events
    // is not committed again); the follower's recorded position covers every tenant.
    EXPECT_LE(index->position(), second) << org;
    EXPECT_GE(index->position(), org == "beta-inc" ? first - 3'000 : second) << org;
    EXPECT_GT(want.size(), 0u) << org;
  }
  EXPECT_EQ(resumed.Position(), second);
  resumed.Stop();
}

// Each tenant's index holds exactly what expected_ says.
#define EXPECT_INDEXES_MATCH(follower, orgs)                                 \
  for (const std::string& org : orgs) {                                      \
    std::shared_ptr<SearchIndex> index = (follower).Index(org);              \
    ASSERT_NE(index, nullptr) << org;                                        \
    EXPECT_EQ(index->size(), expected_[org].size()) << org;                  \
  }

TEST_F(SearchFollowerTest, AFailingTenantDoesNotStopTheOthersAndARebuildRepairsIt) {
  // beta-inc's index cannot open: a file stands where its directory goes.
  std::filesystem::create_directories(dir_ / "search" / "tenants");
  { std::ofstream(dir_ / "search" / "tenants" / "beta-inc") << "not an index"; }
  Ingest(5, 3'000, {"acme-corp", "beta-inc"});
  SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(follower.Start().ok());
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(2)));
  EXPECT_TRUE(follower.Failed("beta-inc"));
  EXPECT_FALSE(follower.Failed("acme-corp"));
  EXPECT_EQ(follower.Index("beta-inc"), nullptr);
  EXPECT_INDEXES_MATCH(follower, std::vector<std::string>{"acme-corp"});
  follower.Stop();
  // It stays failed after a restart (it missed events), until rebuilt.
  SearchFollower restarted(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(restarted.Start().ok());
  EXPECT_TRUE(restarted.Failed("beta-inc"));
  EXPECT_FALSE(restarted.Failed("acme-corp"));
  restarted.Stop();
  ASSERT_TRUE(follower.Start().ok());
  // The operator removes the cause and rebuilds the tenant. Rebuilds run before the next
  // events are read, so once later events are indexed the rebuild has run.
  std::filesystem::remove(dir_ / "search" / "tenants" / "beta-inc");
  follower.Rebuild("beta-inc");
  Ingest(6, 50, {"acme-corp"});
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(2)));
  EXPECT_FALSE(follower.Failed("beta-inc"));
  EXPECT_INDEXES_MATCH(follower, (std::vector<std::string>{"acme-corp", "beta-inc"}));
  // Every tenant at once: dropped and indexed again from the store's start.
  follower.Rebuild("");
  Ingest(7, 50, {"beta-inc"});
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(2)));
  EXPECT_INDEXES_MATCH(follower, (std::vector<std::string>{"acme-corp", "beta-inc"}));
  follower.Stop();
}

TEST_F(SearchFollowerTest, WhenPositionAnswersReachedTimedOutAndCancelled) {
  Ingest(8, 200, {"acme-corp"});
  SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(follower.Start().ok());
  const uint64_t last = store_->LastPosition();
  std::promise<bool> reached, timed_out;
  follower.WhenPosition(last, std::chrono::minutes(2), [&](bool r) { reached.set_value(r); });
  follower.WhenPosition(last + 10, std::chrono::milliseconds(20),
                        [&](bool r) { timed_out.set_value(r); });
  EXPECT_TRUE(reached.get_future().get());
  EXPECT_FALSE(timed_out.get_future().get());
  std::promise<bool> cancelled;
  follower.CancelWaits();
  follower.WhenPosition(last + 10, std::chrono::minutes(2), [&](bool r) { cancelled.set_value(r); });
  EXPECT_FALSE(cancelled.get_future().get());
  follower.Stop();
}

}  // namespace
}  // namespace readside::search
