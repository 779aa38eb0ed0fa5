// ProjectsSim's status changes: holds, budget changes, renames, cancellations, task and
// project completion, and the agenda dispatch (see projects_sim.h).
#include "sim/hrm_sim.h"
#include "sim/projects_sim.h"

namespace readside::sim {

bool ProjectsSim::RunTask(const AgendaItem& item) {
  switch (item.task) {
    case Task::kCreateClientProject: {
      ClientRequest request = client_requests_[item.a];
      client_requests_.Release(item.a);
      if (open_count() >= 2 * ctx_.profile.max_active_projects) return false;
      return CreateProject(&request);
    }
    case Task::kCreateProjectTasks: {
      Project* p = Find(item.a);
      if (p == nullptr || p->on_hold || p->closing) return false;
      if (item.b > 1) ctx_.After(ctx_.Moments(), Task::kCreateProjectTasks, item.a, item.b - 1);
      return WriteTask(*p);
    }
    case Task::kCompleteTask:
      return CompleteTask(item.a, item.b);
    case Task::kCloseProject:
      return CloseProject(item.a);
    case Task::kResumeProject:
      return ResumeProject(item.a);
    default:
      return false;
  }
}

bool ProjectsSim::UpdateProject() {
  if (projects_.empty()) return false;
  size_t index = ctx_.rng.Below(projects_.size());
  Project& p = projects_[index];
  if (p.on_hold || p.closing) return false;
  uint64_t r = ctx_.rng.Below(100);
  bool cancel = r >= 88;
  if (cancel && p.logged_quarters * 3 >= p.budget_quarters) return false;  // too far along
  int64_t user = ctx_.hrm->IsActive(p.manager) ? p.manager : kSystemUser;
  JsonWriter& w = ctx_.Begin(EventType::kProjectUpdated, p.num, p.flow);
  if (r < 30) {
    p.on_hold = true;
    w.Key("status");
    w.String("on_hold");
    ctx_.After(ctx_.rng.Between(3, 20) * kMicrosPerDay, Task::kResumeProject,
               static_cast<uint32_t>(p.num));
  } else if (r < 70) {
    p.budget_quarters += p.budget_quarters * ctx_.rng.Between(10, 35) / 100 / 4 * 4;
    w.Key("budget_hours");
    w.Int(p.budget_quarters / 4);
  } else if (r < 88) {
    ++p.phase;
    w.Key("name");
    w.BeginString();
    AppendName(p, w.out());
    w.EndString();
  } else {
    w.Key("status");
    w.String("cancelled");
  }
  ctx_.End(user);
  if (cancel) projects_.erase(projects_.begin() + static_cast<std::ptrdiff_t>(index));
  return true;
}

bool ProjectsSim::CompleteTask(uint64_t project, uint64_t task) {
  Project* p = Find(project);
  if (p == nullptr) return false;
  for (size_t i = 0; i < p->tasks.size(); ++i) {
    if (p->tasks[i].num != task) continue;
    uint32_t assignee = p->tasks[i].assignee;
    ctx_.Begin(EventType::kTaskCompleted, task, p->flow);
    ctx_.builder.RefField("project_id", EntityKind::kProject, p->num);
    ctx_.End(ctx_.hrm->IsActive(assignee) ? assignee : kSystemUser);
    p->tasks.erase(p->tasks.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }
  return false;  // already completed while closing the project
}

bool ProjectsSim::CloseProject(uint64_t project) {
  Project* p = Find(project);
  if (p == nullptr) return false;
  if (!p->tasks.empty()) {  // wrap up the remaining tasks first
    ctx_.After(ctx_.Moments(), Task::kCloseProject, static_cast<uint32_t>(project));
    return CompleteTask(project, p->tasks.back().num);
  }
  JsonWriter& w = ctx_.Begin(EventType::kProjectUpdated, p->num, p->flow);
  w.Key("status");
  w.String("completed");
  ctx_.End(ctx_.hrm->IsActive(p->manager) ? p->manager : kSystemUser);
  projects_.erase(projects_.begin() + (p - projects_.data()));
  return true;
}

bool ProjectsSim::ResumeProject(uint64_t project) {
  Project* p = Find(project);
  if (p == nullptr || !p->on_hold) return false;
  p->on_hold = false;
  JsonWriter& w = ctx_.Begin(EventType::kProjectUpdated, p->num, p->flow);
  w.Key("status");
  w.String("active");
  ctx_.End(ctx_.hrm->IsActive(p->manager) ? p->manager : kSystemUser);
  return true;
}

}  // namespace readside::sim
