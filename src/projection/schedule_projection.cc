#include "projection/schedule_projection.h"

#include <algorithm>
#include <vector>

namespace readside::projection {

using own_state::RunStatus;

ScheduleBook& ScheduleProjection::Mutable() {
  if (book_.use_count() > 1) book_ = std::make_shared<ScheduleBook>(*book_);
  return *book_;
}

bool ScheduleProjection::Apply(std::string_view event_json) {
  absl::StatusOr<own_state::ReportEvent> decoded = own_state::DecodeReportEvent(event_json);
  if (!decoded.ok()) return false;
  ScheduleBook& b = Mutable();
  if (auto* s = std::get_if<own_state::ReportSchedule>(&*decoded)) {
    b.schedules[s->id] = *s;
  } else if (auto* u = std::get_if<own_state::Unscheduled>(&*decoded)) {
    if (auto it = b.schedules.find(u->schedule_id); it != b.schedules.end()) {
      b.deleted[it->first] = it->second;
      b.schedules.erase(it);
    }
  } else if (auto* start = std::get_if<own_state::RunStarted>(&*decoded)) {
    RunRecord& r = b.runs[start->run_id];
    r.run_id = start->run_id;
    r.schedule_id = start->schedule_id;
    r.due_at_micros = start->due_at_micros;
    r.status = RunStatus::kRunning;
    r.attempts = std::max(r.attempts, start->attempt);
    if (r.started_at_micros == 0) r.started_at_micros = start->started_at_micros;
    r.message_id = start->message_id;
    r.file = start->file;
    r.size = start->size;
    if (start->report_position != 0) r.report_position = start->report_position;
    // A new attempt: the previous attempt's outcome no longer describes the run.
    r.next_attempt_at_micros = 0;
    r.finished_at_micros = 0;
    r.error.clear();
    int64_t& hw = b.high_water[start->schedule_id];
    hw = std::max(hw, start->due_at_micros);
    Retain(start->schedule_id);
  } else if (auto* done = std::get_if<own_state::RunFinished>(&*decoded)) {
    RunRecord& r = b.runs[done->run_id];
    r.run_id = done->run_id;
    r.schedule_id = done->schedule_id;
    r.due_at_micros = done->due_at_micros;
    r.status = done->status;
    r.attempts = std::max(r.attempts, done->attempts);
    r.finished_at_micros = done->finished_at_micros;
    r.next_attempt_at_micros = done->next_attempt_at_micros;
    r.error = done->error;
    if (!done->file.empty()) r.file = done->file;
    if (done->size != 0) r.size = done->size;
    int64_t& hw = b.high_water[done->schedule_id];
    hw = std::max(hw, done->due_at_micros);
    Retain(done->schedule_id);
  }
  return true;
}

// Run ids are "<schedule id>-<due unix seconds>" (own_state::RunIdOf): a schedule's runs are
// one range of the map, oldest first (ten-digit seconds until 2286). Only settled runs leave:
// a running or retrying run stays however old, or it would never be resumed or sent.
void ScheduleProjection::Retain(const std::string& schedule_id) {
  ScheduleBook& b = *book_;
  const std::string prefix = schedule_id + "-";
  auto first = b.runs.lower_bound(prefix);
  size_t count = 0;
  for (auto it = first; it != b.runs.end() && it->first.starts_with(prefix); ++it) ++count;
  for (auto it = first; count > kRunsKept && it != b.runs.end() && it->first.starts_with(prefix);) {
    const RunStatus status = it->second.status;
    if (status == RunStatus::kRunning || status == RunStatus::kRetrying) {
      ++it;
      continue;
    }
    it = b.runs.erase(it);
    --count;
  }
}

namespace {
void SaveStrings(SnapshotWriter& w, const std::vector<std::string>& v) {
  w.U64(v.size());
  for (const std::string& s : v) w.Str(s);
}
}  // namespace

namespace {
void SaveSchedules(SnapshotWriter& w,
                   const std::map<std::string, own_state::ReportSchedule, std::less<>>& all) {
  w.U64(all.size());
  for (const auto& [id, s] : all) {
    for (const std::string* f : {&s.id, &s.organization_id, &s.report, &s.type, &s.period,
                                 &s.format, &s.cron, &s.timezone, &s.subject}) {
      w.Str(*f);
    }
    w.U64(s.parameters.size());
    for (const auto& [k, v] : s.parameters) {
      w.Str(k);
      w.Str(v);
    }
    SaveStrings(w, s.recipients);
    w.I64(s.created_at_micros);
  }
}

bool LoadSchedules(SnapshotReader& r,
                   std::map<std::string, own_state::ReportSchedule, std::less<>>* all) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    own_state::ReportSchedule s;
    for (std::string* f : {&s.id, &s.organization_id, &s.report, &s.type, &s.period, &s.format,
                           &s.cron, &s.timezone, &s.subject}) {
      *f = r.Str();
    }
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      std::string key = r.Str();
      s.parameters.emplace_back(std::move(key), r.Str());
    }
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) s.recipients.push_back(r.Str());
    s.created_at_micros = r.I64();
    std::string id = s.id;
    (*all)[id] = std::move(s);
  }
  return r.ok();
}
}  // namespace

void ScheduleProjection::Save(SnapshotWriter& w) const {
  const ScheduleBook& b = *book_;
  SaveSchedules(w, b.schedules);
  SaveSchedules(w, b.deleted);
  w.U64(b.runs.size());
  for (const auto& [id, r] : b.runs) {
    for (const std::string* f : {&r.run_id, &r.schedule_id, &r.error, &r.message_id, &r.file}) {
      w.Str(*f);
    }
    w.I64(r.due_at_micros);
    w.U64(static_cast<uint64_t>(r.status));
    w.I64(r.attempts);
    w.I64(r.started_at_micros);
    w.I64(r.finished_at_micros);
    w.I64(r.next_attempt_at_micros);
    w.I64(r.size);
    w.U64(r.report_position);
  }
  w.U64(b.high_water.size());
  for (const auto& [id, due] : b.high_water) {
    w.Str(id);
    w.I64(due);
  }
}

bool ScheduleProjection::Load(SnapshotReader& r) {
  ScheduleBook& b = Mutable();
  if (!LoadSchedules(r, &b.schedules) || !LoadSchedules(r, &b.deleted)) return false;
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    RunRecord run;
    for (std::string* f : {&run.run_id, &run.schedule_id, &run.error, &run.message_id, &run.file}) {
      *f = r.Str();
    }
    run.due_at_micros = r.I64();
    uint64_t status = r.U64();
    if (status > static_cast<uint64_t>(RunStatus::kSkipped)) return r.Fail(), false;
    run.status = static_cast<RunStatus>(status);
    run.attempts = static_cast<int>(r.I64());
    run.started_at_micros = r.I64();
    run.finished_at_micros = r.I64();
    run.next_attempt_at_micros = r.I64();
    run.size = r.I64();
    run.report_position = r.U64();
    std::string id = run.run_id;
    b.runs[id] = std::move(run);
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    b.high_water[id] = r.I64();
  }
  return r.ok();
}

}  // namespace readside::projection
