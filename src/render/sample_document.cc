#include "render/sample_document.h"

#include <cstdio>
#include <string>

namespace readside::render::testing {
namespace {

using report::Cell;
using report::Column;
using report::ColumnType;
using report::Decimal;
using report::Section;
using report::SectionKind;

const char* const kCustomers[] = {"Jürgen Müller GmbH", "Straßenbau Weiß AG", "Αθήνα Εμπορική",
                                  "東京株式会社",       "Smith & Sons Ltd",   "Ελληνικά Τρόφιμα",
                                  "大阪商事",           "Café Zürich"};

std::string Date(int day_of_year) {  // 2024, day 0 = January 1st
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0, day = day_of_year % 366;
  while (day >= kDays[month]) day -= kDays[month++];
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-%02d-%02d", month + 1, day + 1);
  return buf;
}

std::string Month(int m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-%02d", m + 1);
  return buf;
}

void Header(report::Document* d) {
  d->organization_id = "acme-corp";
  d->title = "Sales performance";
  d->report = "sales";
  d->type = "performance";
  d->period = "2024-Q1";
  d->parameters = {{"compare", "prev"}, {"owner", "all"}};
  d->generated_at_micros = 1711958400000000;  // 2024-04-01T08:00:00Z
  d->position = 123456;
  d->currency = "EUR";
}

Section Kpis() {
  Section k{.id = "kpis", .title = "Summary", .kind = SectionKind::kKpis};
  k.items = {{"Won value", Decimal::MoneyUnits(12345678900), "EUR"},
             {"Win rate", Decimal{375, 1}, "%"},
             {"Deals won", Decimal::Count(42), ""},
             {"Average cycle", Decimal::Micros(12250000), "days"}};
  return k;
}

Section Owners() {
  Section t{.id = "owners", .title = "Performance by owner", .kind = SectionKind::kTable};
  t.columns = {{"owner", "Owner", ColumnType::kString},
               {"note", "Note", ColumnType::kString},
               {"first_won", "First won", ColumnType::kDate},
               {"deals", "Deals", ColumnType::kInteger},
               {"won", "Won value", ColumnType::kMoney},
               {"share", "Share", ColumnType::kPercent}};
  auto row = [](std::string owner, std::string note, std::string date, int64_t deals,
                int64_t won_units, int64_t share_tenths) {
    return std::vector<Cell>{std::move(owner), std::move(note),        std::move(date),
                             Decimal::Count(deals), Decimal::MoneyUnits(won_units),
                             Decimal{share_tenths, 1}};
  };
  t.rows = {
      row("Jürgen Müller", "Straße 5, München", "2024-01-03", 12, 4512345000, 365),
      row("Αθήνα Παπαδοπούλου", "Αθήνα", "2024-01-15", 9, 3000000000, 243),
      row("東京株式会社", "東京都千代田区", "2024-02-01", 7, 2500005000, 203),
      row("=SUM(A1)", "+1", "2024-02-10", 3, 1000000000, 81),
      row("-x", "@a", "2024-02-11", 2, 500000000, 40),
      row("\tx", "\rx", "2024-03-01", 1, 100000000, 8),
      row("\"quoted\", with comma", "line one\nline two", "2024-03-02", 1, 0, 0),
      row("-12.5", "Aktiengesellschaft für ausgesprochen lange Firmennamen und Verzeichnisse mbH",
          "2024-03-03", 0, -125000, -1),
  };
  t.rows.push_back({std::string("Negative"), Decimal{-125, 1}, std::monostate{},
                    Decimal::Count(0), Decimal::MoneyUnits(-125000), Decimal{0, 1}});
  t.totals = {std::monostate{}, std::monostate{}, std::monostate{}, Decimal::Count(35),
              Decimal::MoneyUnits(11612100000), Decimal{1000, 1}};
  return t;
}

Section Deals() {
  Section t{.id = "deals", .title = "Deals won", .kind = SectionKind::kTable};
  t.columns = {{"deal", "Deal", ColumnType::kInteger},
               {"customer", "Customer", ColumnType::kString},
               {"closed", "Closed", ColumnType::kDate},
               {"amount", "Amount", ColumnType::kMoney},
               {"margin", "Margin", ColumnType::kPercent}};
  int64_t total = 0;
  for (int i = 0; i < 150; ++i) {
    int64_t amount = (1000 + int64_t{i} * 7919 % 250000) * 10000 + (i * 37 % 100) * 100;
    total += amount;
    t.rows.push_back({Decimal::Count(1001 + i), std::string(kCustomers[i % 8]), Date(i * 2),
                      Decimal::MoneyUnits(amount), Decimal{(i * 13) % 400 - 50, 1}});
  }
  t.totals = {std::monostate{}, std::monostate{}, std::monostate{}, Decimal::MoneyUnits(total),
              std::monostate{}};
  return t;
}

Section Trend() {
  Section c{.id = "trend", .title = "Won and lost value by month", .kind = SectionKind::kChart};
  c.chart = "bar";
  report::ChartSeries won{"Won value", {}}, lost{"Lost value", {}};
  for (int m = 0; m < 12; ++m) {
    won.points.push_back(
        {Month(m), Decimal::MoneyUnits((120000 + m * 9000 + (m % 3) * 15000) * int64_t{10000} + 5000)});
    lost.points.push_back({Month(m), Decimal::MoneyUnits((40000 + (m * 7) % 5 * 9000) * int64_t{10000})});
  }
  c.series = {won, lost};
  return c;
}

Section CountTrend() {
  Section c{.id = "count_trend", .title = "Deals won by month", .kind = SectionKind::kChart};
  c.chart = "line";
  report::ChartSeries deals{"Deals won", {}};
  for (int m = 0; m < 12; ++m) deals.points.push_back({Month(m), Decimal::Count(8 + (m * 5) % 9)});
  c.series = {deals};
  return c;
}

}  // namespace

report::Document SampleDocument() {
  report::Document d;
  Header(&d);
  d.sections = {Kpis(), Owners(), Deals(), Trend(), CountTrend()};
  return d;
}

report::Document LargeTableDocument(size_t rows) {
  report::Document d;
  Header(&d);
  d.title = "Deals";
  Section t{.id = "deals", .title = "Deals", .kind = SectionKind::kTable};
  t.columns = {{"customer", "Customer", ColumnType::kString},
               {"closed", "Closed", ColumnType::kDate},
               {"owner", "Owner", ColumnType::kString},
               {"deals", "Deals", ColumnType::kInteger},
               {"amount", "Amount", ColumnType::kMoney},
               {"margin", "Margin", ColumnType::kPercent}};
  t.rows.reserve(rows);
  int64_t deals = 0, amount = 0;
  for (size_t i = 0; i < rows; ++i) {
    int64_t n = static_cast<int64_t>(i % 17) + 1;
    int64_t a = static_cast<int64_t>((i * 7919) % 2500000) * 100 + static_cast<int64_t>(i % 97);
    deals += n;
    amount += a;
    t.rows.push_back({std::string(kCustomers[i % 8]) + " " + std::to_string(i),
                      Date(static_cast<int>(i % 366)), std::string(kCustomers[(i / 8) % 8]),
                      Decimal::Count(n), Decimal::MoneyUnits(a),
                      Decimal{static_cast<int64_t>(i % 1000) - 200, 1}});
  }
  t.totals = {std::monostate{}, std::monostate{}, std::monostate{}, Decimal::Count(deals),
              Decimal::MoneyUnits(amount), std::monostate{}};
  d.sections = {t};
  return d;
}

report::Document CrowdedDocument() {
  report::Document d;
  Header(&d);
  d.title = "Crowded report with a title long enough to need most of the line";
  Section wide{.id = "wide", .title = "Wide", .kind = SectionKind::kTable};
  for (int c = 0; c < 14; ++c) {
    wide.columns.push_back({"c" + std::to_string(c), "Column number " + std::to_string(c),
                            c % 2 ? ColumnType::kMoney : ColumnType::kString});
  }
  for (int r = 0; r < 3; ++r) {
    std::vector<Cell> row;
    for (int c = 0; c < 14; ++c) {
      row.push_back(c % 2 ? Cell(Decimal::MoneyUnits(12345678900 * (r + 1)))
                          : Cell(std::string(kCustomers[(r + c) % 8]) + " " + std::to_string(c)));
    }
    wide.rows.push_back(row);
  }
  Section bars{.id = "many", .title = "Sixty categories", .kind = SectionKind::kChart};
  for (int k = 0; k < 3; ++k) {
    report::ChartSeries s{std::string(kCustomers[k]) + " series", {}};
    for (int i = 0; i < 60; ++i) {
      s.points.push_back({"Category " + std::to_string(i), Decimal::Count((i - 20) * (i + k) * 37)});
    }
    bars.series.push_back(s);
  }
  Section lines = bars;
  lines.id = "many_lines";
  lines.title = "Sixty categories as lines";
  lines.chart = "line";
  d.sections = {wide, bars, lines};
  return d;
}

}  // namespace readside::render::testing
