// The report scheduler over a real store and projector, a ManualClock and a fake SMTP
// transport: DST days fire the right number of times, missed runs catch up or are skipped,
// retries keep one Message-ID, permanent failures stop, an intent without outcome is sent
// again after a restart, and a due instant never runs twice across restarts.
#include "schedule/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/time_util.h"
#include "event/parser.h"
#include "own_state/report_schedule.h"
#include "projection/projector.h"
#include "schedule/testing/smtp_sink.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace readside::schedule {
namespace {

using own_state::RunStatus;

int64_t At(std::string_view rfc3339) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &v)) << rfc3339;
  return v;
}

class FakeTransport : public MailTransport {
 public:
  absl::StatusOr<Delivery> Send(const std::vector<std::string>& recipients,
                                std::string_view message) override {
    absl::MutexLock lock(&mu_);
    absl::Status s = absl::OkStatus();
    if (!failures_.empty()) {
      s = failures_.front();
      failures_.erase(failures_.begin());
    }
    attempts_.push_back(std::string(message));
    if (!s.ok()) return s;
    sent_.push_back(std::string(message));
    Delivery d;
    for (const std::string& r : recipients) {
      if (refuse_.contains(r)) d.refused.push_back(r + " (550 5.1.1 no such user)");
    }
    return d;
  }
  void FailNext(absl::Status s) {
    absl::MutexLock lock(&mu_);
    failures_.push_back(std::move(s));
  }
  void Refuse(std::string address) {
    absl::MutexLock lock(&mu_);
    refuse_.insert(std::move(address));
  }
  std::vector<std::string> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  std::vector<std::string> attempts() const {
    absl::MutexLock lock(&mu_);
    return attempts_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> sent_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> attempts_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> refuse_ ABSL_GUARDED_BY(mu_);
};

std::string HeaderOf(std::string_view message, std::string_view name) {
  size_t at = message.find(std::string(name) + ": ");
  if (at == std::string_view::npos) return "";
  size_t end = message.find("\r\n", at);
  return std::string(message.substr(at + name.size() + 2, end - at - name.size() - 2));
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("scheduler_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::EventStore::Open({.path = dir_.string() + "/events", .sync = false});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    projector_ = std::make_unique<projection::Projector>(store_.get(), &clock_);
    projector_->Start();
  }
  void TearDown() override {
    scheduler_.reset();
    projector_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartScheduler(int64_t catch_up_hours = 48, const Clock* clock = nullptr) {
    SchedulerOptions o;
    o.files_dir = dir_.string() + "/runs";
    o.catch_up_max_age_micros = catch_up_hours * 3600 * 1'000'000;
    o.from = "reports@example.com";
    o.max_sleep_micros = 5'000;
    o.backoff.initial_delay_micros = 60'000'000;
    o.backoff.jitter = 0;
    scheduler_ = std::make_unique<ReportScheduler>(store_.get(), projector_.get(), &transport_,
                                                   clock ? clock : &clock_, nullptr, o);
    scheduler_->Start();
  }

  // A schedule of acme's financial report over the previous month.
  static own_state::ReportSchedule Draft(std::string type, std::string format, std::string cron,
                                         std::string tz, std::vector<std::string> recipients) {
    own_state::ReportSchedule s;
    s.organization_id = "acme";
    s.report = "financial";
    s.type = std::move(type);
    s.period = "previous_month";
    s.format = std::move(format);
    s.cron = std::move(cron);
    s.timezone = std::move(tz);
    s.recipients = std::move(recipients);
    return s;
  }

  own_state::ReportSchedule Create(std::string cron, std::string tz,
                                   std::string period = "previous_month") {
    own_state::ReportSchedule s =
        Draft("trial_balance", "csv", std::move(cron), std::move(tz),
              {"cfo@example.com", "controller@example.com"});
    s.period = std::move(period);
    absl::Notification done;
    ReportScheduler::CreateReply reply;
    scheduler_->Create(s, [&](ReportScheduler::CreateReply r) {
      reply = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    if (const Problem* p = std::get_if<Problem>(&reply)) {
      ADD_FAILURE() << p->detail;
      return s;
    }
    return std::get<Created>(reply).schedule;
  }

  std::shared_ptr<const projection::ScheduleBook> Book() {
    return projector_->Read("acme").view->schedules;
  }
  std::vector<projection::RunRecord> Runs(std::string_view schedule_id) {
    std::vector<projection::RunRecord> out;
    std::shared_ptr<const projection::ScheduleBook> book = Book();  // kept alive for the loop
    for (const auto& [id, r] : book->runs) {
      if (r.schedule_id == schedule_id) out.push_back(r);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.due_at_micros < b.due_at_micros; });
    return out;
  }
  // Waits (real time) until `n` runs of `schedule_id` are settled (not running/retrying).
  bool WaitSettled(std::string_view schedule_id, size_t n) {
    for (int i = 0; i < 2000; ++i) {
      std::vector<projection::RunRecord> runs = Runs(schedule_id);
      size_t settled = 0;
      for (const auto& r : runs) {
        settled += r.status != RunStatus::kRunning && r.status != RunStatus::kRetrying;
      }
      if (settled >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Waits until the run at `due` has `status`.
  bool WaitStatus(const own_state::ReportSchedule& s, int64_t due, RunStatus status) {
    std::string id = own_state::RunIdOf(s.id, due);
    for (int i = 0; i < 2000; ++i) {
      auto book = Book();
      if (auto it = book->runs.find(id); it != book->runs.end() && it->second.status == status) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::filesystem::path dir_;
  ManualClock clock_{At("2024-03-30T23:00:00Z")};
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<projection::Projector> projector_;
  FakeTransport transport_;
  std::unique_ptr<ReportScheduler> scheduler_;
};

TEST_F(SchedulerTest, SpringForwardDayInBerlin) {
  StartScheduler();
  // Created at 00:00 local on 2024-03-31, the day Berlin skips 02:00–03:00.
  own_state::ReportSchedule hourly = Create("0 * * * *", "Europe/Berlin");
  own_state::ReportSchedule at_230 = Create("30 2 * * *", "Europe/Berlin");
  clock_.Set(At("2024-03-31T22:00:00Z"));  // 00:00 CEST on 1 April
  scheduler_->Wake();
  ASSERT_TRUE(WaitSettled(hourly.id, 23));
  ASSERT_TRUE(WaitSettled(at_230.id, 1));
  std::vector<projection::RunRecord> runs = Runs(hourly.id);
  ASSERT_EQ(runs.size(), 23u);  // 01:00 … 23:00 and 00:00 next day, without 02:00
  EXPECT_EQ(runs.front().due_at_micros, At("2024-03-31T00:00:00Z"));  // 01:00 CET
  EXPECT_EQ(runs[1].due_at_micros, At("2024-03-31T01:00:00Z"));      // 03:00 CEST
  EXPECT_EQ(runs.back().due_at_micros, At("2024-03-31T22:00:00Z"));
  for (const auto& r : runs) EXPECT_EQ(r.status, RunStatus::kSent) << r.run_id << " " << r.error;
  std::vector<projection::RunRecord> once = Runs(at_230.id);
  ASSERT_EQ(once.size(), 1u);
  EXPECT_EQ(once[0].due_at_micros, At("2024-03-31T01:00:00Z"));  // the gap's end, 03:00 CEST
  EXPECT_EQ(transport_.sent().size(), 24u);
}

TEST_F(SchedulerTest, FallBackDayInBerlin) {
  clock_.Set(At("2024-10-26T22:00:00Z"));  // 00:00 CEST on 27 October
  StartScheduler();
  own_state::ReportSchedule hourly = Create("0 * * * *", "Europe/Berlin");
  own_state::ReportSchedule at_230 = Create("30 2 * * *", "Europe/Berlin");
  clock_.Set(At("2024-10-27T23:00:00Z"));  // 00:00 CET on 28 October
  scheduler_->Wake();
  ASSERT_TRUE(WaitSettled(hourly.id, 24));
  ASSERT_TRUE(WaitSettled(at_230.id, 1));
  EXPECT_EQ(Runs(hourly.id).size(), 24u);  // 25 hours, 24 local labels: 02:00 fires once
  std::vector<projection::RunRecord> once = Runs(at_230.id);
  ASSERT_EQ(once.size(), 1u);
  EXPECT_EQ(once[0].due_at_micros, At("2024-10-27T00:30:00Z"));  // the first 02:30 (CEST)
}

TEST_F(SchedulerTest, MissedRunsCatchUpWithinTheAgeAndAreSkippedBeyond) {
  StartScheduler(/*catch_up_hours=*/6);
  own_state::ReportSchedule s = Create("0 */4 * * *", "UTC");  // 00, 04, 08, … UTC
  clock_.Set(At("2024-03-31T23:30:00Z"));  // due 00:00 … 20:00: 6 instants
  scheduler_->Wake();
  ASSERT_TRUE(WaitSettled(s.id, 6));
  std::vector<projection::RunRecord> runs = Runs(s.id);
  ASSERT_EQ(runs.size(), 6u);
  for (size_t i = 0; i < runs.size(); ++i) {
    // 00:00 … 16:00 are more than 6 h old at 23:30: skipped; 20:00 runs.
    RunStatus want = i < 5 ? RunStatus::kSkipped : RunStatus::kSent;
    EXPECT_EQ(runs[i].status, want) << i;
  }
  EXPECT_EQ(transport_.sent().size(), 1u);
  EXPECT_FALSE(runs[0].error.empty());
}

// The test's clock, counting the scheduler's readings (a pass starts with one, and its wait
// for the next pass takes another).
class CountingClock final : public Clock {
 public:
  explicit CountingClock(const Clock* base) : base_(base) {}
  int64_t NowMicros() const override {
    reads_.fetch_add(1);
    return base_->NowMicros();
  }
  int64_t MonotonicNanos() const override { return base_->MonotonicNanos(); }
  int64_t reads() const { return reads_.load(); }

 private:
  const Clock* base_;
  mutable std::atomic<int64_t> reads_{0};
};

// Waits (bounded) until the scheduler has made a whole pass at the clock's current time over
// views holding everything stored, and that pass stored nothing.
bool Quiesced(const CountingClock& clock, store::EventStore* store,
              projection::Projector* projector) {
  for (int i = 0; i < 1000; ++i) {
    const uint64_t stored = store->LastPosition();
    if (projector->AppliedPosition() >= stored) {
      const int64_t reads = clock.reads();
      for (int j = 0; j < 1000 && clock.reads() < reads + 3; ++j) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (clock.reads() >= reads + 3 && store->LastPosition() == stored) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Clock jumps (issue 17, injected faults): the wall clock stepped back and forward (an NTP
// step, a VM restored from a snapshot). Each due instant fires once: going back does not fire
// again the instants already fired when the clock passes them a second time, and a jump
// forward handles the instants it skipped by the catch-up rule of reports.md (within the
// catch-up age they run, older ones are recorded as skipped), each once.
TEST_F(SchedulerTest, ClockJumpsBackAndForthFireEachDueInstantOnce) {
  CountingClock clock(&clock_);
  StartScheduler(/*catch_up_hours=*/6, &clock);
  own_state::ReportSchedule s = Create("0 * * * *", "UTC");  // created 2024-03-30T23:00Z
  auto jump = [&](std::string_view to) {
    clock_.Set(At(to));
    scheduler_->Wake();
  };
  jump("2024-03-31T02:30:00Z");  // 00:00, 01:00, 02:00
  ASSERT_TRUE(WaitSettled(s.id, 3));
  EXPECT_EQ(transport_.sent().size(), 3u);

  jump("2024-03-30T22:00:00Z");  // back, before the schedule was created
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));
  jump("2024-03-31T02:59:00Z");  // past the fired instants a second time
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));
  EXPECT_EQ(Runs(s.id).size(), 3u);
  EXPECT_EQ(transport_.sent().size(), 3u) << "an instant fired twice after a backward jump";

  jump("2024-03-31T03:00:00Z");  // the next instant, once
  ASSERT_TRUE(WaitSettled(s.id, 4));
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));
  EXPECT_EQ(transport_.sent().size(), 4u);

  // Two days ahead: 48 instants skipped by the jump (04:00 on the 31st … 03:00 on 2 April).
  // Those more than 6 h old at 03:30 are recorded as skipped (42), the 6 others run.
  jump("2024-04-02T03:30:00Z");
  ASSERT_TRUE(WaitSettled(s.id, 52));
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));
  // And back into the span just handled, then forward past it again: nothing more.
  jump("2024-04-01T12:00:00Z");
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));
  jump("2024-04-02T03:45:00Z");
  ASSERT_TRUE(Quiesced(clock, store_.get(), projector_.get()));

  std::vector<projection::RunRecord> runs = Runs(s.id);
  ASSERT_EQ(runs.size(), 52u);
  const int64_t first = At("2024-03-31T00:00:00Z"), hour = 3600'000'000LL;
  size_t sent = 0, skipped = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].due_at_micros, first + static_cast<int64_t>(i) * hour) << i;
    const bool too_old = runs[i].due_at_micros < At("2024-04-01T21:30:00Z") &&
                         runs[i].due_at_micros > At("2024-03-31T03:00:00Z");
    EXPECT_EQ(runs[i].status, too_old ? RunStatus::kSkipped : RunStatus::kSent) << i;
    sent += runs[i].status == RunStatus::kSent;
    skipped += runs[i].status == RunStatus::kSkipped;
  }
  EXPECT_EQ(sent, 10u);
  EXPECT_EQ(skipped, 42u);
  // Every message went out once: as many sends as sent runs, no Message-ID twice.
  std::vector<std::string> messages = transport_.sent();
  ASSERT_EQ(messages.size(), sent);
  std::set<std::string> ids;
  for (const std::string& m : messages) ids.insert(HeaderOf(m, "Message-ID"));
  EXPECT_EQ(ids.size(), messages.size());
}

