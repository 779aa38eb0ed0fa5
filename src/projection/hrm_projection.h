#pragma once
// HRM read model (metrics.md "HRM"): headcount by department and role, leave, attendance and
// payroll, the per-department and per-leave-type families of the hr reports, and the
// employee directory (names). Every rule depends only on the event's own entity (employee,
// leave request), except check-ins by department.
//
// Check-ins by department join a check-in with another entity, its employee: a check-in
// counts in the department in force at its instant, i.e. the department of the
// latest-arrived department-setting event (creation, or update with a department) of that
// employee stamped before it; with none (an unknown employee, or a check-in stamped before
// the creation) it counts under the empty department. Each employee id with its department
// points and check-ins is a cluster (see InventoryProjection): a check-in is attributed in
// O(#points); a department point moves only the check-ins stamped after it (none when it
// comes in time order).
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/key_hash.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class HrmProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  struct Employee {
    std::string department;
    std::string role;
    bool active = true;
  };
  struct DepartmentPoint {
    When at;
    std::string department;
    uint32_t key = KeyPool::kNone;  // the department's key id (KeyOf)
  };
  struct CheckIn {
    When at;
    DayNumber day = 0;
    bool late = false;
  };
  struct Attendee {                            // by employee id, known or not
    std::vector<DepartmentPoint> departments;  // sorted by `at`
    std::vector<CheckIn> checkins;             // sorted by `at`
    uint32_t key = KeyPool::kNone;             // the employee id's key id (KeyOf)
  };
  static DepartmentPoint* PointAt(Attendee& a, When at);  // in force at `at`, or null
  static const std::string& DepartmentAt(Attendee& a, When at);
  uint32_t DepartmentKeyAt(ModelBuilder& m, Attendee& a, When at);
  void CheckedIn(const ApplyContext& c);
  void DepartmentSet(const ApplyContext& c, const std::string& department);

  struct Leave {
    int64_t days = 0;  // millionths
    std::string type;  // leave_type
    bool pending = true;
  };
  EntityMap<Employee> employees_;
  EntityMap<Leave> leaves_;
  EntityMap<Attendee> attendees_;
  uint32_t no_department_key_ = KeyPool::kNone;  // "" before any department point
};

// A JSON number of hours or days in fixed point (millionths), rounded half away from zero:
// sums are then exact and independent of the order events arrive in.
int64_t ToMicroUnits(double value);

}  // namespace readside::projection
