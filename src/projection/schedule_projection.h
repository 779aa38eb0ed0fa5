#pragma once
// The report schedules of a tenant and the history of their runs, derived from readside's
// own readside.report.* events (own_state/report_schedule.h), so that a rebuild or a second
// node sees the same schedules and the same exactly-once state. Published in the TenantView
// as an immutable ScheduleBook, cloned on the first change after a publication.
//
// Retention: the book keeps the latest kRunsKept runs of each schedule (older settled ones
// leave the history; open ones stay until settled); each schedule's high-water mark (its latest due instant with a run) is kept
// whatever the retention, and only instants after it are ever due again.
// Thread-safety: ScheduleProjection is NOT thread-safe (applier thread); a published
// ScheduleBook is immutable.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "own_state/report_schedule.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

struct RunRecord {
  std::string run_id, schedule_id;
  int64_t due_at_micros = 0;
  own_state::RunStatus status = own_state::RunStatus::kRunning;
  int attempts = 0;
  int64_t started_at_micros = 0;   // the first intent (0 for a skipped run)
  int64_t finished_at_micros = 0;  // the latest outcome (0 while running)
  int64_t next_attempt_at_micros = 0;
  std::string error;
  std::string message_id;
  std::string file;
  int64_t size = 0;
  uint64_t report_position = 0;
};

struct ScheduleBook {
  std::map<std::string, own_state::ReportSchedule, std::less<>> schedules;  // active, by id
  std::map<std::string, own_state::ReportSchedule, std::less<>> deleted;    // for the history
  std::map<std::string, RunRecord, std::less<>> runs;                       // by run id
  std::map<std::string, int64_t, std::less<>> high_water;  // schedule id → latest due with a run
};

class ScheduleProjection {
 public:
  static constexpr size_t kRunsKept = 100;

  // Applies one stored readside.report.* event (its JSON). Returns false when it does not
  // decode (the caller logs it; nothing changes).
  bool Apply(std::string_view event_json);

  std::shared_ptr<const ScheduleBook> Book() const { return book_; }

  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  ScheduleBook& Mutable();
  void Retain(const std::string& schedule_id);

  std::shared_ptr<ScheduleBook> book_ = std::make_shared<ScheduleBook>();
};

}  // namespace readside::projection
