#pragma once
// The operational reports (reports.md "Catalog": sales, hr, inventory, projects): one builder
// per type, in sales_reports.cc, hr_reports.cc, inventory_reports.cc and projects_reports.cc,
// and the helpers they share (operational_common.cc). How each is computed, its ordering and
// its units: docs/reports-operational.md.
//
// Every number comes from one published TenantView: flows over the period and stocks at its
// end from the series (series.h S), keyed families (K) and fact tables (F); names and
// attributes from the view's directories. KPIs are computed from the same series as the
// Analytics API's metric of the same name, so they agree with it exactly (ratios to the
// stated decimals).
// Thread-safety: pure functions of immutable inputs.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "projection/fact_table.h"
#include "projection/series.h"
#include "report/builders.h"

namespace readside::report::internal {

void BuildSalesPipeline(const ReportRequest& r, Document* doc);
void BuildSalesPerformance(const ReportRequest& r, Document* doc);
void BuildSalesActivity(const ReportRequest& r, Document* doc);
void BuildSalesConversion(const ReportRequest& r, Document* doc);
void BuildHrHeadcount(const ReportRequest& r, Document* doc);
void BuildHrAttendance(const ReportRequest& r, Document* doc);
void BuildHrLeave(const ReportRequest& r, Document* doc);
void BuildHrPayroll(const ReportRequest& r, Document* doc);
void BuildInventoryStock(const ReportRequest& r, Document* doc);
void BuildInventoryOrders(const ReportRequest& r, Document* doc);
void BuildInventoryReorder(const ReportRequest& r, Document* doc);
void BuildProjectsUtilization(const ReportRequest& r, Document* doc);
void BuildProjectsBudget(const ReportRequest& r, Document* doc);
void BuildProjectsTasks(const ReportRequest& r, Document* doc);

// ---- reading the view ------------------------------------------------------------------
using projection::DayNumber;
using projection::F;
using projection::K;
using projection::KeySums;
using projection::Period;
using projection::S;

// Per key, zeros omitted: a fact table's flow over `p`, its stock at the end of `p` (or at
// the start), and the same for a keyed family.
KeySums FlowByKey(const projection::TenantView& v, F f, const Period& p);
KeySums StockByKey(const projection::TenantView& v, F f, const Period& p);
KeySums StockAtStartByKey(const projection::TenantView& v, F f, const Period& p);
KeySums FlowByKey(const projection::TenantView& v, K k, const Period& p);
KeySums StockByKey(const projection::TenantView& v, K k, const Period& p);
// The value of `key` (0 when absent).
int64_t At(const KeySums& sums, std::string_view key);
// Σ of the values.
int64_t Total(const KeySums& sums);
// The union of the keys of `maps`, sorted.
std::vector<std::string> KeysOf(std::initializer_list<const KeySums*> maps);

// ---- cells and sections ----------------------------------------------------------------
Cell TextCell(std::string_view s);
Cell CountCell(int64_t n);
Cell MoneyCell(int64_t units);
Cell HoursCell(int64_t micros);  // hours (or days) in millionths
// 100 × num / den to one decimal; 0 when den is 0 (metrics.md: a zero denominator gives 0).
Cell PercentCell(int64_t num, int64_t den);
Decimal PercentOf(int64_t num, int64_t den);

Column Col(std::string id, std::string label, ColumnType type);
Section TableSection(std::string id, std::string title, std::vector<Column> columns);
Section KpiSection(std::vector<KpiItem> items);
KpiItem CountKpi(std::string label, int64_t n);
KpiItem MoneyKpi(const ReportRequest& r, std::string label, int64_t units);
KpiItem HoursKpi(std::string label, int64_t micros, std::string unit = "hours");
KpiItem PercentKpi(std::string label, int64_t num, int64_t den);

// Monthly trend series of a series of the view: its flow in each month, or its stock at each
// month's end, in `unit`.
enum class Unit : uint8_t { kCount, kMoney, kMicros };
Decimal ValueIn(Unit unit, int64_t v);
TrendSeries FlowTrend(const ReportRequest& r, std::string name, S s, Unit unit = Unit::kCount);
TrendSeries StockTrend(const ReportRequest& r, std::string name, S s, Unit unit = Unit::kCount);

// ---- names -----------------------------------------------------------------------------
// The shown name of a key that may be empty ("(none)").
std::string KeyLabel(std::string_view key);
std::string ProductName(const projection::TenantView& v, std::string_view id);  // "" if unknown
std::string ProjectName(const projection::TenantView& v, std::string_view id);
std::string EmployeeName(const projection::TenantView& v, std::string_view id);

// One row per key of any of `columns` with the key's value in each (0 when absent), ordered
// by the values descending (the first column first), then by the key.
struct KeyRow {
  std::string key;
  std::vector<int64_t> values;
};
std::vector<KeyRow> RowsByValue(const std::vector<const KeySums*>& columns);

// Sorts `rows` by `value` descending, then by `key` ascending (the reports' usual order).
template <typename Row, typename Value, typename Key>
void SortByValueThenKey(std::vector<Row>* rows, Value value, Key key) {
  std::sort(rows->begin(), rows->end(), [&](const Row& a, const Row& b) {
    auto va = value(a), vb = value(b);
    if (va != vb) return va > vb;
    return key(a) < key(b);
  });
}

}  // namespace readside::report::internal
