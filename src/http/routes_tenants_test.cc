// What GET /admin/rebuild/{org} shows a tenant's admin of the latest rebuild
// (TenantRebuildStatus, routes.h): its own tenant's and every tenant's rebuilds, nothing of
// another tenant's. The route itself, through the Gate and the access policy, is tested in
// tenant_isolation_test.cc.

#include <gtest/gtest.h>

#include "http/routes.h"
#include "projection/projector.h"

namespace readside::http {
namespace {

using projection::RebuildStatus;

RebuildStatus Finished(std::string scope, std::string error = "") {
  return {.state = error.empty() ? "done" : "failed",
          .scope = std::move(scope),
          .target_position = 4711,
          .events_read = 42,
          .started_micros = 1'700'000'000'000'000,
          .finished_micros = 1'700'000'001'000'000,
          .error = std::move(error)};
}

void ExpectIdleFor(const RebuildStatus& s, const std::string& org) {
  EXPECT_EQ(s.state, "idle");
  EXPECT_EQ(s.scope, org);
  EXPECT_EQ(s.target_position, 0u);
  EXPECT_EQ(s.events_read, 0u);
  EXPECT_EQ(s.started_micros, 0);
  EXPECT_EQ(s.finished_micros, 0);
  EXPECT_EQ(s.error, "");
}

TEST(TenantRebuildStatusTest, TheTenantsOwnRebuildIsShownAsItIs) {
  for (const RebuildStatus& latest :
       {Finished("alpha"), Finished("alpha", "replay cancelled"),
        RebuildStatus{.state = "running", .scope = "alpha", .target_position = 9}}) {
    RebuildStatus shown = TenantRebuildStatus(latest, "alpha");
    EXPECT_EQ(shown.state, latest.state);
    EXPECT_EQ(shown.scope, "alpha");
    EXPECT_EQ(shown.target_position, latest.target_position);
    EXPECT_EQ(shown.events_read, latest.events_read);
    EXPECT_EQ(shown.started_micros, latest.started_micros);
    EXPECT_EQ(shown.finished_micros, latest.finished_micros);
    EXPECT_EQ(shown.error, latest.error);
  }
}

TEST(TenantRebuildStatusTest, ARebuildOfEveryTenantCoversTheTenant) {
  RebuildStatus shown = TenantRebuildStatus(Finished("*"), "alpha");
  EXPECT_EQ(shown.state, "done");
  EXPECT_EQ(shown.scope, "*");
  EXPECT_EQ(shown.target_position, 4711u);
  EXPECT_EQ(shown.events_read, 42u);
  EXPECT_EQ(shown.finished_micros, 1'700'000'001'000'000);
  EXPECT_EQ(shown.error, "");
}

TEST(TenantRebuildStatusTest, AFailedRebuildOfEveryTenantDoesNotSayWhy) {
  RebuildStatus shown = TenantRebuildStatus(
      Finished("*", "DATA_LOSS: corrupt event record at position 4242"), "alpha");
  EXPECT_EQ(shown.state, "failed");
  EXPECT_EQ(shown.scope, "*");
  EXPECT_EQ(shown.error.find("4242"), std::string::npos) << shown.error;
  EXPECT_NE(shown.error.find("GET /admin/rebuild"), std::string::npos) << shown.error;
}

TEST(TenantRebuildStatusTest, AnotherTenantsRebuildReadsAsNoneForThisTenant) {
  ExpectIdleFor(TenantRebuildStatus(Finished("beta"), "alpha"), "alpha");
  ExpectIdleFor(TenantRebuildStatus(Finished("beta", "replay cancelled"), "alpha"), "alpha");
  ExpectIdleFor(
      TenantRebuildStatus(
          {.state = "running", .scope = "beta", .events_read = 3, .started_micros = 5}, "alpha"),
      "alpha");
  // A prefix of the other's name is another organization too.
  ExpectIdleFor(TenantRebuildStatus(Finished("alpha-2"), "alpha"), "alpha");
}

TEST(TenantRebuildStatusTest, NoRebuildYetIsIdleForTheTenant) {
  ExpectIdleFor(TenantRebuildStatus(RebuildStatus{}, "alpha"), "alpha");
}

}  // namespace
}  // namespace readside::http
