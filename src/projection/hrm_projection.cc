#include "projection/hrm_projection.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kEmpName = 0, kEmpDepartment = 1, kEmpRole = 2;
constexpr int kLeaveType = 1, kLeaveDays = 2;
constexpr int kCheckinEmployee = 0, kScheduledStart = 1, kCheckedInAt = 2;
constexpr int kGross = 0, kNet = 1, kEmployeeCount = 2;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kHrmEmployeeCreated, "name") == kEmpName);
static_assert(event::FieldIndexOf(E::kHrmEmployeeUpdated, "name") == kEmpName);
static_assert(event::FieldIndexOf(E::kHrmEmployeeCreated, "department") == kEmpDepartment);
static_assert(event::FieldIndexOf(E::kHrmEmployeeCreated, "role") == kEmpRole);
static_assert(event::FieldIndexOf(E::kHrmEmployeeUpdated, "department") == kEmpDepartment);
static_assert(event::FieldIndexOf(E::kHrmEmployeeUpdated, "role") == kEmpRole);
static_assert(event::FieldIndexOf(E::kHrmLeaveRequested, "leave_type") == kLeaveType);
static_assert(event::FieldIndexOf(E::kHrmLeaveRequested, "days") == kLeaveDays);
static_assert(event::FieldIndexOf(E::kHrmAttendanceCheckedIn, "employee_id") == kCheckinEmployee);
static_assert(event::FieldIndexOf(E::kHrmAttendanceCheckedIn, "scheduled_start") ==
              kScheduledStart);
static_assert(event::FieldIndexOf(E::kHrmAttendanceCheckedIn, "checked_in_at") == kCheckedInAt);
static_assert(event::FieldIndexOf(E::kHrmPayrollProcessed, "gross_total") == kGross);
static_assert(event::FieldIndexOf(E::kHrmPayrollProcessed, "net_total") == kNet);
static_assert(event::FieldIndexOf(E::kHrmPayrollProcessed, "employee_count") == kEmployeeCount);
}  // namespace

int64_t ToMicroUnits(double value) { return std::llround(value * kMicroScale); }

// The department point with the highest arrival among those stamped before `at`.
HrmProjection::DepartmentPoint* HrmProjection::PointAt(Attendee& a, When at) {
  DepartmentPoint* in_force = nullptr;
  for (DepartmentPoint& p : a.departments) {
    if (!(p.at < at)) break;
    if (in_force == nullptr || p.at.seq > in_force->at.seq) in_force = &p;
  }
  return in_force;
}

const std::string& HrmProjection::DepartmentAt(Attendee& a, When at) {
  static const std::string* const kNone = new std::string();
  const DepartmentPoint* p = PointAt(a, at);
  return p != nullptr ? p->department : *kNone;
}

uint32_t HrmProjection::DepartmentKeyAt(ModelBuilder& m, Attendee& a, When at) {
  DepartmentPoint* p = PointAt(a, at);
  return p != nullptr ? m.KeyOf(&p->key, p->department) : m.KeyOf(&no_department_key_, "");
}

void HrmProjection::CheckedIn(const ApplyContext& c) {
  CheckIn in{{c.ts(), c.seq}, c.day, c.f(kCheckedInAt).integer > c.f(kScheduledStart).integer};
  c.m.Add(S::kAttendanceCheckins, c.day, 1);
  if (in.late) c.m.Add(S::kLateArrivals, c.day, 1);
  const std::string& employee_id = c.f(kCheckinEmployee).text;
  Attendee& a = attendees_[employee_id];
  uint32_t employee = c.m.KeyOf(&a.key, employee_id);
  c.m.AddFact(F::kCheckinsByEmployee, employee, c.day, 1);
  if (in.late) c.m.AddFact(F::kLateArrivalsByEmployee, employee, c.day, 1);
  uint32_t department = DepartmentKeyAt(c.m, a, in.at);
  c.m.AddFact(F::kCheckinsByDepartment, department, c.day, 1);
  if (in.late) c.m.AddFact(F::kLateArrivalsByDepartment, department, c.day, 1);
  if (a.checkins.empty() || a.checkins.back().at < in.at) {
    a.checkins.push_back(in);
  } else {
    InsertByTime(a.checkins, in);
  }
}

// A new department point: it has the highest arrival of the employee's points, so it is in
// force for every check-in stamped after it.
void HrmProjection::DepartmentSet(const ApplyContext& c, const std::string& department) {
  Attendee& a = attendees_[c.e.entity_id];
  DepartmentPoint point{{c.ts(), c.seq}, department};
  auto first = std::upper_bound(a.checkins.begin(), a.checkins.end(), point.at,
                                [](const When& w, const CheckIn& in) { return w < in.at; });
  for (auto it = first; it != a.checkins.end(); ++it) {
    const std::string& old = DepartmentAt(a, it->at);
    if (old == department) continue;
    for (const auto& [dept, sign] : {std::pair{&old, -1}, std::pair{&department, 1}}) {
      c.m.AddFact(F::kCheckinsByDepartment, *dept, it->day, sign);
      if (it->late) c.m.AddFact(F::kLateArrivalsByDepartment, *dept, it->day, sign);
    }
  }
  InsertByTime(a.departments, point);
}

