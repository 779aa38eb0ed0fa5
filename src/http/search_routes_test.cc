// GET /search/{org} and /search/suggestions/{org} through Gate → Router → the routes, over a
// real store and a real SearchFollower (Xapian on disk), with tokens verified by the real
// Authenticator: every indexed field finds its entity, a rename is found under the new name
// only, a deletion vanishes, roles filter hits and totals (equal to a count made here), another
// tenant's entities never appear, a typo gets a suggestion, bad input is a 400 naming the
// field, and min_position waits without holding the caller.

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/test_keys.h"
#include "gtest/gtest.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/routes.h"
#include "http/test_tokens.h"
#include "ingest/external.h"
#include "ingest/ingest_service.h"
#include "search/search_follower.h"
#include "store/event_store.h"

namespace readside::http {
namespace {

using testing::kNowMicros;
using testing::TestTokens;
using testing::TokenSpec;
using Query = std::map<std::string, std::string, std::less<>>;

std::string Event(const std::string& org, const std::string& id, const std::string& type,
                  const std::string& entity, const std::string& payload) {
  return R"({"event_id":")" + org + "-" + id + R"(","event_type":")" + type +
         R"(","organization_id":")" + org +
         R"(","timestamp":"2024-01-10T10:00:00Z","version":"1.0","source_service":"erp-test",)"
         R"("data":{"entity_id":")" +
         entity +
         R"(","entity_type":"thing","action":"created",)"
         R"("payload":)" +
         payload + "}}\n";
}

struct Entity {
  std::string type, id, domain;
  std::vector<std::string> values;  // each indexed field's text, searched for one by one
};

// One entity of every indexed type; every one holds the word "zenith". Ids carry the tenant.
std::vector<Entity> Entities(const std::string& org) {
  return {
      {"contact",
       org + "-c1",
       "crm",
       {"Ada Zenith Lovelace", "ada@analytical.example", "Babbage Engines"}},
      {"lead", org + "-l1", "crm", {"Grace Zenith Hopper", "conference"}},
      {"opportunity", org + "-o1", "crm", {"Compiler Zenith Deal", "proposal"}},
      {"employee", org + "-e1", "hrm", {"Katherine Zenith Johnson", "Orbital", "mathematician"}},
      {"invoice", org + "-inv-7731", "finance", {org + "-inv-7731", "Zenith Holdings"}},
      {"product", org + "-p1", "inventory", {"SKU-QX9", "Quartz Zenith Widget", "gizmos"}},
      {"project", org + "-pr1", "projects", {"Apollo Zenith Guidance"}},
      {"task", org + "-t1", "projects", {"Verify Zenith trajectory"}},
  };
}

std::string Creations(const std::string& org) {
  const std::vector<Entity> e = Entities(org);
  auto v = [](const Entity& x, size_t i) { return x.values[i]; };
  return Event(org, "1", "crm.contact.created", e[0].id,
               R"({"name":")" + v(e[0], 0) + R"(","email":")" + v(e[0], 1) + R"(","company":")" +
                   v(e[0], 2) + R"("})") +
         Event(org, "2", "crm.lead.created", e[1].id,
               R"({"name":")" + v(e[1], 0) + R"(","source":")" + v(e[1], 1) +
                   R"(","owner_id":"u1"})") +
         Event(org, "3", "crm.opportunity.created", e[2].id,
               R"({"name":")" + v(e[2], 0) + R"(","stage":")" + v(e[2], 1) +
                   R"(","amount":1000,"owner_id":"u1"})") +
         Event(org, "4", "hrm.employee.created", e[3].id,
               R"({"name":")" + v(e[3], 0) + R"(","department":")" + v(e[3], 1) + R"(","role":")" +
                   v(e[3], 2) + R"("})") +
         Event(org, "5", "finance.invoice.created", e[4].id,
               R"({"customer_id":")" + v(e[4], 1) + R"(","amount":125,"due_date":"2024-02-15"})") +
         Event(org, "6", "inventory.product.created", e[5].id,
               R"({"sku":")" + v(e[5], 0) + R"(","name":")" + v(e[5], 1) + R"(","category":")" +
                   v(e[5], 2) + R"(","unit_cost":1,"unit_price":2,"reorder_point":3})") +
         Event(org, "7", "project.created", e[6].id, R"({"name":")" + v(e[6], 0) + R"("})") +
         Event(org, "8", "project.task.created", e[7].id,
               R"({"project_id":")" + e[6].id + R"(","name":")" + v(e[7], 0) + R"("})");
}

