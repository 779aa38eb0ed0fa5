#pragma once
// Test support for the operational reports: documents as text (every cell through
// Decimal::ToString), and the table of KPIs that must equal an Analytics API metric.
// Thread-safety: test code.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "query/metric_table.h"
#include "report/document.h"

namespace readside::report::testing {

using Row = std::vector<std::string>;
using Table = std::vector<Row>;

inline std::string Show(const Cell& c) {
  if (const auto* d = std::get_if<Decimal>(&c)) return d->ToString();
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  return "";
}

inline const Section& SectionOf(const Document& doc, std::string_view id) {
  static const Section* const kNone = new Section();
  const Section* s = doc.Find(id);
  EXPECT_NE(s, nullptr) << "no section " << id << " in " << doc.report << "/" << doc.type;
  return s != nullptr ? *s : *kNone;
}

// Every row of table `id`, as text.
inline Table Rows(const Document& doc, std::string_view id) {
  Table out;
  for (const auto& row : SectionOf(doc, id).rows) {
    Row r;
    for (const Cell& c : row) r.push_back(Show(c));
    out.push_back(std::move(r));
  }
  return out;
}

inline Row Totals(const Document& doc, std::string_view id) {
  Row r;
  for (const Cell& c : SectionOf(doc, id).totals) r.push_back(Show(c));
  return r;
}

// The KPIs as (label, value) text pairs, in order.
inline std::vector<std::pair<std::string, std::string>> Kpis(const Document& doc) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const KpiItem& k : SectionOf(doc, "kpis").items)
    out.emplace_back(k.label, k.value.ToString());
  return out;
}

// The point of `month` in series `name` of chart `id` ("" when absent).
inline std::string Point(const Document& doc, std::string_view id, std::string_view name,
                         std::string_view month) {
  for (const ChartSeries& s : SectionOf(doc, id).series) {
    if (s.name != name) continue;
    for (const ChartPoint& p : s.points) {
      if (p.x == month) return p.y.ToString();
    }
  }
  ADD_FAILURE() << "no point " << name << " " << month << " in " << id;
  return "";
}

// A KPI that is an Analytics API metric: counts and money equal exactly; ratios (doubles in
// the API) equal to the KPI's decimals.
enum class Match { kExact, kPercent, kTwoDecimals, kMoneyUnit };
struct KpiMetric {
  std::string_view report, type, label;
  query::Section section;
  std::string_view metric;
  Match match = Match::kExact;
};

