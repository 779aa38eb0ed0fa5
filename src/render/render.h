#pragma once
// One entry point for the export route (POST /reports/export/{pdf|excel|csv}): a Document in,
// the file's bytes, content type and download name out.
// Thread-safety: pure function.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "report/document.h"

namespace readside::render {

enum class Format { kCsv, kXlsx, kPdf };

// "csv", "excel" (also "xlsx"), "pdf"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);

struct Rendered {
  std::string bytes;
  std::string content_type;  // text/csv; charset=utf-8, application/vnd…sheet, application/pdf
  std::string filename;      // report::FileName(doc, ext); CSV of a named section adds its id
};

// What one export may hold: rendering time and the file's size grow with the table rows
// (docs/decisions.md "Export limits"). Counted over the tables the file holds.
struct RenderLimits {
  size_t max_csv_rows = 1'000'000;
  size_t max_xlsx_rows = 1'000'000;  // below Excel's 1,048,576 rows per sheet
  size_t max_pdf_rows = 20'000;      // about 450 A4 pages
};

// Renders `doc`. `section` names the table of a CSV (empty: the first table); for XLSX and
// PDF a non-empty `section` (any kind) is the only section the file holds besides the
// parameters. Errors: NotFound (no such section) or InvalidArgument (CSV of a section that
// is no table) naming it; ResourceExhausted when the file would hold more table rows than
// `limits` allow (the message names the limit); else as ToCsv / ToXlsx / ToPdf.
absl::StatusOr<Rendered> Render(const report::Document& doc, Format format,
                                std::string_view section = {}, const RenderLimits& limits = {});

}  // namespace readside::render
