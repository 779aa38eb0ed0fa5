#include "projection/projects_projection.h"

#include <algorithm>

#include "event/catalog_tables.h"
#include "projection/hrm_projection.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kCreatedName = 0, kCreatedBudget = 1;
constexpr int kUpdatedStatus = 0, kUpdatedName = 1, kUpdatedBudget = 2;
constexpr int kLogProject = 0, kLogEmployee = 1, kLogHours = 2, kLogBillable = 3;
constexpr int kTaskProject = 0;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kProjectCreated, "name") == kCreatedName);
static_assert(event::FieldIndexOf(E::kProjectCreated, "budget_hours") == kCreatedBudget);
static_assert(event::FieldIndexOf(E::kProjectUpdated, "name") == kUpdatedName);
static_assert(event::FieldIndexOf(E::kProjectTimeLogged, "employee_id") == kLogEmployee);
static_assert(event::FieldIndexOf(E::kProjectTaskCreated, "project_id") == kTaskProject);
static_assert(event::FieldIndexOf(E::kProjectUpdated, "status") == kUpdatedStatus);
static_assert(event::FieldIndexOf(E::kProjectUpdated, "budget_hours") == kUpdatedBudget);
static_assert(event::FieldIndexOf(E::kProjectTimeLogged, "project_id") == kLogProject);
static_assert(event::FieldIndexOf(E::kProjectTimeLogged, "hours") == kLogHours);
static_assert(event::FieldIndexOf(E::kProjectTimeLogged, "billable") == kLogBillable);

bool Over(int64_t hours, int64_t budget) { return budget > 0 && hours > budget; }

// A point that lands before the project's latest one, in a created project. The points
// before it keep their contributions, so only the fold from where it lands is redone: the
// state before it is recomputed without emitting, then the old and the new fold of the
// rest run side by side and only their differences are emitted (what Emit(-1) then
// Emit(+1) of the whole history would net to, without walking it twice or emitting the
// unchanged part; the soak's late arrivals spent 8% of the applier there).
// A template so that the class's private types are deduced, not named (and the header,
// included widely, does not change).
template <typename Project, typename Point>
void InsertLate(uint32_t id, Project& p, Point point, const ApplyContext& c) {
  struct Fold {
    int64_t hours = 0, budget = 0;
    uint64_t budget_seq = 0;
    bool over = false;
    // Applies `pt`; returns its budget-fact change and sets `flip` to its over change.
    int64_t Step(const Point& pt, When created_at, int* flip) {
      int64_t budget_change = 0;
      *flip = 0;
      if (pt.is_log) {
        if (pt.at < created_at) return 0;
        hours += pt.value;
      } else if (pt.at.seq >= budget_seq) {
        budget_change = pt.value - budget;
        budget = pt.value;
        budget_seq = pt.at.seq;
      }
      bool now = Over(hours, budget);
      if (now != over) *flip = now ? 1 : -1;
      over = now;
      return budget_change;
    }
  };
  if (point.is_log && point.at < p.created_at) ++c.m.quality().orphans;
  auto pos = std::upper_bound(p.points.begin(), p.points.end(), point.at,
                              [](const When& w, const Point& other) { return w < other.at; });
  Fold before;
  int ignored;
  for (auto it = p.points.begin(); it != pos; ++it) before.Step(*it, p.created_at, &ignored);
  Fold old_fold = before, new_fold = before;
  auto emit = [&](When at, int64_t budget_change, int flip) {
    if (budget_change == 0 && flip == 0) return;
    DayNumber day = c.m.DayOf(at.ts);
    if (budget_change != 0) c.m.AddFact(F::kBudgetHoursByProject, id, day, budget_change);
    if (flip != 0) {
      c.m.Add(S::kProjectsOverBudget, day, flip);
      c.m.AddFact(F::kOverBudgetByProject, id, day, flip);
    }
  };
  int flip;
  int64_t change = new_fold.Step(point, p.created_at, &flip);
  emit(point.at, change, flip);
  for (auto it = pos; it != p.points.end(); ++it) {
    int old_flip, new_flip;
    int64_t old_change = old_fold.Step(*it, p.created_at, &old_flip);
    int64_t new_change = new_fold.Step(*it, p.created_at, &new_flip);
    emit(it->at, new_change - old_change, new_flip - old_flip);
  }
  p.points.insert(pos, point);
  p.hours = new_fold.hours;
  p.budget = new_fold.budget;
  p.over = new_fold.over;
}
}  // namespace

