#include "schedule/schedule_codec.h"

#include <boost/json.hpp>
#include <limits>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "own_state/own_event.h"

namespace readside::schedule {
namespace {

using own_state::EncodeOwnEvent;
using own_state::OwnEventHeader;

constexpr std::string_view kStatusNames[] = {"sent", "failed", "retrying", "skipped"};

absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }
std::string_view View(const boost::json::string& s) { return {s.data(), s.size()}; }

// Reads the members of one JSON object, remembering the first problem as an error that names
// the event type and the member ("readside.report.run_started: payload.attempt: …").
class Reader {
 public:
  Reader(std::string_view type, std::string_view prefix, const boost::json::object& object)
      : type_(type), prefix_(prefix), object_(object) {}

  // A string member; "" and an error when it is missing or not a string (or empty, unless
  // `optional`, in which case absence is "" and no error).
  std::string String(std::string_view key, bool optional = false) {
    const boost::json::value* v = Find(key, optional);
    if (v == nullptr) return "";
    if (!v->is_string()) {
      Fail(key, "must be a string");
      return "";
    }
    if (v->as_string().empty() && !optional) {
      Fail(key, "must not be empty");
      return "";
    }
    return std::string(View(v->as_string()));
  }

  // An integer member in [min, max]; `absent` when optional and missing.
  int64_t Int(std::string_view key, int64_t min, int64_t max,
              std::optional<int64_t> absent = std::nullopt) {
    const boost::json::value* v = Find(key, absent.has_value());
    if (v == nullptr) return absent.value_or(0);
    if (!(v->is_int64() && v->as_int64() >= min && v->as_int64() <= max)) {
      {
        Fail(key, absl::StrCat("must be an integer from ", min, " to ", max));
        return 0;
      }
    }
    return v->as_int64();
  }

  // An RFC 3339 timestamp member, in microseconds.
  int64_t Time(std::string_view key) {
    std::string text = String(key);
    int64_t micros = 0;
    if (!text.empty() && !ParseRfc3339(text, &micros)) {
      Fail(key, absl::StrCat("\"", absl::CHexEscape(text), "\" is not an RFC 3339 timestamp"));
    }
    return micros;
  }

  // A non-empty array of non-empty strings.
  std::vector<std::string> Strings(std::string_view key) {
    std::vector<std::string> out;
    const boost::json::value* v = Find(key, false);
    if (v == nullptr) return out;
    if (!v->is_array() || v->as_array().empty()) {
      {
        Fail(key, "must be a non-empty array of strings");
        return out;
      }
    }
    for (size_t i = 0; i < v->as_array().size(); ++i) {
      const boost::json::value& item = v->as_array()[i];
      if (!item.is_string() || item.as_string().empty()) {
        {
          Fail(absl::StrCat(A(key), "[", i, "]"), "must be a non-empty string");
          return out;
        }
      }
      out.emplace_back(View(item.as_string()));
    }
    return out;
  }

  void Fail(std::string_view key, std::string_view rule) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat(A(type_), ": ", A(prefix_), A(key), ": ", A(rule)));
    }
  }
  const absl::Status& status() const { return status_; }

 private:
  const boost::json::value* Find(std::string_view key, bool optional) {
    const boost::json::value* v = object_.if_contains(key);
    if (v == nullptr && !optional) Fail(key, "is missing");
    return v;
  }

  std::string_view type_;
  std::string_view prefix_;
  const boost::json::object& object_;
  absl::Status status_;
};

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == name) return static_cast<RunStatus>(i);
  }
  return std::nullopt;
}

constexpr int64_t kMaxAttempts = 1'000'000;

ScheduleEvent ReadSchedule(Reader& p, std::string organization_id) {
  ReportSchedule s{.id = p.String("id"), .organization_id = std::move(organization_id)};
  if (p.String("organization_id") != s.organization_id) {
    p.Fail("organization_id", "must equal the envelope's organization_id");
  }
  s.report = p.String("report");
  s.type = p.String("type");
  s.period = p.String("period");
  s.format = p.String("format");
  s.cron = p.String("cron");
  s.timezone = p.String("timezone");
  s.recipients = p.Strings("recipients");
  s.subject = p.String("subject", /*optional=*/true);
  s.created_at_micros = p.Time("created_at");
  return s;
}

ScheduleEvent ReadRunStarted(Reader& p, std::string organization_id, int64_t at) {
  RunStarted r{.run_id = p.String("run_id"),
               .schedule_id = p.String("schedule_id"),
               .organization_id = std::move(organization_id)};
  r.due_at_micros = p.Time("due_at");
  r.attempt = static_cast<int>(p.Int("attempt", 1, kMaxAttempts));
  r.started_at_micros = at;
  return r;
}

ScheduleEvent ReadRunFinished(Reader& p, std::string organization_id, int64_t at) {
  RunFinished r{.run_id = p.String("run_id"),
                .schedule_id = p.String("schedule_id"),
                .organization_id = std::move(organization_id)};
  r.due_at_micros = p.Time("due_at");
  std::string status = p.String("status");
  if (std::optional<RunStatus> s = ParseRunStatus(status)) {
    r.status = *s;
  } else if (!status.empty()) {
    p.Fail("status", absl::StrCat("\"", absl::CHexEscape(status),
                                  "\" is not sent, failed, retrying or skipped"));
  }
  r.attempts = static_cast<int>(p.Int("attempts", 0, kMaxAttempts));
  r.error = p.String("error", /*optional=*/true);
  r.size = p.Int("size", 0, std::numeric_limits<int64_t>::max(), /*absent=*/0);
  r.message_id = p.String("message_id", /*optional=*/true);
  r.finished_at_micros = at;
  return r;
}

