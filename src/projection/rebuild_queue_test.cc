// The rebuild queue (Projector::RequestRebuild): one rebuild at a time, the others in FIFO
// order with at most one entry per scope (a repeated request joins it), bounded; each tenant's
// rebuild ends with models equal to what they were, and reports its progress.

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "projection/consistency.h"
#include "projection/projector.h"
#include "projection/projector_testing.h"
#include "projection/test_stream.h"

namespace readside::projection {
namespace {

using testing::EventJson;
using testing::ProjectorPeer;
using testing::TestStore;

constexpr int64_t kNowMicros = 1735689600000000;

class RebuildQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }
  void TearDown() override {
    if (projector_) {
      ProjectorPeer::HoldRebuilds(*projector_, false);
      projector_->Stop();
    }
  }
  void Start(ProjectorOptions options) {
    std::vector<std::string> lines;
    for (const std::string org : {"alpha", "beta", "gamma"}) {
      for (int i = 0; i < 5; ++i) {
        std::string id = org + "-inv-" + std::to_string(i);
        lines.push_back(
            EventJson(org, id, "finance.invoice.created", id,
                      "2024-01-1" + std::to_string(i) + "T10:00:00Z",
                      R"({"customer_id":"c1","amount":"10.5","due_date":"2024-02-01"})"));
      }
    }
    ASSERT_EQ(store_.Append(lines), 15u);
    projector_ = std::make_unique<Projector>(store_.get(), &clock_, options);
    projector_->Start();
    ASSERT_TRUE(projector_->WaitForPosition(15, std::chrono::seconds(30)));
  }
  // Waits (at most 10 s) until the rebuild of `scope` ended.
  RebuildStatus AwaitEnded(const std::string& scope) {
    RebuildStatus s;
    for (int i = 0; i < 1000; ++i) {
      s = projector_->GetRebuildStatus(scope);
      if (s.state == "done" || s.state == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return s;
  }
  RebuildTicket Request(const std::string& org) {
    absl::StatusOr<RebuildTicket> t = projector_->RequestRebuild(org);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : RebuildTicket{};
  }

  ManualClock clock_{kNowMicros};
  TestStore store_;
  std::unique_ptr<Projector> projector_;
};

TEST_F(RebuildQueueTest, TwoTenantsRebuildsBothComplete) {
  ProjectorPeer::HoldRebuilds(*projector_, true);
  RebuildTicket a = Request("alpha");
  EXPECT_EQ(a.status.state, "running");
  EXPECT_EQ(a.status.scope, "alpha");
  EXPECT_EQ(a.status.queue_position, 0u);
  EXPECT_FALSE(a.coalesced);
  RebuildTicket b = Request("beta");
  EXPECT_EQ(b.status.state, "queued");
  EXPECT_EQ(b.status.queue_position, 1u);
  EXPECT_EQ(b.status.enqueued_micros, kNowMicros);
  EXPECT_EQ(projector_->GetRebuildStatus("beta").state, "queued");
  ProjectorPeer::HoldRebuilds(*projector_, false);
  RebuildStatus alpha = AwaitEnded("alpha"), beta = AwaitEnded("beta");
  EXPECT_EQ(alpha.state, "done") << alpha.error;
  EXPECT_EQ(beta.state, "done") << beta.error;
  // Each replayed its own tenant's five events, out of five known after the first pass.
  EXPECT_EQ(alpha.events_read, 5u);
  EXPECT_EQ(alpha.events_target, 5u);
  EXPECT_EQ(beta.events_read, 5u);
  EXPECT_EQ(beta.target_position, 15u);
  EXPECT_GE(beta.started_micros, alpha.started_micros);
  // The models are what they were: a replay finds no difference.
  for (const std::string org : {"alpha", "beta", "gamma"}) {
    std::shared_ptr<const ModelSnapshot> snapshot = projector_->Current();
    absl::StatusOr<ConsistencyReport> r = CheckTenant(
        *store_.get(), org, snapshot->tenants.at(org), snapshot->position, {});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->differences_total, 0u) << org;
  }
  EXPECT_EQ(projector_->GetRebuildStatus("gamma").state, "idle");
}

TEST_F(RebuildQueueTest, ARepeatedRequestJoinsItsScopesEntry) {
  ProjectorPeer::HoldRebuilds(*projector_, true);
  ASSERT_EQ(Request("alpha").status.state, "running");
  ASSERT_EQ(Request("beta").status.queue_position, 1u);
  ASSERT_EQ(Request("").status.queue_position, 2u);  // every tenant: an entry of its own
  RebuildTicket again = Request("beta");
  EXPECT_TRUE(again.coalesced);
  EXPECT_EQ(again.status.state, "queued");
  EXPECT_EQ(again.status.queue_position, 1u);
  RebuildTicket running = Request("alpha");
  EXPECT_TRUE(running.coalesced);
  EXPECT_EQ(running.status.state, "running");
  RebuildOverview o = projector_->GetRebuildOverview();
  ASSERT_TRUE(o.running.has_value());
  EXPECT_EQ(o.running->scope, "alpha");
  ASSERT_EQ(o.queue.size(), 2u);
  EXPECT_EQ(o.queue[0].scope, "beta");
  EXPECT_EQ(o.queue[1].scope, "*");
  EXPECT_EQ(o.queue[1].queue_position, 2u);
  ProjectorPeer::HoldRebuilds(*projector_, false);
  EXPECT_EQ(AwaitEnded("*").state, "done");
  EXPECT_EQ(projector_->GetRebuildStatus("beta").state, "done");
  RebuildStatus every = projector_->GetRebuildStatus("*");
  EXPECT_EQ(every.events_read, 15u);
  EXPECT_EQ(every.events_target, 15u) << "every tenant: the target position";
  EXPECT_TRUE(projector_->GetRebuildOverview().queue.empty());
}

TEST_F(RebuildQueueTest, TheQueueIsBounded) {
  projector_->Stop();
  projector_.reset();
  projector_ = std::make_unique<Projector>(store_.get(), &clock_,
                                           ProjectorOptions{.max_queued_rebuilds = 2});
  projector_->Start();
  ASSERT_TRUE(projector_->WaitForPosition(15, std::chrono::seconds(30)));
  ProjectorPeer::HoldRebuilds(*projector_, true);
  Request("alpha");
  Request("beta");
  Request("gamma");
  absl::StatusOr<RebuildTicket> full = projector_->RequestRebuild("");
  EXPECT_TRUE(absl::IsResourceExhausted(full.status())) << full.status();
  // A scope already queued is still answered: joining takes no room.
  absl::StatusOr<RebuildTicket> joined = projector_->RequestRebuild("gamma");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->status.queue_position, 2u);
  ProjectorPeer::HoldRebuilds(*projector_, false);
  EXPECT_EQ(AwaitEnded("gamma").state, "done");
  // Room again.
  EXPECT_TRUE(projector_->RequestRebuild("").ok());
  EXPECT_EQ(AwaitEnded("*").state, "done");
}

TEST_F(RebuildQueueTest, EventsAppliedDuringARebuildAreInTheAdoptedModels) {
  ProjectorPeer::HoldRebuilds(*projector_, true);
  RebuildTicket t = Request("alpha");
  EXPECT_EQ(t.status.target_position, 15u);
  const std::string late =
      EventJson("alpha", "late-1", "finance.invoice.created", "late-1", "2024-01-20T10:00:00Z",
                R"({"customer_id":"c1","amount":7,"due_date":"2024-02-01"})");
  ASSERT_EQ(store_.Append({late}), 1u);
  ASSERT_TRUE(projector_->WaitForPosition(16, std::chrono::seconds(10)));
  ProjectorPeer::HoldRebuilds(*projector_, false);
  ASSERT_EQ(AwaitEnded("alpha").state, "done");
  const DaySeries& revenue = projector_->Read("alpha").view->Get(S::kTotalRevenue);
  EXPECT_EQ(revenue.Total(), (5 * 105'000) + 70'000);
}

}  // namespace
}  // namespace readside::projection