// SMTP going away and coming back under load (issue 17, injected faults): a real SMTP server
// is stopped while events are appended and the read models read without pause. Deliveries
// fail and are retried, the breaker opens and the health says SMTP is down, and nothing else
// waits on it: every append is acknowledged and stored, views keep coming. Back on the same
// port, the retries deliver, the breaker closes, the health says up, and each due instant
// reached the server exactly once.
TEST_F(SchedulerTest, SmtpGoingAwayAndComingBackUnderLoad) {
  testing::ScratchDir before_dir, after_dir;
  absl::StatusOr<std::unique_ptr<testing::SmtpSink>> sink =
      testing::SmtpSink::Start({}, before_dir.path());
  ASSERT_TRUE(sink.ok()) << sink.status();
  const int port = (*sink)->port();
  absl::StatusOr<std::unique_ptr<SmtpSender>> sender =
      SmtpSender::Create({.url = "smtp://127.0.0.1:" + std::to_string(port),
                          .from = "reports@example.com",
                          .connect_timeout_ms = 2'000,
                          .timeout_ms = 10'000});
  ASSERT_TRUE(sender.ok()) << sender.status();
  SchedulerOptions o;
  o.files_dir = dir_.string() + "/runs";
  o.from = "reports@example.com";
  o.max_sleep_micros = 5'000;
  o.backoff.initial_delay_micros = 60'000'000;
  o.backoff.jitter = 0;
  o.breaker = {.failure_threshold = 2, .cool_down_micros = 30'000'000};
  scheduler_ = std::make_unique<ReportScheduler>(store_.get(), projector_.get(), sender->get(),
                                                 &clock_, nullptr, o);
  scheduler_->Start();
  std::vector<own_state::ReportSchedule> schedules;
  for (int i = 0; i < 3; ++i) schedules.push_back(Create("0 * * * *", "UTC"));

  // The load: batches of simulated events appended, and the tenant's view read, throughout.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> batches{0}, refused{0}, views{0};
  std::set<std::string> acknowledged;  // the load thread's until it is joined
  std::thread load([&] {
    sim::Generator gen({.seed = 21, .tenants = {"load-org"}, .total_events = 2'000'000});
    event::EventParser parser;
    std::vector<event::FieldError> errors;
    std::string line;
    int64_t ts;
    while (!stop.load()) {
      store::AppendRequest request;
      std::vector<std::string> ids;
      while (request.events.size() < 50 && gen.Next(&line, &ts)) {
        event::Event e;
        if (!parser.ParseOne(line, &e, &errors)) continue;
        ids.push_back(e.event_id);
        request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                  e.event_type, e.timestamp_micros, e.json});
      }
      auto outcomes = store_->Append(std::move(request));
      if (!outcomes.ok()) {
        refused.fetch_add(1);
        continue;
      }
      for (size_t i = 0; i < outcomes->size(); ++i) {
        if ((*outcomes)[i].outcome == store::Outcome::kAccepted) acknowledged.insert(ids[i]);
      }
      batches.fetch_add(1);
      if (projector_->Read("load-org").view != nullptr) views.fetch_add(1);
    }
  });
  auto all_at = [&](int64_t due, RunStatus status) {
    for (const auto& s : schedules) {
      if (!WaitStatus(s, due, status)) return false;
    }
    return true;
  };

  const int64_t first = At("2024-03-31T00:00:00Z");
  clock_.Set(first + 1'000'000);
  scheduler_->Wake();
  ASSERT_TRUE(all_at(first, RunStatus::kSent));
  EXPECT_EQ((*sink)->MessageFiles().size(), 3u);
  EXPECT_TRUE(scheduler_->Smtp().up);
  EXPECT_EQ(scheduler_->Smtp().breaker, "closed");

  sink->reset();  // the SMTP server goes away
  const int64_t second = first + 3600'000'000LL;
  const uint64_t batches_before = batches.load();
  clock_.Set(second + 1'000'000);
  scheduler_->Wake();
  ASSERT_TRUE(all_at(second, RunStatus::kRetrying));
  ReportScheduler::SmtpHealth down = scheduler_->Smtp();
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.breaker, "open");  // two failures opened it; the third run was held
  size_t held = 0;
  for (const auto& s : schedules) {
    const auto run = Book()->runs.at(own_state::RunIdOf(s.id, second));
    held += run.error.find("circuit breaker") != std::string::npos;
  }
  EXPECT_EQ(held, 1u);
  // Meanwhile ingest and reads go on.
  for (int i = 0; i < 2000 && batches.load() < batches_before + 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(batches.load(), batches_before + 20);

  sink = testing::SmtpSink::Start({.port = port}, after_dir.path());  // back, same address
  ASSERT_TRUE(sink.ok()) << sink.status();
  clock_.Set(second + 1'000'000 + 61'000'000);  // past the backoff and the cool-down
  scheduler_->Wake();
  ASSERT_TRUE(all_at(second, RunStatus::kSent));
  EXPECT_TRUE(scheduler_->Smtp().up);
  EXPECT_EQ(scheduler_->Smtp().breaker, "closed");

  stop = true;
  load.join();
  EXPECT_EQ(refused.load(), 0u);
  EXPECT_GT(views.load(), 0u);
  // Every acknowledged event is stored once.
  ASSERT_TRUE(projector_->WaitForPosition(store_->LastPosition(), std::chrono::minutes(1)));
  std::set<std::string> stored;
  size_t rows = 0;
  ASSERT_TRUE(store_->ReadRange(0, UINT64_MAX, [&](const store::StoredEvent& e) {
                        if (e.organization_id == "load-org") {
                          stored.insert(e.event_id);
                          ++rows;
                        }
                        return true;
                      }).ok());
  EXPECT_EQ(stored, acknowledged);
  EXPECT_EQ(rows, acknowledged.size());
  // The instant of the outage reached the server exactly once per schedule.
  std::vector<std::string> files = (*sink)->MessageFiles();
  ASSERT_EQ(files.size(), 3u);
  std::set<std::string> ids;
  for (const std::string& f : files) {
    const std::string bytes = testing::SmtpSink::ReadFile(f);
    const size_t at = bytes.find("Message-ID: ");
    ASSERT_NE(at, std::string::npos) << bytes;
    ids.insert(bytes.substr(at + 12, bytes.find_first_of("\r\n", at) - at - 12));
  }
  std::set<std::string> want;
  for (const auto& s : schedules) {
    want.insert("<" + own_state::RunIdOf(s.id, second) + "@example.com>");
  }
  EXPECT_EQ(ids, want);
}