inline const std::vector<KpiMetric>& KpiMetrics() {
  using query::Section;
  static const auto* const kAll = new std::vector<KpiMetric>{
      {"sales", "pipeline", "Pipeline value", Section::kCrm, "pipeline_value"},
      {"sales", "pipeline", "New opportunities", Section::kCrm, "opportunities_new"},
      {"sales", "pipeline", "Win rate", Section::kCrm, "win_rate", Match::kPercent},
      {"sales", "performance", "Deals won", Section::kCrm, "opportunities_won"},
      {"sales", "performance", "Deals lost", Section::kCrm, "opportunities_lost"},
      {"sales", "performance", "Won value", Section::kCrm, "won_value"},
      {"sales", "performance", "Win rate", Section::kCrm, "win_rate", Match::kPercent},
      {"sales", "performance", "Average deal size", Section::kCrm, "average_deal_size",
       Match::kMoneyUnit},
      {"sales", "activity", "Activities", Section::kCrm, "activities_total"},
      {"sales", "conversion", "New leads", Section::kCrm, "leads_new"},
      {"sales", "conversion", "Leads converted", Section::kCrm, "leads_converted"},
      {"sales", "conversion", "Conversion rate", Section::kCrm, "conversion_rate", Match::kPercent},
      {"sales", "conversion", "Leads total", Section::kCrm, "leads_total"},
      {"hr", "headcount", "Employees", Section::kHrm, "total_employees"},
      {"hr", "headcount", "New hires", Section::kHrm, "new_hires"},
      {"hr", "headcount", "Terminations", Section::kHrm, "terminations"},
      {"hr", "headcount", "Turnover rate", Section::kHrm, "turnover_rate", Match::kPercent},
      {"hr", "attendance", "Check-ins", Section::kHrm, "attendance_checkins"},
      {"hr", "attendance", "Late arrivals", Section::kHrm, "late_arrivals"},
      {"hr", "attendance", "Average attendance", Section::kHrm, "average_attendance",
       Match::kPercent},
      {"hr", "leave", "Leave requests", Section::kHrm, "leave_requests"},
      {"hr", "leave", "Approved", Section::kHrm, "leave_approved"},
      {"hr", "leave", "Pending", Section::kHrm, "leave_pending"},
      {"hr", "leave", "Days approved", Section::kHrm, "leave_days_approved"},
      {"hr", "payroll", "Gross payroll", Section::kHrm, "payroll_gross"},
      {"hr", "payroll", "Net payroll", Section::kHrm, "payroll_net"},
      {"inventory", "stock", "Products", Section::kInventory, "products_total"},
      {"inventory", "stock", "Units on hand", Section::kInventory, "units_on_hand"},
      {"inventory", "stock", "Stock value", Section::kInventory, "stock_value"},
      {"inventory", "stock", "Low-stock products", Section::kInventory, "low_stock_products"},
      {"inventory", "orders", "Orders created", Section::kInventory, "orders_created"},
      {"inventory", "orders", "Orders fulfilled", Section::kInventory, "orders_fulfilled"},
      {"inventory", "orders", "Order value", Section::kInventory, "order_value"},
      {"inventory", "orders", "Units sold", Section::kInventory, "units_sold"},
      {"inventory", "orders", "Cost of goods sold", Section::kInventory, "cost_of_goods_sold"},
      {"inventory", "orders", "Average fulfillment time", Section::kInventory,
       "average_fulfillment_hours", Match::kTwoDecimals},
      {"inventory", "orders", "Inventory turnover", Section::kInventory, "inventory_turnover",
       Match::kTwoDecimals},
      {"inventory", "reorder", "Reorders triggered", Section::kInventory, "reorders_triggered"},
      {"inventory", "reorder", "Low-stock products", Section::kInventory, "low_stock_products"},
      {"projects", "utilization", "Hours logged", Section::kProjects, "hours_logged"},
      {"projects", "utilization", "Billable hours", Section::kProjects, "billable_hours"},
      {"projects", "utilization", "Utilization", Section::kProjects, "utilization_rate",
       Match::kPercent},
      {"projects", "budget", "Projects over budget", Section::kProjects, "projects_over_budget"},
      {"projects", "budget", "Active projects", Section::kProjects, "projects_active"},
      {"projects", "tasks", "Tasks created", Section::kProjects, "tasks_created"},
      {"projects", "tasks", "Tasks completed", Section::kProjects, "tasks_completed"},
      {"projects", "tasks", "Open tasks", Section::kProjects, "open_tasks"},
      {"projects", "tasks", "Completion rate", Section::kProjects, "task_completion_rate",
       Match::kPercent},
  };
  return *kAll;
}

// Checks every KPI of `doc` that is a metric against the metric computed from `view` for the
// document's period. Returns the number of KPIs checked.
inline int ExpectKpisAreMetrics(const Document& doc, const projection::TenantView& view,
                                const projection::Period& period) {
  int checked = 0;
  for (const KpiMetric& m : KpiMetrics()) {
    if (m.report != doc.report || m.type != doc.type) continue;
    const query::ScalarMetric* metric = query::FindScalarMetric(m.section, m.metric);
    EXPECT_NE(metric, nullptr) << m.metric;
    if (metric == nullptr) continue;
    query::Value want = metric->compute(query::PeriodData{view, period, doc.generated_at_micros});
    const KpiItem* kpi = nullptr;
    for (const KpiItem& k : SectionOf(doc, "kpis").items) {
      if (k.label == m.label) kpi = &k;
    }
    EXPECT_NE(kpi, nullptr) << "no KPI " << m.label << " in " << doc.type;
    if (kpi == nullptr) continue;
    ++checked;
    SCOPED_TRACE(std::string(m.type) + " " + std::string(m.label) + " " + doc.period);
    switch (want.kind) {
      case query::Value::kCount:
        EXPECT_EQ(kpi->value, Decimal::Count(want.units)) << kpi->value.ToString();
        break;
      case query::Value::kMoney:
        EXPECT_EQ(kpi->value, Decimal::MoneyUnits(want.units)) << kpi->value.ToString();
        break;
      case query::Value::kNumber: {
        double x = want.number, got = kpi->value.ToDouble();
        double slack = 1e-9 * std::max(1.0, std::abs(x));
        switch (m.match) {
          case Match::kExact:
            EXPECT_NEAR(got, x, slack);
            break;
          case Match::kPercent:
            EXPECT_NEAR(got, 100 * x, 0.05 + 100 * slack);
            break;
          case Match::kTwoDecimals:
            EXPECT_NEAR(got, x, 0.005 + slack);
            break;
          case Match::kMoneyUnit:
            EXPECT_NEAR(got, x, 0.00005 + slack);
            break;
        }
        break;
      }
      case query::Value::kNull:
        ADD_FAILURE() << "null metric";
        break;
    }
  }
  return checked;
}

}  // namespace readside::report::testing
