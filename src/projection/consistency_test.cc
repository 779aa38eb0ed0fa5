// Consistency checks (consistency.h, consistency_service.h): a live model equal to its replay
// has no difference; drift injected into the live model (projector_testing.h) is found
// exactly, counted and repaired by a rebuild, after which a check finds nothing; checks
// under concurrent ingest find no drift that is not there.

#include "projection/consistency.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "projection/consistency_service.h"
#include "projection/projector.h"
#include "projection/projector_testing.h"
#include "projection/test_stream.h"

namespace readside::projection {
namespace {

using ::testing::HasSubstr;
using testing::ProjectorPeer;
using testing::TestStore;

constexpr int64_t kStart = 1704067200000000;  // 2024-01-01T00:00:00Z
constexpr int64_t kNowMicros = 1735689600000000;

sim::GeneratorOptions Stream(uint64_t seed, uint64_t events) {
  sim::GeneratorOptions o;
  o.seed = seed;
  o.tenants = {"alpha", "beta"};
  o.start_unix_micros = kStart;
  o.end_unix_micros = kStart + int64_t{75} * 86'400'000'000;
  o.events_per_second = 0.002;
  o.total_events = events;
  // Late events, re-sends and invalid lines: the live models and the replay see the same.
  o.out_of_order_fraction = 0.05;
  o.duplicate_fraction = 0.01;
  o.malformed_fraction = 0.01;
  return o;
}

class ConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(store_.get(), nullptr);
    lines_ = TestStore::Generated(Stream(7, 3000));
    store_.Append(lines_);
    projector_ = std::make_unique<Projector>(store_.get(), &clock_);
    projector_->Start();
    ASSERT_TRUE(projector_->WaitForPosition(store_.get()->LastPosition(), std::chrono::minutes(1)));
  }
  void TearDown() override { projector_->Stop(); }

  absl::StatusOr<ConsistencyReport> Check(const std::string& org) {
    std::shared_ptr<const ModelSnapshot> snapshot = projector_->Current();
    auto it = snapshot->tenants.find(org);
    return CheckTenant(*store_.get(), org,
                       it == snapshot->tenants.end() ? nullptr : it->second, snapshot->position,
                       {.now_micros = kNowMicros});
  }
  // The replayed (correct) value of `s` in the month holding `day`, as the report prints it.
  std::string MonthFlow(const std::string& org, S s, DayNumber day, int64_t plus = 0) {
    Period month = PeriodContaining(Granularity::kMonth, day);
    int64_t v = projector_->Read(org).view->Get(s).Range(month.first_day, month.end_day);
    return FormatScaled(v + plus, 4);
  }
  // A day of `org` on which series `s` has data.
  DayNumber SomeDayOf(const std::string& org, S s) {
    DayNumber found = 0;
    projector_->Read(org).view->Get(s).ForEachDay(
        std::numeric_limits<DayNumber>::min(), std::numeric_limits<DayNumber>::max(),
        [&](DayNumber d, int64_t) { found = found ? found : d; });
    EXPECT_NE(found, 0) << org << " has no data in series " << static_cast<int>(s);
    return found;
  }

  ManualClock clock_{kNowMicros};
  TestStore store_;
  std::vector<std::string> lines_;
  std::unique_ptr<Projector> projector_;
};

TEST_F(ConsistencyTest, ALiveModelEqualToItsReplayHasNoDifference) {
  for (const std::string org : {"alpha", "beta"}) {
    absl::StatusOr<ConsistencyReport> r = Check(org);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->differences_total, 0u) << org << ": " << r->differences[0].field;
    EXPECT_TRUE(r->differences.empty());
    EXPECT_GT(r->events_replayed, 100u) << org;
    EXPECT_GE(r->periods_checked, 2u) << org << ": the stream spans 75 days";
    EXPECT_EQ(r->position, store_.get()->LastPosition());
  }
}

