#include "schedule/schedule_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace readside::schedule {
namespace {

using ::testing::StartsWith;

constexpr int64_t k20240115T10 = 1705312800'000000;  // 2024-01-15T10:00:00Z
constexpr int64_t k20240201T07 = 1706770800'000000;  // 2024-02-01T07:00:00Z

ReportSchedule Schedule() {
  return ReportSchedule{.id = "sch-1",
                        .organization_id = "acme",
                        .report = "financial",
                        .type = "pnl",
                        .period = "previous_month",
                        .format = "pdf",
                        .cron = "0 8 1 * *",
                        .timezone = "Europe/Berlin",
                        .recipients = {"cfo@acme.example", "board@acme.example"},
                        .subject = "P&L – März \"final\"",
                        .created_at_micros = k20240115T10 + 123456};
}

RunFinished Finished() {
  return RunFinished{.run_id = "sch-1.1706770800",
                     .schedule_id = "sch-1",
                     .organization_id = "acme",
                     .due_at_micros = k20240201T07,
                     .status = RunStatus::kRetrying,
                     .attempts = 2,
                     .error = "smtp: RCPT failed: 451; server said \"451 4.3.0 later\"",
                     .size = 48213,
                     .message_id = "sch-1.1706770800@readside.acme",
                     .finished_at_micros = k20240201T07 + 2'500'000};
}

template <typename T>
T RoundTrip(const std::string& json) {
  absl::StatusOr<ScheduleEvent> e = DecodeScheduleEvent(json);
  EXPECT_TRUE(e.ok()) << e.status() << "\n" << json;
  if (!e.ok() || !std::holds_alternative<T>(*e)) {
    ADD_FAILURE() << "another kind of event";
    return T{};
  }
  return std::get<T>(*e);
}

TEST(ScheduleCodecTest, EncodesTheEventContractEnvelopeAndTheWholeSchedule) {
  EXPECT_EQ(EncodeReportScheduled(Schedule(), "e-1"),
            R"({"event_id":"e-1","event_type":"readside.report.scheduled",)"
            R"("organization_id":"acme","timestamp":"2024-01-15T10:00:00.123456Z",)"
            R"("version":"1.0","source_service":"readside","data":{"entity_id":"sch-1",)"
            R"("entity_type":"report_schedule","action":"scheduled","payload":{"id":"sch-1",)"
            R"("organization_id":"acme","report":"financial","type":"pnl",)"
            R"("period":"previous_month","format":"pdf","cron":"0 8 1 * *",)"
            R"("timezone":"Europe/Berlin","recipients":["cfo@acme.example",)"
            R"("board@acme.example"],"subject":"P&L – März \"final\"",)"
            R"("created_at":"2024-01-15T10:00:00.123456Z"}}})");
  EXPECT_EQ(EncodeRunStarted({.run_id = "r-1",
                              .schedule_id = "sch-1",
                              .organization_id = "acme",
                              .due_at_micros = k20240201T07,
                              .attempt = 3,
                              .started_at_micros = k20240201T07 + 1000},
                             "e-2"),
            R"({"event_id":"e-2","event_type":"readside.report.run_started",)"
            R"("organization_id":"acme","timestamp":"2024-02-01T07:00:00.001Z",)"
            R"("version":"1.0","source_service":"readside","data":{"entity_id":"r-1",)"
            R"("entity_type":"report_run","action":"started","payload":{"run_id":"r-1",)"
            R"("schedule_id":"sch-1","due_at":"2024-02-01T07:00:00Z","attempt":3}}})");
}

