// Tenant isolation and roles through the whole request path as the server runs it: Gate →
// Router → every route → TokenAccess, over a real store and projector (docs/security.md
// "Threat model"). A token for one tenant must learn nothing about another: every {org}
// route of the OpenAPI document answers 404, byte for byte the same whether the other tenant
// has data or does not exist. Tokens are verified by the real Authenticator; time is a
// ManualClock.

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/test_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/openapi.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "http/test_tokens.h"
#include "ingest/ingest_service.h"
#include "own_state/tenant_settings_service.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace readside::http {
namespace {

using ::testing::HasSubstr;
using testing::kNowMicros;
using ::testing::Not;
using testing::TestTokens;
using testing::TokenSpec;

constexpr char kMarker[] = "BETA-SECRET-7f3a";

std::string Event(const std::string& org, const std::string& id, const std::string& type,
                  const std::string& payload) {
  return R"({"event_id":")" + id + R"(","event_type":")" + type + R"(","organization_id":")" + org +
         R"(","timestamp":"2024-01-10T10:00:00Z","version":"1.0","source_service":"erp-test",)"
         R"("data":{"entity_id":")" +
         id +
         R"(-entity","entity_type":"thing","action":"created",)"
         R"("payload":)" +
         payload + "}}\n";
}

std::string TenantEvents(const std::string& org, const std::string& name) {
  return Event(org, org + "-c1", "crm.customer.created",
               R"({"name":")" + name + R"(","email":"x@example.com"})") +
         Event(org, org + "-i1", "finance.invoice.created",
               R"({"customer_id":"c-1","amount":125,"due_date":"2024-02-15"})");
}