// A restart loads the models from their snapshot file: still equal to a replay.
TEST_F(ConsistencyTest, ModelsLoadedFromASnapshotMatchTheirReplay) {
  const std::string dir =
      ::testing::TempDir() + "/consistency_snapshot_" + std::to_string(::getpid());
  {
    Projector writer(store_.get(), &clock_, {.snapshot_dir = dir});
    writer.Start();
    ASSERT_TRUE(writer.WaitForPosition(store_.get()->LastPosition(), std::chrono::minutes(1)));
    writer.Stop();  // writes the snapshot
  }
  projector_->Stop();
  projector_ = std::make_unique<Projector>(store_.get(), &clock_,
                                           ProjectorOptions{.snapshot_dir = dir});
  projector_->Start();
  ASSERT_TRUE(projector_->WaitForPosition(store_.get()->LastPosition(), std::chrono::minutes(1)));
  for (const std::string org : {"alpha", "beta"}) {
    absl::StatusOr<ConsistencyReport> r = Check(org);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->differences_total, 0u) << org << ": " << r->differences[0].field << " "
                                        << r->differences[0].key;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(ConsistencyTest, AnOrganizationWithoutEventsIsNotFound) {
  absl::StatusOr<ConsistencyReport> r = Check("nobody");
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
}

TEST_F(ConsistencyTest, DriftInAFlowIsReportedExactlyForItsMonth) {
  DayNumber day = SomeDayOf("alpha", S::kWonValue);
  std::string replayed = MonthFlow("alpha", S::kWonValue, day);
  std::string live = MonthFlow("alpha", S::kWonValue, day, 12345);
  // 1.2345 more won value than the events say.
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "alpha", S::kWonValue, day, 12345));
  absl::StatusOr<ConsistencyReport> r = Check("alpha");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->differences_total, 1u);
  EXPECT_EQ(r->differences[0],
            (Difference{.domain = "crm",
                        .period = FormatPeriod(PeriodContaining(Granularity::kMonth, day)),
                        .field = "won_value",
                        .live = live,
                        .replayed = replayed}));
  EXPECT_EQ(MonthFlow("alpha", S::kWonValue, day), live) << "what the API serves now";
  // The other tenant is untouched.
  EXPECT_EQ(Check("beta")->differences_total, 0u);
}

TEST_F(ConsistencyTest, DriftInAStockIsReportedAtTheMonthItArisesWithMonthEndValues) {
  DayNumber day = SomeDayOf("alpha", S::kContactsTotal);
  Period month = PeriodContaining(Granularity::kMonth, day);
  int64_t end = projector_->Read("alpha").view->Get(S::kContactsTotal).PrefixBefore(month.end_day);
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "alpha", S::kContactsTotal, day, -2));
  absl::StatusOr<ConsistencyReport> r = Check("alpha");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->differences_total, 1u);
  EXPECT_EQ(r->differences[0], (Difference{.domain = "crm",
                                           .period = FormatPeriod(month),
                                           .field = "contacts_total",
                                           .live = std::to_string(end - 2),
                                           .replayed = std::to_string(end)}));
}

TEST_F(ConsistencyTest, ValuesShiftedBetweenDaysOfAMonthAreReportedByDay) {
  // 3 activities moved from one day to the next: the month's total agrees, its days do not.
  DayNumber day = SomeDayOf("beta", S::kActivitiesTotal);
  if (PeriodContaining(Granularity::kMonth, day + 1).first_day !=
      PeriodContaining(Granularity::kMonth, day).first_day) {
    --day;  // keep both days in one month
  }
  Period month = PeriodContaining(Granularity::kMonth, day);
  const DaySeries& before = projector_->Read("beta").view->Get(S::kActivitiesTotal);
  int64_t a = before.Range(day, day + 1), b = before.Range(day + 1, day + 2);
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "beta", S::kActivitiesTotal, day, -3));
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "beta", S::kActivitiesTotal, day + 1, 3));
  absl::StatusOr<ConsistencyReport> r = Check("beta");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->differences_total, 2u);
  auto day_text = [](DayNumber d) { return FormatPeriod(PeriodContaining(Granularity::kDay, d)); };
  EXPECT_EQ(r->differences[0], (Difference{"crm", day_text(day), "activities_total", "",
                                           std::to_string(a - 3), std::to_string(a)}));
  EXPECT_EQ(r->differences[1], (Difference{"crm", day_text(day + 1), "activities_total", "",
                                           std::to_string(b + 3), std::to_string(b)}));
  EXPECT_LT(month.first_day, day + 1);
}