TEST_F(SchedulerTest, RetriesKeepTheMessageIdAndBytes) {
  StartScheduler();
  own_state::ReportSchedule s = Create("0 0 * * *", "UTC");
  transport_.FailNext(absl::UnavailableError("451 4.3.0 try again later"));
  transport_.FailNext(absl::DeadlineExceededError("timeout"));
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due + 1'000'000);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kRetrying));
  auto run = Book()->runs.at(own_state::RunIdOf(s.id, due));
  EXPECT_EQ(run.attempts, 1);
  EXPECT_EQ(run.next_attempt_at_micros, due + 1'000'000 + 60'000'000);  // backoff, no jitter
  EXPECT_NE(run.error.find("451"), std::string::npos);
  clock_.Set(run.next_attempt_at_micros);
  scheduler_->Wake();
  for (int i = 0; i < 1000 && transport_.attempts().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kRetrying));
  clock_.Advance(10 * 60'000'000LL);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kSent));
  std::vector<std::string> attempts = transport_.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0], attempts[2]);  // the identical message on every attempt
  EXPECT_EQ(HeaderOf(attempts[2], "Message-ID"),
            "<" + own_state::RunIdOf(s.id, due) + "@example.com>");
  EXPECT_EQ(Book()->runs.at(own_state::RunIdOf(s.id, due)).attempts, 3);
}