TEST(ScheduleCodecTest, DecodeInvertsEncode) {
  EXPECT_EQ(RoundTrip<ReportSchedule>(EncodeReportScheduled(Schedule(), "e")), Schedule());
  ReportSchedule plain = Schedule();
  plain.subject = "";
  plain.recipients = {"a@b.c"};
  EXPECT_EQ(RoundTrip<ReportSchedule>(EncodeReportScheduled(plain, "e")), plain);

  ReportUnscheduled u{.id = "sch-1", .organization_id = "acme", .at_micros = k20240115T10};
  EXPECT_EQ(RoundTrip<ReportUnscheduled>(EncodeReportUnscheduled(u, "e")), u);

  RunStarted started{.run_id = "r",
                     .schedule_id = "s",
                     .organization_id = "acme",
                     .due_at_micros = k20240201T07,
                     .attempt = 1,
                     .started_at_micros = k20240201T07 + 7};
  EXPECT_EQ(RoundTrip<RunStarted>(EncodeRunStarted(started, "e")), started);

  EXPECT_EQ(RoundTrip<RunFinished>(EncodeRunFinished(Finished(), "e")), Finished());
  for (RunStatus status :
       {RunStatus::kSent, RunStatus::kFailed, RunStatus::kRetrying, RunStatus::kSkipped}) {
    RunFinished f = Finished();
    f.status = status;
    if (status == RunStatus::kSkipped)
      f = {.run_id = "r",
           .schedule_id = "s",
           .organization_id = "acme",
           .status = RunStatus::kSkipped};
    EXPECT_EQ(RoundTrip<RunFinished>(EncodeRunFinished(f, "e")), f) << RunStatusName(status);
  }
}

TEST(ScheduleCodecTest, StatusNames) {
  EXPECT_EQ(RunStatusName(RunStatus::kSent), "sent");
  EXPECT_EQ(RunStatusName(RunStatus::kFailed), "failed");
  EXPECT_EQ(RunStatusName(RunStatus::kRetrying), "retrying");
  EXPECT_EQ(RunStatusName(RunStatus::kSkipped), "skipped");
  EXPECT_TRUE(IsScheduleEventType("readside.report.run_finished"));
  EXPECT_FALSE(IsScheduleEventType("readside.tenant.configured"));
  EXPECT_FALSE(IsScheduleEventType("readside.report"));
}

// `encoded` with the first occurrence of `from` replaced by `to`.
std::string Edit(std::string encoded, std::string_view from, std::string_view to) {
  size_t at = encoded.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) encoded.replace(at, from.size(), to);
  return encoded;
}

