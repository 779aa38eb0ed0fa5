// SearchFollower over a real store: every tenant's index holds exactly the entities its
// events created (counted independently here), no tenant's index holds another's, a restart
// resumes from the recorded position, and events appended later are indexed.
#include "search/search_follower.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <future>
#include <atomic>
#include <optional>
#include <map>
#include <set>
#include <thread>

#include "event/parser.h"
#include "gtest/gtest.h"
#include "sim/generator.h"
#include "search/test_util.h"

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

std::string ReadText(const std::filesystem::path& file);

// What `index` answers to each of `words` (every domain, the first 100 hits): the total and
// each hit's type, id, title and snippet, in rank order.
std::string Answers(const SearchIndex& index, const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    auto found = index.Search({.text = word, .domains = testing::kAllDomains, .limit = 100});
    if (!found.ok()) return found.status().ToString();
    out += word + ": " + std::to_string(found->total) + "\n";
    for (const SearchHit& h : found->hits) {
      out += "  " + h.type + "/" + h.id + " " + h.title + " | " + h.snippet + "\n";
    }
  }
  return out;
}

// Overwrites `file` with garbage of its own size (a corrupt table) or cuts it in half.
void Damage(const std::filesystem::path& file, bool truncate) {
  const auto size = std::filesystem::file_size(file);
  ASSERT_GE(size, 8192u) << file;
  if (truncate) {
    std::filesystem::resize_file(file, size / 2);
    return;
  }
  std::ofstream out(file, std::ios::binary | std::ios::in | std::ios::out);
  out << std::string(size, '\x5a');
}

// A damaged index (issue 17, injected faults) is rebuilt from the store without an operator,
// whether the damage shows when the follower opens it (a corrupt table: beta-inc) or only to a
// search (a table cut short opens, and fails the queries that read it: acme-corp), and events
// stored meanwhile are not lost: afterwards each index answers exactly what an index built
// from scratch over the same store answers.
TEST_F(SearchFollowerTest, ADamagedIndexIsRebuiltFromTheStore) {
  const std::vector<std::string> orgs = {"acme-corp", "beta-inc"};
  Ingest(9, 4'000, orgs);
  std::map<std::string, std::vector<std::string>> words;  // from each tenant's own titles
  {
    SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
    ASSERT_TRUE(follower.Start().ok());
    ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(2)));
    for (const std::string& org : orgs) {
      std::shared_ptr<SearchIndex> index = follower.Index(org);
      ASSERT_NE(index, nullptr);
      for (const std::string& key : expected_[org]) {
        size_t slash = key.find('/');
        auto doc = index->Get(key.substr(0, slash), key.substr(slash + 1));
        ASSERT_TRUE(doc.ok() && doc->has_value()) << key;
        std::string title = (*doc)->title;
        words[org].push_back(title.substr(0, title.find(' ')));
        if (words[org].size() == 8) break;
      }
      ASSERT_EQ(words[org].size(), 8u) << org;
      const std::string before = Answers(*index, words[org]);
      ASSERT_NE(before.find("\n  "), std::string::npos) << "the words find nothing:\n" << before;
    }
    follower.Stop();
  }
  const std::filesystem::path tenants = dir_ / "search" / "tenants";
  Damage(tenants / "beta-inc" / "postlist.glass", /*truncate=*/false);
  Damage(tenants / "acme-corp" / "postlist.glass", /*truncate=*/true);
  Ingest(10, 600, orgs);  // stored while the indexes are damaged

  SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(follower.Start().ok());
  // A search meets acme-corp's damage (the route reports what it met, as here).
  if (std::shared_ptr<SearchIndex> index = follower.Index("acme-corp")) {
    auto found = index->Search({.text = words["acme-corp"][0], .domains = testing::kAllDomains});
    if (!found.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(found.status())) << found.status();
      follower.ReportDamaged("acme-corp", found.status());
    }
  }
  // Rebuilt: no tenant damaged or failed any more, and everything indexed (bounded wait).
  auto settled = [&] {
    for (const std::string& org : orgs) {
      if (follower.Damaged(org) || follower.Failed(org) || follower.Index(org) == nullptr) {
        return false;
      }
    }
    return follower.WaitForPosition(store_->LastPosition(), std::chrono::milliseconds(100));
  };
  for (int i = 0; i < 1200 && !settled(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(settled());
  // Each damage was found (by the follower opening or writing the index, or by the search
  // above and the check it asks for) and rebuilt once: the test cannot pass on an index that
  // was never found damaged.
  EXPECT_EQ(follower.TimesFoundDamaged("beta-inc"), 1);
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 1);

  SearchFollower reference(store_.get(), {.dir = (dir_ / "reference").string()});
  ASSERT_TRUE(reference.Start().ok());
  ASSERT_TRUE(reference.WaitForPosition(store_->LastPosition(), std::chrono::minutes(2)));
  for (const std::string& org : orgs) {
    std::shared_ptr<SearchIndex> rebuilt = follower.Index(org), fresh = reference.Index(org);
    ASSERT_NE(rebuilt, nullptr) << org;
    ASSERT_NE(fresh, nullptr) << org;
    EXPECT_EQ(rebuilt->size(), expected_[org].size()) << org;
    std::string want = Answers(*fresh, words[org]);
    EXPECT_EQ(want.find("search index"), std::string::npos) << want;
    EXPECT_EQ(Answers(*rebuilt, words[org]), want) << org;
  }
  // Nothing is left to rebuild after a restart.
  EXPECT_EQ(ReadText(dir_ / "search" / "damaged"), "");
  EXPECT_EQ(ReadText(dir_ / "search" / "rebuilding"), "");
  reference.Stop();
  follower.Stop();
}

