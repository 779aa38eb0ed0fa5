#include "event/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

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

}  // namespace
}  // namespace readside::event
