// HrmSim's clock-driven work: daily check-in planning, check-ins, monthly payroll, and the
// agenda dispatch (see hrm_sim.h).
#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"

namespace readside::sim {
namespace {

constexpr int64_t kWorkdayStart = 9 * kMicrosPerHour;
constexpr int64_t kPlanningTime = 6 * kMicrosPerHour;
constexpr int64_t kPayrollTime = 10 * kMicrosPerHour;

int64_t FirstOfMonth(int64_t day) { return day - (CivilFromDays(day).day - 1); }

}  // namespace

void HrmSim::StartSchedules() {
  int64_t day = ctx_.local_day();
  int64_t tod = ctx_.local_time_of_day();
  ctx_.agenda.Schedule(ctx_.LocalInstant(tod < kPlanningTime ? day : day + 1, kPlanningTime),
                       Task::kPlanWorkday);
  // Go-live catch-up: the month before go-live is paid on the first business morning.
  int64_t previous_month = FirstOfMonth(FirstOfMonth(day) - 1);
  int64_t run_day = NextBusinessDay(tod < kPayrollTime ? day : day + 1);
  ctx_.agenda.Schedule(ctx_.LocalInstant(run_day, kPayrollTime), Task::kRunPayroll, 0, 0,
                       previous_month);
  ctx_.After(ctx_.rng.Between(6, 30) * kMicrosPerHour, Task::kTerminate);
  last_termination_ = ctx_.now;
  // The first promotion or transfer comes within the first day or two.
  last_update_ = ctx_.now - 365 * kMicrosPerDay * 2 / ((3 * int64_t{active_count() + 1})) +
                 ctx_.rng.Between(4, 20) * kMicrosPerHour;
}

bool HrmSim::RunTask(const AgendaItem& item) {
  switch (item.task) {
    case Task::kPlanWorkday:
      return PlanWorkday();
    case Task::kCheckIn:
      return CheckIn(item.a, item.c);
    case Task::kApproveLeave:
      return ApproveLeave(item.a, item.b, item.c);
    case Task::kRunPayroll:
      return RunPayroll(item.c);
    case Task::kTerminate:
      return TerminateEmployee(true);
    default:
      return false;
  }
}

bool HrmSim::PlanWorkday() {
  int64_t day = ctx_.local_day();
  if (IsBusinessDay(day) && ctx_.local_time_of_day() < 8 * kMicrosPerHour) {
    int64_t start = ctx_.LocalInstant(day, kWorkdayStart);
    for (uint32_t num : active_) {
      const Employee& e = employees_[num];
      if (e.away_from <= day && day <= e.away_to) continue;
      if (!ctx_.rng.Chance(e.employment == 1 ? 0.6 : 0.95)) continue;
      int64_t planned = ctx_.rng.Chance(0.1) ? start + ctx_.rng.Between(60, 3300) * kMicrosPerSecond
                                             : start - ctx_.rng.Between(0, 2400) * kMicrosPerSecond;
      ctx_.agenda.Schedule(planned, Task::kCheckIn, num, 0, planned);
    }
  }
  ctx_.agenda.Schedule(ctx_.LocalInstant(day + 1, kPlanningTime), Task::kPlanWorkday);
  return false;  // planning publishes nothing
}

bool HrmSim::CheckIn(uint64_t employee, int64_t planned) {
  // Published when a slot is free (the envelope timestamp may trail checked_in_at when the
  // stream is sparse); one the stream could not carry within 10 hours is dropped.
  if (!IsActive(employee) || ctx_.now > planned + 10 * kMicrosPerHour) return false;
  int64_t day = LocalDay(planned, ctx_.profile.utc_offset_minutes);
  int offset = ctx_.rng.Chance(0.3) ? 0 : ctx_.profile.utc_offset_minutes;
  JsonWriter& w = ctx_.Begin(EventType::kAttendanceCheckedIn, ctx_.NewId(EntityKind::kAttendance));
  ctx_.builder.RefField("employee_id", EntityKind::kEmployee, employee);
  w.Key("scheduled_start");
  w.BeginString();
  AppendLocalDateTime(ctx_.LocalInstant(day, kWorkdayStart), offset, w.out());
  w.EndString();
  w.Key("checked_in_at");
  w.BeginString();
  AppendLocalDateTime(planned, offset, w.out());
  w.EndString();
  ctx_.End(static_cast<int64_t>(employee));
  return true;
}

bool HrmSim::RunPayroll(int64_t month_day) {
  // The next run pays the following month, on the first business day after it.
  int64_t next_month = FirstDayOfNextMonth(month_day);
  int64_t next_run_day = NextBusinessDay(FirstDayOfNextMonth(next_month));
  ctx_.agenda.Schedule(
      ctx_.LocalInstant(next_run_day, kPayrollTime) + ctx_.rng.Between(0, 90) * kMicrosPerMinute,
      Task::kRunPayroll, 0, 0, next_month);
  int64_t gross = 0;
  for (uint32_t num : active_) gross += employees_[num].salary_cents;
  int64_t net_permille = 700 + 15 * ctx_.profile.size_class + ctx_.rng.Between(-5, 5);
  int64_t net = gross * net_permille / 1000;
  CivilDate month = CivilFromDays(month_day);
  uint64_t id = static_cast<uint64_t>(month.year) * 100 + static_cast<uint64_t>(month.month);
  uint64_t flow = ctx_.NewFlow();
  bool as_text = ctx_.rng.Chance(0.15);
  int64_t user = PickActive(kFinance);
  JsonWriter& w = ctx_.Begin(EventType::kPayrollProcessed, id, flow);
  w.Key("gross_total");
  w.Money(gross, as_text);
  w.Key("net_total");
  w.Money(net, as_text);
  w.Key("employee_count");
  w.Int(active_count());
  w.Key("pay_period");
  w.BeginString();
  AppendYearMonth(month_day, w.out());
  w.EndString();
  ctx_.End(user >= 0 ? user : PickHrUser());
  if (gross == 0) return true;

  ctx_.finance->EnsureCash(net);
  Posting payroll;
  payroll.reason = PostingReason::kPayroll;
  payroll.ref_kind = EntityKind::kPayroll;
  payroll.ref_num = id;
  payroll.flow = flow;
  payroll.Debit(kSalaries, gross);
  payroll.Credit(kCash, net);
  payroll.Credit(kPayrollLiabilities, gross - net);
  ctx_.finance->SchedulePosting(payroll, ctx_.Moments());
  Posting taxes;
  taxes.reason = PostingReason::kPayrollTaxes;
  taxes.ref_kind = EntityKind::kPayroll;
  taxes.ref_num = id;
  taxes.flow = flow;
  taxes.Debit(kPayrollLiabilities, gross - net);
  taxes.Credit(kCash, gross - net);
  ctx_.finance->SchedulePosting(taxes, ctx_.rng.Between(5, 12) * kMicrosPerDay);
  return true;
}

}  // namespace readside::sim