// The file's contents ("" when absent).
std::string ReadText(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A tenant's index on a disk that can refuse commits (full: what Xapian answers then) or hold
// them (a commit that takes a while), around the real index.
struct DiskControl {
  std::atomic<bool> full{false};
  std::atomic<bool> hold{false};     // commits wait while set
  std::atomic<int> held{0};          // commits waiting
  std::atomic<int> refused{0};
};

class ControlledIndex final : public SearchIndex {
 public:
  ControlledIndex(std::unique_ptr<SearchIndex> real, DiskControl* disk)
      : real_(std::move(real)), disk_(disk) {}
  absl::Status Put(const SearchDoc& doc) override { return real_->Put(doc); }
  absl::StatusOr<std::optional<SearchDoc>> Get(const std::string& type,
                                               const std::string& id) const override {
    return real_->Get(type, id);
  }
  absl::Status Remove(const std::string& type, const std::string& id) override {
    return real_->Remove(type, id);
  }
  absl::Status Commit(uint64_t position) override {
    if (disk_->hold.load()) {
      disk_->held.fetch_add(1);
      while (disk_->hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      disk_->held.fetch_sub(1);
    }
    if (disk_->full.load()) {
      disk_->refused.fetch_add(1);
      // As SearchIndex answers Xapian's "Error writing block" with ENOSPC.
      return absl::ResourceExhaustedError(
          "search index: DatabaseError: Error writing block 7 (No space left on device)");
    }
    return real_->Commit(position);
  }
  uint64_t position() const override { return real_->position(); }
  uint64_t size() const override { return real_->size(); }
  absl::StatusOr<SearchResult> Search(const SearchQuery& q) const override {
    return real_->Search(q);
  }
  absl::StatusOr<std::vector<Completion>> Suggest(const std::string& text,
                                                  const std::vector<std::string>& domains,
                                                  size_t limit) const override {
    return real_->Suggest(text, domains, limit);
  }

 private:
  std::unique_ptr<SearchIndex> real_;
  DiskControl* disk_;
};

SearchFollowerOptions Controlled(const std::filesystem::path& dir, DiskControl* disk) {
  return {.dir = dir.string(),
          .min_commit_interval = std::chrono::milliseconds(0),
          .retry_pause = std::chrono::milliseconds(20),
          .open_index = [disk](const std::string& d)
              -> absl::StatusOr<std::unique_ptr<SearchIndex>> {
            auto real = SearchIndex::Open(d);
            if (!real.ok()) return real.status();
            return std::unique_ptr<SearchIndex>(new ControlledIndex(*std::move(real), disk));
          }};
}

// A disk refusing the index's commits (full; Xapian 1.4 answers a plain DatabaseError with
// ENOSPC, which SearchIndex maps to ResourceExhausted, SearchIndexErrorsTest) is not damage:
// nothing is dropped, rebuilt or marked failed, the position does not move past what is not
// committed, and once the disk takes writes again everything stored meanwhile is indexed,
// without an operator.
TEST_F(SearchFollowerTest, ADiskRefusingWritesKeepsTheIndexAndWritesAgainLater) {
  Ingest(11, 2'000, {"acme-corp"});
  DiskControl disk;
  SearchFollower follower(store_.get(), Controlled(dir_ / "search", &disk));
  ASSERT_TRUE(follower.Start().ok());
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
  const uint64_t before = follower.Position();
  const size_t indexed = expected_["acme-corp"].size();
  ASSERT_EQ(follower.Index("acme-corp")->size(), indexed);

  disk.full = true;
  Ingest(12, 1'000, {"acme-corp"});
  for (int i = 0; i < 1000 && follower.Retries() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(follower.Retries(), 3u);
  EXPECT_GE(disk.refused.load(), 3);
  EXPECT_EQ(follower.Position(), before);  // nothing past the refused commit is recorded
  EXPECT_FALSE(follower.Failed("acme-corp"));
  EXPECT_FALSE(follower.Damaged("acme-corp"));
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 0);
  EXPECT_EQ(ReadText(dir_ / "search" / "damaged"), "");
  EXPECT_EQ(ReadText(dir_ / "search" / "failed"), "");
  // The committed index still answers. Between two retries the follower's writer may hold
  // Xapian's lock for a moment (an open then answers Unavailable: a search would get 503 with
  // Retry-After), so ask again until it is free.
  std::shared_ptr<SearchIndex> kept = follower.Index("acme-corp");
  for (int i = 0; i < 500 && kept == nullptr; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kept = follower.Index("acme-corp");
  }
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->position(), before);
  kept.reset();  // as a search does: an index held open keeps Xapian's write lock

  disk.full = false;  // space returns
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
  std::shared_ptr<SearchIndex> index = follower.Index("acme-corp");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->size(), expected_["acme-corp"].size());
  EXPECT_GT(index->size(), indexed);
  EXPECT_FALSE(follower.Failed("acme-corp"));
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 0);
  follower.Stop();
}

// An operator's rebuild (POST /admin/rebuild/{org}) is not damage: while it runs the tenant
// is not Damaged (its searches answer from what is re-indexed so far, as before damage
// handling existed), and only the crash-safety list DATA_DIR/search/rebuilding names it.
TEST_F(SearchFollowerTest, AnOperatorRebuildIsNotReportedAsDamage) {
  Ingest(13, 2'000, {"acme-corp"});
  DiskControl disk;
  SearchFollower follower(store_.get(), Controlled(dir_ / "search", &disk));
  ASSERT_TRUE(follower.Start().ok());
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
  disk.hold = true;  // the rebuild's commit waits: "during the rebuild" lasts
  follower.Rebuild("acme-corp");
  for (int i = 0; i < 3000 && disk.held.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(disk.held.load(), 1);
  EXPECT_FALSE(follower.Damaged("acme-corp"));
  EXPECT_FALSE(follower.Failed("acme-corp"));
  EXPECT_NE(follower.Index("acme-corp"), nullptr);  // searches answer (200), not 503
  EXPECT_EQ(ReadText(dir_ / "search" / "rebuilding"), "acme-corp\n");
  EXPECT_EQ(ReadText(dir_ / "search" / "damaged"), "");
  disk.hold = false;
  for (int i = 0; i < 3000 && ReadText(dir_ / "search" / "rebuilding") != ""; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadText(dir_ / "search" / "rebuilding"), "");
  EXPECT_EQ(follower.Index("acme-corp")->size(), expected_["acme-corp"].size());
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 0);
  follower.Stop();
}

// A rebuild that had begun when the process stopped is done again on restart, without
// marking the tenant damaged.
TEST_F(SearchFollowerTest, AnUnfinishedRebuildIsDoneAgainOnRestartAsARebuildNotDamage) {
  Ingest(14, 2'000, {"acme-corp"});
  {
    SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
    ASSERT_TRUE(follower.Start().ok());
    ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
    follower.Stop();
  }
  // As a crash leaves it mid-rebuild: listed, and its index half gone.
  std::filesystem::remove_all(dir_ / "search" / "tenants" / "acme-corp");
  { std::ofstream(dir_ / "search" / "rebuilding") << "acme-corp\n"; }
  SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(follower.Start().ok());
  EXPECT_FALSE(follower.Damaged("acme-corp"));
  for (int i = 0; i < 3000 && ReadText(dir_ / "search" / "rebuilding") != ""; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadText(dir_ / "search" / "rebuilding"), "");
  std::shared_ptr<SearchIndex> index = follower.Index("acme-corp");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->size(), expected_["acme-corp"].size());
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 0);
  follower.Stop();
}

// A search reporting damage the index does not have (one bad read) does not drop it: the
// follower thread checks the index first, finds it sound, and keeps it; another report soon
// after is not checked again.
TEST_F(SearchFollowerTest, AReportOfDamageIsCheckedBeforeTheIndexIsDropped) {
  Ingest(15, 2'000, {"acme-corp"});
  SearchFollower follower(store_.get(), {.dir = (dir_ / "search").string()});
  ASSERT_TRUE(follower.Start().ok());
  ASSERT_TRUE(follower.WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
  std::shared_ptr<SearchIndex> index = follower.Index("acme-corp");
  ASSERT_NE(index, nullptr);
  follower.ReportDamaged("acme-corp",
                         absl::DataLossError("search index: DatabaseError: EOF reading block 9"));
  EXPECT_FALSE(follower.Damaged("acme-corp"));  // not before the check confirms it
  for (int i = 0; i < 3000 && follower.Checks() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(follower.Checks(), 1u);
  EXPECT_FALSE(follower.Damaged("acme-corp"));
  EXPECT_EQ(follower.TimesFoundDamaged("acme-corp"), 0);
  EXPECT_EQ(follower.Index("acme-corp"), index);  // the same index, not dropped
  EXPECT_EQ(index->size(), expected_["acme-corp"].size());
  EXPECT_EQ(ReadText(dir_ / "search" / "damaged"), "");
  follower.ReportDamaged("acme-corp", absl::DataLossError("again"));
  follower.ReportDamaged("acme-corp", absl::InternalError("not damage"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(follower.Checks(), 1u);
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