TEST_F(SchedulerTest, APermanentFailureFailsTheRunAtOnce) {
  StartScheduler();
  own_state::ReportSchedule s = Create("0 0 * * *", "UTC");
  transport_.FailNext(absl::FailedPreconditionError("550 5.1.1 no such user"));
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kFailed));
  auto run = Book()->runs.at(own_state::RunIdOf(s.id, due));
  EXPECT_EQ(run.attempts, 1);
  EXPECT_NE(run.error.find("550"), std::string::npos);
}

TEST_F(SchedulerTest, AnIntentWithoutOutcomeIsSentAgainWithTheSameMessageId) {
  StartScheduler();
  own_state::ReportSchedule s = Create("0 0 * * *", "UTC");
  scheduler_->Stop();
  scheduler_.reset();
  // What a process killed after storing the intent leaves behind.
  const int64_t due = At("2024-03-31T00:00:00Z");
  own_state::RunStarted r;
  r.run_id = own_state::RunIdOf(s.id, due);
  r.schedule_id = s.id;
  r.organization_id = "acme";
  r.due_at_micros = due;
  r.attempt = 1;
  r.message_id = r.run_id + "@example.com";
  r.file = r.run_id + "-gone.csv";  // the file is gone too: rendered again
  r.started_at_micros = due;
  store::EventToStore e{.organization_id = "acme", .event_id = "0b7f6c1e-1111-4a4a-8a8a-000000000001",
                        .event_id_assigned = true, .entity_id = r.run_id,
                        .event_type = std::string(own_state::kReportRunStartedType),
                        .timestamp_micros = due};
  e.json = own_state::EncodeRunStarted(r, e.event_id, due);
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  ASSERT_TRUE(store_->Append(std::move(append)).ok());
  // As on a restart, the scheduler starts once the read model holds the intent.
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kRunning));
  clock_.Set(due + 5'000'000);
  StartScheduler();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kSent));
  ASSERT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(HeaderOf(transport_.sent()[0], "Message-ID"), "<" + r.message_id + ">");
  EXPECT_EQ(Book()->runs.at(r.run_id).attempts, 2);
}

