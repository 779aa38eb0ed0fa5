// TokenAccess, the production AccessPolicy (docs/security.md "Roles and domains"): tenant
// isolation first (404, whatever the roles or the budget), then roles (403), then the
// per-tenant rate limit (429). Principals come from real tokens through the real
// Authenticator; time from a ManualClock. The spec's tables are transcribed here on purpose,
// not taken from the code: the tests compare the policy with api.md.

#include "http/access_policy.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "http/test_tokens.h"
#include "query/metric_table.h"

namespace readside::http {
namespace {

using query::Section;
using testing::kNowMicros;
using testing::TestTokens;
using testing::TokenSpec;

const std::vector<std::string> kRoles = {"admin",   "analyst",    "sales",           "hr",
                                         "finance", "operations", "project_manager", "ingest",
                                         "viewer"};

// api.md "Auth": roles → domains.
const std::map<Section, std::set<std::string>> kSpecDomains = {
    {Section::kCrm, {"admin", "analyst", "sales"}},
    {Section::kHrm, {"admin", "hr"}},
    {Section::kFinance, {"admin", "analyst", "finance"}},
    {Section::kInventory, {"admin", "analyst", "operations"}},
    {Section::kProjects, {"admin", "analyst", "project_manager"}},
};

// metrics.md "Cross-service": each metric needs all its source domains.
const std::map<std::string, query::DomainMask> kCrossSources = {
    {"revenue_per_employee", query::DomainBit(Section::kFinance) | query::DomainBit(Section::kHrm)},
    {"revenue_per_billable_hour",
     query::DomainBit(Section::kFinance) | query::DomainBit(Section::kProjects)},
    {"pipeline_coverage", query::DomainBit(Section::kCrm) | query::DomainBit(Section::kFinance)},
};

// 200 when the policy lets the request through, else the problem's status.
int StatusOf(const std::optional<Problem>& p) { return p ? p->status : 200; }

query::DomainMask SpecMask(const std::string& role) {
  query::DomainMask mask = 0;
  for (const auto& [section, roles] : kSpecDomains) {
    if (roles.contains(role)) mask |= query::DomainBit(section);
  }
  return mask;
}

class AccessPolicyTest : public ::testing::Test {
 protected:
  // A request carrying the principal of a token for `orgs` with `roles`.
  Request As(std::vector<std::string> orgs, std::vector<std::string> roles) const {
    Request req;
    req.principal = tokens_.Principal({.orgs = std::move(orgs), .roles = std::move(roles)});
    return req;
  }
  // The whole answer a route would send, for byte comparisons.
  static std::string Answer(const std::optional<Problem>& p, std::string_view path) {
    if (!p) return "(allowed)";
    Response r = ProblemResponse(*p, path);
    std::string out = std::to_string(r.status) + " " + r.content_type + "\n";
    for (const auto& [name, value] : r.headers) out += name + ": " + value + "\n";
    return out + r.body;
  }

