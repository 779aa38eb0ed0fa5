// Projects reports (reports.md "Catalog", projects; docs/reports-operational.md): utilization,
// budget, tasks. Employees are shown by id: time logs carry no names (employee names come
// from hrm events, which a projects-only reader may not see).
#include "report/operational.h"

namespace readside::report::internal {
namespace {

// A table of hours and billable hours per key with the billable share; `names` adds a
// column of project names.
Section HoursTable(const projection::TenantView& v, std::string id, std::string title,
                   std::string key_label, const KeySums& hours, const KeySums& billable,
                   bool names) {
  std::vector<Column> columns = {Col("key", std::move(key_label), ColumnType::kString)};
  if (names) columns.push_back(Col("name", "Name", ColumnType::kString));
  columns.push_back(Col("hours", "Hours", ColumnType::kNumber));
  columns.push_back(Col("billable_hours", "Billable hours", ColumnType::kNumber));
  columns.push_back(Col("billable_share", "Billable share", ColumnType::kPercent));
  Section t = TableSection(std::move(id), std::move(title), std::move(columns));
  auto add = [names](std::vector<Cell>* row, Cell key, Cell name, int64_t all, int64_t part) {
    row->push_back(std::move(key));
    if (names) row->push_back(std::move(name));
    row->push_back(HoursCell(all));
    row->push_back(HoursCell(part));
    row->push_back(PercentCell(part, all));
  };
  for (const KeyRow& x : RowsByValue({&hours, &billable})) {
    std::vector<Cell> row;
    add(&row, TextCell(KeyLabel(x.key)), TextCell(ProjectName(v, x.key)), x.values[0], x.values[1]);
    t.rows.push_back(std::move(row));
  }
  add(&t.totals, TextCell("Total"), Cell{}, Total(hours), Total(billable));
  return t;
}

}  // namespace

void BuildProjectsUtilization(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t hours = Flow(v.Get(S::kHoursLogged), p), billable = Flow(v.Get(S::kBillableHours), p);
  KeySums by_project = FlowByKey(v, K::kHoursByProject, p);
  KeySums by_employee = FlowByKey(v, F::kHoursByEmployee, p);
  doc->sections.push_back(KpiSection({
      HoursKpi("Hours logged", hours),
      HoursKpi("Billable hours", billable),
      PercentKpi("Utilization", billable, hours),
      CountKpi("Projects with hours", static_cast<int64_t>(by_project.size())),
      CountKpi("Employees with hours", static_cast<int64_t>(by_employee.size())),
  }));
  doc->sections.push_back(HoursTable(v, "projects", "Hours by project", "Project", by_project,
                                     FlowByKey(v, F::kBillableHoursByProject, p), true));
  doc->sections.push_back(HoursTable(v, "employees", "Hours by employee", "Employee", by_employee,
                                     FlowByKey(v, F::kBillableHoursByEmployee, p), false));
  doc->sections.push_back(
      MonthlyTrend("trend", "Hours by month", p,
                   {FlowTrend(r, "Hours logged", S::kHoursLogged, Unit::kMicros),
                    FlowTrend(r, "Billable hours", S::kBillableHours, Unit::kMicros)}));
}

void BuildProjectsBudget(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  KeySums budget = StockByKey(v, F::kBudgetHoursByProject, p);
  KeySums to_date = StockByKey(v, F::kBurnHoursByProject, p);
  KeySums over = StockByKey(v, F::kOverBudgetByProject, p);
  KeySums in_period = FlowByKey(v, K::kHoursByProject, p);
  doc->sections.push_back(KpiSection({
      CountKpi("Projects over budget", StockAtEnd(v.Get(S::kProjectsOverBudget), p)),
      CountKpi("Active projects", StockAtEnd(v.Get(S::kProjectsActive), p)),
      HoursKpi("Budgeted hours", Total(budget)),
      HoursKpi("Hours logged against budgets", Total(to_date)),
  }));

  struct Row {
    std::string project;
    int64_t budget, period, to_date;
    bool over;
  };
  std::vector<Row> rows;
  for (const std::string& id : KeysOf({&budget, &to_date, &in_period})) {
    rows.push_back({id, At(budget, id), At(in_period, id), At(to_date, id), At(over, id) != 0});
  }
  // By burn (to date / budget) descending, projects without a budget last; then hours to
  // date descending, then id. Burns compare exactly: a/b > c/d ⇔ a·d > c·b (b, d > 0).
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    bool ha = a.budget > 0, hb = b.budget > 0;
    if (ha != hb) return ha;
    if (ha) {
      __int128 x = static_cast<__int128>(a.to_date) * b.budget;
      __int128 y = static_cast<__int128>(b.to_date) * a.budget;
      if (x != y) return x > y;
    }
    if (a.to_date != b.to_date) return a.to_date > b.to_date;
    return a.project < b.project;
  });
  Section t = TableSection(
      "projects", "Budget burn by project",
      {Col("project", "Project", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("status", "Status (current)", ColumnType::kString),
       Col("budget_hours", "Budget hours", ColumnType::kNumber),
       Col("hours_in_period", "Hours in period", ColumnType::kNumber),
       Col("hours_to_date", "Hours to date", ColumnType::kNumber),
       Col("burn", "Burn", ColumnType::kPercent),
       Col("remaining_hours", "Remaining hours", ColumnType::kNumber),
       Col("over_budget", "Over budget", ColumnType::kString)});
  for (const Row& x : rows) {
    auto info = v.projects->find(x.project);
    bool known = info != v.projects->end();
    bool has_budget = x.budget > 0;
    t.rows.push_back(
        {TextCell(x.project), TextCell(known ? info->second.name : ""),
         TextCell(known ? info->second.status : ""), HoursCell(x.budget), HoursCell(x.period),
         HoursCell(x.to_date), has_budget ? PercentCell(x.to_date, x.budget) : Cell{},
         has_budget ? HoursCell(x.budget - x.to_date) : Cell{}, TextCell(x.over ? "yes" : "no")});
  }
  t.totals = {TextCell("Total"),
              Cell{},
              Cell{},
              HoursCell(Total(budget)),
              HoursCell(Total(in_period)),
              HoursCell(Total(to_date)),
              Cell{},
              Cell{},
              Cell{}};
  doc->sections.push_back(std::move(t));

  const projection::FactTableView& budgets = v.Get(F::kBudgetHoursByProject);
  doc->sections.push_back(MonthlyTrend(
      "trend", "Hours logged and budgeted by month", p,
      {FlowTrend(r, "Hours logged", S::kHoursLogged, Unit::kMicros),
       {"Budgeted hours (month end)", [&budgets](const Period& m) {
          return Decimal::Micros(Total(budgets.Sum(projection::FactTableView::kMinDay, m.end_day)));
        }}}));
}