TEST(ScheduleCodecTest, RejectsMalformedEventsNamingTheField) {
  const std::string schedule = EncodeReportScheduled(Schedule(), "e");
  const std::string started = EncodeRunStarted(
      {.run_id = "r", .schedule_id = "s", .organization_id = "acme", .attempt = 1}, "e");
  const std::string finished = EncodeRunFinished(Finished(), "e");
  const std::string unscheduled =
      EncodeReportUnscheduled({.id = "sch-1", .organization_id = "acme"}, "e");
  struct Case {
    std::string json;
    std::string_view message;
  } cases[] = {
      {"{\"event_type\":", "not a readside.report schedule event: invalid JSON"},
      {"[1]", "not a readside.report schedule event: not a JSON object"},
      {Edit(schedule, "readside.report.scheduled", "readside.tenant.configured"),
       "not a readside.report schedule event: event_type is missing or another type"},
      {Edit(schedule, R"("organization_id":"acme",)", ""),
       "readside.report.scheduled: organization_id: is missing"},
      {Edit(schedule, R"("timestamp":"2024-01-15T10:00:00.123456Z")", R"("timestamp":"yesterday")"),
       "readside.report.scheduled: timestamp: \"yesterday\" is not an RFC 3339 timestamp"},
      {Edit(schedule, R"("payload":{)", R"("payload":[{)"),
       "not a readside.report schedule event: invalid JSON"},
      {Edit(schedule, R"("payload":{)", R"("payload":7,"x":{)"),
       "readside.report.scheduled: data.payload: must be an object"},
      {Edit(schedule, R"("id":"sch-1",)", ""), "readside.report.scheduled: payload.id: is missing"},
      {Edit(schedule, R"("id":"sch-1",)", R"("id":"",)"),
       "readside.report.scheduled: payload.id: must not be empty"},
      {Edit(schedule, R"("payload":{"id":"sch-1","organization_id":"acme")",
            R"("payload":{"id":"sch-1","organization_id":"evil")"),
       "readside.report.scheduled: payload.organization_id: must equal the envelope's"},
      {Edit(schedule, R"("cron":"0 8 1 * *")", R"("cron":5)"),
       "readside.report.scheduled: payload.cron: must be a string"},
      {Edit(schedule, R"("timezone":"Europe/Berlin",)", ""),
       "readside.report.scheduled: payload.timezone: is missing"},
      {Edit(schedule, R"(["cfo@acme.example","board@acme.example"])", "[]"),
       "readside.report.scheduled: payload.recipients: must be a non-empty array of strings"},
      {Edit(schedule, R"(["cfo@acme.example","board@acme.example"])", R"("cfo@acme.example")"),
       "readside.report.scheduled: payload.recipients: must be a non-empty array"},
      {Edit(schedule, R"("board@acme.example")", "null"),
       "readside.report.scheduled: payload.recipients[1]: must be a non-empty string"},
      {Edit(schedule, R"("subject":"P&L – März \"final\"")", R"("subject":null)"),
       "readside.report.scheduled: payload.subject: must be a string"},
      {Edit(schedule, R"("created_at":"2024-01-15T10:00:00.123456Z")", R"("created_at":"")"),
       "readside.report.scheduled: payload.created_at: must not be empty"},
      {Edit(unscheduled, R"("payload":{"id":"sch-1"})", R"("payload":{})"),
       "readside.report.unscheduled: payload.id: is missing"},
      {Edit(started, R"("attempt":1)", R"("attempt":0)"),
       "readside.report.run_started: payload.attempt: must be an integer from 1 to 1000000"},
      {Edit(started, R"("attempt":1)", R"("attempt":1.0)"),
       "readside.report.run_started: payload.attempt: must be an integer"},
      {Edit(started, R"("attempt":1)", R"("attempt":"1")"),
       "readside.report.run_started: payload.attempt: must be an integer"},
      {Edit(started, R"("due_at":"1970-01-01T00:00:00Z")", R"("due_at":"2024-13-01T00:00:00Z")"),
       "readside.report.run_started: payload.due_at: \"2024-13-01T00:00:00Z\" is not an RFC 3339"},
      {Edit(started, R"("schedule_id":"s",)", ""),
       "readside.report.run_started: payload.schedule_id: is missing"},
      {Edit(finished, R"("status":"retrying")", R"("status":"lost")"),
       "readside.report.run_finished: payload.status: \"lost\" is not sent, failed, retrying or "
       "skipped"},
      {Edit(finished, R"("status":"retrying")", R"("status":"SENT")"),
       "readside.report.run_finished: payload.status: \"SENT\" is not sent"},
      {Edit(finished, R"("attempts":2)", R"("attempts":-1)"),
       "readside.report.run_finished: payload.attempts: must be an integer from 0 to 1000000"},
      {Edit(finished, R"("size":48213)", R"("size":-5)"),
       "readside.report.run_finished: payload.size: must be an integer from 0 to "},
      {Edit(finished, R"("error":"smtp)", R"("error":["smtp"],"x":"smtp)"),
       "readside.report.run_finished: payload.error: must be a string"},
      {Edit(finished, R"("message_id":"sch-1.1706770800@readside.acme")", R"("message_id":1)"),
       "readside.report.run_finished: payload.message_id: must be a string"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ScheduleEvent> e = DecodeScheduleEvent(c.json);
    ASSERT_FALSE(e.ok()) << c.json;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(e.status().message()), StartsWith(std::string(c.message))) << c.json;
  }
}

TEST(ScheduleCodecTest, OptionalMembersMayBeAbsentAndUnknownOnesAreIgnored) {
  std::string finished = EncodeRunFinished(
      {.run_id = "r", .schedule_id = "s", .organization_id = "acme", .attempts = 1}, "e");
  finished = Edit(finished, R"(,"size":0)", R"(,"future":{"x":1})");
  RunFinished f = RoundTrip<RunFinished>(finished);
  EXPECT_EQ(f.size, 0);
  EXPECT_EQ(f.error, "");
  EXPECT_EQ(f.message_id, "");
  EXPECT_EQ(f.status, RunStatus::kSent);
}

}  // namespace
}  // namespace readside::schedule
