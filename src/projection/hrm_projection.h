#pragma once
// HRM read model (metrics.md "HRM"): headcount by department and role, leave, attendance and
// payroll. Every rule depends only on the event's own entity (employee, leave request).
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
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
  struct Leave {
    int64_t days = 0;  // millionths
    bool pending = true;
  };
  absl::flat_hash_map<std::string, Employee> employees_;
  absl::flat_hash_map<std::string, Leave> leaves_;
};

// A JSON number of hours or days in fixed point (millionths), rounded half away from zero:
// sums are then exact and independent of the order events arrive in.
int64_t ToMicroUnits(double value);

}  // namespace readside::projection
