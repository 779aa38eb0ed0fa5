// The OpenAPI document stays true to the code: every route the server registers is in it,
// every metric the query layer computes is in its section's schema, and every operation
// documents the answers of authentication, rate limiting and tenant isolation (api.md "Auth").
// tools/openapi-validate (ctest openapi_validate) checks that the document is valid OpenAPI 3.1.

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/routes.h"
#include "query/metric_table.h"

namespace readside::http {
namespace {

boost::json::value Document() { return boost::json::parse(OpenApiDocument()); }

constexpr const char* kMethods[] = {"get",   "put",  "post",    "delete",
                                    "patch", "head", "options", "trace"};
// The operations that need no token (api.md "Auth"; the web app's files: web.md "Serving").
bool IsPublic(std::string_view method, std::string_view path) {
  return method == "get" &&
         (path == "/health/live" || path == "/health/ready" || path == "/metrics" ||
          path == "/openapi.json" || path == "/docs" || path == "/" || path == "/assets/{file}");
}

// The object a "#/components/..." reference points at, or the value itself.
const boost::json::object& Resolve(const boost::json::value& doc, const boost::json::value& v) {
  const boost::json::object& o = v.as_object();
  const boost::json::value* ref = o.if_contains("$ref");
  if (ref == nullptr) return o;
  std::string_view pointer = ref->as_string();
  EXPECT_TRUE(pointer.starts_with("#/")) << pointer;
  return doc.at_pointer(pointer.substr(1)).as_object();
}

struct Operation {
  std::string method;
  std::string path;
  const boost::json::object* op;
};
std::vector<Operation> Operations(const boost::json::value& doc) {
  std::vector<Operation> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const char* method : kMethods) {
      if (const boost::json::value* op = item.as_object().if_contains(method)) {
        out.push_back({method, std::string(path), &op->as_object()});
      }
    }
  }
  return out;
}

// The response `status` of `op` (resolved), or null when the operation does not list it.
const boost::json::object* Answer(const boost::json::value& doc, const boost::json::object& op,
                                  std::string_view status) {
  const boost::json::value* r = op.at("responses").as_object().if_contains(status);
  return r == nullptr ? nullptr : &Resolve(doc, *r);
}

bool IsProblem(const boost::json::object& response) {
  const boost::json::value* content = response.if_contains("content");
  return content != nullptr && content->as_object().contains("application/problem+json");
}

bool HasHeader(const boost::json::object& response, std::string_view name) {
  const boost::json::value* headers = response.if_contains("headers");
  return headers != nullptr && headers->as_object().contains(name);
}

