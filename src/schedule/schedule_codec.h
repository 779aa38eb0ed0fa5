#pragma once
// The own events that hold report schedules and their runs (../shared/spec/reports.md
// "Schedules": "Schedules are stored as events, so a rebuild or a second node sees the same
// schedules"): the one place their JSON is written and read, on own_state's envelope
// (own_state/own_event.h; source_service "readside", types under "readside.").
//
//   readside.report.scheduled     entity report_schedule/<id>, action "scheduled": the
//     complete schedule {id, organization_id, report, type, period, format, cron, timezone,
//     recipients, subject, created_at}; a later event with the same id replaces it whole.
//   readside.report.unscheduled   entity report_schedule/<id>, action "unscheduled": {id}.
//   readside.report.run_started   entity report_run/<run_id>, action "started": the intent
//     {run_id, schedule_id, due_at, attempt}, stored BEFORE the message is sent; the
//     envelope's timestamp is when the attempt started.
//   readside.report.run_finished  entity report_run/<run_id>, action "finished": the outcome
//     {run_id, schedule_id, due_at, status, attempts, error, size, message_id}, stored after;
//     the envelope's timestamp is when the attempt ended.
//
// A run is one due instant of one schedule (its id, chosen by the scheduler, is the same for
// every attempt); each attempt writes a run_started and, unless the process died, a
// run_finished. Instants are RFC 3339 strings in the JSON, microseconds here.
// Decoding checks shapes (types, presence, enumerations, ranges), not meaning: the cron
// expression and the time zone were validated when the schedule was made, and a stored
// schedule stays readable even if a later tz database no longer knows its zone.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::schedule {

inline constexpr std::string_view kReportScheduledType = "readside.report.scheduled";
inline constexpr std::string_view kReportUnscheduledType = "readside.report.unscheduled";
inline constexpr std::string_view kRunStartedType = "readside.report.run_started";
inline constexpr std::string_view kRunFinishedType = "readside.report.run_finished";

struct ReportSchedule {
  std::string id;
  std::string organization_id;
  std::string report;                   // "financial", … (report/report.h's catalog)
  std::string type;                     // "pnl", …
  std::string period;                   // "previous_month" | "current_month" | "previous_quarter" |
                                        // "previous_year" | a fixed period such as "2024-Q1"
  std::string format;                   // "pdf" | "excel" | "csv"
  std::string cron;                     // five fields (cron.h)
  std::string timezone;                 // IANA name
  std::vector<std::string> recipients;  // at least one
  std::string subject;                  // "" when none was given (absent from the JSON)
  int64_t created_at_micros = 0;        // also the envelope's timestamp

  bool operator==(const ReportSchedule&) const = default;
};

struct ReportUnscheduled {
  std::string id;
  std::string organization_id;
  int64_t at_micros = 0;  // the envelope's timestamp

  bool operator==(const ReportUnscheduled&) const = default;
};

struct RunStarted {
  std::string run_id;
  std::string schedule_id;
  std::string organization_id;
  int64_t due_at_micros = 0;
  int attempt = 1;                // 1 for the first attempt
  int64_t started_at_micros = 0;  // the envelope's timestamp

  bool operator==(const RunStarted&) const = default;
};

enum class RunStatus {
  kSent,      // the SMTP server accepted the message
  kFailed,    // given up: a permanent error or the last attempt failed
  kRetrying,  // this attempt failed; another will follow
  kSkipped,   // not run: missed while the server was down for longer than the catch-up age
};
// "sent", "failed", "retrying", "skipped".
std::string_view RunStatusName(RunStatus status);

struct RunFinished {
  std::string run_id;
  std::string schedule_id;
  std::string organization_id;
  int64_t due_at_micros = 0;
  RunStatus status = RunStatus::kSent;
  int attempts = 0;                // attempts made so far (0 for skipped)
  std::string error;               // "" unless failed or retrying (absent from the JSON)
  int64_t size = 0;                // bytes of the report file (0: none made)
  std::string message_id;          // "" when no message was built (absent from the JSON)
  int64_t finished_at_micros = 0;  // the envelope's timestamp

  bool operator==(const RunFinished&) const = default;
};

// The event JSON of each, with the given event id.
std::string EncodeReportScheduled(const ReportSchedule& schedule, std::string_view event_id);
std::string EncodeReportUnscheduled(const ReportUnscheduled& unscheduled,
                                    std::string_view event_id);
std::string EncodeRunStarted(const RunStarted& started, std::string_view event_id);
std::string EncodeRunFinished(const RunFinished& finished, std::string_view event_id);

// Whether `event_type` is one of the four above.
bool IsScheduleEventType(std::string_view event_type);

using ScheduleEvent = std::variant<ReportSchedule, ReportUnscheduled, RunStarted, RunFinished>;

// The record a stored event carries. Members of the payload not listed above are ignored.
// Fails with InvalidArgument naming the event type and the field, e.g.
// "readside.report.run_finished: payload.status: \"lost\" is not sent, failed, retrying or
// skipped", when `event_json` is not JSON, not one of the four types, or a field is missing,
// of the wrong JSON type, empty where it must not be, or out of range.
absl::StatusOr<ScheduleEvent> DecodeScheduleEvent(std::string_view event_json);

}  // namespace readside::schedule
