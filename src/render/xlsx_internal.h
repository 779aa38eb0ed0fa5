#pragma once
// Pieces of the XLSX renderer shared by xlsx.cc (workbook, parameters sheet) and
// xlsx_sheets.cc (table and chart sheets). Includes xlsxwriter.h: only for src/render's .cc
// files.
// Thread-safety: the objects belong to one workbook being written by one thread.

#include <xlsxwriter.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "report/document.h"

namespace readside::render::xlsx {

// The cell formats of one workbook (owned by it).
struct Formats {
  lxw_format* title = nullptr;
  lxw_format* bold = nullptr;
  lxw_format* header = nullptr;        // bold, bottom border
  lxw_format* header_right = nullptr;  // same, right-aligned (over number columns)
  lxw_format* label = nullptr;         // parameter names
  lxw_format* left = nullptr;          // a number shown left-aligned (the store position)
  // Indexed by ColumnType: the format of a row cell (nullptr for text) and of a totals cell.
  lxw_format* cell[6] = {};
  lxw_format* total[6] = {};

  static Formats Create(lxw_workbook* wb);
};

// Sheet names as Excel accepts them: no []:*?/\, no leading or trailing apostrophe, at most
// 31 characters, unique regardless of case, not "History".
class SheetNames {
 public:
  std::string Take(std::string_view wanted);

 private:
  std::vector<std::string> taken_lower_;
};

// Collects the first error of a sequence of libxlsxwriter calls.
class Errors {
 public:
  void Check(lxw_error e, std::string_view what);
  absl::Status status() const { return status_; }

 private:
  absl::Status status_;
};

// Text as a cell may hold it: controls and bidi overrides replaced (MakeSafeText), a literal
// "_xHHHH_" escaped so that Excel shows it as written, at most 32,767 bytes, cut at a code
// point boundary.
std::string CellString(std::string_view text);

// Writes a table section to `ws` (header, rows, totals, formats, widths, freeze, filter).
void WriteTableSheet(const report::Section& table, lxw_worksheet* ws, const Formats& formats,
                     Errors* errors);

// Writes a chart section's data to `ws` and inserts a native chart over it.
void WriteChartSheet(const report::Section& chart, lxw_workbook* wb, lxw_worksheet* ws,
                     const std::string& sheet_name, const Formats& formats, Errors* errors);

}  // namespace readside::render::xlsx
