// ScheduleProjection: runs as the stored readside.report.* events describe them; retention
// drops the oldest settled runs of a schedule, never an open one.

#include "projection/schedule_projection.h"

#include <gtest/gtest.h>

#include <string>

namespace readside::projection {
namespace {

using own_state::RunStatus;

constexpr int64_t kHour = 3600'000'000LL;
constexpr int64_t kStart = 1'711'843'200'000'000LL;  // 2024-03-31T00:00:00Z

std::string Started(const std::string& schedule, int64_t due) {
  own_state::RunStarted r;
  r.run_id = own_state::RunIdOf(schedule, due);
  r.schedule_id = schedule;
  r.organization_id = "acme";
  r.due_at_micros = due;
  r.message_id = "<" + r.run_id + "@readside>";
  r.file = r.run_id + ".csv";
  r.started_at_micros = due;
  return own_state::EncodeRunStarted(r, r.run_id + "-started", due);
}

std::string Finished(const std::string& schedule, int64_t due, RunStatus status) {
  own_state::RunFinished r;
  r.run_id = own_state::RunIdOf(schedule, due);
  r.schedule_id = schedule;
  r.organization_id = "acme";
  r.due_at_micros = due;
  r.attempts = 1;
  r.status = status;
  if (status == RunStatus::kRetrying) r.next_attempt_at_micros = due + kHour;
  if (status != RunStatus::kSent) r.error = "451 try later";
  r.finished_at_micros = due + 1;
  return own_state::EncodeRunFinished(r, r.run_id + "-finished", due + 1);
}

TEST(ScheduleProjectionTest, RetentionDropsTheOldestSettledRunsAndKeepsOpenOnes) {
  ScheduleProjection p;
  // The first run never settles (retrying), the second is still running; 150 more are sent.
  ASSERT_TRUE(p.Apply(Started("s1", kStart)));
  ASSERT_TRUE(p.Apply(Finished("s1", kStart, RunStatus::kRetrying)));
  ASSERT_TRUE(p.Apply(Started("s1", kStart + kHour)));
  for (int i = 2; i < 152; ++i) {
    ASSERT_TRUE(p.Apply(Started("s1", kStart + i * kHour)));
    ASSERT_TRUE(p.Apply(Finished("s1", kStart + i * kHour, RunStatus::kSent)));
  }
  ASSERT_TRUE(p.Apply(Started("s2", kStart)));  // another schedule's run is not counted
  ASSERT_TRUE(p.Apply(Finished("s2", kStart, RunStatus::kFailed)));
  std::shared_ptr<const ScheduleBook> book = p.Book();
  size_t s1 = 0;
  for (const auto& [id, run] : book->runs) s1 += run.schedule_id == "s1";
  EXPECT_EQ(s1, ScheduleProjection::kRunsKept);
  auto open = book->runs.find(own_state::RunIdOf("s1", kStart));
  ASSERT_NE(open, book->runs.end());
  EXPECT_EQ(open->second.status, RunStatus::kRetrying);
  auto running = book->runs.find(own_state::RunIdOf("s1", kStart + kHour));
  ASSERT_NE(running, book->runs.end());
  EXPECT_EQ(running->second.status, RunStatus::kRunning);
  // The 98 settled runs kept are the latest: 54..151; 2..53 left.
  EXPECT_FALSE(book->runs.contains(own_state::RunIdOf("s1", kStart + 53 * kHour)));
  EXPECT_TRUE(book->runs.contains(own_state::RunIdOf("s1", kStart + 54 * kHour)));
  EXPECT_TRUE(book->runs.contains(own_state::RunIdOf("s2", kStart)));
  EXPECT_EQ(book->high_water.at("s1"), kStart + 151 * kHour);
  // Once the open runs settle they are the oldest, and the next runs push them out.
  ASSERT_TRUE(p.Apply(Finished("s1", kStart, RunStatus::kSent)));
  ASSERT_TRUE(p.Apply(Finished("s1", kStart + kHour, RunStatus::kSent)));
  EXPECT_TRUE(p.Book()->runs.contains(own_state::RunIdOf("s1", kStart)));
  for (int i = 152; i < 154; ++i) {
    ASSERT_TRUE(p.Apply(Started("s1", kStart + i * kHour)));
    ASSERT_TRUE(p.Apply(Finished("s1", kStart + i * kHour, RunStatus::kSent)));
  }
  book = p.Book();
  EXPECT_FALSE(book->runs.contains(own_state::RunIdOf("s1", kStart)));
  EXPECT_FALSE(book->runs.contains(own_state::RunIdOf("s1", kStart + kHour)));
  EXPECT_TRUE(book->runs.contains(own_state::RunIdOf("s1", kStart + 54 * kHour)));
  s1 = 0;
  for (const auto& [id, run] : book->runs) s1 += run.schedule_id == "s1";
  EXPECT_EQ(s1, ScheduleProjection::kRunsKept);
}

TEST(ScheduleProjectionTest, AnEventThatDoesNotDecodeChangesNothing) {
  ScheduleProjection p;
  ASSERT_TRUE(p.Apply(Started("s1", kStart)));
  std::shared_ptr<const ScheduleBook> before = p.Book();
  EXPECT_FALSE(p.Apply(R"({"event_type":"readside.report.run_started"})"));
  EXPECT_FALSE(p.Apply("not json"));
  EXPECT_EQ(p.Book()->runs.size(), 1u);
}

}  // namespace
}  // namespace readside::projection