// Project `id`'s contributions times `sign`; also recomputes hours, budget and over. `burn`:
// also every log's burn hours (additive, so a late point adds only its own; re-emitting
// every log on every late point made replay quadratic in a project's history).
void ProjectsProjection::Emit(uint32_t id, Project& p, int sign, ModelBuilder& m, bool burn) {
  int64_t orphans = 0;
  for (const Point& pt : p.points) orphans += pt.is_log && (!p.created || pt.at < p.created_at);
  m.quality().orphans += sign * orphans;
  if (!p.created) return;
  p.hours = 0;
  p.budget = 0;
  p.over = false;
  uint64_t budget_seq = 0;  // arrival of the budget in force: the latest-arrived one wins
  for (const Point& pt : p.points) {
    DayNumber day = m.DayOf(pt.at.ts);
    if (pt.is_log) {
      if (pt.at < p.created_at) continue;
      p.hours += pt.value;
      if (burn) m.AddFact(F::kBurnHoursByProject, id, day, sign * pt.value);
    } else if (pt.at.seq >= budget_seq) {
      m.AddFact(F::kBudgetHoursByProject, id, day, sign * (pt.value - p.budget));
      p.budget = pt.value;
      budget_seq = pt.at.seq;
    }
    bool over = Over(p.hours, p.budget);
    if (over != p.over) {
      m.Add(S::kProjectsOverBudget, day, over ? sign : -sign);
      m.AddFact(F::kOverBudgetByProject, id, day, over ? sign : -sign);
    }
    p.over = over;
  }
}

// Adds a budget change or a log: O(1) when it comes after every point already there.
void ProjectsProjection::AddPoint(uint32_t id, Project& p, Point point, const ApplyContext& c) {
  bool in_order = p.points.empty() || !(point.at < p.points.back().at);
  if (in_order && p.created && p.created_at < point.at) {
    p.points.push_back(point);  // the latest in time and in arrival: it applies as is
    if (point.is_log) {
      p.hours += point.value;
      c.m.AddFact(F::kBurnHoursByProject, id, c.day, point.value);
    } else {
      c.m.AddFact(F::kBudgetHoursByProject, id, c.day, point.value - p.budget);
      p.budget = point.value;
    }
    bool over = Over(p.hours, p.budget);
    if (over != p.over) {
      c.m.Add(S::kProjectsOverBudget, c.day, over ? 1 : -1);
      c.m.AddFact(F::kOverBudgetByProject, id, c.day, over ? 1 : -1);
    }
    p.over = over;
    return;
  }
  if (!p.created) {  // not reached (callers add points to created projects); kept general
    Emit(id, p, -1, c.m, false);
    InsertByTime(p.points, point);
    Emit(id, p, 1, c.m, false);
    return;
  }
  InsertLate(id, p, point, c);
  if (point.is_log && !(point.at < p.created_at)) {  // the late log's own burn
    c.m.AddFact(F::kBurnHoursByProject, id, c.day, point.value);
  }
}

void ProjectsProjection::Created(const ApplyContext& c) {
  const std::string& id = c.e.entity_id;
  Project& p = projects_[id];
  if (p.created) return c.Orphan();
  uint32_t key = c.m.KeyOf(&p.key, id);
  c.m.Add(S::kProjectsCreated, c.day, 1);
  c.m.Add(S::kProjectsActive, c.day, 1);
  Emit(key, p, -1, c.m, true);
  p.created = true;
  p.created_at = {c.ts(), c.seq};
  p.status = "active";
  const event::FieldValue& budget = c.f(kCreatedBudget);
  Point point{p.created_at, budget.present ? ToMicroUnits(budget.number) : 0, false};
  InsertByTime(p.points, point);
  Emit(key, p, 1, c.m, true);
  c.m.MutableProjects()[id] = {c.f(kCreatedName).text, p.status};
}

void ProjectsProjection::Updated(const ApplyContext& c) {
  const std::string& id = c.e.entity_id;
  auto it = projects_.find(id);
  if (it == projects_.end() || !it->second.created) return c.Orphan();
  Project& p = it->second;
  const event::FieldValue& status = c.f(kUpdatedStatus);
  if (status.present) {
    bool was_active = p.status == "active", now_active = status.text == "active";
    if (was_active != now_active) c.m.Add(S::kProjectsActive, c.day, now_active ? 1 : -1);
    if (status.text == "completed" && p.status != "completed") {
      c.m.Add(S::kProjectsCompleted, c.day, 1);
    }
    p.status = status.text;
  }
  if (const event::FieldValue& name = c.f(kUpdatedName); status.present || name.present) {
    ProjectInfo& info = c.m.MutableProjects()[id];
    info.status = p.status;
    if (name.present) info.name = name.text;
  }
  if (const event::FieldValue& budget = c.f(kUpdatedBudget); budget.present) {
    AddPoint(c.m.KeyOf(&p.key, id), p, {{c.ts(), c.seq}, ToMicroUnits(budget.number), false}, c);
  }
}

