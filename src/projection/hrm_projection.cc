#include "projection/hrm_projection.h"

#include <cmath>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kEmpDepartment = 1, kEmpRole = 2;
constexpr int kLeaveDays = 2;
constexpr int kScheduledStart = 1, kCheckedInAt = 2;
constexpr int kGross = 0, kNet = 1;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kHrmEmployeeCreated, "department") == kEmpDepartment);
static_assert(event::FieldIndexOf(E::kHrmEmployeeCreated, "role") == kEmpRole);
static_assert(event::FieldIndexOf(E::kHrmEmployeeUpdated, "department") == kEmpDepartment);
static_assert(event::FieldIndexOf(E::kHrmEmployeeUpdated, "role") == kEmpRole);
static_assert(event::FieldIndexOf(E::kHrmLeaveRequested, "days") == kLeaveDays);
static_assert(event::FieldIndexOf(E::kHrmAttendanceCheckedIn, "scheduled_start") ==
              kScheduledStart);
static_assert(event::FieldIndexOf(E::kHrmAttendanceCheckedIn, "checked_in_at") == kCheckedInAt);
static_assert(event::FieldIndexOf(E::kHrmPayrollProcessed, "gross_total") == kGross);
static_assert(event::FieldIndexOf(E::kHrmPayrollProcessed, "net_total") == kNet);
}  // namespace

int64_t ToMicroUnits(double value) { return std::llround(value * kMicroScale); }

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
      return;
    }
    case E::kHrmLeaveRequested: {
      auto [it, fresh] = leaves_.try_emplace(id);
      if (!fresh) return c.Orphan();
      it->second.days = ToMicroUnits(c.f(kLeaveDays).number);
      c.m.Add(S::kLeaveRequests, c.day, 1);
      c.m.Add(S::kLeavePending, c.day, 1);
      return;
    }
    case E::kHrmLeaveApproved: {
      auto it = leaves_.find(id);
      if (it == leaves_.end() || !it->second.pending) return c.Orphan();
      it->second.pending = false;
      c.m.Add(S::kLeaveApproved, c.day, 1);
      c.m.Add(S::kLeavePending, c.day, -1);
      c.m.Add(S::kLeaveDaysApproved, c.day, it->second.days);
      return;
    }
    case E::kHrmAttendanceCheckedIn:
      c.m.Add(S::kAttendanceCheckins, c.day, 1);
      if (c.f(kCheckedInAt).integer > c.f(kScheduledStart).integer) {
        c.m.Add(S::kLateArrivals, c.day, 1);
      }
      return;
    case E::kHrmPayrollProcessed:
      c.m.Add(S::kPayrollGross, c.day, c.f(kGross).money.units());
      c.m.Add(S::kPayrollNet, c.day, c.f(kNet).money.units());
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
    w.Bool(l.pending);
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
    l.pending = r.Bool();
  }
  return r.ok();
}

}  // namespace readside::projection
