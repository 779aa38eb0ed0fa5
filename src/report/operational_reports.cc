// The catalog entries of the sales, hr, inventory and projects reports (reports.md
// "Catalog"); their builders are in operational.h.
#include "report/operational.h"

namespace readside::report::internal {

void AppendOperationalTypes(std::vector<TypeSpec>* catalog) {
  using query::Section;
  const std::vector<TypeSpec> types = {
      {"sales",
       "pipeline",
       "Sales pipeline",
       "Open opportunities by stage at the end of the period (count, value, share of value), "
       "pipeline value, new opportunities and win rate; pipeline and won value by month.",
       Section::kCrm,
       {},
       &BuildSalesPipeline},
      {"sales",
       "performance",
       "Sales performance",
       "Deals won, won value, deals lost, win rate and average deal size by owner; deals won "
       "and lost and won value by month.",
       Section::kCrm,
       {},
       &BuildSalesPerformance},
      {"sales",
       "activity",
       "Sales activity",
       "Activities logged in the period by type and by owner, with shares; activities by "
       "month.",
       Section::kCrm,
       {},
       &BuildSalesActivity},
      {"sales",
       "conversion",
       "Lead conversion",
       "New leads, conversions and conversion rate by lead source; leads and conversions by "
       "month.",
       Section::kCrm,
       {},
       &BuildSalesConversion},
      {"hr",
       "headcount",
       "Headcount",
       "Employees at the end of the period by department (with hires and terminations) and by "
       "role, turnover rate; hires and terminations and headcount by month.",
       Section::kHrm,
       {},
       &BuildHrHeadcount},
      {"hr",
       "attendance",
       "Attendance",
       "Check-ins, late arrivals and late rate by department (the employee's department at "
       "each check-in) and by employee, average attendance; check-ins and late arrivals by "
       "month.",
       Section::kHrm,
       {},
       &BuildHrAttendance},
      {"hr",
       "leave",
       "Leave",
       "Leave requested, approved, pending at the end of the period and days approved, by "
       "leave type; requests and approvals by month.",
       Section::kHrm,
       {},
       &BuildHrLeave},
      {"hr",
       "payroll",
       "Payroll",
       "Payroll runs, employees paid, gross, net and deductions for each month of the period; "
       "gross and net by month.",
       Section::kHrm,
       {},
       &BuildHrPayroll},
      {"inventory",
       "stock",
       "Stock",
       "On hand and value by product, by warehouse and by warehouse and product at the end of "
       "the period, and the products at or below their reorder point; stock value by month.",
       Section::kInventory,
       {},
       &BuildInventoryStock},
      {"inventory",
       "orders",
       "Orders",
       "Orders created and fulfilled, order value, units sold, cost of goods sold, average "
       "fulfillment time and inventory turnover, by product and by time to fulfillment; "
       "orders and units sold by month.",
       Section::kInventory,
       {},
       &BuildInventoryOrders},
      {"inventory",
       "reorder",
       "Reorders",
       "Reorders triggered and units requested by product, with on hand and reorder point at "
       "the end of the period; reorders by month.",
       Section::kInventory,
       {},
       &BuildInventoryReorder},
      {"projects",
       "utilization",
       "Utilization",
       "Hours, billable hours and billable share by project and by employee; hours by month.",
       Section::kProjects,
       {},
       &BuildProjectsUtilization},
      {"projects",
       "budget",
       "Budget burn",
       "Per project: budget hours, hours in the period and to date, burn, remaining hours and "
       "whether it is over budget at the end of the period; hours and budgets by month.",
       Section::kProjects,
       {},
       &BuildProjectsBudget},
      {"projects",
       "tasks",
       "Task throughput",
       "Tasks created and completed in the period and open at its end, with completion rate, "
       "by project; tasks by month.",
       Section::kProjects,
       {},
       &BuildProjectsTasks},
  };
  catalog->insert(catalog->end(), types.begin(), types.end());
}

}  // namespace readside::report::internal
