#include "event/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "event/catalog_tables.h"

namespace readside::event {
namespace {

TEST(CatalogTest, EveryTypeIsFoundByNameWithItsDomain) {
  std::set<std::string> names;
  for (const TypeSpec& t : AllTypes()) {
    const TypeSpec* found = FindType(t.name);
    ASSERT_NE(found, nullptr) << t.name;
    EXPECT_EQ(found->type, t.type);
    std::string prefix(t.name.substr(0, t.name.find('.')));
    std::string domain(DomainName(t.domain));
    EXPECT_TRUE(domain.starts_with(prefix)) << t.name;  // "project" → "projects"
    names.insert(std::string(t.name));
  }
  EXPECT_EQ(names.size(), 32u);
  EXPECT_EQ(FindType("crm.opportunity.exploded"), nullptr);
}

TEST(CatalogTest, FieldIndexFindsPayloadFields) {
  EXPECT_EQ(FieldIndex(EventType::kCrmOpportunityCreated, "amount"), 1);
  EXPECT_EQ(FieldIndex(EventType::kCrmOpportunityCreated, "nope"), -1);
}

// FieldIndexOf is FieldIndex at compile time: same tables, same answers.
static_assert(FieldIndexOf(EventType::kCrmOpportunityCreated, "amount") == 1);
static_assert(FieldIndexOf(EventType::kCrmOpportunityCreated, "nope") == -1);
static_assert(FieldIndexOf(EventType::kUnknown, "amount") == -1);
static_assert(FieldIndexOf(EventType::kCount, "amount") == -1);

TEST(CatalogTest, CompileTimeFieldIndexAgreesWithTheRuntimeCatalog) {
  for (const TypeSpec& t : AllTypes()) {
    for (size_t i = 0; i < t.fields.size(); ++i) {
      EXPECT_EQ(FieldIndexOf(t.type, t.fields[i].name), static_cast<int>(i)) << t.name;
      EXPECT_EQ(FieldIndexOf(t.type, t.fields[i].name), FieldIndex(t.type, t.fields[i].name));
    }
    EXPECT_EQ(FieldIndexOf(t.type, "no_such_field"), -1) << t.name;
  }
}

}  // namespace
}  // namespace readside::event