void ProjectsProjection::TimeLogged(const ApplyContext& c) {
  int64_t hours = ToMicroUnits(c.f(kLogHours).number);
  const std::string& project_id = c.f(kLogProject).text;
  const std::string& employee_id = c.f(kLogEmployee).text;
  Project& p = projects_[project_id];
  uint32_t project = c.m.KeyOf(&p.key, project_id);
  uint32_t employee = c.m.KeyOf(employee_id);
  c.m.Add(S::kHoursLogged, c.day, hours);
  c.m.AddKeyed(K::kHoursByProject, project_id, c.day, hours);
  c.m.AddFact(F::kHoursByEmployee, employee, c.day, hours);
  if (c.f(kLogBillable).boolean) {
    c.m.Add(S::kBillableHours, c.day, hours);
    c.m.AddFact(F::kBillableHoursByProject, project, c.day, hours);
    c.m.AddFact(F::kBillableHoursByEmployee, employee, c.day, hours);
  }
  if (!p.created) {
    c.Orphan();
    InsertByTime(p.points, Point{{c.ts(), c.seq}, hours, true});
    return;
  }
  AddPoint(project, p, {{c.ts(), c.seq}, hours, true}, c);
}

void ProjectsProjection::Apply(const ApplyContext& c) {
  switch (c.e.type) {
    case E::kProjectCreated:
      return Created(c);
    case E::kProjectUpdated:
      return Updated(c);
    case E::kProjectTaskCreated: {
      auto [it, fresh] = tasks_.try_emplace(c.e.entity_id);
      if (!fresh) return c.Orphan();
      it->second.project = c.f(kTaskProject).text;
      uint32_t project = c.m.KeyOf(&it->second.project_key, it->second.project);
      c.m.Add(S::kTasksCreated, c.day, 1);
      c.m.Add(S::kOpenTasks, c.day, 1);
      c.m.AddFact(F::kTasksCreatedByProject, project, c.day, 1);
      c.m.AddFact(F::kOpenTasksByProject, project, c.day, 1);
      return;
    }
    case E::kProjectTaskCompleted: {
      auto it = tasks_.find(c.e.entity_id);
      if (it == tasks_.end() || !it->second.open) return c.Orphan();
      it->second.open = false;
      c.m.Add(S::kTasksCompleted, c.day, 1);
      c.m.Add(S::kOpenTasks, c.day, -1);
      uint32_t project = c.m.KeyOf(&it->second.project_key, it->second.project);
      c.m.AddFact(F::kTasksCompletedByProject, project, c.day, 1);
      c.m.AddFact(F::kOpenTasksByProject, project, c.day, -1);
      return;
    }
    case E::kProjectTimeLogged:
      return TimeLogged(c);
    default:
      return;
  }
}


void ProjectsProjection::Save(SnapshotWriter& w) const {
  w.U64(projects_.size());
  for (const auto& [id, p] : projects_) {
    w.Str(id);
    w.Bool(p.created);
    w.I64(p.created_at.ts);
    w.U64(p.created_at.seq);
    w.Str(p.status);
    w.U64(p.points.size());
    for (const Point& pt : p.points) {
      w.I64(pt.at.ts);
      w.U64(pt.at.seq);
      w.I64(pt.value);
      w.Bool(pt.is_log);
    }
    w.I64(p.hours);
    w.I64(p.budget);
    w.Bool(p.over);
  }
  w.U64(tasks_.size());
  for (const auto& [id, task] : tasks_) {
    w.Str(id);
    w.Str(task.project);
    w.Bool(task.open);
  }
}

bool ProjectsProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Project& p = projects_[r.Str()];
    p.created = r.Bool();
    p.created_at = {r.I64(), r.U64()};
    p.status = r.Str();
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      Point pt;
      pt.at = {r.I64(), r.U64()};
      pt.value = r.I64();
      pt.is_log = r.Bool();
      p.points.push_back(pt);
    }
    p.hours = r.I64();
    p.budget = r.I64();
    p.over = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Task& task = tasks_[r.Str()];
    task.project = r.Str();
    task.open = r.Bool();
  }
  return r.ok();
}

}  // namespace readside::projection