TEST_F(SchedulerTest, ADueInstantRunsOnceAcrossRestarts) {
  StartScheduler();
  own_state::ReportSchedule s = Create("0 0 * * *", "UTC");
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due + 1'000'000);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kSent));
  for (int restart = 0; restart < 3; ++restart) {
    scheduler_.reset();
    StartScheduler();
    scheduler_->Wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(transport_.sent().size(), 1u);
  EXPECT_EQ(Runs(s.id).size(), 1u);
  // The file of the run is kept and readable.
  auto run = Book()->runs.at(own_state::RunIdOf(s.id, due));
  absl::StatusOr<std::string> file = scheduler_->ReadRunFile(run.file);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(static_cast<int64_t>(file->size()), run.size);
  EXPECT_NE(file->find("Code"), std::string::npos);  // the trial balance's CSV header
  EXPECT_FALSE(scheduler_->ReadRunFile("../events/CURRENT").ok());
}

TEST_F(SchedulerTest, TheHistoryKeepsTheLatestRunsAndTheirFilesOnly) {
  StartScheduler(/*catch_up_hours=*/1000);
  own_state::ReportSchedule s = Create("0 * * * *", "UTC");
  clock_.Set(At("2024-03-30T23:00:00Z") + 110 * 3600'000'000LL);
  scheduler_->Wake();
  // 110 due instants, all sent; the read model keeps the latest 100.
  for (int i = 0; i < 3000 && transport_.sent().size() < 110; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(transport_.sent().size(), 110u);
  ASSERT_TRUE(WaitSettled(s.id, projection::ScheduleProjection::kRunsKept));
  std::vector<projection::RunRecord> runs = Runs(s.id);
  ASSERT_EQ(runs.size(), projection::ScheduleProjection::kRunsKept);
  EXPECT_EQ(runs.front().due_at_micros, At("2024-03-31T10:00:00Z"));  // the 11th instant
  // The next pass prunes the files of the dropped runs (one more instant to trigger it).
  clock_.Advance(3600'000'000LL);
  scheduler_->Wake();
  // That pass writes the new run's file, records it (the oldest kept run drops out of the
  // history) and then removes the dropped runs' files: the directory and the history agree
  // once it is over, each read afresh (a listing taken between two of its steps is not it).
  std::set<std::string> kept, recorded;
  for (int i = 0; i < 1000; ++i) {
    kept.clear();
    recorded.clear();
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "runs")) {
      kept.insert(e.path().filename().string());
    }
    for (const auto& [id, run] : Book()->runs) recorded.insert(run.file);
    if (kept == recorded && transport_.sent().size() == 111u) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(transport_.sent().size(), 111u);
  EXPECT_EQ(kept.size(), projection::ScheduleProjection::kRunsKept);
  EXPECT_EQ(kept, recorded) << "the files kept are exactly the kept runs' files";
}

