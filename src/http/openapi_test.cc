// The OpenAPI document stays true to the code: every route the server registers is in it,
// and every metric the query layer computes is in its section's schema.

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "http/openapi.h"
#include "query/metric_table.h"

namespace readside::http {
namespace {

boost::json::value Document() { return boost::json::parse(OpenApiDocument()); }

TEST(OpenApiTest, EverySectionSchemaListsEveryMetricOfTheQueryLayer) {
  boost::json::value doc = Document();
  const boost::json::object& schemas = doc.at("components").at("schemas").as_object();
  auto require = [&](query::Section section, std::string_view name) {
    std::string schema = "Section_" + std::string(query::SectionName(section));
    ASSERT_TRUE(schemas.contains(schema)) << schema;
    const boost::json::object& s = schemas.at(schema).as_object();
    EXPECT_TRUE(s.at("properties").as_object().contains(name)) << schema << "." << name;
    bool required = false;
    for (const auto& r : s.at("required").as_array()) required |= r.as_string() == name;
    EXPECT_TRUE(required) << schema << "." << name << " is not required";
  };
  for (const query::ScalarMetric& m : query::ScalarMetrics()) require(m.section, m.name);
  for (const query::BreakdownMetric& m : query::BreakdownMetrics()) require(m.section, m.name);
}

TEST(OpenApiTest, DocumentsTheAnalyticsAndTenantRoutes) {
  boost::json::value doc = Document();
  const boost::json::object& paths = doc.at("paths").as_object();
  for (const char* path :
       {"/analytics/dashboard/{org}", "/analytics/crm/pipeline/{org}",
        "/analytics/hrm/headcount/{org}", "/analytics/finance/revenue/{org}",
        "/analytics/inventory/turnover/{org}", "/analytics/projects/utilization/{org}",
        "/analytics/cross/{org}", "/analytics/series/{org}", "/analytics/metrics/live/{org}",
        "/analytics/data-quality/{org}", "/admin/tenants/{org}", "/admin/rebuild",
        "/admin/rebuild/{org}"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  EXPECT_TRUE(paths.at("/admin/tenants/{org}").as_object().contains("put"));
}

}  // namespace
}  // namespace readside::http
