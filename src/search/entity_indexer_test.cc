// EntityIndexer: events become documents. Every indexed field of every entity type finds its
// entity; an update re-indexes (the old name no longer finds it), a deletion removes, orphans
// and repeats change nothing, and a whole simulator stream indexes every entity it creates.
#include "search/entity_indexer.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "event/parser.h"
#include "gtest/gtest.h"
#include "search/test_util.h"
#include "sim/generator.h"

namespace readside::search {
namespace {

const std::vector<std::string>& kAll = testing::kAllDomains;

event::Event Parse(const std::string& type, const std::string& id, const std::string& payload) {
  static int n = 0;
  std::string line = absl::StrCat(
      R"({"event_id":"e-)", ++n, R"(","event_type":")", type,
      R"(","organization_id":"acme-corp","timestamp":"2024-03-01T10:00:00Z","version":"1.0",)",
      R"("source_service":"test","data":{"entity_id":")", id,
      R"(","entity_type":"x","action":"y","payload":)", payload, "}}");
  event::EventParser parser;
  event::Event e;
  std::vector<event::FieldError> errors;
  EXPECT_TRUE(parser.ParseOne(line, &e, &errors))
      << line << ": " << (errors.empty() ? "" : errors[0].field + " " + errors[0].message);
  return e;
}

class EntityIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("indexer");
    index_ = *SearchIndex::Open(dir_);
    indexer_ = std::make_unique<EntityIndexer>(index_.get());
  }
  void TearDown() override {
    indexer_.reset();
    index_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Apply(const std::string& type, const std::string& id, const std::string& payload) {
    ASSERT_TRUE(indexer_->Apply(Parse(type, id, payload)).ok());
  }
  std::set<std::string> Find(const std::string& q) {
    EXPECT_TRUE(index_->Commit(1).ok());
    auto r = index_->Search({.text = q, .domains = kAll, .limit = 100});
    EXPECT_TRUE(r.ok()) << r.status();
    std::set<std::string> out;
    if (r.ok()) {
      for (const SearchHit& h : r->hits) out.insert(h.type + "/" + h.id);
    }
    return out;
  }
  std::string dir_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<EntityIndexer> indexer_;
};

// The follower parses only the events whose type can change an index.
TEST(EntityIndexerTypes, IndexesExactlyTheTypesThatCreateUpdateOrDeleteEntities) {
  for (const char* yes : {"crm.contact.created", "crm.contact.updated", "crm.contact.deleted",
                          "crm.lead.created", "crm.opportunity.created",
                          "crm.opportunity.stage_changed", "hrm.employee.created",
                          "hrm.employee.updated", "finance.invoice.created",
                          "inventory.product.created", "project.created",
                          "project.updated", "project.task.created"}) {
    EXPECT_TRUE(EntityIndexer::Indexes(yes)) << yes;
  }
  for (const char* no : {"hrm.leave.requested", "hrm.employee.terminated", "crm.opportunity.won",
                         "finance.payment.received", "readside.dashboard.saved", "nonsense", ""}) {
    EXPECT_FALSE(EntityIndexer::Indexes(no)) << no;
  }
}

TEST_F(EntityIndexerTest, EveryIndexedFieldOfEveryTypeFindsItsEntity) {
  Apply("crm.contact.created", "c1", R"({"name":"Anna Quist","email":"anna@quist.io","company":"Quistwerk"})");
  Apply("crm.lead.created", "l1", R"({"source":"Webinar","owner_id":"u1","name":"Lena Borg"})");
  Apply("crm.opportunity.created", "o1", R"({"stage":"Negotiation","amount":"10.00","owner_id":"u1","name":"Harbor Deal"})");
  Apply("hrm.employee.created", "e1", R"({"name":"Omar Faruk","department":"Logistics","role":"Dispatcher"})");
  Apply("finance.invoice.created", "INV-7788", R"({"customer_id":"cust-Zephyr","amount":"5.00","due_date":"2024-04-01"})");
  Apply("inventory.product.created", "p1", R"({"sku":"SKU-4411","name":"Copper Kettle","category":"Kitchenware","unit_cost":"1.00","unit_price":"2.00","reorder_point":3})");
  Apply("project.created", "pr1", R"({"name":"Lighthouse Revamp"})");
  Apply("project.task.created", "t1", R"({"project_id":"pr1","name":"Paint Tower"})");
  const std::map<std::string, std::string> want = {
      {"Anna", "contact/c1"}, {"anna@quist.io", "contact/c1"}, {"Quistwerk", "contact/c1"},
      {"Lena", "lead/l1"}, {"Webinar", "lead/l1"},
      {"Harbor", "opportunity/o1"}, {"Negotiation", "opportunity/o1"},
      {"Omar", "employee/e1"}, {"Logistics", "employee/e1"}, {"Dispatcher", "employee/e1"},
      {"INV-7788", "invoice/INV-7788"}, {"Zephyr", "invoice/INV-7788"},
      {"SKU-4411", "product/p1"}, {"Kettle", "product/p1"}, {"Kitchenware", "product/p1"},
      {"Lighthouse", "project/pr1"}, {"Paint", "task/t1"}};
  for (const auto& [q, id] : want) EXPECT_EQ(Find(q), std::set<std::string>{id}) << q;
  EXPECT_EQ(index_->size(), 8u);
  // The invoice's document keeps its fields for the next update.
  auto invoice = index_->Get("invoice", "INV-7788");
  ASSERT_TRUE(invoice.ok() && invoice->has_value());
  EXPECT_EQ((*invoice)->fields,
            (std::vector<std::pair<std::string, std::string>>{{"id", "INV-7788"},
                                                              {"customer_id", "cust-Zephyr"}}));
  EXPECT_EQ((*invoice)->domain, "finance");
}