  TestTokens tokens_;
  ManualClock clock_{kNowMicros};
  TokenAccess open_{RateLimit{}, &clock_};
};

TEST_F(AccessPolicyTest, NoPrincipalIs401) {
  Request req;
  for (Action a : {Action::kIngest, Action::kReadEvents, Action::kReadAnalytics, Action::kAdmin,
                   Action::kReadSettings}) {
    std::optional<Problem> p = open_.Authorize(req, a, "acme");
    EXPECT_EQ(StatusOf(p), 401);
  }
  EXPECT_EQ(open_.ReadableDomains(req), 0);
  EXPECT_FALSE(open_.MayWriteOrganization(req, "acme"));
}

TEST_F(AccessPolicyTest, OwnOrganizationIsServed) {
  Request req = As({"acme"}, {"admin"});
  for (Action a : {Action::kIngest, Action::kReadEvents, Action::kReadAnalytics, Action::kAdmin,
                   Action::kReadSettings}) {
    EXPECT_EQ(StatusOf(open_.Authorize(req, a, "acme")), 200);
  }
}

TEST_F(AccessPolicyTest, OtherOrganizationIs404WhateverTheRoleOrAction) {
  // The answer about another tenant is the same for every role and action: it tells nothing
  // but "not yours".
  std::string expected;
  for (const std::string& role : kRoles) {
    Request req = As({"acme"}, {role});
    for (Action a : {Action::kIngest, Action::kReadEvents, Action::kReadAnalytics, Action::kAdmin,
                     Action::kReadSettings}) {
      std::optional<Problem> p = open_.Authorize(req, a, "beta");
      EXPECT_EQ(StatusOf(p), 404) << role;
      std::string answer = Answer(p, "/x/beta");
      if (expected.empty()) expected = answer;
      EXPECT_EQ(answer, expected) << role;
    }
  }
  EXPECT_EQ(expected,
            "404 application/problem+json\n"
            R"({"type":"about:blank","title":"Not found","status":404,)"
            R"("detail":"no organization 'beta'","instance":"/x/beta"})");
}

TEST_F(AccessPolicyTest, SeveralOrganizationsReachEachAndNoOther) {
  Request req = As({"acme", "beta"}, {"analyst"});
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "acme")), 200);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "beta")), 200);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "gamma")), 404);
  // A prefix or a case variant is another organization.
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "acm")), 404);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "ACME")), 404);
}

TEST_F(AccessPolicyTest, AllOrganizationsTokenReachesEveryTenant) {
  Request req = As({"*"}, {"analyst"});
  ASSERT_TRUE(req.principal->all_organizations);
  for (const char* org : {"acme", "beta", "never-seen-before"}) {
    EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, org)), 200) << org;
  }
  EXPECT_TRUE(open_.MayWriteOrganization(req, "anything"));
}

TEST_F(AccessPolicyTest, RoleDomainTableOfTheSpec) {
  for (const std::string& role : kRoles) {
    Request req = As({"acme"}, {role});
    query::DomainMask expected = SpecMask(role);
    EXPECT_EQ(open_.ReadableDomains(req), expected) << role;
    std::vector<std::string> one_role = {role};
    EXPECT_EQ(DomainsOfRoles(one_role), expected) << role;
    for (const auto& [section, roles] : kSpecDomains) {
      EXPECT_EQ(query::SectionVisible(section, open_.ReadableDomains(req)), roles.contains(role))
          << role << " on " << query::SectionName(section);
    }
    // Analytics need at least one domain.
    std::optional<Problem> p = open_.Authorize(req, Action::kReadAnalytics, "acme");
    if (expected == 0) {
      EXPECT_EQ(StatusOf(p), 403) << role;
    } else {
      EXPECT_EQ(StatusOf(p), 200) << role;
    }
  }
}

TEST_F(AccessPolicyTest, RolesAddUp) {
  Request req = As({"acme"}, {"sales", "hr"});
  EXPECT_EQ(open_.ReadableDomains(req),
            query::DomainBit(Section::kCrm) | query::DomainBit(Section::kHrm));
  std::vector<std::string> unknown = {"superuser", "ADMIN", ""};
  EXPECT_EQ(DomainsOfRoles(unknown), 0) << "unknown roles grant nothing";
}

