#include "render/render.h"

#include "render/csv.h"
#include "render/pdf.h"
#include "render/xlsx.h"

namespace readside::render {

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "csv") return Format::kCsv;
  if (name == "excel" || name == "xlsx") return Format::kXlsx;
  if (name == "pdf") return Format::kPdf;
  return std::nullopt;
}

absl::StatusOr<Rendered> Render(const report::Document& doc, Format format,
                                std::string_view section) {
  Rendered out;
  absl::StatusOr<std::string> bytes;
  switch (format) {
    case Format::kCsv: {
      out.content_type = "text/csv; charset=utf-8";
      std::string ext = "csv";
      if (!section.empty()) {
        // "acme-corp-financial-pnl-2024-Q1-lines.csv": two tables never share a name.
        std::string id(section);
        for (char& c : id) {
          bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
          if (!ok) c = '_';
        }
        std::string name = report::FileName(doc, "csv");
        out.filename = name.substr(0, name.size() - 4) + "-" + id + ".csv";
      } else {
        out.filename = report::FileName(doc, ext);
      }
      bytes = ToCsv(doc, section);
      break;
    }
    case Format::kXlsx:
      out.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      out.filename = report::FileName(doc, "xlsx");
      bytes = ToXlsx(doc);
      break;
    case Format::kPdf:
      out.content_type = "application/pdf";
      out.filename = report::FileName(doc, "pdf");
      bytes = ToPdf(doc);
      break;
  }
  if (!bytes.ok()) return bytes.status();
  out.bytes = std::move(*bytes);
  return out;
}

}  // namespace readside::render
