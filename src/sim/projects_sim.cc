#include "sim/projects_sim.h"

#include <string_view>

#include "sim/hrm_sim.h"
#include "sim/names.h"

namespace readside::sim {
namespace {

constexpr std::string_view kClientTypes[] = {"ERP Rollout",    "Data Migration",   "Integration",
                                             "Implementation", "Custom Reporting", "Onboarding"};
constexpr std::string_view kInternalTypes[] = {
    "Website Redesign", "Warehouse Automation", "Security Audit",     "Cloud Migration",
    "Office Move",      "Mobile App",           "Analytics Platform", "Hiring Pipeline"};
constexpr std::string_view kTaskVerbs[] = {"Design",   "Implement", "Review",  "Test",
                                           "Document", "Deploy",    "Migrate", "Configure"};
constexpr std::string_view kTaskObjects[] = {
    "API endpoints", "data model",      "reporting dashboard", "user onboarding", "billing module",
    "search",        "import pipeline", "access control",      "notifications",   "audit log"};
constexpr int64_t kInternalMedianHours[] = {400, 200, 100};
constexpr int kMaxOpenTasks = 8;

template <size_t N>
std::string_view Pick(const std::string_view (&table)[N], uint64_t bits) {
  return table[bits % N];
}

}  // namespace

ProjectsSim::Project* ProjectsSim::Find(uint64_t num) {
  for (Project& p : projects_) {
    if (p.num == num) return &p;
  }
  return nullptr;
}

ProjectsSim::Project* ProjectsSim::PickWorkable() {
  for (int attempt = 0; attempt < 3 && !projects_.empty(); ++attempt) {
    Project& p = projects_[ctx_.rng.Below(projects_.size())];
    if (!p.on_hold && !p.closing) return &p;
  }
  return nullptr;
}

void ProjectsSim::AppendName(const Project& project, std::string* out) const {
  if (project.client) {
    AppendCompanyName(project.name_seed, out);
    out->push_back(' ');
    out->append(Pick(kClientTypes, Mix64(project.name_seed ^ project.num)));
  } else {
    out->append(Pick(kInternalTypes, project.name_seed));
    out->push_back(' ');
    AppendInt(project.year, out);
  }
  if (project.phase > 1) {
    out->append(" - Phase ");
    AppendInt(project.phase, out);
  }
}

void ProjectsSim::ScheduleClientProject(uint64_t customer, uint64_t company_seed,
                                        int64_t deal_cents, uint64_t flow, int64_t delay) {
  ctx_.After(delay, Task::kCreateClientProject,
             client_requests_.Add({customer, company_seed, deal_cents, flow}));
}

bool ProjectsSim::CreateInternalProject(bool force) {
  if (!force && open_count() >= ctx_.profile.max_active_projects) return false;
  return CreateProject(nullptr);
}

bool ProjectsSim::CreateProject(const ClientRequest* client) {
  int64_t manager = ctx_.hrm->PickManager();
  if (manager < 0) return false;
  Rng& rng = ctx_.rng;
  Project p;
  p.num = ctx_.NewId(EntityKind::kProject);
  p.manager = static_cast<uint32_t>(manager);
  p.client = client != nullptr;
  p.year = CivilFromDays(ctx_.local_day()).year;
  int64_t hours;
  int64_t rate_cents = 0;
  if (client != nullptr) {
    p.flow = client->flow;
    p.name_seed = client->company_seed;
    rate_cents = rng.Between(120, 180) * 100;
    hours = client->deal_cents * rng.Between(30, 60) / 100 / rate_cents;
    if (hours > 3000) hours = 3000;
  } else {
    p.flow = ctx_.NewFlow();
    p.name_seed = rng.Next();
    hours = rng.LogNormal(kInternalMedianHours[ctx_.profile.size_class], 600);
    if (hours > 2000) hours = 2000;
    if (rng.Chance(0.5)) rate_cents = 8500;
  }
  if (hours < 24) hours = 24 + static_cast<int64_t>(rng.Below(24));
  p.budget_quarters = hours * 4;
  p.target_quarters =
      p.budget_quarters * (rng.Chance(0.3) ? rng.Between(105, 140) : rng.Between(60, 98)) / 100;

  JsonWriter& w = ctx_.Begin(EventType::kProjectCreated, p.num, p.flow);
  w.Key("name");
  w.BeginString();
  AppendName(p, w.out());
  w.EndString();
  w.Key("budget_hours");
  w.Int(hours);
  if (rate_cents > 0) {
    w.Key("budget_amount");
    w.Money(hours * rate_cents, rng.Chance(0.1));
  }
  ctx_.builder.RefField("manager_id", EntityKind::kEmployee, p.manager);
  if (client != nullptr) {
    ctx_.builder.RefField("customer_id", EntityKind::kContact, client->customer);
  }
  ctx_.End(manager);
  uint32_t initial_tasks = static_cast<uint32_t>(rng.Between(2, 4));
  ctx_.After(ctx_.Moments(), Task::kCreateProjectTasks, static_cast<uint32_t>(p.num),
             initial_tasks);
  projects_.push_back(std::move(p));
  return true;
}

bool ProjectsSim::WriteTask(Project& project) {
  OpenTask task;
  task.num = ctx_.NewId(EntityKind::kTask);
  task.estimate_quarters = static_cast<int32_t>(4 * ctx_.rng.Between(2, 40));
  task.logged_quarters = 0;
  int64_t assignee = ctx_.hrm->PickWorker();
  task.assignee = static_cast<uint32_t>(assignee < 0 ? project.manager : assignee);
  task.completing = false;
  JsonWriter& w = ctx_.Begin(EventType::kTaskCreated, task.num, project.flow);
  ctx_.builder.RefField("project_id", EntityKind::kProject, project.num);
  w.Key("estimate_hours");
  w.QuarterHours(task.estimate_quarters);
  ctx_.builder.RefField("assignee_id", EntityKind::kEmployee, task.assignee);
  w.Key("name");
  w.BeginString();
  uint64_t r = ctx_.rng.Next();
  w.out()->append(Pick(kTaskVerbs, r));
  w.out()->push_back(' ');
  w.out()->append(Pick(kTaskObjects, r >> 16));
  w.EndString();
  ctx_.End(ctx_.hrm->IsActive(project.manager) ? project.manager : kSystemUser);
  project.tasks.push_back(task);
  return true;
}

bool ProjectsSim::CreateTask() {
  Project* p = PickWorkable();
  if (p == nullptr || static_cast<int>(p->tasks.size()) >= kMaxOpenTasks) return false;
  return WriteTask(*p);
}

bool ProjectsSim::LogTime() {
  if (!ctx_.InWorkingHours()) return false;
  Project* p = PickWorkable();
  if (p == nullptr) return false;
  Rng& rng = ctx_.rng;
  OpenTask* task = nullptr;
  int64_t employee;
  if (!p->tasks.empty() && rng.Chance(0.85)) {
    task = &p->tasks[rng.Below(p->tasks.size())];
    employee = ctx_.hrm->IsActive(task->assignee) ? task->assignee : ctx_.hrm->PickWorker();
  } else {
    employee = ctx_.hrm->PickWorker();
  }
  int quarters = 2 + static_cast<int>(rng.Below(rng.Below(23) + 1));  // 0.5 .. 6 hours
  if (employee < 0 || !ctx_.hrm->TryBookHours(static_cast<uint64_t>(employee), quarters)) {
    return false;
  }
  bool billable = p->client ? rng.Chance(0.88) : rng.Chance(0.03);
  JsonWriter& w = ctx_.Begin(EventType::kTimeLogged, ctx_.NewId(EntityKind::kTimeLog), p->flow);
  ctx_.builder.RefField("project_id", EntityKind::kProject, p->num);
  ctx_.builder.RefField("employee_id", EntityKind::kEmployee, static_cast<uint64_t>(employee));
  w.Key("hours");
  w.QuarterHours(quarters);
  w.Key("billable");
  w.Bool(billable);
  if (task != nullptr) ctx_.builder.RefField("task_id", EntityKind::kTask, task->num);
  ctx_.End(employee);

  p->logged_quarters += quarters;
  if (task != nullptr) {
    task->logged_quarters += quarters;
    if (task->logged_quarters >= task->estimate_quarters && !task->completing) {
      task->completing = true;
      ctx_.After(rng.Between(10, 360) * kMicrosPerMinute, Task::kCompleteTask,
                 static_cast<uint32_t>(p->num), static_cast<uint32_t>(task->num));
    }
  }
  if (p->logged_quarters >= p->target_quarters) {
    p->closing = true;
    ctx_.After(rng.Between(1, 48) * kMicrosPerHour, Task::kCloseProject,
               static_cast<uint32_t>(p->num));
  }
  return true;
}

}  // namespace readside::sim
