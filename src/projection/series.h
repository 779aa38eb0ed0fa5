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
  // reports (issue 11), financial statements
  kLedgerDebitByAccount,   // LedgerProjection; flow, money units, every line by account code
  kLedgerCreditByAccount,  // LedgerProjection; flow, money units, every line by account code
  kCount,
};
inline constexpr size_t kKeyedCount = static_cast<size_t>(K::kCount);

using KeyedSeries = std::map<std::string, std::shared_ptr<DaySeries>, std::less<>>;

// Fixed-point scale of hours and leave days (events carry them as JSON numbers).
inline constexpr int64_t kMicroScale = 1'000'000;

}  // namespace readside::projection