TEST(OpenApiTest, EverySectionSchemaListsEveryMetricOfTheQueryLayer) {
  boost::json::value doc = Document();
  const boost::json::object& schemas = doc.at("components").at("schemas").as_object();
  auto require = [&](query::Section section, std::string_view name) {
    std::string schema = "Section_" + std::string(query::SectionName(section));
    ASSERT_TRUE(schemas.contains(schema)) << schema;
    const boost::json::object& s = schemas.at(schema).as_object();
    EXPECT_TRUE(s.at("properties").as_object().contains(name)) << schema << "." << name;
    // A cross metric reads several domains and is left out for roles that do not cover them
    // all (api.md "Auth"), so the cross section lists its metrics without requiring them.
    if (section == query::Section::kCross) return;
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
        "/admin/rebuild/{org}", "/reports/catalog", "/reports/{report}/{org}",
        "/reports/export/{format}", "/reports/schedule", "/reports/scheduled/{org}",
        "/reports/history/{org}", "/reports/runs/{id}/file", "/search/{org}",
        "/search/suggestions/{org}", "/tenants/{org}/settings", "/", "/assets/{file}"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  EXPECT_TRUE(paths.at("/reports/scheduled/{org}").as_object().contains("delete"));
  EXPECT_TRUE(paths.at("/admin/tenants/{org}").as_object().contains("put"));
}

// Every route the server registers is in the document, with its method ({id} and {org}
// both stand for the one template name OpenAPI allows at a position).
TEST(OpenApiTest, DocumentsEveryRegisteredRoute) {
  boost::json::value doc = Document();
  const boost::json::object& paths = doc.at("paths").as_object();
  Router router;
  Services s;
  AddEventRoutes(&router, s);
  AddOpsRoutes(&router, s);
  AddAdminRoutes(&router, s);
  AddAnalyticsRoutes(&router, s);
  AddTenantRoutes(&router, s);
  AddReportRoutes(&router, s);
  AddDashboardRoutes(&router, s);
  AddSearchRoutes(&router, s);
  AddConsistencyRoutes(&router, s);
  AddWebRoutes(&router, s);
  int checked = 0;
  for (const auto& [method, pattern] : router.Routes()) {
    std::string path = pattern;
    if (!paths.contains(path) && path.starts_with("/reports/scheduled/{id}")) {
      path = "/reports/scheduled/{org}";
    }
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.contains(path)) << method << " " << pattern;
    EXPECT_TRUE(paths.at(path).as_object().contains(lower)) << method << " " << pattern;
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST(OpenApiTest, BearerTokensAreRequiredEverywhereButThePublicRoutes) {
  boost::json::value doc = Document();
  const boost::json::object& scheme =
      doc.at_pointer("/components/securitySchemes/bearerAuth").as_object();
  EXPECT_EQ(scheme.at("type"), "http");
  EXPECT_EQ(scheme.at("scheme"), "bearer");
  EXPECT_EQ(scheme.at("bearerFormat"), "JWT");
  EXPECT_EQ(doc.at("security"), boost::json::parse(R"([{"bearerAuth": []}])"));
  int public_operations = 0;
  for (const Operation& o : Operations(doc)) {
    std::string name = o.method + " " + o.path;
    const boost::json::value* security = o.op->if_contains("security");
    if (IsPublic(o.method, o.path)) {
      ++public_operations;
      ASSERT_NE(security, nullptr) << name << " must declare security: []";
      EXPECT_TRUE(security->is_array() && security->as_array().empty()) << name;
      EXPECT_EQ(Answer(doc, *o.op, "401"), nullptr) << name << " is public";
    } else {
      // Either the global requirement applies or the operation names the bearer scheme.
      if (security != nullptr) {
        EXPECT_EQ(*security, doc.at("security")) << name << " must not relax the bearer token";
      }
    }
  }
  EXPECT_EQ(public_operations, 7);
}

TEST(OpenApiTest, EveryOperationDocumentsTheAnswersOfAuthRateLimitsAndTenantIsolation) {
  boost::json::value doc = Document();
  int authenticated = 0;
  for (const Operation& o : Operations(doc)) {
    std::string name = o.method + " " + o.path;
    if (IsPublic(o.method, o.path)) continue;
    ++authenticated;
    // A problem+json answer `status`, with `header` when given.
    auto expect_problem = [&](std::string_view status, std::string_view header = {}) {
      const boost::json::object* r = Answer(doc, *o.op, status);
      if (r == nullptr) return ADD_FAILURE() << name << " lacks " << status;
      EXPECT_TRUE(IsProblem(*r)) << name << " " << status << " is not application/problem+json";
      if (!header.empty()) {
        EXPECT_TRUE(HasHeader(*r, header)) << name << " " << status << " lacks header " << header;
      }
    };
    expect_problem("401", "WWW-Authenticate");
    expect_problem("429", "Retry-After");
    if (o.path.find("{org}") != std::string::npos) expect_problem("404");
    // Roles may lack the domain (analytics), or the admin/ingest role (events, admin routes).
    if (o.path.starts_with("/analytics/") || o.path.starts_with("/events") ||
        o.path.starts_with("/search/") ||
        o.path.starts_with("/admin/") ||
        (o.path.starts_with("/reports/") && o.path != "/reports/catalog")) {
      expect_problem("403");
    }
    if (o.op->contains("parameters") || o.op->contains("requestBody")) expect_problem("400");
    if (o.op->contains("requestBody")) {
      expect_problem("413");
      expect_problem("415");
    }
  }
  EXPECT_GE(authenticated, 19);
}

TEST(OpenApiTest, TheDashboardRequiresNoSectionSinceRolesFilterThem) {
  boost::json::value doc = Document();
  const boost::json::object& schema =
      doc.at_pointer(
             "/paths/~1analytics~1dashboard~1{org}/get/responses/200/content/"
             "application~1json/schema")
          .as_object();
  for (const char* section :
       {"crm", "hrm", "finance", "inventory", "projects", "cross", "data_quality"}) {
    EXPECT_TRUE(schema.at("properties").as_object().contains(section)) << section;
    for (const auto& r : schema.at("required").as_array()) {
      EXPECT_NE(std::string_view(r.as_string()), section) << section << " must not be required";
    }
  }
}

}  // namespace
}  // namespace readside::http
