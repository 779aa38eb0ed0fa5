#pragma once
// The report builders (one function per catalog type) and the helpers they share. Each
// builder reads only request.view (one published TenantView) and fills doc->sections (and
// doc->balanced); BuildReport fills the header.
// Thread-safety: pure functions of immutable inputs.

#include <functional>
#include <string>
#include <vector>

#include "projection/period.h"
#include "report/report.h"

namespace readside::report::internal {

// financial (financial_reports.cc)
void BuildPnl(const ReportRequest& r, Document* doc);
void BuildBalanceSheet(const ReportRequest& r, Document* doc);
void BuildCashFlow(const ReportRequest& r, Document* doc);
void BuildTrialBalance(const ReportRequest& r, Document* doc);
void BuildArAging(const ReportRequest& r, Document* doc);

// sales, hr, inventory, projects (operational_reports.cc): appends their catalog entries.
void AppendOperationalTypes(std::vector<TypeSpec>* catalog);

// The 12 calendar months ending with the month that holds the period's last day: the x axis
// of every monthly trend chart.
std::vector<projection::Period> TrendMonths(const projection::Period& p);

// A chart section with one series per (name, value-of-month) pair over TrendMonths(p).
struct TrendSeries {
  std::string name;
  std::function<Decimal(const projection::Period& month)> value;
};
Section MonthlyTrend(std::string id, std::string title, const projection::Period& p,
                     const std::vector<TrendSeries>& series, std::string chart = "bar");

// Flow of a series over a period, and a stock at the period's end.
int64_t Flow(const projection::DaySeries& s, const projection::Period& p);
int64_t StockAtEnd(const projection::DaySeries& s, const projection::Period& p);

}  // namespace readside::report::internal