absl::Status NotScheduleEvent(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("not a readside.report schedule event: ", A(why)));
}

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::string EncodeReportScheduled(const ReportSchedule& s, std::string_view event_id) {
  OwnEventHeader header{.event_id = event_id,
                        .event_type = kReportScheduledType,
                        .organization_id = s.organization_id,
                        .timestamp_micros = s.created_at_micros,
                        .entity_id = s.id,
                        .entity_type = "report_schedule",
                        .action = "scheduled"};
  return EncodeOwnEvent(header, [&](JsonBuilder& b) {
    b.Key("id").String(s.id).Key("organization_id").String(s.organization_id);
    b.Key("report").String(s.report).Key("type").String(s.type);
    b.Key("period").String(s.period).Key("format").String(s.format);
    b.Key("cron").String(s.cron).Key("timezone").String(s.timezone);
    b.Key("recipients").BeginArray();
    for (const std::string& r : s.recipients) b.String(r);
    b.EndArray();
    if (!s.subject.empty()) b.Key("subject").String(s.subject);
    b.Key("created_at").String(FormatRfc3339(s.created_at_micros));
  });
}

std::string EncodeReportUnscheduled(const ReportUnscheduled& u, std::string_view event_id) {
  OwnEventHeader header{.event_id = event_id,
                        .event_type = kReportUnscheduledType,
                        .organization_id = u.organization_id,
                        .timestamp_micros = u.at_micros,
                        .entity_id = u.id,
                        .entity_type = "report_schedule",
                        .action = "unscheduled"};
  return EncodeOwnEvent(header, [&](JsonBuilder& b) { b.Key("id").String(u.id); });
}

std::string EncodeRunStarted(const RunStarted& r, std::string_view event_id) {
  OwnEventHeader header{.event_id = event_id,
                        .event_type = kRunStartedType,
                        .organization_id = r.organization_id,
                        .timestamp_micros = r.started_at_micros,
                        .entity_id = r.run_id,
                        .entity_type = "report_run",
                        .action = "started"};
  return EncodeOwnEvent(header, [&](JsonBuilder& b) {
    b.Key("run_id").String(r.run_id).Key("schedule_id").String(r.schedule_id);
    b.Key("due_at").String(FormatRfc3339(r.due_at_micros)).Key("attempt").Int(r.attempt);
  });
}

std::string EncodeRunFinished(const RunFinished& r, std::string_view event_id) {
  OwnEventHeader header{.event_id = event_id,
                        .event_type = kRunFinishedType,
                        .organization_id = r.organization_id,
                        .timestamp_micros = r.finished_at_micros,
                        .entity_id = r.run_id,
                        .entity_type = "report_run",
                        .action = "finished"};
  return EncodeOwnEvent(header, [&](JsonBuilder& b) {
    b.Key("run_id").String(r.run_id).Key("schedule_id").String(r.schedule_id);
    b.Key("due_at").String(FormatRfc3339(r.due_at_micros));
    b.Key("status").String(RunStatusName(r.status)).Key("attempts").Int(r.attempts);
    if (!r.error.empty()) b.Key("error").String(r.error);
    b.Key("size").Int(r.size);
    if (!r.message_id.empty()) b.Key("message_id").String(r.message_id);
  });
}

bool IsScheduleEventType(std::string_view t) {
  return t == kReportScheduledType || t == kReportUnscheduledType || t == kRunStartedType ||
         t == kRunFinishedType;
}

absl::StatusOr<ScheduleEvent> DecodeScheduleEvent(std::string_view event_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(event_json, ec);
  if (ec) return NotScheduleEvent("invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) return NotScheduleEvent("not a JSON object");
  const boost::json::value* type = v.as_object().if_contains("event_type");
  if (type == nullptr || !type->is_string() || !IsScheduleEventType(View(type->as_string()))) {
    return NotScheduleEvent("event_type is missing or another type");
  }
  const std::string_view type_name = View(type->as_string());
  Reader envelope(type_name, "", v.as_object());
  std::string organization_id = envelope.String("organization_id");
  int64_t at = envelope.Time("timestamp");
  const boost::json::value* payload = v.find_pointer("/data/payload", ec);
  if (payload == nullptr || !payload->is_object())
    envelope.Fail("data.payload", "must be an object");
  if (!envelope.status().ok()) return envelope.status();

  Reader p(type_name, "payload.", payload->as_object());
  ScheduleEvent event;
  if (type_name == kReportScheduledType) {
    event = ReadSchedule(p, std::move(organization_id));
  } else if (type_name == kReportUnscheduledType) {
    event = ReportUnscheduled{
        .id = p.String("id"), .organization_id = std::move(organization_id), .at_micros = at};
  } else if (type_name == kRunStartedType) {
    event = ReadRunStarted(p, std::move(organization_id), at);
  } else {
    event = ReadRunFinished(p, std::move(organization_id), at);
  }
  if (!p.status().ok()) return p.status();
  return event;
}

}  // namespace readside::schedule
