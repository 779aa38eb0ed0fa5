#pragma once
// The report document of ../shared/spec/reports.md: title, the parameters it was run with,
// the store position it reflects, and ordered sections (kpis, table, chart). Builders compute
// it from one published TenantView; renderers (JSON here, CSV/XLSX/PDF in src/render) only
// format it, so every form shows the same numbers.
//
// Numbers are exact decimals (units / 10^scale): money has scale 4 (Money units), counts 0,
// hours 6 (millionths), ratios are rounded half away from zero to their scale when built.
// Every renderer writes a number through Decimal::ToString (or, in XLSX, as the nearest
// double of that text), so the digits agree everywhere.
// Thread-safety: value types; pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace readside::report {

struct Decimal {
  int64_t units = 0;
  uint8_t scale = 0;  // 0..9

  static Decimal Count(int64_t n) { return {n, 0}; }
  static Decimal MoneyUnits(int64_t u) { return {u, 4}; }  // readside::Money units
  static Decimal Micros(int64_t u) { return {u, 6}; }      // hours/days in millionths
  // num/den rounded half away from zero to `scale` places (den != 0), exact in 128 bits.
  static Decimal Ratio(int64_t num, int64_t den, uint8_t scale);
  // 100 * num / den rounded to `scale` places: a percentage.
  static Decimal Percent(int64_t num, int64_t den, uint8_t scale);

  // Shortest exact decimal text: "12.5", "-0.0001", "100", "0".
  std::string ToString() const;
  // The text with exactly `places` decimals (rounded half away from zero when fewer than the
  // scale), and thousands separators ',' when `group`: "1,234.50". For PDF and display.
  std::string Format(int places, bool group) const;
  double ToDouble() const;
  bool operator==(const Decimal& o) const;  // numerically equal (1.50 == 1.5)
};

// A table cell: empty, text, or an exact number.
using Cell = std::variant<std::monostate, std::string, Decimal>;

// Column types: how renderers format and align a column (JSON writes numbers either way).
//   string  text, left-aligned
//   integer count, 0 decimals
//   number  decimal, shown with 2 decimals
//   money   amount in the document's currency, 2 decimals, thousands separators
//   percent a percentage value (12.5 means 12.5 %), 1 decimal
//   date    "YYYY-MM-DD" text
enum class ColumnType : uint8_t { kString, kInteger, kNumber, kMoney, kPercent, kDate };
std::string_view ColumnTypeName(ColumnType t);  // "string", "integer", "number", …

struct Column {
  std::string id;
  std::string label;
  ColumnType type = ColumnType::kString;
};

struct KpiItem {
  std::string label;
  Decimal value;
  std::string unit;  // "USD", "%", "days", "hours", "" for a count
};

struct ChartPoint {
  std::string x;  // category label, e.g. "2024-01"
  Decimal y;
};
struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;
};

enum class SectionKind : uint8_t { kKpis, kTable, kChart };
std::string_view SectionKindName(SectionKind k);  // "kpis", "table", "chart"

struct Section {
  std::string id;
  std::string title;
  SectionKind kind = SectionKind::kTable;
  // kpis
  std::vector<KpiItem> items;
  // table: each row has one cell per column, in column order
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  // one cell per column; std::monostate where a column has no total. Empty: no totals row.
  std::vector<Cell> totals;
  // chart
  std::string chart = "bar";  // "bar" | "line"
  std::vector<ChartSeries> series;
};

struct Document {
  std::string organization_id;
  std::string title;
  std::string report;  // financial, sales, hr, inventory, projects
  std::string type;    // pnl, balance_sheet, …
  std::string period;  // canonical period text, e.g. "2024-Q1"
  // The parameters as run, in a stable order (name, text value).
  std::vector<std::pair<std::string, std::string>> parameters;
  int64_t generated_at_micros = 0;  // unix microseconds
  uint64_t position = 0;            // the store position the read model reflected
  std::string currency;
  std::optional<bool> balanced;  // balance_sheet only
  std::vector<Section> sections;

  // The first table section, or the one with `id`; nullptr when there is none.
  const Section* Table(std::string_view id = {}) const;
  const Section* Find(std::string_view id) const;
};

// "acme-corp-financial-pnl-2024-Q1.<ext>" (characters outside [A-Za-z0-9._-] become '_').
std::string FileName(const Document& doc, std::string_view extension);
// RFC 3339 UTC text of generated_at ("2024-04-01T08:00:00Z", fractions only when non-zero).
std::string GeneratedAtText(const Document& doc);

// The JSON preview of reports.md "Document".
std::string ToJson(const Document& doc);

}  // namespace readside::report
