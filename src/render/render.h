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

// Renders `doc`. `section` names the table of a CSV (empty: the first table); XLSX and PDF
// hold every section and ignore it. Errors as ToCsv / ToXlsx / ToPdf.
absl::StatusOr<Rendered> Render(const report::Document& doc, Format format,
                                std::string_view section = {});

}  // namespace readside::render
