// Every operational report on a simulated stream (sim::Generator: two tenants, four months,
// late events, re-sends and invalid lines): nothing fails, tables have rows where the
// simulator produces data, every KPI that is an Analytics API metric equals it for every
// month, additive columns sum to their totals, and charts have their 12 months.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "event/parser.h"
#include "projection/tenant_projection.h"
#include "report/operational_test_util.h"
#include "report/report.h"
#include "report/report_test_util.h"
#include "sim/generator.h"

namespace readside::report {
namespace {

struct SimTenants {
  std::map<std::string, std::unique_ptr<projection::TenantProjection>> tenants;
  std::map<std::string, std::shared_ptr<const projection::TenantView>> views;
  int64_t first_micros = INT64_MAX, last_micros = INT64_MIN;
};

const SimTenants& Stream() {
  static const SimTenants* const kStream = [] {
    auto* st = new SimTenants;
    sim::GeneratorOptions o;
    o.seed = 77;
    o.tenants = {"acme-corp", "beta-inc"};
    o.total_events = 60'000;
    o.events_per_second = 0.005;
    o.out_of_order_fraction = 0.05;
    o.duplicate_fraction = 0.01;
    o.malformed_fraction = 0.01;
    sim::Generator generator(o);
    event::EventParser parser;
    event::Event e;
    std::vector<event::FieldError> errors;
    std::string line;
    int64_t ts = 0;
    uint64_t position = 0;
    while (generator.Next(&line, &ts)) {
      errors.clear();
      if (!parser.ParseOne(line, &e, &errors)) continue;
      auto& tenant = st->tenants[e.organization_id];
      if (!tenant) tenant = projection::TenantProjection::WithDefaults(e.organization_id);
      tenant->Apply(e, ++position, 0);
      st->first_micros = std::min(st->first_micros, e.timestamp_micros);
      st->last_micros = std::max(st->last_micros, e.timestamp_micros);
    }
    for (const auto& [org, tenant] : st->tenants) st->views[org] = tenant->Publish(position);
    return st;
  }();
  return *kStream;
}

Document Build(const projection::TenantView& view, const TypeSpec& spec, std::string_view period) {
  auto p = projection::ParsePeriod(period);
  EXPECT_TRUE(p.ok()) << period;
  return BuildReport(ReportRequest{view, spec, *p, {}, 1'800'000'000'000'000});
}

// Columns whose total is not the sum of the rows (a ratio of totals).
bool IsSumColumn(const Section& s, size_t col) {
  ColumnType type = s.columns[col].type;
  return (type == ColumnType::kInteger || type == ColumnType::kMoney) &&
         s.columns[col].id != "average_deal";
}

void ExpectWellFormed(const Document& doc) {
  for (const Section& s : doc.sections) {
    SCOPED_TRACE(doc.type + " " + doc.period + " " + s.id);
    if (s.kind == SectionKind::kChart) {
      EXPECT_FALSE(s.series.empty());
      for (const ChartSeries& series : s.series) EXPECT_EQ(series.points.size(), 12u);
      continue;
    }
    if (s.kind != SectionKind::kTable) continue;
    EXPECT_TRUE(s.totals.empty() || s.totals.size() == s.columns.size());
    std::vector<__int128> sums(s.columns.size());
    std::vector<uint8_t> scale(s.columns.size());
    for (const auto& row : s.rows) {
      ASSERT_EQ(row.size(), s.columns.size());
      for (size_t c = 0; c < row.size(); ++c) {
        if (const auto* d = std::get_if<Decimal>(&row[c])) {
          EXPECT_NE(s.columns[c].type, ColumnType::kString) << s.columns[c].id;
          sums[c] += d->units;
          scale[c] = d->scale;
        }
      }
    }
    for (size_t c = 0; c < s.totals.size(); ++c) {
      const auto* total = std::get_if<Decimal>(&s.totals[c]);
      if (total == nullptr || !IsSumColumn(s, c) || s.rows.empty()) continue;
      EXPECT_EQ(*total, (Decimal{static_cast<int64_t>(sums[c]), scale[c]})) << s.columns[c].id;
    }
  }
}

TEST(OperationalReportsSimTest, EveryReportOnEveryMonthMatchesTheMetrics) {
  const SimTenants& st = Stream();
  ASSERT_EQ(st.views.size(), 2u);
  projection::LocalCalendar utc = projection::LocalCalendar::Utc();
  auto months = projection::PeriodsBetween(
      projection::Granularity::kMonth, utc.DayOf(st.first_micros), utc.DayOf(st.last_micros), 100);
  ASSERT_TRUE(months.ok());
  ASSERT_GE(months->size(), 4u);
  int reports = 0, kpis = 0;
  for (const auto& [org, view] : st.views) {
    for (const TypeSpec& spec : Catalog()) {
      if (spec.report == "financial") continue;
      for (const projection::Period& m : *months) {
        Document doc = Build(*view, spec, projection::FormatPeriod(m));
        ExpectWellFormed(doc);
        kpis += testing::ExpectKpisAreMetrics(doc, *view, m);
        EXPECT_FALSE(ToJson(doc).empty());
        ++reports;
      }
    }
  }
  EXPECT_EQ(reports, 2 * 14 * static_cast<int>(months->size()));
  EXPECT_GT(kpis, reports * 2);
  std::cout << "[stream] " << st.views.at("acme-corp")->quality.events_total << " + "
            << st.views.at("beta-inc")->quality.events_total << " events, " << months->size()
            << " months; " << reports << " reports, " << kpis << " KPIs checked" << std::endl;
}

// In a full month of the stream, every table has rows (the simulator produces every kind of
// event), and the tables' totals agree with each other.
TEST(OperationalReportsSimTest, TablesHaveRowsWhereTheSimulatorProducesData) {
  const SimTenants& st = Stream();
  const projection::TenantView& view = *st.views.at("acme-corp");
  projection::LocalCalendar utc = projection::LocalCalendar::Utc();
  projection::Period month = projection::NextPeriod(
      projection::PeriodContaining(projection::Granularity::kMonth, utc.DayOf(st.first_micros)));
  std::string period = projection::FormatPeriod(month);
  std::set<std::string> allowed_empty = {"low_stock"};  // low stock comes and goes
  for (const TypeSpec& spec : Catalog()) {
    if (spec.report == "financial") continue;
    Document doc = Build(view, spec, period);
    for (const Section& s : doc.sections) {
      if (s.kind != SectionKind::kTable || allowed_empty.count(s.id)) continue;
      EXPECT_FALSE(s.rows.empty())
          << spec.report << "/" << spec.type << " " << s.id << " " << period;
    }
    for (const Section& s : doc.sections) {
      if (s.kind != SectionKind::kChart) continue;
      bool any = false;
      for (const ChartSeries& series : s.series) {
        for (const ChartPoint& p : series.points) any |= p.y.units != 0;
      }
      EXPECT_TRUE(any) << spec.type << " " << s.id;
    }
  }
  using testing::Totals;
  Document stock = Build(view, *FindType("inventory", "stock"), period);
  EXPECT_EQ(Totals(stock, "products")[4], Totals(stock, "warehouses")[1]);
  EXPECT_EQ(Totals(stock, "products")[4], Totals(stock, "product_warehouse")[3]);
  EXPECT_EQ(testing::Rows(stock, "low_stock").size(),
            std::stoul(testing::KpiText(*stock.Find("kpis"), "Low-stock products")));
  Document headcount = Build(view, *FindType("hr", "headcount"), period);
  EXPECT_EQ(Totals(headcount, "departments")[1], Totals(headcount, "roles")[1]);
  Document budget = Build(view, *FindType("projects", "budget"), period);
  size_t over = 0;
  for (const auto& row : testing::Rows(budget, "projects")) over += row.back() == "yes";
  EXPECT_EQ(over, std::stoul(testing::KpiText(*budget.Find("kpis"), "Projects over budget")));
}

// Other period kinds: a day, an ISO week, a quarter and a year of the stream.
TEST(OperationalReportsSimTest, EveryPeriodKind) {
  const SimTenants& st = Stream();
  projection::LocalCalendar utc = projection::LocalCalendar::Utc();
  projection::DayNumber mid = (utc.DayOf(st.first_micros) + utc.DayOf(st.last_micros)) / 2;
  for (projection::Granularity g :
       {projection::Granularity::kDay, projection::Granularity::kWeek,
        projection::Granularity::kQuarter, projection::Granularity::kYear}) {
    projection::Period p = projection::PeriodContaining(g, mid);
    for (const auto& [org, view] : st.views) {
      for (const TypeSpec& spec : Catalog()) {
        if (spec.report == "financial") continue;
        Document doc = Build(*view, spec, projection::FormatPeriod(p));
        ExpectWellFormed(doc);
        EXPECT_GT(testing::ExpectKpisAreMetrics(doc, *view, p), 0);
      }
    }
  }
}

}  // namespace
}  // namespace readside::report