// While the circuit breaker is open a due retry is held: recorded as retrying with the
// breaker's reason and a next time in the future, under an event id of its own (every stored
// id of the run is unique: the store refuses a second copy of a derived id).
TEST_F(SchedulerTest, ABreakerHoldIsRecordedUnderItsOwnEventId) {
  StartScheduler();
  own_state::ReportSchedule r = Create("0 0 * * *", "UTC");
  std::vector<own_state::ReportSchedule> others;
  for (int i = 0; i < 4; ++i) others.push_back(Create("1 0 * * *", "UTC"));
  for (int i = 0; i < 5; ++i) transport_.FailNext(absl::UnavailableError("451 try later"));
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due + 1'000'000);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(r, due, RunStatus::kRetrying));
  clock_.Set(due + 60'500'000);  // the others fail at 00:01:00: five failures open the breaker
  scheduler_->Wake();
  for (auto& s : others) ASSERT_TRUE(WaitStatus(s, due + 60'000'000, RunStatus::kRetrying));
  clock_.Set(due + 62'000'000);  // r's retry is due; the breaker is still open
  scheduler_->Wake();
  const std::string run_id = own_state::RunIdOf(r.id, due);
  projection::RunRecord run;
  for (int i = 0; i < 1000; ++i) {
    run = Book()->runs.at(run_id);
    if (run.error.find("circuit breaker") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(run.error.find("circuit breaker"), std::string::npos) << run.error;
  EXPECT_GT(run.next_attempt_at_micros, clock_.NowMicros());
  EXPECT_EQ(transport_.attempts().size(), 5u);  // r was not sent while held
  auto page = store_->Query({.organization_id = "acme", .aggregate_id = run_id, .limit = 1000});
  ASSERT_TRUE(page.ok());
  std::map<std::string, int> ids;
  for (const auto& e : page->events) ++ids[e.event_id];
  EXPECT_GE(ids.size(), 3u);  // intent, retrying, held
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << "event id " << id << " stored " << n << " times";
}

// A refused recipient (5xx) fails its own run only; it does not open the breaker that holds
// everyone's deliveries.
TEST_F(SchedulerTest, RefusedRecipientsDoNotOpenTheBreakerForEveryone) {
  StartScheduler();
  std::vector<own_state::ReportSchedule> bad;
  for (int i = 0; i < 5; ++i) bad.push_back(Create("0 0 * * *", "UTC"));
  for (int i = 0; i < 5; ++i) {
    transport_.FailNext(absl::FailedPreconditionError("550 5.1.1 no such user"));
  }
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due + 1'000'000);
  scheduler_->Wake();
  for (auto& s : bad) ASSERT_TRUE(WaitStatus(s, due, RunStatus::kFailed));
  own_state::ReportSchedule good = Create("1 0 * * *", "UTC");
  clock_.Set(due + 60'500'000);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(good, due + 60'000'000, RunStatus::kSent));
}

