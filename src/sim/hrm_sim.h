// HrmSim: one tenant's HR service. Hires employees into departments and roles (salaries
// ~3-12k a month), promotes and transfers them, terminates some (~14% turnover a year),
// takes leave requests (mostly approved), plans each business day's check-ins around the
// 09:00 local start (~10% late, absent on leave) and runs payroll monthly in arrears for the
// active headcount. Other domains pick employees from here (sales reps own leads, workers
// log project hours).
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/agenda.h"
#include "sim/tenant_context.h"

namespace readside::sim {

class HrmSim {
 public:
  explicit HrmSim(TenantContext* ctx) : ctx_(*ctx) {}

  // Hires into `department`, or a weighted random one if department < 0. Spontaneous hires
  // (force == false) happen only below the target headcount. Returns true if it wrote an event.
  bool Hire(int department, bool force);
  // Promotion, transfer or rename; spaced to ~1.5 a year per employee.
  bool UpdateEmployee();
  // Spontaneous terminations are spaced to ~14% annual turnover; force skips the spacing.
  bool TerminateEmployee(bool force);
  bool RequestLeave();
  bool RunTask(const AgendaItem& item);
  // After go-live: starts workday planning, the catch-up payroll run and a first termination.
  void StartSchedules();

  // Employee pickers: an active employee num, or -1 if there is none.
  int64_t PickActive(int department) const;
  int64_t PickActiveAny() const;
  int64_t PickSalesRep() const;
  int64_t PickWorker() const;  // someone who logs project time (mostly Engineering)
  int64_t PickManager() const;
  bool IsActive(uint64_t employee) const;
  // Books `quarters` quarter-hours on the employee's current local day; false (nothing
  // booked) if that would exceed 10 hours.
  bool TryBookHours(uint64_t employee, int quarters);

  int active_count() const { return static_cast<int>(active_.size()); }
  int initial_headcount() const { return ctx_.profile.target_headcount * 9 / 10; }
  int target_headcount() const;

 private:
  struct Employee {
    int64_t salary_cents = 0;  // monthly gross
    int32_t hours_day = -1;    // local day of booked_quarters
    int32_t booked_quarters = 0;
    int32_t away_from = -1;  // approved leave, local days [away_from, away_to]
    int32_t away_to = -1;
    int32_t last_leave_request = -100000;
    uint32_t pos_in_department = 0;
    uint32_t pos_in_active = 0;
    uint8_t department = 0;
    uint8_t role = 0;
    uint8_t employment = 0;  // 0 full time, 1 part time, 2 contractor
    bool active = false;
  };

  void Activate(uint64_t num);
  void Deactivate(uint64_t num);
  void MoveDepartment(uint64_t num, int department);
  int PickRole(int department);
  int64_t PickHrUser() const;
  bool PlanWorkday();
  bool CheckIn(uint64_t employee, int64_t planned);
  bool ApproveLeave(uint64_t leave, uint64_t employee, int64_t halves);
  bool RunPayroll(int64_t month_day);

  TenantContext& ctx_;
  std::vector<Employee> employees_ = std::vector<Employee>(1);  // index = employee num
  std::vector<uint32_t> active_;
  std::vector<uint32_t> by_department_[kDepartmentCount];
  int64_t last_termination_ = 0;
  int64_t last_update_ = 0;  // last promotion / transfer / rename
};

}  // namespace readside::sim
