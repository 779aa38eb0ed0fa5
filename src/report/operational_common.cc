// Helpers shared by the operational report builders (operational.h).
#include <algorithm>
#include <set>

#include "report/operational.h"

namespace readside::report::internal {
namespace {

KeySums FromKeyed(const projection::KeyedSeries& family, DayNumber from, DayNumber to) {
  KeySums out;
  for (const auto& [key, series] : family) {
    int64_t v = series->Range(from, to);
    if (v != 0) out.emplace(key, v);
  }
  return out;
}

}  // namespace

KeySums FlowByKey(const projection::TenantView& v, F f, const Period& p) {
  return v.Get(f).Sum(p.first_day, p.end_day);
}
KeySums StockByKey(const projection::TenantView& v, F f, const Period& p) {
  return v.Get(f).Sum(projection::FactTableView::kMinDay, p.end_day);
}
KeySums StockAtStartByKey(const projection::TenantView& v, F f, const Period& p) {
  return v.Get(f).Sum(projection::FactTableView::kMinDay, p.first_day);
}
KeySums FlowByKey(const projection::TenantView& v, K k, const Period& p) {
  return FromKeyed(v.Get(k), p.first_day, p.end_day);
}
KeySums StockByKey(const projection::TenantView& v, K k, const Period& p) {
  return FromKeyed(v.Get(k), projection::FactTableView::kMinDay, p.end_day);
}

int64_t At(const KeySums& sums, std::string_view key) {
  auto it = sums.find(key);
  return it == sums.end() ? 0 : it->second;
}

int64_t Total(const KeySums& sums) {
  int64_t total = 0;
  for (const auto& [key, v] : sums) total += v;
  return total;
}

std::vector<std::string> KeysOf(std::initializer_list<const KeySums*> maps) {
  std::set<std::string, std::less<>> keys;
  for (const KeySums* m : maps) {
    for (const auto& [key, v] : *m) keys.insert(key);
  }
  return {keys.begin(), keys.end()};
}

std::vector<KeyRow> RowsByValue(const std::vector<const KeySums*>& columns) {
  std::set<std::string, std::less<>> keys;
  for (const KeySums* c : columns) {
    for (const auto& [key, v] : *c) keys.insert(key);
  }
  std::vector<KeyRow> rows;
  for (const std::string& key : keys) {
    KeyRow row{key, {}};
    for (const KeySums* c : columns) row.values.push_back(At(*c, key));
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const KeyRow& a, const KeyRow& b) {
    if (a.values != b.values) return a.values > b.values;
    return a.key < b.key;
  });
  return rows;
}

Cell TextCell(std::string_view s) { return std::string(s); }
Cell CountCell(int64_t n) { return Decimal::Count(n); }
Cell MoneyCell(int64_t units) { return Decimal::MoneyUnits(units); }
Cell HoursCell(int64_t micros) { return Decimal::Micros(micros); }
Decimal PercentOf(int64_t num, int64_t den) {
  return den == 0 ? Decimal{0, 1} : Decimal::Percent(num, den, 1);
}
Cell PercentCell(int64_t num, int64_t den) { return PercentOf(num, den); }

Column Col(std::string id, std::string label, ColumnType type) {
  return Column{std::move(id), std::move(label), type};
}

Section TableSection(std::string id, std::string title, std::vector<Column> columns) {
  Section s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.kind = SectionKind::kTable;
  s.columns = std::move(columns);
  return s;
}

Section KpiSection(std::vector<KpiItem> items) {
  Section s;
  s.id = "kpis";
  s.title = "Summary";
  s.kind = SectionKind::kKpis;
  s.items = std::move(items);
  return s;
}

KpiItem CountKpi(std::string label, int64_t n) { return {std::move(label), Decimal::Count(n), ""}; }
KpiItem MoneyKpi(const ReportRequest& r, std::string label, int64_t units) {
  return {std::move(label), Decimal::MoneyUnits(units), r.view.settings.currency};
}
KpiItem HoursKpi(std::string label, int64_t micros, std::string unit) {
  return {std::move(label), Decimal::Micros(micros), std::move(unit)};
}
KpiItem PercentKpi(std::string label, int64_t num, int64_t den) {
  return {std::move(label), PercentOf(num, den), "%"};
}

Decimal ValueIn(Unit unit, int64_t v) {
  switch (unit) {
    case Unit::kMoney:
      return Decimal::MoneyUnits(v);
    case Unit::kMicros:
      return Decimal::Micros(v);
    case Unit::kCount:
      break;
  }
  return Decimal::Count(v);
}

TrendSeries FlowTrend(const ReportRequest& r, std::string name, S s, Unit unit) {
  const projection::DaySeries* series = &r.view.Get(s);
  return {std::move(name),
          [series, unit](const Period& m) { return ValueIn(unit, Flow(*series, m)); }};
}

TrendSeries StockTrend(const ReportRequest& r, std::string name, S s, Unit unit) {
  const projection::DaySeries* series = &r.view.Get(s);
  return {std::move(name),
          [series, unit](const Period& m) { return ValueIn(unit, StockAtEnd(*series, m)); }};
}

std::string KeyLabel(std::string_view key) { return key.empty() ? "(none)" : std::string(key); }

std::string ProductName(const projection::TenantView& v, std::string_view id) {
  auto it = v.products->find(id);
  return it == v.products->end() ? "" : it->second.name;
}
std::string ProjectName(const projection::TenantView& v, std::string_view id) {
  auto it = v.projects->find(id);
  return it == v.projects->end() ? "" : it->second.name;
}
std::string EmployeeName(const projection::TenantView& v, std::string_view id) {
  auto it = v.employees->find(id);
  return it == v.employees->end() ? "" : it->second.name;
}

}  // namespace readside::report::internal
