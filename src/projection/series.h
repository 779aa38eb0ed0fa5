#pragma once
// The names of every additive time series a tenant's read model keeps. Each metric of
// ../shared/spec/metrics.md is either one of these series (a flow: the sum of the period's
// days; a stock: the prefix sum up to the period's end), a keyed family of them, or a ratio
// of them computed at query time (src/query). Units: counts; money in 1/10,000 (Money units);
// hours and leave days in millionths; durations in milliseconds.
// Thread-safety: constants only.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "projection/day_series.h"

namespace readside::projection {

enum class S : uint8_t {
  // crm
  kContactsNew, kContactsTotal, kLeadsNew, kLeadsConverted, kLeadsTotal, kOpportunitiesNew,
  kOpportunitiesWon, kOpportunitiesLost, kWonValue, kPipelineValue, kActivitiesTotal,
  // hrm
  kNewHires, kTerminations, kTotalEmployees, kLeaveRequests, kLeaveApproved, kLeavePending,
  kLeaveDaysApproved, kAttendanceCheckins, kLateArrivals, kPayrollGross, kPayrollNet,
  // finance: invoices and payments
  kTotalRevenue, kRecurringRevenue, kOneTimeRevenue, kInvoicesCreated, kInvoicesSent,
  kInvoicesPaid, kPaymentTimeMillis, kPaymentsReceived, kAccountsReceivable,
  kInvoicesOverdue,  // recorded with exact instants (DaySeries::AddAt)
  // finance: ledger
  kCashInflow, kCashOutflow, kLedgerRevenue, kLedgerCogs, kOperatingExpenses, kAssets,
  kLiabilities, kEquity, kUnclassifiedDebit, kUnclassifiedCredit, kUnclassifiedLines,
  // inventory
  kProductsTotal, kUnitsOnHand, kStockValue, kOrdersCreated, kOrdersFulfilled, kOrderValue,
  kUnitsSold, kInventoryCogs, kFulfillmentMillis, kReordersTriggered, kLowStockProducts,
  // projects
  kProjectsCreated, kProjectsActive, kProjectsCompleted, kTasksCreated, kTasksCompleted,
  kOpenTasks, kHoursLogged, kBillableHours, kProjectsOverBudget,
  kCount,
};
inline constexpr size_t kSeriesCount = static_cast<size_t>(S::kCount);

// Families of series keyed by a value taken from the events (stage, department, user, …).
enum class K : uint8_t {
  kPipelineStages,       // stock, open opportunities per stage
  kActivitiesByType,     // flow
  kWonValueByUser,       // flow, money units
  kDealsWonByUser,       // flow
  kEmployeesByDepartment,
  kEmployeesByRole,
  kStockByWarehouse,
  kHoursByProject,       // flow, millionths of hours
  kCount,
};
inline constexpr size_t kKeyedCount = static_cast<size_t>(K::kCount);

using KeyedSeries = std::map<std::string, std::shared_ptr<DaySeries>, std::less<>>;

// Fixed-point scale of hours and leave days (events carry them as JSON numbers).
inline constexpr int64_t kMicroScale = 1'000'000;

}  // namespace readside::projection