// One refused recipient of two: the message goes to the other, once; the run is sent and
// its history names the refused address and the server's reply.
TEST_F(SchedulerTest, ARefusedRecipientIsRecordedWhileTheOthersGetTheMessage) {
  StartScheduler();
  transport_.Refuse("controller@example.com");
  own_state::ReportSchedule s = Create("0 0 * * *", "UTC");
  const int64_t due = At("2024-03-31T00:00:00Z");
  clock_.Set(due);
  scheduler_->Wake();
  ASSERT_TRUE(WaitStatus(s, due, RunStatus::kSent));
  auto run = Book()->runs.at(own_state::RunIdOf(s.id, due));
  EXPECT_EQ(run.attempts, 1);
  EXPECT_EQ(run.error,
            "sent, but the SMTP server refused 1 of 2 recipients: controller@example.com (550 "
            "5.1.1 no such user)");
  EXPECT_EQ(transport_.attempts().size(), 1u);  // not retried
}

TEST_F(SchedulerTest, BadSchedulesNameTheField) {
  StartScheduler();
  auto problem = [&](auto mutate) -> std::string {
    own_state::ReportSchedule s =
        Draft("pnl", "pdf", "0 8 * * MON", "Europe/Berlin", {"a@example.com"});
    mutate(s);
    absl::Notification done;
    std::string field = "(accepted)";
    scheduler_->Create(s, [&](ReportScheduler::CreateReply r) {
      if (const Problem* p = std::get_if<Problem>(&r)) {
        field = p->errors.empty() ? p->detail : p->errors[0].field;
      }
      done.Notify();
    });
    done.WaitForNotification();
    return field;
  };
  EXPECT_EQ(problem([](auto& s) {}), "(accepted)");
  EXPECT_EQ(problem([](auto& s) { s.report = "nope"; }), "report");
  EXPECT_EQ(problem([](auto& s) { s.type = "nope"; }), "type");
  EXPECT_EQ(problem([](auto& s) { s.period = "last_week"; }), "period");
  EXPECT_EQ(problem([](auto& s) { s.format = "docx"; }), "format");
  EXPECT_EQ(problem([](auto& s) { s.cron = "0 25 * * *"; }), "cron");
  EXPECT_EQ(problem([](auto& s) { s.timezone = "Mars/Olympus"; }), "timezone");
  EXPECT_EQ(problem([](auto& s) { s.recipients = {}; }), "recipients");
  EXPECT_EQ(problem([](auto& s) { s.recipients = {"ok@example.com", "not an address"}; }),
            "recipients[1]");
  EXPECT_EQ(problem([](auto& s) { s.subject = "a\r\nBcc: x@evil.com"; }), "subject");
  EXPECT_EQ(problem([](auto& s) { s.parameters = {{"compare", "sideways"}}; }), "compare");
  EXPECT_EQ(problem([](auto& s) { s.subject = "Report\u0085Bcc: x@evil.com"; }), "subject");
  EXPECT_EQ(problem([](auto& s) { s.recipients = {"a@example.com", "a@example.com"}; }),
            "recipients[1]");
  EXPECT_EQ(problem([](auto& s) { s.recipients = {"a@example.com", "b@x.org", "A@Example.COM"}; }),
            "recipients[2]");
  std::string huge;
  for (int i = 0; i < 100; ++i) huge += "1,";
  EXPECT_EQ(problem([&](auto& s) { s.cron = huge + "2 * * * *"; }), "cron");
  EXPECT_EQ(problem([](auto& s) { s.cron = "1,2,3,4,5,6,7,8,9 * * * *"; }), "(accepted)");
}

