#pragma once
// CSV export of one table section of a report (../shared/spec/reports.md "Export"):
// RFC 4180 — CRLF after every record, a field holding '"', ',', CR or LF is quoted with its
// quotes doubled — in UTF-8 without a byte-order mark. The first record holds the column
// labels, then one record per row, then a totals record when the section has totals (its
// first string column says "Total" where the totals leave it empty).
//
// Numbers (Decimal cells) are written with Decimal::ToString: exact, '.' as the decimal
// point, no grouping, so they read back as the JSON numbers. Formula injection: a text field
// starting with '=', '+', '-', '@', tab or CR gets a leading "'" unless the whole text is a
// number as Decimal::ToString writes one ("-12.5"); Decimal cells are never prefixed.
// Thread-safety: pure function.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "report/document.h"

namespace readside::render {

// The CSV of table `section_id` of `doc`, or of its first table when `section_id` is empty.
// On failure: NotFound naming the section when no section has that id; InvalidArgument
// naming it when it is not a table, or saying the report has no table when `section_id` is
// empty and there is none.
absl::StatusOr<std::string> ToCsv(const report::Document& doc, std::string_view section_id);

// The table section ToCsv would write (same errors). Shared with the dispatcher, which names
// the file after it.
absl::StatusOr<const report::Section*> CsvSection(const report::Document& doc,
                                                   std::string_view section_id);

// The field as ToCsv writes a text cell: injection prefix, then quoting. Exposed for tests.
std::string CsvTextField(std::string_view text);

}  // namespace readside::render