// Status, media type, headers and body: what a client could compare.
std::string Bytes(const Response& r) {
  std::string out = std::to_string(r.status) + " " + r.content_type + "\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\n";
  return out + "\n" + r.body;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class TenantIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  // (Re)builds the stack with a per-tenant limit.
  void Start(RateLimit per_tenant) {
    gate_.reset();
    router_ = std::make_unique<Router>();
    tenant_settings_.reset();
    projector_.reset();
    ingest_.reset();
    store_.reset();
    auto store = store::EventStore::Open({.path = dir_.path() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ingest_ =
        std::make_unique<ingest::IngestService>(store_.get(), event::ParserOptions{}, &clock_);
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_);
    projector_->Start();
    tenant_settings_ = NewTenantSettingsService(store_.get(), projector_.get(), &clock_);
    access_ = std::make_unique<TokenAccess>(per_tenant, &clock_);
    Services s{.store = store_.get(),
               .ingest = ingest_.get(),
               .access = access_.get(),
               .metrics = &metrics_,
               .projector = projector_.get(),
               .clock = &clock_,
               .cache = &cache_,
               .tenant_settings = tenant_settings_.get()};
    AddEventRoutes(router_.get(), s);
    AddOpsRoutes(router_.get(), s);
    AddAdminRoutes(router_.get(), s);
    AddAnalyticsRoutes(router_.get(), s);
    AddTenantRoutes(router_.get(), s);
    AddReportRoutes(router_.get(), s);
    AddSearchRoutes(router_.get(), s);
    AddConsistencyRoutes(router_.get(), s);
    gate_ = std::make_unique<Gate>(router_.get(), tokens_.authenticator(), GateOptions{}, &clock_);
  }

  Response Call(Request req) {
    std::promise<Response> answered;
    std::future<Response> answer = answered.get_future();
    gate_->Handle(req, [&answered](Response r) { answered.set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return answer.get();
  }
  Response Send(std::string method, std::string path, const TokenSpec& as, std::string body = "",
                std::map<std::string, std::string, std::less<>> query = {}) {
    Request req{.method = std::move(method), .path = std::move(path), .query = std::move(query)};
    req.headers["authorization"] = tokens_.Bearer(as);
    if (!body.empty()) {
      req.headers["content-type"] = "application/x-ndjson";
      req.body = std::move(body);
    }
    return Call(std::move(req));
  }
  Response Get(std::string path, const TokenSpec& as) { return Send("GET", std::move(path), as); }
  // Stores `ndjson` as an operator and waits until the read models have applied it.
  void Store(const std::string& ndjson) {
    Response r = Send("POST", "/events", {.orgs = {"*"}, .roles = {"admin"}}, ndjson);
    ASSERT_EQ(r.status, 200) << r.body;
    boost::json::object answer = boost::json::parse(r.body).as_object();
    ASSERT_TRUE(answer.at("rejected").as_array().empty()) << r.body;
    uint64_t position = answer.at("position").to_number<uint64_t>();
    ASSERT_TRUE(projector_->WaitForPosition(position, std::chrono::seconds(10)));
  }

  // Every operation of the OpenAPI document with {org} in its path.
  static std::vector<std::pair<std::string, std::string>> OrgOperations() {
    std::vector<std::pair<std::string, std::string>> out;
    boost::json::value doc = boost::json::parse(OpenApiDocument());  // outlives the loop
    for (const auto& [path, item] : doc.at("paths").as_object()) {
      if (path.find("{org}") == std::string::npos) continue;
      for (const auto& [method, op] : item.as_object()) {
        if (method == "get" || method == "post" || method == "put") {
          std::string m(method);
          for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          out.emplace_back(m, std::string(path));
        }
      }
    }
    return out;
  }
  // The answers to every {org} operation about `org` for an admin of alpha.
  std::map<std::string, std::string> AnswersAbout(const std::string& org) {
    std::map<std::string, std::string> out;
    for (const auto& [method, templ] : OrgOperations()) {
      std::string path = Replace(templ, "{org}", org);
      std::string body = method == "GET" ? "" : "{}";
      Request req{.method = method, .path = path};
      req.headers["authorization"] = tokens_.Bearer(kAlphaAdmin);
      if (!body.empty()) {
        req.headers["content-type"] = "application/json";
        req.body = body;
      }
      Response r = Call(std::move(req));
      EXPECT_EQ(r.status, 404) << method << " " << path << ": " << r.body;
      EXPECT_EQ(r.content_type, "application/problem+json") << method << " " << path;
      EXPECT_THAT(r.body, Not(HasSubstr(kMarker)));
      out[method + " " + templ] = Bytes(r);
    }
    return out;
  }

  // A rebuild runs on the projector's threads: waits (at most 10 s) until the latest is done.
  void AwaitRebuildDone() {
    for (int i = 0; i < 1000 && projector_->GetRebuildStatus().state != "done"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(projector_->GetRebuildStatus().state, "done");
  }
  // GET /admin/rebuild's answer without the members about the rebuild queue: the latest
  // rebuild's status.
  static boost::json::value WithoutQueue(const Response& r) {
    boost::json::object o = boost::json::parse(r.body).as_object();
    for (const char* queue : {"running", "queue", "queue_limit", "every_tenant"}) o.erase(queue);
    return o;
  }
  static std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  const TokenSpec kAlphaAdmin{.orgs = {"alpha"}, .roles = {"admin"}};
  const TokenSpec kBetaAdmin{.orgs = {"beta"}, .roles = {"admin"}};
  const TokenSpec kOperator{.orgs = {"*"}, .roles = {"admin"}};
  auth::testkit::TempDir dir_;
  ManualClock clock_{kNowMicros};
  TestTokens tokens_;
  MetricsRegistry metrics_;
  ResponseCache cache_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<projection::Projector> projector_;
  std::unique_ptr<own_state::TenantSettingsService> tenant_settings_;
  std::unique_ptr<TokenAccess> access_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Gate> gate_;
};

TEST_F(TenantIsolationTest, AnotherTenantIs404ByteForByteAsAnUnknownOne) {
  Store(TenantEvents("alpha", "Alpha Customer"));
  ASSERT_GE(OrgOperations().size(), 12u) << "the OpenAPI document lists the {org} routes";
  // Before beta exists, while it has data, and for a tenant that never exists: the same bytes.
  std::map<std::string, std::string> before = AnswersAbout("beta");
  Store(TenantEvents("beta", kMarker));
  ASSERT_EQ(Get("/analytics/crm/pipeline/beta", {.orgs = {"beta"}, .roles = {"sales"}}).status,
            200);
  std::map<std::string, std::string> after = AnswersAbout("beta");
  EXPECT_EQ(after, before);
  std::map<std::string, std::string> nobody = AnswersAbout("nobo");  // same length as "beta"
  for (auto& [op, bytes] : nobody) bytes = Replace(bytes, "nobo", "beta");
  EXPECT_EQ(nobody, after);
  // The token works for its own tenant.
  EXPECT_EQ(Get("/analytics/dashboard/alpha", kAlphaAdmin).status, 200);
  EXPECT_EQ(Get("/events/alpha", kAlphaAdmin).status, 200);
}

TEST_F(TenantIsolationTest, EventsForAnotherTenantAreRejectedAndNotStored) {
  Response r = Send("POST", "/events", {.orgs = {"alpha"}, .roles = {"ingest"}},
                    TenantEvents("alpha", "A") + Event("beta", "beta-x", "crm.customer.created",
                                                       R"({"name":"B","email":"b@example.com"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::object answer = boost::json::parse(r.body).as_object();
  EXPECT_EQ(answer.at("accepted").as_int64(), 2);
  const boost::json::array& rejected = answer.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 1u) << r.body;
  EXPECT_EQ(rejected[0].at("index").as_int64(), 2);
  EXPECT_EQ(rejected[0].at("errors").at(0).at("field").as_string(), "organization_id");
  Response beta = Get("/events/beta", {.orgs = {"*"}, .roles = {"admin"}});
  EXPECT_EQ(beta.body, R"({"events":[],"next":null})");
}

TEST_F(TenantIsolationTest, AllOrganizationsTokenReachesEveryTenant) {
  Store(TenantEvents("alpha", "A") + TenantEvents("beta", "B"));
  TokenSpec all{.orgs = {"*"}, .roles = {"analyst"}};
  for (const char* org : {"alpha", "beta", "nobody"}) {
    Response r = Get(std::string("/analytics/crm/pipeline/") + org, all);
    EXPECT_EQ(r.status, 200) << org << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(std::string("\"organization_id\":\"") + org + "\""));
  }
  TokenSpec two{.orgs = {"alpha", "beta"}, .roles = {"analyst"}};
  EXPECT_EQ(Get("/analytics/crm/pipeline/alpha", two).status, 200);
  EXPECT_EQ(Get("/analytics/crm/pipeline/beta", two).status, 200);
  EXPECT_EQ(Get("/analytics/crm/pipeline/gamma", two).status, 404);
}

// api.md "Auth": every role × every domain route, and what composite answers leave out.
TEST_F(TenantIsolationTest, RoleDomainTableOnTheRoutes) {
  const std::map<std::string, std::set<std::string>> kDomains = {
      {"admin", {"crm", "hrm", "finance", "inventory", "projects"}},
      {"analyst", {"crm", "finance", "inventory", "projects"}},
      {"sales", {"crm"}},
      {"hr", {"hrm"}},
      {"finance", {"finance"}},
      {"operations", {"inventory"}},
      {"project_manager", {"projects"}},
      {"ingest", {}},
  };
  const std::map<std::string, std::string> kRoutes = {
      {"crm", "/analytics/crm/pipeline/alpha"},
      {"hrm", "/analytics/hrm/headcount/alpha"},
      {"finance", "/analytics/finance/revenue/alpha"},
      {"inventory", "/analytics/inventory/turnover/alpha"},
      {"projects", "/analytics/projects/utilization/alpha"},
  };
  const std::map<std::string, std::set<std::string>> kCross = {
      {"admin", {"revenue_per_employee", "revenue_per_billable_hour", "pipeline_coverage"}},
      {"analyst", {"revenue_per_billable_hour", "pipeline_coverage"}},
  };
  const std::set<std::string> kCrossMetrics = {"revenue_per_employee", "revenue_per_billable_hour",
                                               "pipeline_coverage"};
  for (const auto& [role, domains] : kDomains) {
    TokenSpec as{.orgs = {"alpha"}, .roles = {role}};
    for (const auto& [domain, path] : kRoutes) {
      EXPECT_EQ(Get(path, as).status, domains.contains(domain) ? 200 : 403)
          << role << " on " << domain;
    }
    std::set<std::string> cross_expected =
        kCross.contains(role) ? kCross.at(role) : std::set<std::string>{};
    Response cross = Get("/analytics/cross/alpha", as);
    ASSERT_EQ(cross.status, cross_expected.empty() ? 403 : 200) << role << ": " << cross.body;
    if (cross.status == 200) {
      std::set<std::string> shown;
      boost::json::value body = boost::json::parse(cross.body);
      for (const auto& [key, value] : body.as_object()) {
        if (kCrossMetrics.contains(std::string(key))) shown.insert(std::string(key));
      }
      EXPECT_EQ(shown, cross_expected) << role;
    }
    Response dashboard = Get("/analytics/dashboard/alpha", as);
    ASSERT_EQ(dashboard.status, domains.empty() ? 403 : 200) << role;
    if (dashboard.status == 200) {
      std::set<std::string> sections;
      boost::json::value body = boost::json::parse(dashboard.body);
      for (const auto& [key, value] : body.as_object()) {
        if (kRoutes.contains(std::string(key)) || key == "cross") {
          sections.insert(std::string(key));
        }
      }
      std::set<std::string> expected = domains;
      if (!cross_expected.empty()) expected.insert("cross");
      EXPECT_EQ(sections, expected) << role;
    }
    // Series of a cross metric need all its sources.
    Response series = Send("GET", "/analytics/series/alpha", as, "",
                           {{"domain", "cross"},
                            {"metric", "pipeline_coverage"},
                            {"from", "2024-01"},
                            {"to", "2024-03"},
                            {"granularity", "month"}});
    bool sees = domains.contains("crm") && domains.contains("finance");
    EXPECT_EQ(series.status, sees ? 200 : 403) << role << ": " << series.body;
  }
}

TEST_F(TenantIsolationTest, IngestRoleOnlyStoresEvents) {
  TokenSpec ingest{.orgs = {"alpha"}, .roles = {"ingest"}};
  EXPECT_EQ(Send("POST", "/events", ingest, TenantEvents("alpha", "A")).status, 200);
  EXPECT_EQ(Get("/events/alpha", ingest).status, 403);
  EXPECT_EQ(Get("/analytics/dashboard/alpha", ingest).status, 403);
  EXPECT_EQ(Get("/admin/tenants/alpha", ingest).status, 403);
  // Storing events needs ingest or admin.
  EXPECT_EQ(
      Send("POST", "/events", {.orgs = {"alpha"}, .roles = {"analyst"}}, TenantEvents("alpha", "A"))
          .status,
      403);
  EXPECT_EQ(Send("POST", "/events", kAlphaAdmin, TenantEvents("alpha", "A")).status, 200);
}

TEST_F(TenantIsolationTest, AnyRoleReadsItsTenantsSettingsOnlyAdminsTheAdminRoute) {
  Store(TenantEvents("alpha", "A"));
  Response admin = Get("/admin/tenants/alpha", kAlphaAdmin);
  ASSERT_EQ(admin.status, 200) << admin.body;
  for (std::string role : {"sales", "hr", "ingest", "admin"}) {
    TokenSpec as{.orgs = {"alpha"}, .roles = {role}};
    Response r = Get("/tenants/alpha/settings", as);
    EXPECT_EQ(r.status, 200) << role << ": " << r.body;
    EXPECT_EQ(r.body, admin.body) << role;
    EXPECT_EQ(Get("/admin/tenants/alpha", as).status, role == "admin" ? 200 : 403) << role;
    EXPECT_EQ(Get("/tenants/beta/settings", as).status, 404) << role;
  }
}

TEST_F(TenantIsolationTest, OperatorRoutesNeedAdminWithEveryOrganization) {
  const std::vector<std::pair<std::string, std::string>> kOperator = {
      {"GET", "/admin/rebuild"},
      {"POST", "/admin/rebuild"},
      {"GET", "/admin/dead-letters"},
      {"POST", "/admin/dead-letters/1/resubmit"},
  };
  for (const TokenSpec& as : {kAlphaAdmin, TokenSpec{.orgs = {"alpha", "beta"}, .roles = {"admin"}},
                              TokenSpec{.orgs = {"*"}, .roles = {"analyst"}}}) {
    for (const auto& [method, path] : kOperator) {
      Response r = Send(method, path, as);
      EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
    }
  }
  TokenSpec op{.orgs = {"*"}, .roles = {"admin"}};
  EXPECT_EQ(Get("/admin/rebuild", op).status, 200);
  EXPECT_EQ(Get("/admin/dead-letters", op).status, 200);
  // A tenant's own admin may rebuild that tenant and read its settings.
  EXPECT_EQ(Get("/admin/tenants/alpha", kAlphaAdmin).status, 200);
}

// The web app's Operations page starts a tenant's rebuild and polls where the 202 points.
TEST_F(TenantIsolationTest, TenantAdminFollowsItsOwnRebuild) {
  Store(TenantEvents("alpha", "A") + TenantEvents("beta", kMarker));
  uint64_t stored = store_->LastPosition();
  Response started = Send("POST", "/admin/rebuild/alpha", kAlphaAdmin);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(HeaderOf(started, "Location"), "/admin/rebuild/alpha");
  EXPECT_EQ(boost::json::parse(started.body).at("scope").as_string(), "alpha");
  Response running = Get("/admin/rebuild/alpha", kAlphaAdmin);
  ASSERT_EQ(running.status, 200) << running.body;
  EXPECT_EQ(boost::json::parse(running.body).at("scope").as_string(), "alpha");
  AwaitRebuildDone();
  Response done = Get("/admin/rebuild/alpha", kAlphaAdmin);
  ASSERT_EQ(done.status, 200) << done.body;
  boost::json::object status = boost::json::parse(done.body).as_object();
  EXPECT_EQ(status.at("state").as_string(), "done");
  EXPECT_EQ(status.at("scope").as_string(), "alpha");
  EXPECT_EQ(status.at("target_position").to_number<uint64_t>(), stored);
  EXPECT_EQ(status.at("events_read").as_int64(), 2) << "alpha's two events, not beta's";
  EXPECT_TRUE(status.at("started_at").is_string()) << done.body;
  EXPECT_TRUE(status.at("finished_at").is_string()) << done.body;
  EXPECT_THAT(done.body, Not(HasSubstr("beta")));
  // What the operator reads at GET /admin/rebuild (the same status, then the queue's members),
  // which stays closed to the tenant's admin.
  EXPECT_EQ(WithoutQueue(Get("/admin/rebuild", kOperator)), boost::json::parse(done.body));
  EXPECT_EQ(Get("/admin/rebuild", kAlphaAdmin).status, 403);
}

TEST_F(TenantIsolationTest, AnotherTenantsRebuildIsNotRevealed) {
  Store(TenantEvents("alpha", "A") + TenantEvents("beta", kMarker));
  Response none = Get("/admin/rebuild/alpha", kAlphaAdmin);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"state":"idle","scope":"alpha","target_position":0,"events_read":0,)"
                       R"("started_at":null,"finished_at":null})");
  Response started = Send("POST", "/admin/rebuild/beta", kBetaAdmin);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(HeaderOf(started, "Location"), "/admin/rebuild/beta");
  // While beta's runs (or once it ended) and after it is done: the bytes of "no rebuild yet",
  // for alpha's admin and for an operator asking about alpha alike.
  EXPECT_EQ(Bytes(Get("/admin/rebuild/alpha", kAlphaAdmin)), Bytes(none));
  AwaitRebuildDone();
  EXPECT_EQ(Bytes(Get("/admin/rebuild/alpha", kAlphaAdmin)), Bytes(none));
  EXPECT_EQ(Bytes(Get("/admin/rebuild/alpha", kOperator)), Bytes(none));
  // Beta's admin sees beta's.
  Response beta = Get("/admin/rebuild/beta", kBetaAdmin);
  ASSERT_EQ(beta.status, 200) << beta.body;
  EXPECT_THAT(beta.body, HasSubstr(R"("state":"done","scope":"beta")"));
}

TEST_F(TenantIsolationTest, ARebuildOfEveryTenantIsShownToEachTenantsAdmin) {
  Store(TenantEvents("alpha", "A") + TenantEvents("beta", kMarker));
  Response started = Send("POST", "/admin/rebuild", kOperator);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(HeaderOf(started, "Location"), "/admin/rebuild");
  AwaitRebuildDone();
  Response operator_view = Get("/admin/rebuild", kOperator);
  ASSERT_EQ(operator_view.status, 200);
  EXPECT_THAT(operator_view.body, HasSubstr(R"("state":"done","scope":"*")"));
  for (const TokenSpec& as : {kAlphaAdmin, kBetaAdmin}) {
    const std::string& org = as.orgs[0];
    Response r = Get("/admin/rebuild/" + org, as);
    ASSERT_EQ(r.status, 200) << org << ": " << r.body;
    EXPECT_EQ(boost::json::parse(r.body), WithoutQueue(operator_view)) << org;
  }
}

TEST_F(TenantIsolationTest, TenantRebuildStatusNeedsAnAdminOfTheTenant) {
  Store(TenantEvents("alpha", "A") + TenantEvents("beta", kMarker));
  ASSERT_EQ(Send("POST", "/admin/rebuild/beta", kBetaAdmin).status, 202);
  // Another tenant, existing or not: 404, the same but for the name.
  Response other = Get("/admin/rebuild/beta", kAlphaAdmin);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(other.content_type, "application/problem+json");
  EXPECT_THAT(other.body, Not(HasSubstr(kMarker)));
  EXPECT_EQ(Replace(Bytes(Get("/admin/rebuild/nobo", kAlphaAdmin)), "nobo", "beta"), Bytes(other));
  // Roles of the tenant other than admin, and a non-admin for every tenant: 403.
  for (const TokenSpec& as : {TokenSpec{.orgs = {"alpha"}, .roles = {"sales"}},
                              TokenSpec{.orgs = {"alpha"}, .roles = {"analyst"}},
                              TokenSpec{.orgs = {"alpha"}, .roles = {"ingest"}},
                              TokenSpec{.orgs = {"*"}, .roles = {"analyst"}}}) {
    Response r = Get("/admin/rebuild/alpha", as);
    EXPECT_EQ(r.status, 403) << as.orgs[0] << " " << as.roles[0] << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
  // No token: 401 with the challenge.
  Response anonymous = Call(Request{.method = "GET", .path = "/admin/rebuild/alpha"});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_THAT(HeaderOf(anonymous, "WWW-Authenticate"), HasSubstr("Bearer"));
  // An organization id that is not one: 400 naming it.
  Response bad = Get("/admin/rebuild/*", kOperator);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_THAT(bad.body, HasSubstr(R"("field":"org")"));
  AwaitRebuildDone();
}

TEST_F(TenantIsolationTest, PerTenantLimitIs429ButNeverForAnotherTenant) {
  Start({.rate = 1, .burst = 2});
  TokenSpec alpha{.orgs = {"alpha"}, .roles = {"analyst"}};
  EXPECT_EQ(Get("/analytics/crm/pipeline/alpha", alpha).status, 200);
  EXPECT_EQ(Get("/analytics/finance/revenue/alpha", alpha).status, 200);
  Response r = Get("/analytics/crm/pipeline/alpha", alpha);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.content_type, "application/problem+json");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "1");
  // The budget is the tenant's, shared by its tokens; other tenants keep theirs; a request
  // about another tenant is 404 whatever the budget.
  EXPECT_EQ(Get("/analytics/crm/pipeline/alpha", {.orgs = {"alpha"}, .roles = {"sales"}}).status,
            429);
  EXPECT_EQ(Get("/analytics/crm/pipeline/beta", {.orgs = {"beta"}, .roles = {"sales"}}).status,
            200);
  EXPECT_EQ(Get("/analytics/crm/pipeline/beta", alpha).status, 404);
  clock_.Advance(1'000'000);
  EXPECT_EQ(Get("/analytics/crm/pipeline/alpha", alpha).status, 200);
}

}  // namespace
}  // namespace readside::http