// The detail names the field once ("cron: minute: 61 …", not "cron: cron: …").
TEST_F(SchedulerTest, ProblemDetailsNameTheFieldOnce) {
  StartScheduler();
  own_state::ReportSchedule s = Draft("pnl", "pdf", "61 * * * *", "UTC", {"not an address"});
  for (int which = 0; which < 2; ++which) {
    if (which == 1) s.cron = "0 * * * *";
    absl::Notification done;
    std::string detail;
    scheduler_->Create(s, [&](ReportScheduler::CreateReply r) {
      if (const Problem* p = std::get_if<Problem>(&r)) detail = p->detail + " | " + p->errors[0].message;
      done.Notify();
    });
    done.WaitForNotification();
    std::string field = which == 0 ? "cron" : "recipients[0]";
    EXPECT_EQ(detail.rfind(field + ": ", 0), 0u) << detail;
    EXPECT_EQ(detail.find(field + ": " + field), std::string::npos) << detail;
    EXPECT_EQ(detail.find("| " + field), std::string::npos) << detail;
  }
}

// The cap of 100 schedules per organization holds for creates that race: with 98 stored,
// eight concurrent creates get two 201s and six 409s (each counts the others in flight).
TEST_F(SchedulerTest, ConcurrentCreatesCannotPassTheCapTogether) {
  StartScheduler();
  for (int i = 0; i < 98; ++i) Create("0 0 * * *", "UTC");
  own_state::ReportSchedule s =
      Draft("trial_balance", "csv", "0 1 * * *", "UTC", {"cfo@example.com"});
  constexpr int kRacers = 8;
  std::atomic<int> created{0}, refused{0}, replies{0};
  absl::Notification all;
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&] {
      scheduler_->Create(s, [&](ReportScheduler::CreateReply r) {
        if (const Problem* p = std::get_if<Problem>(&r)) {
          EXPECT_EQ(p->status, 409) << p->detail;
          ++refused;
        } else {
          ++created;
        }
        if (++replies == kRacers) all.Notify();
      });
    });
  }
  for (auto& t : racers) t.join();
  all.WaitForNotification();
  EXPECT_EQ(created.load(), 2);
  EXPECT_EQ(refused.load(), kRacers - 2);
  EXPECT_EQ(Book()->schedules.size(), 100u);
}

}  // namespace
}  // namespace readside::schedule