const std::map<std::string, std::set<std::string>> kRoleDomains = {
    {"admin", {"crm", "hrm", "finance", "inventory", "projects"}},
    {"analyst", {"crm", "finance", "inventory", "projects"}},
    {"sales", {"crm"}},
    {"hr", {"hrm"}},
    {"finance", {"finance"}},
    {"operations", {"inventory"}},
    {"project_manager", {"projects"}},
};

class SearchRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::EventStore::Open({.path = dir_.path() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ingest_ =
        std::make_unique<ingest::IngestService>(store_.get(), event::ParserOptions{}, &clock_);
    follower_ = std::make_unique<search::SearchFollower>(
        store_.get(), search::SearchFollowerOptions{.dir = dir_.path() + "/search"});
    ASSERT_TRUE(follower_->Start().ok());
    access_ = std::make_unique<TokenAccess>(RateLimit{}, &clock_);
    Services s{.store = store_.get(),
               .ingest = ingest_.get(),
               .access = access_.get(),
               .metrics = &metrics_,
               .clock = &clock_,
               .search = follower_.get(),
               .kafka = kafka_};
    AddEventRoutes(&router_, s);
    AddSearchRoutes(&router_, s);
    gate_ = std::make_unique<Gate>(&router_, tokens_.authenticator(), GateOptions{}, &clock_);
  }
  void TearDown() override {
    if (follower_) follower_->Stop();
  }

  Response Call(Request req) {
    std::promise<Response> answered;
    std::future<Response> answer = answered.get_future();
    gate_->Handle(req, [&answered](Response r) { answered.set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    return answer.get();
  }
  Response Get(const std::string& path, Query query, const TokenSpec& as = kAdmin) {
    Request req{.method = "GET", .path = path, .query = std::move(query)};
    req.headers["authorization"] = tokens_.Bearer(as);
    return Call(std::move(req));
  }
  // Stores `ndjson`; with `wait`, until the search follower has indexed it. The position.
  uint64_t Store(const std::string& ndjson, bool wait = true) {
    Request req{.method = "POST", .path = "/events", .body = ndjson};
    req.headers["authorization"] = tokens_.Bearer({.orgs = {"*"}, .roles = {"admin"}});
    req.headers["content-type"] = "application/x-ndjson";
    Response r = Call(std::move(req));
    EXPECT_EQ(r.status, 200) << r.body;
    boost::json::object answer = boost::json::parse(r.body).as_object();
    EXPECT_TRUE(answer.at("rejected").as_array().empty()) << r.body;
    uint64_t position = answer.at("position").to_number<uint64_t>();
    if (wait) {
      EXPECT_TRUE(follower_->WaitForPosition(position, std::chrono::seconds(20)));
    }
    return position;
  }
  // The search answer for `q` (200 expected); hits as "type/id".
  boost::json::object Search(const std::string& org, Query query, const TokenSpec& as = kAdmin) {
    Response r = Get("/search/" + org, std::move(query), as);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return boost::json::object();
    return boost::json::parse(r.body).as_object();
  }
  static std::set<std::string> Hits(const boost::json::object& answer) {
    std::set<std::string> out;
    if (!answer.contains("hits")) return out;
    for (const auto& h : answer.at("hits").as_array()) {
      out.insert(std::string(h.at("type").as_string()) + "/" + std::string(h.at("id").as_string()));
    }
    return out;
  }
  static std::string Header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  // A 400 problem+json naming `field`.
  void ExpectBadParameter(const std::string& path, Query query, const std::string& field) {
    Response r = Get(path, query);
    std::string what =
        path + " " +
        (query.empty() ? "" : query.begin()->first + "=" + query.begin()->second.substr(0, 40));
    ASSERT_EQ(r.status, 400) << what << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << what;
    boost::json::value body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("errors").at(0).at("field").as_string(), field) << what << ": " << r.body;
  }

  static inline const TokenSpec kAdmin{.orgs = {"alpha", "beta"}, .roles = {"admin"}};
  auth::testkit::TempDir dir_;
  ManualClock clock_{kNowMicros};
  TestTokens tokens_;
  MetricsRegistry metrics_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<search::SearchFollower> follower_;
  std::unique_ptr<TokenAccess> access_;
  ingest::ExternalSource* kafka_ = nullptr;  // set before SetUp by the Kafka fixture
  Router router_;
  std::unique_ptr<Gate> gate_;
};

// Kafka as the routes see it: offsets of partition 0 up to `stored_offset` are stored, at the
// store position `position`; later ones never are (their wait times out at once); the topic has
// 4 partitions.
class FakeBus : public ingest::ExternalSource {
 public:
  std::string HealthJson() const override { return "{}"; }
  bool CaughtUp() const override { return true; }
  void WhenStored(ingest::PartitionOffsets offsets, std::chrono::milliseconds,
                  std::function<void(std::optional<uint64_t>)> done) override {
    for (const auto& [partition, offset] : offsets) {
      if (partition != 0 || offset > stored_offset) return done(std::nullopt);
    }
    done(position);
  }
  std::optional<std::string> Unreachable(const ingest::PartitionOffsets& offsets) const override {
    for (const auto& [partition, offset] : offsets) {
      if (partition >= 4) return "names partition " + std::to_string(partition) + " of 0..3";
    }
    return std::nullopt;
  }
  int64_t stored_offset = 0;
  uint64_t position = 0;
};

class SearchRoutesKafkaTest : public SearchRoutesTest {
 protected:
  void SetUp() override {
    kafka_ = &bus_;
    SearchRoutesTest::SetUp();
  }
  FakeBus bus_;
};

TEST_F(SearchRoutesTest, EveryIndexedFieldFindsItsEntity) {
  Store(Creations("alpha"));
  for (const Entity& e : Entities("alpha")) {
    for (const std::string& value : e.values) {
      boost::json::object answer = Search("alpha", {{"q", value}});
      std::set<std::string> hits = Hits(answer);
      EXPECT_TRUE(hits.contains(e.type + "/" + e.id)) << e.type << " by '" << value << "'";
    }
  }
  boost::json::object one = Search("alpha", {{"q", "Lovelace"}});
  ASSERT_EQ(one.at("total").as_int64(), 1);
  const boost::json::object& hit = one.at("hits").at(0).as_object();
  EXPECT_EQ(hit.at("title").as_string(), "Ada Zenith Lovelace");
  EXPECT_EQ(hit.at("domain").as_string(), "crm");
  EXPECT_NE(std::string(hit.at("snippet").as_string()).find("<mark>Lovelace</mark>"),
            std::string::npos)
      << hit.at("snippet");
  EXPECT_GT(hit.at("score").as_double(), 0);
}

TEST_F(SearchRoutesTest, RenamedIsFoundUnderItsNewNameOnlyAndDeletedVanishes) {
  Store(Creations("alpha"));
  Store(Event("alpha", "9", "crm.contact.updated", "alpha-c1", R"({"name":"Ada Byron"})"));
  EXPECT_EQ(Search("alpha", {{"q", "Lovelace"}}).at("total").as_int64(), 0);
  EXPECT_EQ(Hits(Search("alpha", {{"q", "Byron"}})), std::set<std::string>{"contact/alpha-c1"});
  // The fields the update did not carry stay searchable.
  EXPECT_EQ(Hits(Search("alpha", {{"q", "Babbage"}})), std::set<std::string>{"contact/alpha-c1"});
  Store(Event("alpha", "10", "crm.contact.deleted", "alpha-c1", "{}"));
  EXPECT_EQ(Search("alpha", {{"q", "Byron"}}).at("total").as_int64(), 0);
  EXPECT_EQ(Search("alpha", {{"q", "Babbage"}}).at("total").as_int64(), 0);
}

TEST_F(SearchRoutesTest, RolesFilterHitsAndTotalsAndAnotherTenantNeverAppears) {
  Store(Creations("alpha") + Creations("beta"));
  for (const auto& [role, domains] : kRoleDomains) {
    std::set<std::string> expected;  // brute force: alpha's entities in the role's domains
    for (const Entity& e : Entities("alpha")) {
      if (domains.contains(e.domain)) expected.insert(e.type + "/" + e.id);
    }
    TokenSpec as{.orgs = {"alpha", "beta"}, .roles = {role}};
    boost::json::object answer = Search("alpha", {{"q", "zenith"}, {"limit", "100"}}, as);
    EXPECT_EQ(answer.at("total").as_int64(), static_cast<int64_t>(expected.size())) << role;
    EXPECT_EQ(Hits(answer), expected) << role;
    for (const auto& h : answer.at("hits").as_array()) {
      EXPECT_TRUE(domains.contains(std::string(h.at("domain").as_string()))) << role;
    }
    // A page of one still counts them all.
    EXPECT_EQ(Search("alpha", {{"q", "zenith"}, {"limit", "1"}}, as).at("total").as_int64(),
              static_cast<int64_t>(expected.size()))
        << role;
  }
  // A token for alpha only: beta is 404, and alpha's answers hold alpha's ids only.
  TokenSpec alpha{.orgs = {"alpha"}, .roles = {"admin"}};
  EXPECT_EQ(Get("/search/beta", {{"q", "zenith"}}, alpha).status, 404);
  EXPECT_EQ(Get("/search/suggestions/beta", {{"q", "zen"}}, alpha).status, 404);
  for (const std::string& hit : Hits(Search("alpha", {{"q", "zenith"}, {"limit", "100"}}, alpha))) {
    EXPECT_NE(hit.find("/alpha-"), std::string::npos) << hit;
  }
  EXPECT_EQ(Search("alpha", {{"q", "beta"}}, alpha).at("total").as_int64(), 0);
}

TEST_F(SearchRoutesTest, TypeFiltersAndALackingDomainIs403) {
  Store(Creations("alpha"));
  EXPECT_EQ(Hits(Search("alpha", {{"q", "zenith"}, {"type", "task,project"}})),
            (std::set<std::string>{"task/alpha-t1", "project/alpha-pr1"}));
  TokenSpec sales{.orgs = {"alpha"}, .roles = {"sales"}};
  EXPECT_EQ(Search("alpha", {{"q", "zenith"}, {"type", "lead"}}, sales).at("total").as_int64(), 1);
  for (const char* type : {"employee", "lead,invoice"}) {
    Response r = Get("/search/alpha", {{"q", "zenith"}, {"type", type}}, sales);
    EXPECT_EQ(r.status, 403) << type << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    r = Get("/search/suggestions/alpha", {{"q", "zen"}, {"type", type}}, sales);
    EXPECT_EQ(r.status, 403) << type << ": " << r.body;
  }
  // A caller with no searchable domain at all.
  EXPECT_EQ(
      Get("/search/alpha", {{"q", "zenith"}}, {.orgs = {"alpha"}, .roles = {"ingest"}}).status,
      403);
}

TEST_F(SearchRoutesTest, ATypoGetsASuggestion) {
  Store(Creations("alpha"));
  boost::json::object answer = Search("alpha", {{"q", "lovelase"}});
  EXPECT_EQ(answer.at("total").as_int64(), 0);
  ASSERT_TRUE(answer.contains("suggestion")) << boost::json::serialize(answer);
  EXPECT_EQ(answer.at("suggestion").as_string(), "lovelace");
  // A correction toward a domain the caller lacks is not offered.
  boost::json::object hr =
      Search("alpha", {{"q", "lovelase"}}, {.orgs = {"alpha"}, .roles = {"hr"}});
  EXPECT_FALSE(hr.contains("suggestion")) << boost::json::serialize(hr);
}

TEST_F(SearchRoutesTest, SuggestionsCompleteTheLastWordFromVisibleEntitiesOnly) {
  Store(Creations("alpha"));
  auto suggestions = [&](Query q, const TokenSpec& as) {
    Response r = Get("/search/suggestions/alpha", std::move(q), as);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    boost::json::value body = boost::json::parse(r.body);  // outlives the loop
    for (const auto& s : body.at("suggestions").as_array()) {
      out.insert(std::string(s.at("text").as_string()) + "/" +
                 std::string(s.at("type").as_string()));
    }
    return out;
  };
  EXPECT_EQ(suggestions({{"q", "ada lov"}}, kAdmin), std::set<std::string>{"lovelace/contact"});
  EXPECT_EQ(suggestions({{"q", "kath"}}, kAdmin), std::set<std::string>{"katherine/employee"});
  EXPECT_TRUE(suggestions({{"q", "kath"}}, {.orgs = {"alpha"}, .roles = {"sales"}}).empty());
  std::set<std::string> zen = suggestions({{"q", "zen"}}, kAdmin);
  EXPECT_EQ(zen.size(), 8u);  // one per type holding "zenith"
  EXPECT_EQ(suggestions({{"q", "zen"}, {"type", "task"}}, kAdmin),
            std::set<std::string>{"zenith/task"});
  EXPECT_EQ(suggestions({{"q", "zen"}}, {.orgs = {"alpha"}, .roles = {"sales"}}),
            (std::set<std::string>{"zenith/contact", "zenith/lead", "zenith/opportunity"}));
}

TEST_F(SearchRoutesTest, BadInputIs400NamingTheField) {
  Store(Creations("alpha"));
  const std::string search = "/search/alpha", suggest = "/search/suggestions/alpha";
  for (const std::string& path : {search, suggest}) {
    ExpectBadParameter(path, {}, "q");
    ExpectBadParameter(path, {{"q", ""}}, "q");
    ExpectBadParameter(path, {{"q", " \t "}}, "q");
    ExpectBadParameter(path, {{"q", std::string(1001, 'x')}}, "q");
    ExpectBadParameter(path, {{"q", "zenith"}, {"type", "spaceship"}}, "type");
    ExpectBadParameter(path, {{"q", "zenith"}, {"type", "contact,"}}, "type");
    ExpectBadParameter(path, {{"q", "zenith"}, {"color", "red"}}, "color");
    ExpectBadParameter(path, {{"q", "zenith"}, {"min_position", "soon"}}, "min_position");
    ExpectBadParameter(path, {{"q", "zenith"}, {"wait_ms", "99999"}}, "wait_ms");
  }
  ExpectBadParameter(suggest, {{"q", "zenith"}, {"limit", "5"}}, "limit");  // not a parameter
  for (const char* limit : {"101", "-1", "ten", "", "1e2"}) {
    ExpectBadParameter(search, {{"q", "zenith"}, {"limit", limit}}, "limit");
  }
  for (const char* offset : {"100001", "-5", "x"}) {
    ExpectBadParameter(search, {{"q", "zenith"}, {"offset", offset}}, "offset");
  }
  ExpectBadParameter(search, {{"q", "zenith AND"}}, "q");  // Xapian's syntax error
  // Odd queries Xapian accepts are answered; none is a 500.
  for (const std::string& q :
       {std::string("\"unclosed"), std::string("(("), std::string("*"), std::string("NEAR/3"),
        std::string("\xff\xfe"), std::string("nul\0byte", 8), std::string(1000, 'x')}) {
    for (const std::string& path : {search, suggest}) {
      Response r = Get(path, {{"q", q}});
      EXPECT_TRUE(r.status == 200 || r.status == 400) << path << " " << q << ": " << r.body;
    }
  }
  EXPECT_EQ(Search("alpha", {{"q", "zenith"}, {"limit", "0"}}).at("total").as_int64(), 8);
  EXPECT_TRUE(
      Search("alpha", {{"q", "zenith"}, {"offset", "100000"}}).at("hits").as_array().empty());
}

TEST_F(SearchRoutesTest, ATenantWithoutAnIndexFindsNothing) {
  Store(Creations("alpha"));
  Response r = Get("/search/gamma", {{"q", "zenith"}}, {.orgs = {"gamma"}, .roles = {"admin"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"total":0,"hits":[]})"));
  r = Get("/search/suggestions/gamma", {{"q", "zen"}}, {.orgs = {"gamma"}, .roles = {"admin"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"suggestions":[]})"));
}

TEST_F(SearchRoutesTest, MinPositionReadsYourWritesAndThePositionIsAnswered) {
  uint64_t position = Store(Creations("alpha"), /*wait=*/false);
  Response r =
      Get("/search/alpha",
          {{"q", "Lovelace"}, {"min_position", std::to_string(position)}, {"wait_ms", "10000"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("total").as_int64(), 1);
  EXPECT_GE(std::stoull(Header(r, "X-Readside-Position")), position);
  // A position the store never reaches: 503 with Retry-After once wait_ms has passed.
  r = Get("/search/alpha",
          {{"q", "Lovelace"}, {"min_position", std::to_string(position + 100)}, {"wait_ms", "50"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(Header(r, "Retry-After"), "1");
  // After CancelWaits (server drain) an unreached position is answered at once.
  follower_->CancelWaits();
  r = Get(
      "/search/alpha",
      {{"q", "Lovelace"}, {"min_position", std::to_string(position + 100)}, {"wait_ms", "30000"}});
  EXPECT_EQ(r.status, 503) << r.body;
}

// min_offsets: once the offsets are stored, their store position is what the index is waited
// for, for search and suggestions alike.
TEST_F(SearchRoutesKafkaTest, MinOffsetsWaitForTheIndexToReachWhereTheyWereStored) {
  uint64_t position = Store(Creations("alpha"), /*wait=*/false);
  bus_.stored_offset = 10;
  bus_.position = position;
  for (const std::string path : {"/search/alpha", "/search/suggestions/alpha"}) {
    Response r = Get(path, {{"q", "Lovelace"}, {"min_offsets", "0:10"}, {"wait_ms", "10000"}});
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    std::string body = r.body;
    std::transform(body.begin(), body.end(), body.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(body.find("lovelace"), std::string::npos) << path << ": " << r.body;
    EXPECT_GE(std::stoull(Header(r, "X-Readside-Position")), position) << path;
  }
  // Stored at a position the index has not reached (nor will): 503 naming that position, after
  // wait_ms; not answered from the index as it is.
  bus_.position = position + 100;
  Response r =
      Get("/search/alpha", {{"q", "Lovelace"}, {"min_offsets", "0:10"}, {"wait_ms", "50"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("Search index behind"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(std::to_string(position + 100)), std::string::npos) << r.body;
  EXPECT_EQ(Header(r, "Retry-After"), "1");
  // Offsets never stored in time: 503 "Read model behind" naming them.
  r = Get("/search/alpha", {{"q", "Lovelace"}, {"min_offsets", "0:11"}, {"wait_ms", "50"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("offsets 0:11 were not consumed"), std::string::npos) << r.body;
  // A partition the topic does not have: 400 naming min_offsets, at once.
  ExpectBadParameter("/search/suggestions/alpha", {{"q", "Lov"}, {"min_offsets", "7:1"}},
                     "min_offsets");
}

TEST_F(SearchRoutesTest, MinOffsetsWithoutKafkaIs400NamingThem) {
  Store(Creations("alpha"));
  for (const std::string path : {"/search/alpha", "/search/suggestions/alpha"}) {
    ExpectBadParameter(path, {{"q", "Lovelace"}, {"min_offsets", "0:1"}}, "min_offsets");
  }
}

// A search index damaged on disk under a running server (issue 17, injected faults): the
// search that meets the damage answers 503 problem+json with Retry-After and has the follower
// rebuild the index from the store; searches answer 503 until it is rebuilt, then exactly what
// they answered before the damage.
TEST_F(SearchRoutesTest, ADamagedIndexIsRebuiltFromTheStoreAndAnswersTheSame) {
  // Enough entities that the tables have more than one level: a query reads blocks from disk
  // past the root it keeps in memory.
  std::string filler;
  for (int i = 0; i < 3000; ++i) {
    filler += Event("alpha", "f" + std::to_string(i), "crm.contact.created",
                    "alpha-f" + std::to_string(i),
                    R"({"name":"Filler Person )" + std::to_string(i) +
                        R"(","email":"f@example.com","company":"Acme Filler"})");
  }
  Store(filler);
  Store(Creations("alpha"));
  Response before = Get("/search/alpha", {{"q", "zenith"}, {"limit", "100"}});
  ASSERT_EQ(before.status, 200) << before.body;
  ASSERT_EQ(boost::json::parse(before.body).at("total").as_int64(), 8);
  const std::string table = dir_.path() + "/search/tenants/alpha/postlist.glass";
  {
    const auto size = std::filesystem::file_size(table);
    ASSERT_GT(size, 16384u);
    std::ofstream out(table, std::ios::binary | std::ios::in | std::ios::out);
    out << std::string(size, '\x5a');
  }
  Response first = Get("/search/alpha", {{"q", "zenith"}, {"limit", "100"}});
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_EQ(first.content_type, "application/problem+json");
  EXPECT_EQ(Header(first, "Retry-After"), "1");
  Response r = first;
  for (int i = 0; i < 600 && r.status != 200; ++i) {  // bounded: the rebuild takes a moment
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = Get("/search/alpha", {{"q", "zenith"}, {"limit", "100"}});
    if (r.status != 200) {
      ASSERT_EQ(r.status, 503) << r.body;
      EXPECT_EQ(Header(r, "Retry-After"), "1");
    }
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(before.body));
  EXPECT_FALSE(follower_->Damaged("alpha"));
  EXPECT_FALSE(follower_->Failed("alpha"));
  // The search met the damage, the follower checked the index and found it damaged: once.
  EXPECT_GE(follower_->Checks(), 1u);
  EXPECT_EQ(follower_->TimesFoundDamaged("alpha"), 1);
}

}  // namespace
}  // namespace readside::http