TEST_F(AccessPolicyTest, CrossMetricsNeedAllTheirSourceDomains) {
  std::set<std::string> cross_metrics;
  for (const query::ScalarMetric& m : query::ScalarMetrics()) {
    if (m.section != Section::kCross) continue;
    cross_metrics.insert(std::string(m.name));
    ASSERT_TRUE(kCrossSources.contains(std::string(m.name))) << m.name;
    EXPECT_EQ(query::SourcesOf(m), kCrossSources.at(std::string(m.name))) << m.name;
  }
  EXPECT_EQ(cross_metrics.size(), kCrossSources.size());
  // Per role: the cross metrics it sees, and whether the cross route is open to it.
  const std::map<std::string, std::set<std::string>> kVisible = {
      {"admin", {"revenue_per_employee", "revenue_per_billable_hour", "pipeline_coverage"}},
      {"analyst", {"revenue_per_billable_hour", "pipeline_coverage"}},
      {"sales", {}},
      {"hr", {}},
      {"finance", {}},
      {"operations", {}},
      {"project_manager", {}},
      {"ingest", {}},
  };
  for (const auto& [role, visible] : kVisible) {
    query::DomainMask readable = open_.ReadableDomains(As({"acme"}, {role}));
    std::set<std::string> seen;
    for (const query::ScalarMetric& m : query::ScalarMetrics()) {
      if (m.section == Section::kCross && (query::SourcesOf(m) & ~readable) == 0) {
        seen.insert(std::string(m.name));
      }
    }
    EXPECT_EQ(seen, visible) << role;
    EXPECT_EQ(query::SectionVisible(Section::kCross, readable), !visible.empty()) << role;
  }
  // Two roles together may open a metric neither opens alone.
  query::DomainMask sales_finance = open_.ReadableDomains(As({"acme"}, {"sales", "finance"}));
  EXPECT_TRUE(query::SectionVisible(Section::kCross, sales_finance));
}

TEST_F(AccessPolicyTest, IngestRoleMayOnlyStoreEventsForItsOrganizations) {
  Request req = As({"acme"}, {"ingest"});
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kIngest, "")), 200);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadEvents, "acme")), 403);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kReadAnalytics, "acme")), 403);
  EXPECT_EQ(StatusOf(open_.Authorize(req, Action::kAdmin, "acme")), 403);
  EXPECT_EQ(open_.ReadableDomains(req), 0);
  EXPECT_TRUE(open_.MayWriteOrganization(req, "acme"));
  EXPECT_FALSE(open_.MayWriteOrganization(req, "beta"));
  // Only ingest and admin store events.
  for (const std::string& role : kRoles) {
    std::optional<Problem> p = open_.Authorize(As({"acme"}, {role}), Action::kIngest, "");
    if (role == "ingest" || role == "admin") {
      EXPECT_EQ(StatusOf(p), 200) << role;
    } else {
      EXPECT_EQ(StatusOf(p), 403) << role;
    }
  }
}

TEST_F(AccessPolicyTest, RawEventsAndTenantAdministrationNeedAdmin) {
  for (const std::string& role : kRoles) {
    Request req = As({"acme"}, {role});
    for (Action a : {Action::kReadEvents, Action::kAdmin}) {
      std::optional<Problem> p = open_.Authorize(req, a, "acme");
      if (role == "admin") {
        EXPECT_EQ(StatusOf(p), 200) << role;
      } else {
        EXPECT_EQ(StatusOf(p), 403) << role;
      }
    }
  }
}

// The settings (name, time zone, currency) format every number a client shows: any role of the
// organization reads them, only admins change them (kAdmin above).
TEST_F(AccessPolicyTest, AnyRoleReadsItsOrganizationsSettings) {
  for (const std::string& role : kRoles) {
    EXPECT_EQ(StatusOf(open_.Authorize(As({"acme"}, {role}), Action::kReadSettings, "acme")), 200)
        << role;
    EXPECT_EQ(StatusOf(open_.Authorize(As({"acme"}, {role}), Action::kReadSettings, "beta")), 404)
        << role;
  }
  EXPECT_EQ(StatusOf(open_.Authorize(As({"*"}, {"sales"}), Action::kReadSettings, "beta")), 200);
}

