// Sales reports (reports.md "Catalog", sales; docs/reports-operational.md): pipeline,
// performance, activity, conversion. Owners are shown by id: CRM events carry no user names
// (employee names come from hrm events, which a crm-only reader may not see).
#include "report/operational.h"

namespace readside::report::internal {

void BuildSalesPipeline(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  KeySums counts = StockByKey(v, K::kPipelineStages, p);
  KeySums values = StockByKey(v, F::kPipelineValueByStage, p);
  int64_t won = Flow(v.Get(S::kOpportunitiesWon), p), lost = Flow(v.Get(S::kOpportunitiesLost), p);
  int64_t pipeline = StockAtEnd(v.Get(S::kPipelineValue), p);
  doc->sections.push_back(KpiSection({
      MoneyKpi(r, "Pipeline value", pipeline),
      CountKpi("Open opportunities", Total(counts)),
      CountKpi("New opportunities", Flow(v.Get(S::kOpportunitiesNew), p)),
      PercentKpi("Win rate", won, won + lost),
  }));

  struct Row {
    std::string stage;
    int64_t count, value;
  };
  std::vector<Row> rows;
  for (const std::string& stage : KeysOf({&counts, &values})) {
    rows.push_back({stage, At(counts, stage), At(values, stage)});
  }
  SortByValueThenKey(
      &rows, [](const Row& x) { return x.value; }, [](const Row& x) { return x.stage; });
  Section t = TableSection("stages", "Open pipeline by stage",
                           {Col("stage", "Stage", ColumnType::kString),
                            Col("opportunities", "Open opportunities", ColumnType::kInteger),
                            Col("value", "Value", ColumnType::kMoney),
                            Col("share", "Share of value", ColumnType::kPercent)});
  for (const Row& x : rows) {
    t.rows.push_back({TextCell(KeyLabel(x.stage)), CountCell(x.count), MoneyCell(x.value),
                      PercentCell(x.value, pipeline)});
  }
  t.totals = {TextCell("Total"), CountCell(Total(counts)), MoneyCell(pipeline), Cell{}};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(
      MonthlyTrend("trend", "Pipeline by month", p,
                   {StockTrend(r, "Pipeline value (month end)", S::kPipelineValue, Unit::kMoney),
                    FlowTrend(r, "Won value", S::kWonValue, Unit::kMoney)}));
}

void BuildSalesPerformance(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t won = Flow(v.Get(S::kOpportunitiesWon), p), lost = Flow(v.Get(S::kOpportunitiesLost), p);
  int64_t won_value = Flow(v.Get(S::kWonValue), p);
  // Money units per deal, rounded half away from zero to the unit (1/10,000).
  auto average = [](int64_t value, int64_t deals) -> int64_t {
    return deals == 0 ? 0 : Decimal::Ratio(value, deals, 0).units;
  };
  doc->sections.push_back(KpiSection({
      CountKpi("Deals won", won),
      CountKpi("Deals lost", lost),
      MoneyKpi(r, "Won value", won_value),
      PercentKpi("Win rate", won, won + lost),
      MoneyKpi(r, "Average deal size", average(won_value, won)),
  }));

  KeySums deals = FlowByKey(v, K::kDealsWonByUser, p);
  KeySums values = FlowByKey(v, K::kWonValueByUser, p);
  KeySums losses = FlowByKey(v, F::kDealsLostByUser, p);
  struct Row {
    std::string owner;
    int64_t won, value, lost;
  };
  std::vector<Row> rows;
  for (const std::string& owner : KeysOf({&deals, &values, &losses})) {
    rows.push_back({owner, At(deals, owner), At(values, owner), At(losses, owner)});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.value != b.value) return a.value > b.value;
    if (a.won != b.won) return a.won > b.won;
    return a.owner < b.owner;
  });
  Section t = TableSection(
      "owners", "Performance by owner",
      {Col("owner", "Owner", ColumnType::kString), Col("won", "Deals won", ColumnType::kInteger),
       Col("won_value", "Won value", ColumnType::kMoney),
       Col("lost", "Deals lost", ColumnType::kInteger),
       Col("win_rate", "Win rate", ColumnType::kPercent),
       Col("average_deal", "Average deal size", ColumnType::kMoney)});
  for (const Row& x : rows) {
    t.rows.push_back({TextCell(KeyLabel(x.owner)), CountCell(x.won), MoneyCell(x.value),
                      CountCell(x.lost), PercentCell(x.won, x.won + x.lost),
                      MoneyCell(average(x.value, x.won))});
  }
  t.totals = {TextCell("Total"),
              CountCell(won),
              MoneyCell(won_value),
              CountCell(lost),
              PercentCell(won, won + lost),
              MoneyCell(average(won_value, won))};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend("trend", "Deals won and lost by month", p,
                                       {FlowTrend(r, "Deals won", S::kOpportunitiesWon),
                                        FlowTrend(r, "Deals lost", S::kOpportunitiesLost)}));
  doc->sections.push_back(MonthlyTrend("won_value_trend", "Won value by month", p,
                                       {FlowTrend(r, "Won value", S::kWonValue, Unit::kMoney)}));
}

