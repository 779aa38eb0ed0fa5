#pragma once
// Projects read model (metrics.md "Projects"): projects, tasks, hours and over-budget projects,
// the per-project / per-employee families of the projects reports (budget, burn and the
// over-budget flag per project come out of the same cluster computation as
// projects_over_budget), and the project directory (names, status).
//
// A time log refers to a project, another entity, so for projects_over_budget it applies in
// timestamp order (a log stamped before its project's creation is an orphan; its hours still
// count in the flow metrics). Each project with its budget changes and logs is a cluster
// (see InvoiceProjection), updated in O(1) when events come in time order.
// The budget at an instant is the value of the latest-arrived budget-setting event (creation
// or update: the project's own events, which apply in arrival order) stamped before it.
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/key_hash.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class ProjectsProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  struct Point {  // a budget change (is_log = false) or a time log, in millionths of hours
    When at;
    int64_t value = 0;
    bool is_log = false;
  };
  struct Project {
    bool created = false;
    When created_at;
    std::string status;
    std::vector<Point> points;  // sorted by `at`
    int64_t hours = 0;          // of the logs after creation (valid when created)
    int64_t budget = 0;
    bool over = false;
    uint32_t key = KeyPool::kNone;  // the project id's key in the fact tables (KeyOf)
  };
  struct Task {
    std::string project;  // project_id of its creation
    uint32_t project_key = KeyPool::kNone;
    bool open = true;
  };
  // `key`: the project's key id (KeyOf).
  static void Emit(uint32_t key, Project& p, int sign, ModelBuilder& m, bool burn);
  static void AddPoint(uint32_t key, Project& p, Point point, const ApplyContext& c);
  void Created(const ApplyContext& c);
  void Updated(const ApplyContext& c);
  void TimeLogged(const ApplyContext& c);

  EntityMap<Project> projects_;
  EntityMap<Task> tasks_;
};

}  // namespace readside::projection
