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

// Text from the read models (ids, names, parameter values) is written into files whose
// syntax or reading order it must not change. What happens to line breaks and tabs:
//   kKeep  (CSV, XLSX) they stay: CSV quotes the field (RFC 4180), a cell may hold lines;
//   kSpace (PDF)       each becomes a space (a table row is one line).
enum class LineBreaks { kKeep, kSpace };

// The text as an export may show it: other C0 controls (NUL included), DEL, C1 controls,
// the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069,
// which could reorder what a reader sees: "Trojan Source"), and malformed UTF-8 each become
// U+FFFD, visibly. Returns false and leaves *out alone when `text` needs no change (the
// common case costs one scan and no copy); otherwise writes the safe text to *out.
bool MakeSafeText(std::string_view text, LineBreaks breaks, std::string* out);
// The same, always as a copy.
std::string SafeText(std::string_view text, LineBreaks breaks);

}  // namespace readside::render