TEST_F(AccessPolicyTest, OperatorRoutesNeedAdminOfEveryOrganization) {
  EXPECT_EQ(StatusOf(open_.Authorize(As({"*"}, {"admin"}), Action::kAdmin, "*")), 200);
  // An admin of some organizations, however many, is not an operator.
  for (const auto& orgs : std::vector<std::vector<std::string>>{{"acme"}, {"acme", "beta"}}) {
    std::optional<Problem> p = open_.Authorize(As(orgs, {"admin"}), Action::kAdmin, "*");
    ASSERT_EQ(StatusOf(p), 403);
    EXPECT_NE(p->detail.find("[\"*\"]"), std::string::npos) << p->detail;
  }
  // Every tenant, but not admin.
  for (const std::string& role : kRoles) {
    if (role == "admin") continue;
    std::optional<Problem> p = open_.Authorize(As({"*"}, {role}), Action::kAdmin, "*");
    EXPECT_EQ(StatusOf(p), 403) << role;
  }
}

TEST_F(AccessPolicyTest, PerTenantRateLimitIs429WithRetryAfter) {
  TokenAccess limited({.rate = 1, .burst = 2}, &clock_);
  Request acme = As({"acme"}, {"analyst"});
  Request beta = As({"beta"}, {"analyst"});
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "acme")), 200);
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "acme")), 200);
  std::optional<Problem> p = limited.Authorize(acme, Action::kReadAnalytics, "acme");
  ASSERT_EQ(StatusOf(p), 429);
  EXPECT_EQ(p->retry_after_seconds, 1);
  Response r = ProblemResponse(*p, "/analytics/crm/pipeline/acme");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>("Retry-After", "1")));
  // The budget is the tenant's: another token for the same tenant shares it, another tenant
  // has its own.
  Request other_acme = As({"acme"}, {"admin"});
  EXPECT_EQ(StatusOf(limited.Authorize(other_acme, Action::kReadAnalytics, "acme")), 429);
  EXPECT_EQ(StatusOf(limited.Authorize(beta, Action::kReadAnalytics, "beta")), 200);
  // Refilled after a second.
  clock_.Advance(1'000'000);
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "acme")), 200);
}

TEST_F(AccessPolicyTest, AnotherTenantIs404EvenOverBudgetAndCostsNothing) {
  TokenAccess limited({.rate = 1, .burst = 1}, &clock_);
  Request acme = As({"acme"}, {"admin"});
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "acme")), 200);
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "acme")), 429);
  // Over budget, the answer about another tenant is still 404, never 429.
  EXPECT_EQ(StatusOf(limited.Authorize(acme, Action::kReadAnalytics, "beta")), 404);
  // A 403 is not charged either: roles come before the budget.
  Request sales_beta = As({"beta"}, {"sales"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(StatusOf(limited.Authorize(sales_beta, Action::kReadEvents, "beta")), 403);
  }
  EXPECT_EQ(StatusOf(limited.Authorize(sales_beta, Action::kReadAnalytics, "beta")), 200);
}

TEST_F(AccessPolicyTest, PostEventsIsChargedToTheTokensOnlyTenant) {
  TokenAccess limited({.rate = 1, .burst = 1}, &clock_);
  Request ingest = As({"acme"}, {"ingest"});
  EXPECT_EQ(StatusOf(limited.Authorize(ingest, Action::kIngest, "")), 200);
  std::optional<Problem> p = limited.Authorize(ingest, Action::kIngest, "");
  EXPECT_EQ(StatusOf(p), 429);
  // The same tenant's budget as its reads.
  EXPECT_EQ(StatusOf(limited.Authorize(As({"acme"}, {"admin"}), Action::kReadAnalytics, "acme")),
            429);
  // Tokens spanning several organizations (or all) are not charged per tenant here; the
  // per-token limit of the Gate covers them.
  for (const auto& orgs : std::vector<std::vector<std::string>>{{"acme", "beta"}, {"*"}}) {
    Request wide = As(orgs, {"ingest"});
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(StatusOf(limited.Authorize(wide, Action::kIngest, "")), 200);
  }
  // Operations over every tenant are not charged to a tenant called "*".
  Request op = As({"*"}, {"admin"});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(StatusOf(limited.Authorize(op, Action::kAdmin, "*")), 200);
}

}  // namespace
}  // namespace readside::http
