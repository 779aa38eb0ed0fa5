#include "own_state/report_schedule.h"

#include <boost/json.hpp>

#include "common/time_util.h"
#include "own_state/own_event.h"
#include "own_state/payload_reader.h"

namespace readside::own_state {
namespace {

namespace json = boost::json;

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError("not a readside.report event: " + std::string(why));
}

using Reader = PayloadReader;

OwnEventHeader Header(std::string_view event_id, std::string_view type, std::string_view org,
                      int64_t ts, std::string_view entity, std::string_view entity_type,
                      std::string_view action) {
  return OwnEventHeader{.event_id = event_id,
                        .event_type = type,
                        .organization_id = org,
                        .timestamp_micros = ts,
                        .entity_id = entity,
                        .entity_type = entity_type,
                        .action = action};
}

}  // namespace

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning: return "running";
    case RunStatus::kSent: return "sent";
    case RunStatus::kRetrying: return "retrying";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kSkipped: return "skipped";
  }
  return "running";
}

std::string RunIdOf(std::string_view schedule_id, int64_t due_at_micros) {
  return std::string(schedule_id) + "-" + std::to_string(due_at_micros / 1'000'000);
}

std::string EncodeScheduled(const ReportSchedule& s, std::string_view event_id, int64_t ts) {
  return EncodeOwnEvent(
      Header(event_id, kReportScheduledType, s.organization_id, ts, s.id, "report_schedule",
             "scheduled"),
      [&](JsonBuilder& b) {
        b.Key("id").String(s.id).Key("report").String(s.report).Key("type").String(s.type);
        b.Key("period").String(s.period).Key("parameters").BeginObject();
        for (const auto& [k, v] : s.parameters) b.Key(k).String(v);
        b.EndObject().Key("format").String(s.format).Key("cron").String(s.cron);
        b.Key("timezone").String(s.timezone).Key("recipients").BeginArray();
        for (const std::string& r : s.recipients) b.String(r);
        b.EndArray().Key("subject").String(s.subject);
        b.Key("created_at").String(FormatRfc3339(s.created_at_micros));
      });
}

std::string EncodeUnscheduled(std::string_view org, std::string_view schedule_id,
                              std::string_view event_id, int64_t ts) {
  return EncodeOwnEvent(Header(event_id, kReportUnscheduledType, org, ts, schedule_id,
                               "report_schedule", "unscheduled"),
                        [&](JsonBuilder& b) { b.Key("id").String(schedule_id); });
}

std::string EncodeRunStarted(const RunStarted& r, std::string_view event_id, int64_t ts) {
  return EncodeOwnEvent(
      Header(event_id, kReportRunStartedType, r.organization_id, ts, r.run_id, "report_run",
             "started"),
      [&](JsonBuilder& b) {
        b.Key("run_id").String(r.run_id).Key("schedule_id").String(r.schedule_id);
        b.Key("due_at").String(FormatRfc3339(r.due_at_micros)).Key("attempt").Int(r.attempt);
        b.Key("message_id").String(r.message_id).Key("file").String(r.file);
        b.Key("size").Int(r.size).Key("report_position").Int(static_cast<int64_t>(r.report_position));
        b.Key("started_at").String(FormatRfc3339(r.started_at_micros));
      });
}

std::string EncodeRunFinished(const RunFinished& r, std::string_view event_id, int64_t ts) {
  return EncodeOwnEvent(
      Header(event_id, kReportRunFinishedType, r.organization_id, ts, r.run_id, "report_run",
             "finished"),
      [&](JsonBuilder& b) {
        b.Key("run_id").String(r.run_id).Key("schedule_id").String(r.schedule_id);
        b.Key("due_at").String(FormatRfc3339(r.due_at_micros)).Key("attempts").Int(r.attempts);
        b.Key("status").String(RunStatusName(r.status)).Key("error").String(r.error);
        b.Key("size").Int(r.size).Key("file").String(r.file);
        b.Key("finished_at").String(FormatRfc3339(r.finished_at_micros));
        if (r.next_attempt_at_micros != 0) {
          b.Key("next_attempt_at").String(FormatRfc3339(r.next_attempt_at_micros));
        }
      });
}

absl::StatusOr<ReportEvent> DecodeReportEvent(std::string_view event_json) {
  boost::system::error_code ec;
  json::value v = json::parse(event_json, ec);
  if (ec) return Bad("invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) return Bad("not a JSON object");
  const json::object& event = v.as_object();
  Reader envelope(event, "readside.report");
  std::string type = envelope.Str("event_type");
  std::string org = envelope.Str("organization_id");
  if (!envelope.status().ok()) return envelope.status();
  const json::value* payload = v.find_pointer("/data/payload", ec);
  if (payload == nullptr || !payload->is_object()) return Bad("no data.payload object");
  Reader p(payload->as_object(), "readside.report");
  ReportEvent out;
  if (type == kReportScheduledType) {
    ReportSchedule s;
    s.organization_id = org;
    s.id = p.Str("id");
    s.report = p.Str("report");
    s.type = p.Str("type");
    s.period = p.Str("period");
    s.parameters = p.Pairs("parameters");
    s.format = p.Str("format");
    s.cron = p.Str("cron");
    s.timezone = p.Str("timezone");
    s.recipients = p.Strings("recipients");
    s.subject = p.Str("subject", false);
    s.created_at_micros = p.Time("created_at");
    out = std::move(s);
  } else if (type == kReportUnscheduledType) {
    out = Unscheduled{org, p.Str("id")};
  } else if (type == kReportRunStartedType) {
    RunStarted r;
    r.organization_id = org;
    r.run_id = p.Str("run_id");
    r.schedule_id = p.Str("schedule_id");
    r.due_at_micros = p.Time("due_at");
    r.attempt = static_cast<int>(p.Int("attempt"));
    r.message_id = p.Str("message_id");
    r.file = p.Str("file");
    r.size = p.Int("size");
    r.report_position = static_cast<uint64_t>(p.Int("report_position"));
    r.started_at_micros = p.Time("started_at");
    out = std::move(r);
  } else if (type == kReportRunFinishedType) {
    RunFinished r;
    r.organization_id = org;
    r.run_id = p.Str("run_id");
    r.schedule_id = p.Str("schedule_id");
    r.due_at_micros = p.Time("due_at");
    r.attempts = static_cast<int>(p.Int("attempts"));
    std::string status = p.Str("status");
    bool known = false;
    for (RunStatus s : {RunStatus::kSent, RunStatus::kRetrying, RunStatus::kFailed,
                        RunStatus::kSkipped}) {
      if (status == RunStatusName(s)) r.status = s, known = true;
    }
    if (!known && p.status().ok()) return Bad("payload.status '" + status + "' is unknown");
    r.error = p.Str("error", false);
    r.size = p.Int("size", false);
    r.file = p.Str("file", false);
    r.finished_at_micros = p.Time("finished_at");
    r.next_attempt_at_micros = p.Time("next_attempt_at", false);
    out = std::move(r);
  } else {
    return Bad("event_type '" + type + "' is not a report event");
  }
  if (!p.status().ok()) return p.status();
  return out;
}

}  // namespace readside::own_state