TEST_F(EntityIndexerTest, UpdatesReindexDeletionsRemoveOrphansAndRepeatsChangeNothing) {
  Apply("crm.contact.created", "c1", R"({"name":"Anna Quist","email":"anna@example.io"})");
  Apply("crm.contact.updated", "c1", R"({"name":"Anna Lindqvist"})");
  EXPECT_EQ(Find("Lindqvist"), std::set<std::string>{"contact/c1"});
  EXPECT_TRUE(Find("Quist").empty());                                  // the old name is gone
  EXPECT_EQ(Find("anna@example.io"), std::set<std::string>{"contact/c1"});  // kept field
  Apply("crm.contact.created", "c1", R"({"name":"Someone Else"})");    // a repeat: ignored
  EXPECT_TRUE(Find("Someone").empty());
  Apply("crm.contact.updated", "ghost", R"({"name":"Ghost Writer"})");  // an orphan: ignored
  EXPECT_TRUE(Find("Ghost").empty());
  Apply("crm.opportunity.created", "o1", R"({"stage":"Prospecting","amount":"1.00","owner_id":"u"})");
  Apply("crm.opportunity.stage_changed", "o1", R"({"stage":"Closing"})");
  EXPECT_EQ(Find("Closing"), std::set<std::string>{"opportunity/o1"});
  EXPECT_TRUE(Find("Prospecting").empty());
  Apply("project.created", "pr1", R"({"name":"Old Name"})");
  Apply("project.updated", "pr1", R"({"status":"on_hold"})");  // no name: still found
  EXPECT_EQ(Find("Old"), std::set<std::string>{"project/pr1"});
  Apply("crm.contact.deleted", "c1", "{}");
  EXPECT_TRUE(Find("Lindqvist").empty());
  EXPECT_EQ(index_->size(), 2u);
}

TEST_F(EntityIndexerTest, AnUpdateAfterARestartKeepsTheFieldsItDoesNotCarry) {
  Apply("hrm.employee.created", "e1", R"({"name":"Omar Faruk","department":"Logistics","role":"Dispatcher"})");
  ASSERT_TRUE(index_->Commit(7).ok());
  indexer_.reset();
  index_.reset();  // a restart: nothing of the indexer survives but the index on disk
  index_ = *SearchIndex::Open(dir_);
  indexer_ = std::make_unique<EntityIndexer>(index_.get());
  EXPECT_EQ(index_->position(), 7u);
  Apply("hrm.employee.updated", "e1", R"({"role":"Planner"})");
  EXPECT_EQ(Find("Planner"), std::set<std::string>{"employee/e1"});
  EXPECT_TRUE(Find("Dispatcher").empty());
  EXPECT_EQ(Find("Logistics"), std::set<std::string>{"employee/e1"});
  EXPECT_EQ(Find("Omar"), std::set<std::string>{"employee/e1"});
}

TEST_F(EntityIndexerTest, ASimulatorStreamIndexesEveryEntityItCreates) {
  sim::Generator gen({.seed = 5, .tenants = {"acme-corp"}, .total_events = 20'000});
  event::EventParser parser;
  std::string line;
  int64_t ts;
  std::vector<event::FieldError> errors;
  std::map<std::string, std::string> names;  // type/id -> name at the end
  std::set<std::string> deleted;
  while (gen.Next(&line, &ts)) {
    event::Event e;
    if (!parser.ParseOne(line, &e, &errors)) continue;
    ASSERT_TRUE(indexer_->Apply(e).ok());
    const std::string name = e.fields[0].text;
    if (e.type == event::EventType::kProjectCreated) names["project/" + e.entity_id] = name;
    if (e.type == event::EventType::kInventoryProductCreated) {
      names["product/" + e.entity_id] = e.fields[1].text;
    }
  }
  ASSERT_TRUE(index_->Commit(20'000).ok());
  ASSERT_GT(names.size(), 20u);
  EXPECT_GT(index_->size(), names.size());
  size_t checked = 0;
  for (const auto& [key, name] : names) {
    if (++checked > 60) break;
    const std::string type = key.substr(0, key.find('/'));
    bool found = false;
    for (size_t offset = 0; !found; offset += kMaxLimit) {
      auto r = index_->Search({.text = "\"" + name + "\"", .types = {type}, .domains = kAll,
                               .offset = offset, .limit = kMaxLimit});
      ASSERT_TRUE(r.ok()) << name << ": " << r.status();
      for (const SearchHit& h : r->hits) found |= (h.type + "/" + h.id) == key;
      if (offset + kMaxLimit >= r->total) break;
    }
    EXPECT_TRUE(found) << key << " not found by its name \"" << name << "\"";
  }
}

}  // namespace
}  // namespace readside::search