namespace {

// A table of activities per key (type or owner) with each key's share of the total.
Section ActivityTable(std::string id, std::string title, std::string key_label,
                      const KeySums& counts, int64_t total) {
  std::vector<std::pair<std::string, int64_t>> rows(counts.begin(), counts.end());
  SortByValueThenKey(
      &rows, [](const auto& x) { return x.second; }, [](const auto& x) { return x.first; });
  Section t = TableSection(std::move(id), std::move(title),
                           {Col("key", std::move(key_label), ColumnType::kString),
                            Col("activities", "Activities", ColumnType::kInteger),
                            Col("share", "Share", ColumnType::kPercent)});
  for (const auto& [key, n] : rows) {
    t.rows.push_back({TextCell(KeyLabel(key)), CountCell(n), PercentCell(n, total)});
  }
  t.totals = {TextCell("Total"), CountCell(total), Cell{}};
  return t;
}

}  // namespace

void BuildSalesActivity(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t total = Flow(v.Get(S::kActivitiesTotal), p);
  KeySums by_type = FlowByKey(v, K::kActivitiesByType, p);
  KeySums by_owner = FlowByKey(v, F::kActivitiesByOwner, p);
  doc->sections.push_back(KpiSection({
      CountKpi("Activities", total),
      CountKpi("Activity types", static_cast<int64_t>(by_type.size())),
      CountKpi("Active owners", static_cast<int64_t>(by_owner.size())),
  }));
  doc->sections.push_back(
      ActivityTable("by_type", "Activities by type", "Activity type", by_type, total));
  doc->sections.push_back(
      ActivityTable("by_owner", "Activities by owner", "Owner", by_owner, total));
  doc->sections.push_back(MonthlyTrend("trend", "Activities by month", p,
                                       {FlowTrend(r, "Activities", S::kActivitiesTotal)}));
}

void BuildSalesConversion(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t leads = Flow(v.Get(S::kLeadsNew), p), converted = Flow(v.Get(S::kLeadsConverted), p);
  doc->sections.push_back(KpiSection({
      CountKpi("New leads", leads),
      CountKpi("Leads converted", converted),
      PercentKpi("Conversion rate", converted, leads),
      CountKpi("Leads total", StockAtEnd(v.Get(S::kLeadsTotal), p)),
  }));
  KeySums created = FlowByKey(v, F::kLeadsBySource, p);
  KeySums conversions = FlowByKey(v, F::kLeadsConvertedBySource, p);
  struct Row {
    std::string source;
    int64_t leads, converted;
  };
  std::vector<Row> rows;
  for (const std::string& source : KeysOf({&created, &conversions})) {
    rows.push_back({source, At(created, source), At(conversions, source)});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.leads != b.leads) return a.leads > b.leads;
    if (a.converted != b.converted) return a.converted > b.converted;
    return a.source < b.source;
  });
  Section t = TableSection("by_source", "Lead conversion by source",
                           {Col("source", "Source", ColumnType::kString),
                            Col("leads", "New leads", ColumnType::kInteger),
                            Col("converted", "Converted", ColumnType::kInteger),
                            Col("rate", "Conversion rate", ColumnType::kPercent)});
  for (const Row& x : rows) {
    t.rows.push_back({TextCell(KeyLabel(x.source)), CountCell(x.leads), CountCell(x.converted),
                      PercentCell(x.converted, x.leads)});
  }
  t.totals = {TextCell("Total"), CountCell(leads), CountCell(converted),
              PercentCell(converted, leads)};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend(
      "trend", "Leads and conversions by month", p,
      {FlowTrend(r, "New leads", S::kLeadsNew), FlowTrend(r, "Converted", S::kLeadsConverted)}));
}

}  // namespace readside::report::internal