TEST_F(ConsistencyTest, DriftInAKeyedFamilyNamesTheKey) {
  DayNumber day = SomeDayOf("alpha", S::kActivitiesTotal);
  ASSERT_TRUE(ProjectorPeer::CorruptKeyedForTest(*projector_, "alpha", K::kActivitiesByType,
                                                 "séance \"x\"", day, 1));
  absl::StatusOr<ConsistencyReport> r = Check("alpha");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->differences_total, 1u);
  EXPECT_EQ(r->differences[0],
            (Difference{"crm", FormatPeriod(PeriodContaining(Granularity::kMonth, day)),
                        "activities_by_type", "séance \"x\"", "1", "0"}));
}

TEST_F(ConsistencyTest, DifferencesPastTheLimitAreCountedNotKept) {
  DayNumber day = SomeDayOf("alpha", S::kActivitiesTotal);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "alpha", S::kActivitiesTotal,
                                              day + 40 * i, 1));
  }
  std::shared_ptr<const ModelSnapshot> snapshot = projector_->Current();
  absl::StatusOr<ConsistencyReport> r =
      CheckTenant(*store_.get(), "alpha", snapshot->tenants.at("alpha"), snapshot->position,
                  {.max_differences = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->differences_total, 5u);
  EXPECT_EQ(r->differences.size(), 2u);
}

// Events stored and applied while checks run are on neither side of a check: it compares the
// view of one published snapshot with the replay up to that snapshot's position.
TEST_F(ConsistencyTest, ChecksDuringConcurrentIngestFindNoDrift) {
  std::vector<std::string> more = TestStore::Generated(Stream(8, 6000));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (size_t i = 0; i < more.size(); i += 100) {
      std::vector<std::string> batch(more.begin() + static_cast<std::ptrdiff_t>(i),
                                     more.begin() + static_cast<std::ptrdiff_t>(
                                                        std::min(more.size(), i + 100)));
      // A new seed re-uses event ids: give this stream ids of its own.
      for (std::string& line : batch) {
        size_t at = line.find("\"event_id\":\"");
        if (at != std::string::npos) line.insert(at + 12, "again-");
      }
      store_.Append(batch);
    }
    done = true;
  });
  int checks = 0;
  uint64_t first_position = projector_->AppliedPosition(), last_position = 0;
  while (!done || checks < 3) {
    for (const std::string org : {"alpha", "beta"}) {
      absl::StatusOr<ConsistencyReport> r = Check(org);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->differences_total, 0u)
          << org << " at " << r->position << ": " << r->differences[0].field << " "
          << r->differences[0].period << " live " << r->differences[0].live << " replayed "
          << r->differences[0].replayed;
      last_position = r->position;
    }
    ++checks;
  }
  writer.join();
  EXPECT_GT(last_position, first_position) << "the checks ran while events were applied";
}

// A tenant holds at most one waiting reconciliation: one tenant's admin cannot fill the
// queue that every tenant shares. (Queued before Start, so nothing runs meanwhile.)
TEST_F(ConsistencyTest, ATenantHoldsOneWaitingReconciliation) {
  ConsistencyService service(store_.get(), projector_.get(), &clock_);
  std::atomic<int> ran{0};
  auto job = [&](const std::atomic<bool>&) { ran.fetch_add(1); };
  ASSERT_TRUE(service.Run("alpha", job).ok());
  absl::Status again = service.Run("alpha", job);
  EXPECT_TRUE(absl::IsUnavailable(again)) << again;
  EXPECT_NE(again.message().find("alpha is already waiting"), std::string_view::npos) << again;
  EXPECT_TRUE(service.Run("beta", job).ok());  // another tenant still gets its place
  service.Start();
  service.Stop();  // runs (or answers) what waited: both jobs, once each
  EXPECT_EQ(ran.load(), 2);
}

