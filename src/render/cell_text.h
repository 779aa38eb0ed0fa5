#pragma once
// How a renderer shows a number of a report: the display text of cells and KPI values
// (PDF, column widths), shared so that PDF and XLSX agree on what "money" or "percent" looks
// like. CSV does not use these: it writes Decimal::ToString (exact, no grouping).
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "report/document.h"

namespace readside::render {

// True for the column types whose cells are numbers (right-aligned, number formats).
bool IsNumeric(report::ColumnType type);

// The display text of a number in a column of `type`: money and number with 2 decimals and
// thousands separators ("1,234.50"), integer with none ("1,234"), percent with 1 decimal and
// " %" ("12.5 %"); string and date columns show ToString().
std::string FormatNumber(const report::Decimal& value, report::ColumnType type);

// The double nearest to the decimal's exact value: the value of Decimal::ToDouble (and of a
// JSON parser reading ToString's text), without formatting and parsing text when |units| is
// at most 2^53 (then units and 10^scale are exact doubles and one IEEE division rounds
// correctly).
double NumberValue(const report::Decimal& value);

// The display text of a cell ("" for an empty cell).
std::string CellText(const report::Cell& cell, report::ColumnType type);

// The column type a KPI value is shown as: money when its unit is the document's currency
// (or any three-letter upper-case code), percent for "%", integer for a whole count, number
// otherwise.
report::ColumnType KpiType(const report::KpiItem& item, std::string_view currency);

// "1,234.50 USD", "12.5 %", "42", "3.25 days".
std::string KpiText(const report::KpiItem& item, std::string_view currency);

// Columns a text takes in a fixed-width view: CJK and other wide characters count 2,
// combining marks 0 (an approximation of wcwidth for column widths).
int DisplayWidth(std::string_view utf8);

// The number of Unicode code points of `utf8`.
size_t CodePoints(std::string_view utf8);

}  // namespace readside::render