void HrmProjection::Apply(const ApplyContext& c) {
  const std::string& id = c.e.entity_id;
  switch (c.e.type) {
    case E::kHrmEmployeeCreated: {
      auto [it, fresh] = employees_.try_emplace(id);
      if (!fresh) return c.Orphan();
      it->second.department = c.f(kEmpDepartment).text;
      it->second.role = c.f(kEmpRole).text;
      c.m.Add(S::kNewHires, c.day, 1);
      c.m.Add(S::kTotalEmployees, c.day, 1);
      c.m.AddKeyed(K::kEmployeesByDepartment, it->second.department, c.day, 1);
      c.m.AddKeyed(K::kEmployeesByRole, it->second.role, c.day, 1);
      c.m.AddFact(F::kHiresByDepartment, it->second.department, c.day, 1);
      c.m.MutableEmployees()[id] = {c.f(kEmpName).text, it->second.department, it->second.role};
      DepartmentSet(c, it->second.department);
      return;
    }
    case E::kHrmEmployeeUpdated: {
      auto it = employees_.find(id);
      if (it == employees_.end() || !it->second.active) return c.Orphan();
      Employee& emp = it->second;
      auto move = [&](K family, std::string& current, const event::FieldValue& v) {
        if (!v.present || v.text == current) return;
        c.m.AddKeyed(family, current, c.day, -1);
        c.m.AddKeyed(family, v.text, c.day, 1);
        current = v.text;
      };
      move(K::kEmployeesByDepartment, emp.department, c.f(kEmpDepartment));
      move(K::kEmployeesByRole, emp.role, c.f(kEmpRole));
      EmployeeInfo& info = c.m.MutableEmployees()[id];
      if (const event::FieldValue& name = c.f(kEmpName); name.present) info.name = name.text;
      info.department = emp.department;
      info.role = emp.role;
      if (c.f(kEmpDepartment).present) DepartmentSet(c, emp.department);
      return;
    }
    case E::kHrmEmployeeTerminated: {
      auto it = employees_.find(id);
      if (it == employees_.end() || !it->second.active) return c.Orphan();
      it->second.active = false;
      c.m.Add(S::kTerminations, c.day, 1);
      c.m.Add(S::kTotalEmployees, c.day, -1);
      c.m.AddKeyed(K::kEmployeesByDepartment, it->second.department, c.day, -1);
      c.m.AddKeyed(K::kEmployeesByRole, it->second.role, c.day, -1);
      c.m.AddFact(F::kTerminationsByDepartment, it->second.department, c.day, 1);
      c.m.MutableEmployees()[id].active = false;
      return;
    }
    case E::kHrmLeaveRequested: {
      auto [it, fresh] = leaves_.try_emplace(id);
      if (!fresh) return c.Orphan();
      it->second.days = ToMicroUnits(c.f(kLeaveDays).number);
      it->second.type = c.f(kLeaveType).text;
      c.m.Add(S::kLeaveRequests, c.day, 1);
      c.m.Add(S::kLeavePending, c.day, 1);
      c.m.AddFact(F::kLeaveRequestsByType, it->second.type, c.day, 1);
      c.m.AddFact(F::kLeavePendingByType, it->second.type, c.day, 1);
      return;
    }
    case E::kHrmLeaveApproved: {
      auto it = leaves_.find(id);
      if (it == leaves_.end() || !it->second.pending) return c.Orphan();
      it->second.pending = false;
      c.m.Add(S::kLeaveApproved, c.day, 1);
      c.m.Add(S::kLeavePending, c.day, -1);
      c.m.Add(S::kLeaveDaysApproved, c.day, it->second.days);
      c.m.AddFact(F::kLeaveApprovedByType, it->second.type, c.day, 1);
      c.m.AddFact(F::kLeavePendingByType, it->second.type, c.day, -1);
      c.m.AddFact(F::kLeaveDaysApprovedByType, it->second.type, c.day, it->second.days);
      return;
    }
    case E::kHrmAttendanceCheckedIn:
      return CheckedIn(c);
    case E::kHrmPayrollProcessed:
      c.m.Add(S::kPayrollGross, c.day, c.f(kGross).money.units());
      c.m.Add(S::kPayrollNet, c.day, c.f(kNet).money.units());
      c.m.Add(S::kPayrollRuns, c.day, 1);
      c.m.Add(S::kPayrollEmployees, c.day, c.f(kEmployeeCount).integer);
      return;
    default:
      return;
  }
}

void HrmProjection::Save(SnapshotWriter& w) const {
  w.U64(employees_.size());
  for (const auto& [id, e] : employees_) {
    w.Str(id);
    w.Str(e.department);
    w.Str(e.role);
    w.Bool(e.active);
  }
  w.U64(leaves_.size());
  for (const auto& [id, l] : leaves_) {
    w.Str(id);
    w.I64(l.days);
    w.Str(l.type);
    w.Bool(l.pending);
  }
  w.U64(attendees_.size());
  for (const auto& [id, a] : attendees_) {
    w.Str(id);
    w.U64(a.departments.size());
    for (const DepartmentPoint& p : a.departments) {
      w.I64(p.at.ts);
      w.U64(p.at.seq);
      w.Str(p.department);
    }
    w.U64(a.checkins.size());
    for (const CheckIn& in : a.checkins) {
      w.I64(in.at.ts);
      w.U64(in.at.seq);
      w.I64(in.day);
      w.Bool(in.late);
    }
  }
}

bool HrmProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Employee& e = employees_[r.Str()];
    e.department = r.Str();
    e.role = r.Str();
    e.active = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Leave& l = leaves_[r.Str()];
    l.days = r.I64();
    l.type = r.Str();
    l.pending = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Attendee& a = attendees_[r.Str()];
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      DepartmentPoint& p = a.departments.emplace_back();
      p.at = {r.I64(), r.U64()};
      p.department = r.Str();
    }
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      CheckIn& in = a.checkins.emplace_back();
      in.at = {r.I64(), r.U64()};
      in.day = static_cast<DayNumber>(r.I64());
      in.late = r.Bool();
    }
  }
  return r.ok();
}

}  // namespace readside::projection
