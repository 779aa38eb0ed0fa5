#include "query/metric_table.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/money.h"

namespace readside::query {
namespace {

using projection::K;
using projection::kMicroScale;
using projection::S;
using D = const PeriodData&;

constexpr std::string_view kSectionNames[] = {"crm",       "hrm",      "finance",
                                              "inventory", "projects", "cross"};

Value Count(int64_t n) { return {Value::kCount, n, 0}; }
Value Cash(int64_t units) { return {Value::kMoney, units, 0}; }
Value Number(double x) { return {Value::kNumber, 0, x}; }
double MoneyToDouble(int64_t units) {
  return static_cast<double>(units) / readside::Money::kScale;
}
double Micro(int64_t units) { return static_cast<double>(units) / kMicroScale; }
// A ratio whose zero denominator gives 0 (metrics.md).
Value Ratio(double num, double den) { return Number(den == 0 ? 0 : num / den); }

int64_t NetProfit(D d) {
  return d.Flow(S::kLedgerRevenue) - d.Flow(S::kLedgerCogs) - d.Flow(S::kOperatingExpenses);
}

int64_t InvoicesOverdue(D d) {
  projection::LocalCalendar calendar = d.view.calendar;
  int64_t at = std::min(calendar.StartOf(d.period.end_day), d.as_of_micros);
  return d.view.Get(S::kInvoicesOverdue).PrefixBeforeInstant(calendar.DayOf(at), at);
}

constexpr ScalarMetric kScalars[] = {
    // crm
    {Section::kCrm, "contacts_new", [](D d) { return Count(d.Flow(S::kContactsNew)); }},
    {Section::kCrm, "contacts_total", [](D d) { return Count(d.End(S::kContactsTotal)); }},
    {Section::kCrm, "leads_new", [](D d) { return Count(d.Flow(S::kLeadsNew)); }},
    {Section::kCrm, "leads_converted", [](D d) { return Count(d.Flow(S::kLeadsConverted)); }},
    {Section::kCrm, "leads_total", [](D d) { return Count(d.End(S::kLeadsTotal)); }},
    {Section::kCrm, "conversion_rate",
     [](D d) { return Ratio(d.Flow(S::kLeadsConverted), d.Flow(S::kLeadsNew)); }},
    {Section::kCrm, "opportunities_new",
     [](D d) { return Count(d.Flow(S::kOpportunitiesNew)); }},
    {Section::kCrm, "opportunities_won",
     [](D d) { return Count(d.Flow(S::kOpportunitiesWon)); }},
    {Section::kCrm, "opportunities_lost",
     [](D d) { return Count(d.Flow(S::kOpportunitiesLost)); }},
    {Section::kCrm, "won_value", [](D d) { return Cash(d.Flow(S::kWonValue)); }},
    {Section::kCrm, "average_deal_size",
     [](D d) { return Ratio(MoneyToDouble(d.Flow(S::kWonValue)), d.Flow(S::kOpportunitiesWon)); }},
    {Section::kCrm, "win_rate",
     [](D d) {
       double won = d.Flow(S::kOpportunitiesWon);
       return Ratio(won, won + d.Flow(S::kOpportunitiesLost));
     }},
    {Section::kCrm, "pipeline_value", [](D d) { return Cash(d.End(S::kPipelineValue)); }},
    {Section::kCrm, "activities_total", [](D d) { return Count(d.Flow(S::kActivitiesTotal)); }},
    // hrm
    {Section::kHrm, "new_hires", [](D d) { return Count(d.Flow(S::kNewHires)); }},
    {Section::kHrm, "terminations", [](D d) { return Count(d.Flow(S::kTerminations)); }},
    {Section::kHrm, "total_employees", [](D d) { return Count(d.End(S::kTotalEmployees)); }},
    {Section::kHrm, "turnover_rate",
     [](D d) { return Ratio(d.Flow(S::kTerminations), d.Average(S::kTotalEmployees)); }},
    {Section::kHrm, "leave_requests", [](D d) { return Count(d.Flow(S::kLeaveRequests)); }},
    {Section::kHrm, "leave_approved", [](D d) { return Count(d.Flow(S::kLeaveApproved)); }},
    {Section::kHrm, "leave_pending", [](D d) { return Count(d.End(S::kLeavePending)); }},
    {Section::kHrm, "leave_days_approved",
     [](D d) { return Number(Micro(d.Flow(S::kLeaveDaysApproved))); }},
    {Section::kHrm, "attendance_checkins",
     [](D d) { return Count(d.Flow(S::kAttendanceCheckins)); }},
    {Section::kHrm, "late_arrivals", [](D d) { return Count(d.Flow(S::kLateArrivals)); }},
    {Section::kHrm, "average_attendance",
     [](D d) {
       return Ratio(d.Flow(S::kAttendanceCheckins),
                    d.Average(S::kTotalEmployees) * projection::BusinessDays(d.period));
     }},
    {Section::kHrm, "payroll_gross", [](D d) { return Cash(d.Flow(S::kPayrollGross)); }},
    {Section::kHrm, "payroll_net", [](D d) { return Cash(d.Flow(S::kPayrollNet)); }},
    // finance
    {Section::kFinance, "total_revenue", [](D d) { return Cash(d.Flow(S::kTotalRevenue)); }},
    {Section::kFinance, "recurring_revenue",
     [](D d) { return Cash(d.Flow(S::kRecurringRevenue)); }},
    {Section::kFinance, "one_time_revenue",
     [](D d) { return Cash(d.Flow(S::kOneTimeRevenue)); }},
    {Section::kFinance, "revenue_growth",
     [](D d) {
       int64_t prev = d.FlowIn(S::kTotalRevenue, projection::PrevPeriod(d.period));
       if (prev == 0) return Value{};
       return Number(static_cast<double>(d.Flow(S::kTotalRevenue) - prev) / prev);
     }},
    {Section::kFinance, "invoices_created",
     [](D d) { return Count(d.Flow(S::kInvoicesCreated)); }},
    {Section::kFinance, "invoices_sent", [](D d) { return Count(d.Flow(S::kInvoicesSent)); }},
    {Section::kFinance, "invoices_paid", [](D d) { return Count(d.Flow(S::kInvoicesPaid)); }},
    {Section::kFinance, "payments_received",
     [](D d) { return Cash(d.Flow(S::kPaymentsReceived)); }},
    {Section::kFinance, "average_payment_time",
     [](D d) {
       return Ratio(d.Flow(S::kPaymentTimeMillis) / 86'400'000.0, d.Flow(S::kInvoicesPaid));
     }},
    {Section::kFinance, "accounts_receivable",
     [](D d) { return Cash(d.End(S::kAccountsReceivable)); }},
    {Section::kFinance, "invoices_overdue", [](D d) { return Count(InvoicesOverdue(d)); }},
    {Section::kFinance, "cash_inflow", [](D d) { return Cash(d.Flow(S::kCashInflow)); }},
    {Section::kFinance, "cash_outflow", [](D d) { return Cash(d.Flow(S::kCashOutflow)); }},
    {Section::kFinance, "net_cash_flow",
     [](D d) { return Cash(d.Flow(S::kCashInflow) - d.Flow(S::kCashOutflow)); }},
    {Section::kFinance, "ledger_revenue", [](D d) { return Cash(d.Flow(S::kLedgerRevenue)); }},
    {Section::kFinance, "cost_of_goods_sold", [](D d) { return Cash(d.Flow(S::kLedgerCogs)); }},
    {Section::kFinance, "operating_expenses",
     [](D d) { return Cash(d.Flow(S::kOperatingExpenses)); }},
    {Section::kFinance, "gross_profit",
     [](D d) { return Cash(d.Flow(S::kLedgerRevenue) - d.Flow(S::kLedgerCogs)); }},
    {Section::kFinance, "net_profit", [](D d) { return Cash(NetProfit(d)); }},
    {Section::kFinance, "profit_margin",
     [](D d) { return Ratio(MoneyToDouble(NetProfit(d)), MoneyToDouble(d.Flow(S::kLedgerRevenue))); }},
    // Balance sheet at the period's end (assets = liabilities + equity + cumulative profit
    // when every ledger line is classified).
    {Section::kFinance, "assets", [](D d) { return Cash(d.End(S::kAssets)); }},
    {Section::kFinance, "liabilities", [](D d) { return Cash(d.End(S::kLiabilities)); }},
    {Section::kFinance, "equity", [](D d) { return Cash(d.End(S::kEquity)); }},
    {Section::kFinance, "cumulative_net_profit",
     [](D d) {
       return Cash(d.End(S::kLedgerRevenue) - d.End(S::kLedgerCogs) -
                   d.End(S::kOperatingExpenses));
     }},
    // inventory
    {Section::kInventory, "products_total", [](D d) { return Count(d.End(S::kProductsTotal)); }},
    {Section::kInventory, "units_on_hand", [](D d) { return Count(d.End(S::kUnitsOnHand)); }},
    {Section::kInventory, "stock_value", [](D d) { return Cash(d.End(S::kStockValue)); }},
    {Section::kInventory, "orders_created", [](D d) { return Count(d.Flow(S::kOrdersCreated)); }},
    {Section::kInventory, "orders_fulfilled",
     [](D d) { return Count(d.Flow(S::kOrdersFulfilled)); }},
    {Section::kInventory, "order_value", [](D d) { return Cash(d.Flow(S::kOrderValue)); }},
    {Section::kInventory, "units_sold", [](D d) { return Count(d.Flow(S::kUnitsSold)); }},
    {Section::kInventory, "cost_of_goods_sold",
     [](D d) { return Cash(d.Flow(S::kInventoryCogs)); }},
    {Section::kInventory, "average_fulfillment_hours",
     [](D d) {
       return Ratio(d.Flow(S::kFulfillmentMillis) / 3'600'000.0, d.Flow(S::kOrdersFulfilled));
     }},
    {Section::kInventory, "inventory_turnover",
     [](D d) {
       return Ratio(MoneyToDouble(d.Flow(S::kInventoryCogs)), d.Average(S::kStockValue) / readside::Money::kScale);
     }},
    {Section::kInventory, "reorders_triggered",
     [](D d) { return Count(d.Flow(S::kReordersTriggered)); }},
    {Section::kInventory, "low_stock_products",
     [](D d) { return Count(d.End(S::kLowStockProducts)); }},
    // projects
    {Section::kProjects, "projects_created",
     [](D d) { return Count(d.Flow(S::kProjectsCreated)); }},
    {Section::kProjects, "projects_active", [](D d) { return Count(d.End(S::kProjectsActive)); }},
    {Section::kProjects, "projects_completed",
     [](D d) { return Count(d.Flow(S::kProjectsCompleted)); }},
    {Section::kProjects, "tasks_created", [](D d) { return Count(d.Flow(S::kTasksCreated)); }},
    {Section::kProjects, "tasks_completed", [](D d) { return Count(d.Flow(S::kTasksCompleted)); }},
    {Section::kProjects, "open_tasks", [](D d) { return Count(d.End(S::kOpenTasks)); }},
    {Section::kProjects, "task_completion_rate",
     [](D d) { return Ratio(d.Flow(S::kTasksCompleted), d.Flow(S::kTasksCreated)); }},
    {Section::kProjects, "hours_logged",
     [](D d) { return Number(Micro(d.Flow(S::kHoursLogged))); }},
    {Section::kProjects, "billable_hours",
     [](D d) { return Number(Micro(d.Flow(S::kBillableHours))); }},
    {Section::kProjects, "utilization_rate",
     [](D d) { return Ratio(d.Flow(S::kBillableHours), d.Flow(S::kHoursLogged)); }},
    {Section::kProjects, "projects_over_budget",
     [](D d) { return Count(d.End(S::kProjectsOverBudget)); }},
    // cross-service
    {Section::kCross, "revenue_per_employee",
     [](D d) { return Ratio(MoneyToDouble(d.Flow(S::kTotalRevenue)), d.Average(S::kTotalEmployees)); },
     DomainBit(Section::kFinance) | DomainBit(Section::kHrm)},
    {Section::kCross, "revenue_per_billable_hour",
     [](D d) {
       return Ratio(MoneyToDouble(d.Flow(S::kTotalRevenue)), Micro(d.Flow(S::kBillableHours)));
     },
     DomainBit(Section::kFinance) | DomainBit(Section::kProjects)},
    {Section::kCross, "pipeline_coverage",
     [](D d) { return Ratio(MoneyToDouble(d.End(S::kPipelineValue)), MoneyToDouble(d.Flow(S::kTotalRevenue))); },
     DomainBit(Section::kCrm) | DomainBit(Section::kFinance)},
};

// {key: value} of a keyed family, zeros omitted; `stock` selects the state at the period's
// end, otherwise the period's flow.
void WriteKeyed(D d, K family, bool stock, bool micro, JsonBuilder& out) {
  out.BeginObject();
  for (const auto& [key, series] : d.view.Get(family)) {
    int64_t v = stock ? series->PrefixBefore(d.period.end_day)
                      : series->Range(d.period.first_day, d.period.end_day);
    if (v == 0) continue;
    out.Key(key);
    if (micro) {
      out.Double(Micro(v));
    } else {
      out.Int(v);
    }
  }
  out.EndObject();
}

void WriteTopPerformers(D d, JsonBuilder& out) {
  struct Row {
    const std::string* user;
    int64_t value, deals;
  };
  std::vector<Row> rows;
  // Driven by deals won: a user whose won deals are all worth 0 has no won-value series
  // (zero deltas are not recorded) but is still a performer with won_value 0.
  const projection::KeyedSeries& values = d.view.Get(K::kWonValueByUser);
  for (const auto& [user, series] : d.view.Get(K::kDealsWonByUser)) {
    int64_t n = series->Range(d.period.first_day, d.period.end_day);
    if (n == 0) continue;
    auto it = values.find(user);
    int64_t value =
        it == values.end() ? 0 : it->second->Range(d.period.first_day, d.period.end_day);
    rows.push_back({&user, value, n});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.value != b.value ? a.value > b.value : *a.user < *b.user;
  });
  if (rows.size() > 5) rows.resize(5);
  out.BeginArray();
  for (const Row& r : rows) {
    out.BeginObject().Key("user_id").String(*r.user).Key("won_value");
    Cash(r.value).Write(out);
    out.Key("deals_won").Int(r.deals).EndObject();
  }
  out.EndArray();
}

void WriteUnclassified(D d, JsonBuilder& out) {
  out.BeginObject().Key("lines").Int(d.Flow(S::kUnclassifiedLines)).Key("debit");
  Cash(d.Flow(S::kUnclassifiedDebit)).Write(out);
  out.Key("credit");
  Cash(d.Flow(S::kUnclassifiedCredit)).Write(out);
  out.EndObject();
}

constexpr BreakdownMetric kBreakdowns[] = {
    {Section::kCrm, "pipeline_stages",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kPipelineStages, true, false, o); }},
    {Section::kCrm, "activities_by_type",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kActivitiesByType, false, false, o); }},
    {Section::kCrm, "top_performers", WriteTopPerformers},
    {Section::kHrm, "employees_by_department",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kEmployeesByDepartment, true, false, o); }},
    {Section::kHrm, "employees_by_role",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kEmployeesByRole, true, false, o); }},
    {Section::kFinance, "unclassified", WriteUnclassified},
    {Section::kInventory, "stock_by_warehouse",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kStockByWarehouse, true, false, o); }},
    {Section::kProjects, "hours_by_project",
     [](D d, JsonBuilder& o) { WriteKeyed(d, K::kHoursByProject, false, true, o); }},
};

}  // namespace

