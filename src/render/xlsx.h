#pragma once
// XLSX export of a report (../shared/spec/reports.md "Export") with libxlsxwriter:
//   - first sheet "Parameters": title, report, type, period, every parameter, organization,
//     currency, generated at, store position (and balanced when set), then each KPI section
//     as label / value / unit rows;
//   - then one sheet per table or chart section, in document order, named after the section
//     title (made unique, at most 31 characters, without []:*?/\):
//       table: bold header row, frozen; an autofilter over header and rows; a number format
//       per column type (money and number "#,##0.00", integer "#,##0", percent 0.0"%" on the
//       value itself, so 12.5 shows "12.5%" and stays the JSON number; dates as Excel dates);
//       a bold totals row below the rows, written as the document's values (never formulas:
//       a total such as a margin is not the column's sum); widths fitted to the content.
//       chart: the chart's data as a small table (categories down, one column per series)
//       and a native Excel chart over it (bar: clustered columns, line: lines with markers).
// Every number is written as the double nearest to Decimal::ToString's text.
//
// libxlsxwriter 1.1.4 writes only to a named file: the workbook is written to a unique
// temporary file under `tmpdir` and read back; the file is removed on every path.
// Thread-safety: pure function; concurrent calls use distinct temporary files.

#include <string>

#include "absl/status/statusor.h"
#include "report/document.h"

namespace readside::render {

struct XlsxOptions {
  // libxlsxwriter's constant_memory mode for workbooks with a table of at least this many
  // rows: each row goes to a temporary file as soon as the next one starts, so memory stays
  // flat, and it is faster (100,000 rows: 0.84 s and +3 MB instead of 1.0 s and +82 MB, see
  // bench/README.md). The price: strings are written inline in each sheet instead of once in
  // the shared-string table, and chart caches are left empty (Excel and LibreOffice compute
  // them on open; a previewer that does not shows an empty chart). 0: always.
  size_t constant_memory_rows = 10000;
  // Directory for the temporary workbook and libxlsxwriter's own temporary files. Empty:
  // $TMPDIR, else /tmp.
  std::string tmpdir;
};

// On success the bytes of the .xlsx file. On failure: Internal with libxlsxwriter's message,
// or Unavailable when the temporary file cannot be written or read.
absl::StatusOr<std::string> ToXlsx(const report::Document& doc, const XlsxOptions& options = {});

}  // namespace readside::render