// The service: a requested check finds the injected drift, counts it, queues the tenant's
// rebuild; once rebuilt, the next check finds nothing.
TEST_F(ConsistencyTest, ServiceCountsAndRepairsDrift) {
  ConsistencyService service(store_.get(), projector_.get(), &clock_);
  MetricsRegistry metrics;
  service.RegisterMetrics(&metrics);
  service.Start();
  auto check = [&](const std::string& org, bool repair) {
    std::promise<absl::StatusOr<CheckResult>> p;
    EXPECT_TRUE(service.Check(org, repair, [&](absl::StatusOr<CheckResult> r) {
                  p.set_value(std::move(r));
                }).ok());
    return p.get_future().get();
  };
  DayNumber day = SomeDayOf("alpha", S::kPaymentsReceived);
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "alpha", S::kPaymentsReceived, day, 5));
  absl::StatusOr<CheckResult> only_check = check("alpha", false);
  ASSERT_TRUE(only_check.ok()) << only_check.status();
  EXPECT_EQ(only_check->report.differences_total, 1u);
  EXPECT_FALSE(only_check->repair.has_value()) << "repair=false only checks";
  EXPECT_THAT(metrics.Render(), HasSubstr("readside_consistency_drift_total 1\n"));

  absl::StatusOr<CheckResult> repaired = check("alpha", true);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  ASSERT_EQ(repaired->report.differences_total, 1u);
  EXPECT_EQ(repaired->report.differences[0].field, "payments_received");
  ASSERT_TRUE(repaired->repair.has_value()) << repaired->repair_error;
  EXPECT_EQ(repaired->repair->status.scope, "alpha");
  EXPECT_THAT(metrics.Render(), HasSubstr("readside_consistency_drift_total 2\n"));
  EXPECT_THAT(metrics.Render(), HasSubstr("readside_consistency_repairs_total 1\n"));
  for (int i = 0; i < 1000 && projector_->GetRebuildStatus("alpha").state != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(projector_->GetRebuildStatus("alpha").state, "done");
  absl::StatusOr<CheckResult> after = check("alpha", true);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->report.differences_total, 0u);
  EXPECT_FALSE(after->repair.has_value());
  EXPECT_EQ(service.LastCheck("alpha")->report.differences_total, 0u);
  EXPECT_THAT(metrics.Render(), HasSubstr("readside_consistency_drift_total 2\n"));
  EXPECT_THAT(metrics.Render(),
              HasSubstr("readside_consistency_checks_total{result=\"consistent\"} 1\n"));
  EXPECT_TRUE(absl::IsNotFound(check("nobody", true).status()));
}

// Background checks visit every tenant in turn and repair what they find.
TEST_F(ConsistencyTest, BackgroundChecksFindAndRepairDrift) {
  DayNumber day = SomeDayOf("beta", S::kNewHires);
  ASSERT_TRUE(ProjectorPeer::CorruptForTest(*projector_, "beta", S::kNewHires, day, 1));
  ConsistencyService service(store_.get(), projector_.get(), &clock_,
                             {.interval = std::chrono::milliseconds(20), .duty_ratio = 0});
  service.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         !(service.LastCheck("beta") && service.LastCheck("beta")->report.differences_total &&
           projector_->GetRebuildStatus("beta").state == "done")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(service.LastCheck("beta").has_value());
  ASSERT_EQ(projector_->GetRebuildStatus("beta").state, "done");
  EXPECT_EQ(service.Stats().drift, 1u);
  EXPECT_EQ(service.Stats().repairs, 1u);
  // Rebuilt: later passes over both tenants find nothing more.
  while (std::chrono::steady_clock::now() < deadline &&
         !(service.LastCheck("beta")->report.differences_total == 0 &&
           service.LastCheck("alpha"))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(service.LastCheck("beta")->report.differences_total, 0u);
  EXPECT_EQ(service.LastCheck("beta")->trigger, "background");
  ASSERT_TRUE(service.LastCheck("alpha").has_value());
  EXPECT_EQ(service.LastCheck("alpha")->report.differences_total, 0u);
  EXPECT_EQ(service.Stats().drift, 1u);
  service.Stop();
}

TEST(FormatScaledTest, PrintsExactDecimals) {
  EXPECT_EQ(FormatScaled(0, 4), "0");
  EXPECT_EQ(FormatScaled(12345, 4), "1.2345");
  EXPECT_EQ(FormatScaled(-1, 4), "-0.0001");
  EXPECT_EQ(FormatScaled(1'500'000, 6), "1.5");
  EXPECT_EQ(FormatScaled(-2'000'000, 6), "-2");
  EXPECT_EQ(FormatScaled(Int128{1} << 70, 0), "1180591620717411303424");
}

}  // namespace
}  // namespace readside::projection