std::string_view SectionName(Section s) { return kSectionNames[static_cast<size_t>(s)]; }

DomainMask SectionSources(Section s) {
  if (s != Section::kCross) return DomainBit(s);
  DomainMask all = 0;  // what the cross metrics read
  for (const ScalarMetric& m : ScalarMetrics()) {
    if (m.section == Section::kCross) all |= SourcesOf(m);
  }
  return all;
}

DomainMask SourcesOf(const ScalarMetric& metric) {
  return metric.sources != 0 ? metric.sources : DomainBit(metric.section);
}

bool SectionVisible(Section section, DomainMask readable) {
  if (section != Section::kCross) return (readable & DomainBit(section)) != 0;
  for (const ScalarMetric& m : ScalarMetrics()) {
    if (m.section == Section::kCross && (SourcesOf(m) & ~readable) == 0) return true;
  }
  return false;
}

bool ParseSection(std::string_view name, Section* out) {
  for (size_t i = 0; i < std::size(kSectionNames); ++i) {
    if (kSectionNames[i] == name) {
      *out = static_cast<Section>(i);
      return true;
    }
  }
  return false;
}

void Value::Write(JsonBuilder& out) const {
  switch (kind) {
    case kCount:
      out.Int(units);
      return;
    case kMoney: {
      std::string text;
      readside::Money::FromUnits(units).AppendTo(&text);
      out.Raw(text);
      return;
    }
    case kNumber:
      out.Double(number);
      return;
    case kNull:
      out.Null();
      return;
  }
}

std::span<const ScalarMetric> ScalarMetrics() { return kScalars; }
std::span<const BreakdownMetric> BreakdownMetrics() { return kBreakdowns; }

const ScalarMetric* FindScalarMetric(Section section, std::string_view name) {
  for (const ScalarMetric& m : kScalars) {
    if (m.section == section && m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace readside::query