void BuildProjectsTasks(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t created = Flow(v.Get(S::kTasksCreated), p),
          completed = Flow(v.Get(S::kTasksCompleted), p);
  doc->sections.push_back(KpiSection({
      CountKpi("Tasks created", created),
      CountKpi("Tasks completed", completed),
      CountKpi("Open tasks", StockAtEnd(v.Get(S::kOpenTasks), p)),
      PercentKpi("Completion rate", completed, created),
  }));
  KeySums made = FlowByKey(v, F::kTasksCreatedByProject, p);
  KeySums done = FlowByKey(v, F::kTasksCompletedByProject, p);
  KeySums open = StockByKey(v, F::kOpenTasksByProject, p);
  Section t = TableSection(
      "projects", "Task throughput by project",
      {Col("project", "Project", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("created", "Created", ColumnType::kInteger),
       Col("completed", "Completed", ColumnType::kInteger),
       Col("open", "Open (end)", ColumnType::kInteger),
       Col("completion_rate", "Completion rate", ColumnType::kPercent)});
  for (const KeyRow& x : RowsByValue({&made, &done, &open})) {
    t.rows.push_back({TextCell(x.key), TextCell(ProjectName(v, x.key)), CountCell(x.values[0]),
                      CountCell(x.values[1]), CountCell(x.values[2]),
                      PercentCell(x.values[1], x.values[0])});
  }
  t.totals = {TextCell("Total"),      Cell{},
              CountCell(created),     CountCell(completed),
              CountCell(Total(open)), PercentCell(completed, created)};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend(
      "trend", "Tasks by month", p,
      {FlowTrend(r, "Created", S::kTasksCreated), FlowTrend(r, "Completed", S::kTasksCompleted),
       StockTrend(r, "Open (month end)", S::kOpenTasks)}));
}

}  // namespace readside::report::internal
