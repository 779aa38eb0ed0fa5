// HR reports (reports.md "Catalog", hr; docs/reports-operational.md): headcount, attendance,
// leave, payroll.
#include "report/operational.h"

namespace readside::report::internal {

void BuildHrHeadcount(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  const projection::DaySeries& employees = v.Get(S::kTotalEmployees);
  int64_t start = employees.PrefixBefore(p.first_day), end = StockAtEnd(employees, p);
  int64_t hires = Flow(v.Get(S::kNewHires), p), terminations = Flow(v.Get(S::kTerminations), p);
  doc->sections.push_back(KpiSection({
      CountKpi("Employees", end),
      CountKpi("New hires", hires),
      CountKpi("Terminations", terminations),
      // terminations / average employees = 2 × terminations / (start + end)
      PercentKpi("Turnover rate", 2 * terminations, start + end),
  }));

  KeySums by_department = StockByKey(v, K::kEmployeesByDepartment, p);
  KeySums hired = FlowByKey(v, F::kHiresByDepartment, p);
  KeySums left = FlowByKey(v, F::kTerminationsByDepartment, p);
  Section t = TableSection("departments", "Headcount by department",
                           {Col("department", "Department", ColumnType::kString),
                            Col("employees", "Employees", ColumnType::kInteger),
                            Col("hires", "Hires", ColumnType::kInteger),
                            Col("terminations", "Terminations", ColumnType::kInteger)});
  for (const KeyRow& x : RowsByValue({&by_department, &hired, &left})) {
    t.rows.push_back({TextCell(KeyLabel(x.key)), CountCell(x.values[0]), CountCell(x.values[1]),
                      CountCell(x.values[2])});
  }
  t.totals = {TextCell("Total"), CountCell(Total(by_department)), CountCell(Total(hired)),
              CountCell(Total(left))};
  doc->sections.push_back(std::move(t));

  KeySums by_role = StockByKey(v, K::kEmployeesByRole, p);
  Section roles = TableSection("roles", "Headcount by role",
                               {Col("role", "Role", ColumnType::kString),
                                Col("employees", "Employees", ColumnType::kInteger)});
  for (const KeyRow& x : RowsByValue({&by_role})) {
    roles.rows.push_back({TextCell(KeyLabel(x.key)), CountCell(x.values[0])});
  }
  roles.totals = {TextCell("Total"), CountCell(Total(by_role))};
  doc->sections.push_back(std::move(roles));
  doc->sections.push_back(MonthlyTrend(
      "trend", "Hires and terminations by month", p,
      {FlowTrend(r, "Hires", S::kNewHires), FlowTrend(r, "Terminations", S::kTerminations)}));
  doc->sections.push_back(MonthlyTrend("headcount_trend", "Employees at month end", p,
                                       {StockTrend(r, "Employees", S::kTotalEmployees)}, "line"));
}

void BuildHrAttendance(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t checkins = Flow(v.Get(S::kAttendanceCheckins), p),
          late = Flow(v.Get(S::kLateArrivals), p);
  const projection::DaySeries& employees = v.Get(S::kTotalEmployees);
  int64_t start = employees.PrefixBefore(p.first_day), end = StockAtEnd(employees, p);
  // check-ins / (average employees × business days) = 2 × check-ins / ((start + end) × days)
  int64_t capacity = (start + end) * projection::BusinessDays(p);
  doc->sections.push_back(KpiSection({
      CountKpi("Check-ins", checkins),
      CountKpi("Late arrivals", late),
      PercentKpi("Late rate", late, checkins),
      PercentKpi("Average attendance", 2 * checkins, capacity),
  }));

  KeySums in = FlowByKey(v, F::kCheckinsByDepartment, p);
  KeySums late_in = FlowByKey(v, F::kLateArrivalsByDepartment, p);
  KeySums staff = StockByKey(v, K::kEmployeesByDepartment, p);
  Section t = TableSection("departments", "Attendance by department",
                           {Col("department", "Department", ColumnType::kString),
                            Col("checkins", "Check-ins", ColumnType::kInteger),
                            Col("late", "Late arrivals", ColumnType::kInteger),
                            Col("late_rate", "Late rate", ColumnType::kPercent),
                            Col("employees", "Employees", ColumnType::kInteger)});
  for (const KeyRow& x : RowsByValue({&in, &late_in, &staff})) {
    // "" holds the check-ins with no known department at their instant.
    t.rows.push_back({TextCell(x.key.empty() ? "(no department)" : x.key), CountCell(x.values[0]),
                      CountCell(x.values[1]), PercentCell(x.values[1], x.values[0]),
                      CountCell(x.values[2])});
  }
  t.totals = {TextCell("Total"), CountCell(checkins), CountCell(late), PercentCell(late, checkins),
              CountCell(Total(staff))};
  doc->sections.push_back(std::move(t));

  // Per employee id (named when known, with the current department); by late arrivals.
  KeySums by_employee = FlowByKey(v, F::kCheckinsByEmployee, p);
  KeySums late_by_employee = FlowByKey(v, F::kLateArrivalsByEmployee, p);
  Section e = TableSection(
      "employees", "Attendance by employee",
      {Col("employee", "Employee", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("department", "Department (current)", ColumnType::kString),
       Col("late", "Late arrivals", ColumnType::kInteger),
       Col("checkins", "Check-ins", ColumnType::kInteger),
       Col("late_rate", "Late rate", ColumnType::kPercent)});
  for (const KeyRow& x : RowsByValue({&late_by_employee, &by_employee})) {
    auto info = v.employees->find(x.key);
    bool known = info != v.employees->end();
    e.rows.push_back({TextCell(x.key), TextCell(known ? info->second.name : ""),
                      TextCell(known ? info->second.department : ""), CountCell(x.values[0]),
                      CountCell(x.values[1]), PercentCell(x.values[0], x.values[1])});
  }
  e.totals = {TextCell("Total"),          Cell{}, Cell{}, CountCell(late), CountCell(checkins),
              PercentCell(late, checkins)};
  doc->sections.push_back(std::move(e));
  doc->sections.push_back(MonthlyTrend("trend", "Check-ins and late arrivals by month", p,
                                       {FlowTrend(r, "Check-ins", S::kAttendanceCheckins),
                                        FlowTrend(r, "Late arrivals", S::kLateArrivals)}));
}

void BuildHrLeave(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t days = Flow(v.Get(S::kLeaveDaysApproved), p);
  doc->sections.push_back(KpiSection({
      CountKpi("Leave requests", Flow(v.Get(S::kLeaveRequests), p)),
      CountKpi("Approved", Flow(v.Get(S::kLeaveApproved), p)),
      CountKpi("Pending", StockAtEnd(v.Get(S::kLeavePending), p)),
      HoursKpi("Days approved", days, "days"),
  }));
  KeySums requested = FlowByKey(v, F::kLeaveRequestsByType, p);
  KeySums approved = FlowByKey(v, F::kLeaveApprovedByType, p);
  KeySums pending = StockByKey(v, F::kLeavePendingByType, p);
  KeySums approved_days = FlowByKey(v, F::kLeaveDaysApprovedByType, p);
  Section t = TableSection("types", "Leave by type",
                           {Col("leave_type", "Leave type", ColumnType::kString),
                            Col("requested", "Requested", ColumnType::kInteger),
                            Col("approved", "Approved", ColumnType::kInteger),
                            Col("pending", "Pending", ColumnType::kInteger),
                            Col("days_approved", "Days approved", ColumnType::kNumber)});
  for (const KeyRow& x : RowsByValue({&requested, &approved, &pending, &approved_days})) {
    t.rows.push_back({TextCell(KeyLabel(x.key)), CountCell(x.values[0]), CountCell(x.values[1]),
                      CountCell(x.values[2]), HoursCell(x.values[3])});
  }
  t.totals = {TextCell("Total"), CountCell(Total(requested)), CountCell(Total(approved)),
              CountCell(Total(pending)), HoursCell(days)};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend(
      "trend", "Leave requests by month", p,
      {FlowTrend(r, "Requested", S::kLeaveRequests), FlowTrend(r, "Approved", S::kLeaveApproved)}));
}

void BuildHrPayroll(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t gross = Flow(v.Get(S::kPayrollGross), p), net = Flow(v.Get(S::kPayrollNet), p);
  int64_t runs = Flow(v.Get(S::kPayrollRuns), p), paid = Flow(v.Get(S::kPayrollEmployees), p);
  doc->sections.push_back(KpiSection({
      MoneyKpi(r, "Gross payroll", gross),
      MoneyKpi(r, "Net payroll", net),
      MoneyKpi(r, "Deductions", gross - net),
      CountKpi("Payroll runs", runs),
      CountKpi("Employees paid", paid),
  }));
  Section t = TableSection(
      "months", "Payroll by month",
      {Col("month", "Month", ColumnType::kString),
       Col("runs", "Payroll runs", ColumnType::kInteger),
       Col("employees", "Employees paid", ColumnType::kInteger),
       Col("gross", "Gross", ColumnType::kMoney), Col("net", "Net", ColumnType::kMoney),
       Col("deductions", "Deductions", ColumnType::kMoney)});
  // Every month of the period (a shorter period: the month holding it), cut to the period.
  for (Period m = projection::PeriodContaining(projection::Granularity::kMonth, p.first_day);
       m.first_day < p.end_day; m = projection::NextPeriod(m)) {
    Period part{m.granularity, std::max(m.first_day, p.first_day), std::min(m.end_day, p.end_day)};
    int64_t g = Flow(v.Get(S::kPayrollGross), part), n = Flow(v.Get(S::kPayrollNet), part);
    t.rows.push_back({TextCell(projection::FormatPeriod(m)),
                      CountCell(Flow(v.Get(S::kPayrollRuns), part)),
                      CountCell(Flow(v.Get(S::kPayrollEmployees), part)), MoneyCell(g),
                      MoneyCell(n), MoneyCell(g - n)});
  }
  t.totals = {TextCell("Total"), CountCell(runs), CountCell(paid),
              MoneyCell(gross),  MoneyCell(net),  MoneyCell(gross - net)};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend("trend", "Payroll by month", p,
                                       {FlowTrend(r, "Gross", S::kPayrollGross, Unit::kMoney),
                                        FlowTrend(r, "Net", S::kPayrollNet, Unit::kMoney)}));
}

}  // namespace readside::report::internal
