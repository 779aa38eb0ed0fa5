// LagProbe against a real store and projector: lag in events and seconds, the worst-lagging
// tenants, the metrics it renders, and staleness from the upstream.
#include "projection/lag_probe.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "event/parser.h"
#include "gtest/gtest.h"
#include "sim/generator.h"

namespace readside::projection {
namespace {

class LagProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rs-lag-probe-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto opened = store::EventStore::Open({.path = dir_.string(), .sync = false});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    projector_ = std::make_unique<Projector>(store_.get(), &clock_, ProjectorOptions{});
    probe_ = std::make_unique<LagProbe>(store_.get(), projector_.get(), &clock_);
  }
  void TearDown() override {
    projector_->Stop();
    probe_.reset();
    projector_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Appends `n` valid simulator events of tenant `org`; returns how many were stored.
  void Append(const std::string& org, int n) {
    sim::GeneratorOptions o;
    o.seed = static_cast<uint64_t>(++seed_);
    o.tenants = {org};
    sim::Generator gen(o);
    event::EventParser parser;
    event::Event e;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    std::string line;
    int64_t ts;
    while (static_cast<int>(request.events.size()) < n && gen.Next(&line, &ts)) {
      errors.clear();
      if (!parser.ParseOne(line, &e, &errors)) continue;
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
    }
    auto outcomes = store_->Append(std::move(request));
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (const auto& o : *outcomes) ASSERT_EQ(o.outcome, store::Outcome::kAccepted);
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'800'000'000'000'000};
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Projector> projector_;
  std::unique_ptr<LagProbe> probe_;
  int seed_ = 0;
};

TEST_F(LagProbeTest, CountsUnappliedEventsTheirAgeAndTheWorstTenants) {
  EXPECT_EQ(probe_->LagEvents(), 0u);
  EXPECT_EQ(probe_->LagSeconds(), 0);
  EXPECT_TRUE(probe_->WorstTenants().empty());

  Append("a-org", 30);
  clock_.Advance(5'000'000);
  Append("b-org", 10);
  Append("c-org", 20);
  clock_.Advance(2'500'000);

  // The projector has not started: nothing is applied.
  EXPECT_EQ(probe_->LagEvents(), 60u);
  EXPECT_DOUBLE_EQ(probe_->LagSeconds(), 7.5);  // the oldest unapplied group's age
  std::vector<std::pair<std::string, uint64_t>> worst = probe_->WorstTenants();
  ASSERT_EQ(worst.size(), 3u);
  EXPECT_EQ(worst[0], (std::pair<std::string, uint64_t>{"a-org", 30}));
  EXPECT_EQ(worst[1], (std::pair<std::string, uint64_t>{"c-org", 20}));
  EXPECT_EQ(worst[2], (std::pair<std::string, uint64_t>{"b-org", 10}));

  MetricsRegistry registry;
  probe_->RegisterMetrics(&registry);
  std::string text = registry.Render();
  EXPECT_NE(text.find("readside_projection_lag_events 60\n"), std::string::npos) << text;
  EXPECT_NE(text.find("readside_projection_lag_seconds 7.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("readside_projection_tenant_lag_events{tenant=\"a-org\"} 30\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("readside_applied_position 0\n"), std::string::npos) << text;

  // Not started: not ready, so stale, by the age of the lag.
  LagProbe::Staleness fresh = probe_->Freshness();
  EXPECT_TRUE(fresh.stale);
  EXPECT_DOUBLE_EQ(fresh.seconds, 7.5);

  projector_->Start();
  ASSERT_TRUE(projector_->WaitForPosition(60, std::chrono::seconds(30)));
  EXPECT_EQ(probe_->LagEvents(), 0u);
  EXPECT_EQ(probe_->LagSeconds(), 0);
  EXPECT_TRUE(probe_->WorstTenants().empty());
  text = registry.Render();
  EXPECT_NE(text.find("readside_projection_lag_events 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("readside_projection_tenant_lag_events{"), std::string::npos) << text;
}

TEST_F(LagProbeTest, AnUnreachableUpstreamMakesAnswersStaleByHowLongItIsDown) {
  projector_->Start();
  Append("a-org", 5);
  ASSERT_TRUE(projector_->WaitForPosition(5, std::chrono::seconds(30)));
  for (int i = 0; i < 100 && !projector_->Ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(projector_->Ready());
  EXPECT_FALSE(probe_->Freshness().stale);
  std::optional<double> down;
  probe_->SetUpstream([&] { return down; });
  EXPECT_FALSE(probe_->Freshness().stale);
  down = 42.25;
  LagProbe::Staleness fresh = probe_->Freshness();
  EXPECT_TRUE(fresh.stale);
  EXPECT_DOUBLE_EQ(fresh.seconds, 42.25);
  down.reset();
  EXPECT_FALSE(probe_->Freshness().stale);
}

}  // namespace
}  // namespace readside::projection
