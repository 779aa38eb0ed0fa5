#pragma once
// The names of every additive time series a tenant's read model keeps. Each metric of
// ../shared/spec/metrics.md is either one of these series (a flow: the sum of the period's
// days; a stock: the prefix sum up to the period's end), a keyed family of them, or a ratio
// of them computed at query time (src/query). Units: counts; money in 1/10,000 (Money units);
// hours and leave days in millionths; durations in milliseconds.
//
// Each group below is written by exactly one domain projection, named in its comment (the
// only code that writes series); the lines, and the metrics reading each series, are in the
// table "Where each metric comes from" of docs/read-models.md (tools/metric_map.py).
// The enumerators' order is the snapshot format's (ModelBuilder::Save writes the series in
// it): changing it needs a new kSnapshotFormatVersion.
// Thread-safety: constants only.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "projection/cow_map.h"
#include "projection/day_series.h"

namespace readside::projection {

enum class S : uint8_t {
  // crm: written by CrmProjection (crm_projection.cc)
  kContactsNew, kContactsTotal, kLeadsNew, kLeadsConverted, kLeadsTotal, kOpportunitiesNew,
  kOpportunitiesWon, kOpportunitiesLost, kWonValue, kPipelineValue, kActivitiesTotal,
  // hrm: written by HrmProjection (hrm_projection.cc)
  kNewHires, kTerminations, kTotalEmployees, kLeaveRequests, kLeaveApproved, kLeavePending,
  kLeaveDaysApproved, kAttendanceCheckins, kLateArrivals, kPayrollGross, kPayrollNet,
  // finance, invoices and payments: written by InvoiceProjection (invoice_projection.cc)
  kTotalRevenue, kRecurringRevenue, kOneTimeRevenue, kInvoicesCreated, kInvoicesSent,
  kInvoicesPaid, kPaymentTimeMillis, kPaymentsReceived, kAccountsReceivable,
  kInvoicesOverdue,  // recorded with exact instants (DaySeries::AddAt)
  // finance, ledger: written by LedgerProjection (ledger_projection.cc)
  kCashInflow, kCashOutflow, kLedgerRevenue, kLedgerCogs, kOperatingExpenses, kAssets,
  kLiabilities, kEquity, kUnclassifiedDebit, kUnclassifiedCredit, kUnclassifiedLines,
  // cash flow statement, direct method: the cash each transaction moved, by the activity of
  // its other lines (LedgerProjection::EmitCashFlow)
  kCashOperatingIn, kCashOperatingOut, kCashInvestingIn, kCashInvestingOut, kCashFinancingIn,
  kCashFinancingOut, kCashUnclassifiedIn, kCashUnclassifiedOut,
  // inventory: written by InventoryProjection (inventory_projection.cc)
  kProductsTotal, kUnitsOnHand, kStockValue, kOrdersCreated, kOrdersFulfilled, kOrderValue,
  kUnitsSold, kInventoryCogs, kFulfillmentMillis, kReordersTriggered, kLowStockProducts,
  // projects: written by ProjectsProjection (projects_projection.cc)
  kProjectsCreated, kProjectsActive, kProjectsCompleted, kTasksCreated, kTasksCompleted,
  kOpenTasks, kHoursLogged, kBillableHours, kProjectsOverBudget,
  // reports (issue 11): written by HrmProjection (hrm_projection.cc)
  kPayrollRuns,       // hrm.payroll.processed events
  kPayrollEmployees,  // Σ their employee_count
  kCount,
};
inline constexpr size_t kSeriesCount = static_cast<size_t>(S::kCount);

// Families of series keyed by a value taken from the events (stage, department, user, …),
// each written by the projection named beside it.
enum class K : uint8_t {
  kPipelineStages,         // CrmProjection; stock, open opportunities per stage
  kActivitiesByType,       // CrmProjection; flow
  kWonValueByUser,         // CrmProjection; flow, money units
  kDealsWonByUser,         // CrmProjection; flow
  kEmployeesByDepartment,  // HrmProjection; stock
  kEmployeesByRole,        // HrmProjection; stock
  kStockByWarehouse,       // InventoryProjection; stock, units
  kHoursByProject,         // ProjectsProjection; flow, millionths of hours
  kCount,
};
inline constexpr size_t kKeyedCount = static_cast<size_t>(K::kCount);

// Fact tables (fact_table.h): additive quantities per (key, day) for the per-entity breakdowns
// of the sales, hr, inventory and projects reports (src/report/operational_reports.cc,
// docs/reports-operational.md), each written by the projection named beside it. Unlike a
// keyed family they publish in O(1) whatever the number of keys written (fact_table.h says
// why); reads sum per key over a day range.
enum class F : uint8_t {
  kLedgerDebitByAccount,      // LedgerProjection; flow, money units, every line by account code
  kLedgerCreditByAccount,     // LedgerProjection; flow, money units, every line by account code
  kPipelineValueByStage,      // CrmProjection; stock, money units of open opportunities
  kDealsLostByUser,           // CrmProjection; flow, by the opportunity's owner
  kActivitiesByOwner,         // CrmProjection; flow, by payload owner_id
  kLeadsBySource,             // CrmProjection; flow, leads created
  kLeadsConvertedBySource,    // CrmProjection; flow, by the lead's source
  kHiresByDepartment,         // HrmProjection; flow, by the department at hire
  kTerminationsByDepartment,  // HrmProjection; flow, by the department when terminated
  kCheckinsByDepartment,      // HrmProjection; flow, by the department at the check-in
  kLateArrivalsByDepartment,  // HrmProjection; flow, by the department at the check-in
  kCheckinsByEmployee,        // HrmProjection; flow, by payload employee_id
  kLateArrivalsByEmployee,    // HrmProjection; flow, by payload employee_id
  kLeaveRequestsByType,       // HrmProjection; flow
  kLeaveApprovedByType,       // HrmProjection; flow, by the request's leave_type
  kLeavePendingByType,        // HrmProjection; stock
  kLeaveDaysApprovedByType,   // HrmProjection; flow, millionths of days
  kUnitsByProductWarehouse,   // InventoryProjection; stock, every update; ProductWarehouseKey
  kStockValueByProduct,       // InventoryProjection; stock, money units (parts of kStockValue)
  kLowStockByProduct,         // InventoryProjection; stock, 1 while low (kLowStockProducts)
  kOrderValueByProduct,       // InventoryProjection; flow, money units of lines ordered
  kUnitsSoldByProduct,        // InventoryProjection; flow, units of lines fulfilled
  kFulfilledByLeadTime,       // InventoryProjection; flow, orders by kLeadTimeBuckets
  kReordersByProduct,         // InventoryProjection; flow
  kReorderUnitsByProduct,     // InventoryProjection; flow, Σ reorder_quantity
  kBillableHoursByProject,    // ProjectsProjection; flow, millionths of hours
  kHoursByEmployee,           // ProjectsProjection; flow, millionths of hours
  kBillableHoursByEmployee,   // ProjectsProjection; flow, millionths of hours
  kBudgetHoursByProject,      // ProjectsProjection; stock, millionths: the budget in force
  kBurnHoursByProject,        // ProjectsProjection; stock, millionths logged against it
  kOverBudgetByProject,       // ProjectsProjection; stock, 1 while over budget
  kTasksCreatedByProject,     // ProjectsProjection; flow
  kTasksCompletedByProject,   // ProjectsProjection; flow, by the task's project
  kOpenTasksByProject,        // ProjectsProjection; stock
  kCount,
};
inline constexpr size_t kFactCount = static_cast<size_t>(F::kCount);

// A keyed family: one series per key, in key order (cow_map.h: a publication shares it, a
// write after it copies only the chunk of keys it touches).
using KeyedSeries = CowMap<std::shared_ptr<DaySeries>>;

// The key of F::kUnitsByProductWarehouse: product id, unit separator (0x1F), warehouse id.
// Overwrites *key (reusing its capacity).
inline constexpr char kKeySeparator = '\x1f';
inline void ProductWarehouseKey(std::string_view product, std::string_view warehouse,
                                std::string* key) {
  key->assign(product).push_back(kKeySeparator);
  key->append(warehouse);
}

// The keys of F::kFulfilledByLeadTime, in order: hours from order creation to fulfillment
// below each bound (the last has none; negative durations count in the first).
inline constexpr std::string_view kLeadTimeBuckets[] = {"under 4 h", "4 to 24 h", "1 to 2 days",
                                                        "2 to 7 days", "7 days or more"};
inline constexpr int64_t kLeadTimeBoundsHours[] = {4, 24, 48, 168};

// Fixed-point scale of hours and leave days (events carry them as JSON numbers).
inline constexpr int64_t kMicroScale = 1'000'000;

}  // namespace readside::projection
