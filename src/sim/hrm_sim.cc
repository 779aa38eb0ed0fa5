#include "sim/hrm_sim.h"

#include <string_view>

#include "sim/finance_sim.h"
#include "sim/names.h"

namespace readside::sim {
namespace {

constexpr std::string_view kDepartmentNames[kDepartmentCount] = {
    "Sales", "Engineering", "Finance", "Operations", "HR", "Support"};

struct Role {
  std::string_view title;
  int64_t median_salary_cents;  // monthly gross, full time
  uint32_t weight;
};
constexpr int kRolesPerDepartment = 3;
constexpr Role kRoles[kDepartmentCount][kRolesPerDepartment] = {
    {{"Account Executive", 650000, 50},
     {"Sales Development Rep", 420000, 35},
     {"Sales Manager", 950000, 15}},
    {{"Software Engineer", 800000, 50},
     {"Senior Software Engineer", 1020000, 35},
     {"Engineering Manager", 1150000, 15}},
    {{"Accountant", 550000, 50}, {"Financial Analyst", 650000, 35}, {"Controller", 980000, 15}},
    {{"Warehouse Associate", 330000, 50},
     {"Operations Specialist", 460000, 35},
     {"Operations Manager", 760000, 15}},
    {{"HR Generalist", 500000, 50}, {"Recruiter", 520000, 35}, {"HR Manager", 820000, 15}},
    {{"Support Specialist", 390000, 55},
     {"Support Engineer", 560000, 30},
     {"Support Lead", 680000, 15}},
};
constexpr std::string_view kEmploymentTypes[] = {"full_time", "part_time", "contractor"};
constexpr uint32_t kEmploymentWeights[] = {86, 7, 7};
constexpr std::string_view kTerminationReasons[] = {"resignation", "performance", "layoff",
                                                    "contract_end", "relocation"};
constexpr uint32_t kTerminationWeights[] = {55, 15, 10, 10, 10};
constexpr std::string_view kLeaveTypes[] = {"vacation", "sick", "personal", "bereavement",
                                            "parental"};
constexpr uint32_t kLeaveWeights[] = {55, 23, 12, 5, 3};
constexpr uint32_t kWorkerDepartmentWeights[kDepartmentCount] = {3, 62, 3, 12, 2, 18};

int64_t SalaryFor(Rng& rng, int department, int role, int employment) {
  int64_t salary = rng.LogNormal(kRoles[department][role].median_salary_cents, 100);
  salary = salary / 1000 * 1000;  // whole tens of dollars
  if (salary < 300000) salary = 300000;
  if (salary > 1200000) salary = 1200000;
  if (employment == 1) salary = salary * 6 / 10;
  return salary;
}

}  // namespace

int HrmSim::target_headcount() const {
  int64_t base = ctx_.profile.target_headcount;
  return static_cast<int>(base +
                          base * 6 * (ctx_.now - ctx_.start) / (int64_t{36500} * kMicrosPerDay));
}

int64_t HrmSim::PickActive(int department) const {
  const std::vector<uint32_t>& list = by_department_[department];
  if (list.empty()) return -1;
  return list[ctx_.rng.Below(list.size())];
}

int64_t HrmSim::PickActiveAny() const {
  if (active_.empty()) return -1;
  return active_[ctx_.rng.Below(active_.size())];
}

int64_t HrmSim::PickSalesRep() const {
  int64_t rep = PickActive(kSales);
  return rep >= 0 ? rep : PickActiveAny();
}

int64_t HrmSim::PickWorker() const {
  int64_t worker = PickActive(static_cast<int>(ctx_.rng.Choose(kWorkerDepartmentWeights)));
  return worker >= 0 ? worker : PickActiveAny();
}

int64_t HrmSim::PickManager() const {
  for (int attempt = 0; attempt < 6; ++attempt) {
    int64_t e = PickActive(kEngineering);
    if (e >= 0 && employees_[e].role == 2) return e;
  }
  int64_t e = PickActive(kEngineering);
  return e >= 0 ? e : PickActiveAny();
}

int64_t HrmSim::PickHrUser() const {
  int64_t e = PickActive(kHr);
  return e >= 0 ? e : kSystemUser;
}

bool HrmSim::IsActive(uint64_t employee) const {
  return employee < employees_.size() && employees_[employee].active;
}

bool HrmSim::TryBookHours(uint64_t employee, int quarters) {
  Employee& e = employees_[employee];
  int32_t day = static_cast<int32_t>(ctx_.local_day());
  if (e.hours_day != day) {
    e.hours_day = day;
    e.booked_quarters = 0;
  }
  if (e.booked_quarters + quarters > 40) return false;
  e.booked_quarters += quarters;
  return true;
}

void HrmSim::Activate(uint64_t num) {
  Employee& e = employees_[num];
  e.active = true;
  e.pos_in_active = static_cast<uint32_t>(active_.size());
  active_.push_back(static_cast<uint32_t>(num));
  e.pos_in_department = static_cast<uint32_t>(by_department_[e.department].size());
  by_department_[e.department].push_back(static_cast<uint32_t>(num));
}

void HrmSim::Deactivate(uint64_t num) {
  Employee& e = employees_[num];
  e.active = false;
  uint32_t last = active_.back();
  active_[e.pos_in_active] = last;
  employees_[last].pos_in_active = e.pos_in_active;
  active_.pop_back();
  std::vector<uint32_t>& dept = by_department_[e.department];
  last = dept.back();
  dept[e.pos_in_department] = last;
  employees_[last].pos_in_department = e.pos_in_department;
  dept.pop_back();
}

void HrmSim::MoveDepartment(uint64_t num, int department) {
  Deactivate(num);
  employees_[num].department = static_cast<uint8_t>(department);
  Activate(num);
}

int HrmSim::PickRole(int department) {
  uint32_t weights[kRolesPerDepartment];
  for (int r = 0; r < kRolesPerDepartment; ++r) weights[r] = kRoles[department][r].weight;
  return static_cast<int>(ctx_.rng.Choose(weights));
}

bool HrmSim::Hire(int department, bool force) {
  if (!force && active_count() >= target_headcount()) return false;
  int d = department >= 0 ? department
                          : static_cast<int>(ctx_.rng.Choose(ctx_.profile.department_weights));
  uint64_t num = ctx_.NewId(EntityKind::kEmployee);
  employees_.resize(num + 1);
  Employee& e = employees_[num];
  e.department = static_cast<uint8_t>(d);
  e.role = static_cast<uint8_t>(PickRole(d));
  e.employment = static_cast<uint8_t>(ctx_.rng.Choose(kEmploymentWeights));
  e.salary_cents = SalaryFor(ctx_.rng, d, e.role, e.employment);
  int64_t user = PickHrUser();
  JsonWriter& w = ctx_.Begin(EventType::kEmployeeCreated, num);
  w.Key("name");
  w.BeginString();
  AppendPersonName(EntityKey(ctx_.index, EntityKind::kEmployee, num), w.out());
  w.EndString();
  w.Key("department");
  w.String(kDepartmentNames[d]);
  w.Key("role");
  w.String(kRoles[d][e.role].title);
  w.Key("employment_type");
  w.String(kEmploymentTypes[e.employment]);
  ctx_.End(user);
  Activate(num);
  return true;
}

bool HrmSim::UpdateEmployee() {
  // About 1.5 changes per employee a year, so a small company sees one every few weeks.
  int64_t spacing = 365 * kMicrosPerDay * 2 / (3 * int64_t{active_count() + 1});
  if (ctx_.now - last_update_ < spacing) return false;
  int64_t num = PickActiveAny();
  if (num < 0) return false;
  last_update_ = ctx_.now;
  Employee& e = employees_[num];
  uint64_t r = ctx_.rng.Below(100);
  bool transfer = r >= 60 && r < 90 && by_department_[e.department].size() > 1;
  int64_t user = PickHrUser();
  JsonWriter& w = ctx_.Begin(EventType::kEmployeeUpdated, static_cast<uint64_t>(num));
  if (r >= 90) {
    w.Key("name");
    w.BeginString();
    AppendPersonName(Mix64(static_cast<uint64_t>(num) ^ static_cast<uint64_t>(ctx_.now)), w.out());
    w.EndString();
  } else if (transfer) {
    int d = e.department;
    for (int attempt = 0; attempt < 8 && d == e.department; ++attempt) {
      d = static_cast<int>(ctx_.rng.Choose(ctx_.profile.department_weights));
    }
    if (d == e.department) d = (d + 1) % kDepartmentCount;
    MoveDepartment(static_cast<uint64_t>(num), d);
    e.role = static_cast<uint8_t>(PickRole(d));
    w.Key("department");
    w.String(kDepartmentNames[d]);
    w.Key("role");
    w.String(kRoles[d][e.role].title);
  } else {
    int role = PickRole(e.department);
    if (role == e.role) role = (role + 1) % kRolesPerDepartment;
    e.role = static_cast<uint8_t>(role);
    e.salary_cents += e.salary_cents * ctx_.rng.Between(5, 15) / 100 / 1000 * 1000;
    if (ctx_.rng.Chance(0.3)) {
      w.Key("department");
      w.String(kDepartmentNames[e.department]);
    }
    w.Key("role");
    w.String(kRoles[e.department][role].title);
  }
  ctx_.End(user);
  return true;
}

bool HrmSim::TerminateEmployee(bool force) {
  int n = active_count();
  if (n <= 8) return false;
  int64_t spacing = 365 * kMicrosPerDay * 100 / (int64_t{n} * 14);  // ~14% a year
  if (!force && ctx_.now - last_termination_ < spacing) return false;
  int64_t num = -1;
  for (int attempt = 0; attempt < 4 && num < 0; ++attempt) {
    int64_t candidate = PickActiveAny();
    if (by_department_[employees_[candidate].department].size() > 1) num = candidate;
  }
  if (num < 0) return false;
  size_t reason = ctx_.rng.Choose(kTerminationWeights);
  if (employees_[num].employment == 2) reason = 3;  // contractors' contracts end
  int64_t user = PickHrUser();
  if (user == num) user = kSystemUser;
  JsonWriter& w = ctx_.Begin(EventType::kEmployeeTerminated, static_cast<uint64_t>(num));
  w.Key("reason");
  w.String(kTerminationReasons[reason]);
  ctx_.End(user);
  Deactivate(static_cast<uint64_t>(num));
  last_termination_ = ctx_.now;
  return true;
}

bool HrmSim::RequestLeave() {
  int64_t num = PickActiveAny();
  if (num < 0) return false;
  Employee& e = employees_[num];
  int64_t day = ctx_.local_day();
  if (day - e.last_leave_request < 30 || (e.away_from <= day && day <= e.away_to)) return false;
  size_t type = ctx_.rng.Choose(kLeaveWeights);
  int64_t halves = 0, start = day;
  switch (type) {
    case 0:
      halves = ctx_.rng.Chance(0.1) ? 1 : 2 * ctx_.rng.Between(1, 10);
      start = day + ctx_.rng.Between(7, 45);
      break;
    case 1:
      halves = 2 * ctx_.rng.Between(1, 3);
      break;
    case 2:
      halves = ctx_.rng.Between(1, 4);
      start = day + ctx_.rng.Between(1, 14);
      break;
    case 3:
      halves = 2 * ctx_.rng.Between(1, 3);
      start = day + 1;
      break;
    default:
      halves = 2 * ctx_.rng.Between(20, 60);
      start = day + ctx_.rng.Between(14, 60);
  }
  e.last_leave_request = static_cast<int32_t>(day);
  uint64_t leave = ctx_.NewId(EntityKind::kLeave);
  JsonWriter& w = ctx_.Begin(EventType::kLeaveRequested, leave);
  ctx_.builder.RefField("employee_id", EntityKind::kEmployee, static_cast<uint64_t>(num));
  w.Key("leave_type");
  w.String(kLeaveTypes[type]);
  w.Key("days");
  w.HalfUnits(halves);
  w.Key("start_date");
  w.BeginString();
  AppendDate(start, w.out());
  w.EndString();
  ctx_.End(num);
  if (ctx_.rng.Chance(0.9)) {
    int64_t delay = ctx_.rng.Exponential(8 * kMicrosPerHour) + 15 * kMicrosPerMinute;
    ctx_.After(delay, Task::kApproveLeave, static_cast<uint32_t>(leave), static_cast<uint32_t>(num),
               start * 1024 + halves);
  }
  return true;
}

bool HrmSim::ApproveLeave(uint64_t leave, uint64_t employee, int64_t packed) {
  if (!IsActive(employee)) return false;
  int64_t start = FloorDiv(packed, 1024);
  int64_t halves = packed - start * 1024;
  Employee& e = employees_[employee];
  e.away_from = static_cast<int32_t>(start);
  e.away_to = static_cast<int32_t>(start + (halves + 1) / 2 - 1);
  int64_t user = PickHrUser();
  ctx_.Begin(EventType::kLeaveApproved, leave);
  ctx_.builder.RefField("employee_id", EntityKind::kEmployee, employee);
  ctx_.End(user == static_cast<int64_t>(employee) ? kSystemUser : user);
  return true;
}

}  // namespace readside::sim
