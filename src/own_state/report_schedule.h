#pragma once
// Report schedules and their runs (../shared/spec/reports.md "Schedules"), stored as events
// so that a rebuild or a second node sees the same schedules and the same history:
//   readside.report.scheduled    a schedule, whole (entity: the schedule id)
//   readside.report.unscheduled  the schedule was deleted
//   readside.report.run_started  the intent: attempt n of a run is about to be sent; stored
//                                (fsync'd) before the SMTP server is contacted
//   readside.report.run_finished the outcome of that attempt: sent, retrying, failed, or a
//                                missed run recorded as skipped
// A run is one due instant of one schedule; its id is derived from both, so each due
// instant has exactly one run whatever happens (docs/reports.md "Exactly once").
// This file is the one place the events' JSON is written and read.
// Thread-safety: value types and pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::own_state {

inline constexpr std::string_view kReportEventPrefix = "readside.report.";
inline constexpr std::string_view kReportScheduledType = "readside.report.scheduled";
inline constexpr std::string_view kReportUnscheduledType = "readside.report.unscheduled";
inline constexpr std::string_view kReportRunStartedType = "readside.report.run_started";
inline constexpr std::string_view kReportRunFinishedType = "readside.report.run_finished";

struct ReportSchedule {
  std::string id;
  std::string organization_id;
  std::string report, type;
  std::string period;  // previous_month | current_month | previous_quarter | previous_year | a period
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string format;  // pdf | excel | csv
  std::string cron;
  std::string timezone;
  std::vector<std::string> recipients;
  std::string subject;
  int64_t created_at_micros = 0;
};

enum class RunStatus : uint8_t { kRunning, kSent, kRetrying, kFailed, kSkipped };
std::string_view RunStatusName(RunStatus s);  // running, sent, retrying, failed, skipped

struct RunStarted {
  std::string run_id, schedule_id, organization_id;
  int64_t due_at_micros = 0;
  int attempt = 1;
  std::string message_id;  // the same for every attempt of the run
  std::string file;        // the file's name (as attached)
  int64_t size = 0;
  uint64_t report_position = 0;  // the read-model position the file reflects
  int64_t started_at_micros = 0;
};

struct RunFinished {
  std::string run_id, schedule_id, organization_id;
  int64_t due_at_micros = 0;
  int attempts = 0;
  RunStatus status = RunStatus::kSent;  // sent | retrying | failed | skipped
  std::string error;
  int64_t size = 0;
  std::string file;
  int64_t finished_at_micros = 0;
  int64_t next_attempt_at_micros = 0;  // retrying only
};

// The run of `schedule_id` at `due_at`: "<schedule_id>-<due unix seconds>".
std::string RunIdOf(std::string_view schedule_id, int64_t due_at_micros);

std::string EncodeScheduled(const ReportSchedule& s, std::string_view event_id,
                            int64_t timestamp_micros);
std::string EncodeUnscheduled(std::string_view organization_id, std::string_view schedule_id,
                              std::string_view event_id, int64_t timestamp_micros);
std::string EncodeRunStarted(const RunStarted& r, std::string_view event_id,
                             int64_t timestamp_micros);
std::string EncodeRunFinished(const RunFinished& r, std::string_view event_id,
                              int64_t timestamp_micros);

struct Unscheduled {
  std::string organization_id, schedule_id;
};
using ReportEvent = std::variant<ReportSchedule, Unscheduled, RunStarted, RunFinished>;
// Decodes a stored readside.report.* event. InvalidArgument naming the member when it is not
// one or a member is missing or of the wrong type.
absl::StatusOr<ReportEvent> DecodeReportEvent(std::string_view event_json);

}  // namespace readside::own_state
