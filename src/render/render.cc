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

namespace {

std::string_view FormatName(Format f) {
  return f == Format::kCsv ? "csv" : f == Format::kXlsx ? "excel" : "pdf";
}

absl::Status CheckRows(const report::Document& doc, Format format, std::string_view section,
                       const RenderLimits& limits) {
  // (A CSV holds the one table `section`; the other formats every table.)
  size_t rows = 0;
  for (const report::Section& s : doc.sections) {
    if (s.kind != report::SectionKind::kTable) continue;
    if (format == Format::kCsv && s.id != section) continue;
    rows += s.rows.size();
  }
  size_t max = format == Format::kCsv    ? limits.max_csv_rows
               : format == Format::kXlsx ? limits.max_xlsx_rows
                                         : limits.max_pdf_rows;
  if (rows <= max) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      "the " + std::string(FormatName(format)) + " export would hold " + std::to_string(rows) +
      " table rows; an export holds at most " + std::to_string(max) + " (the " +
      std::string(FormatName(format)) +
      " row limit): choose a shorter period, one section, or another format");
}

}  // namespace

absl::StatusOr<Rendered> Render(const report::Document& doc, Format format,
                                std::string_view section, const RenderLimits& limits) {
  if (format != Format::kCsv && !section.empty()) {
    const report::Section* only = doc.Find(section);
    if (only == nullptr) {
      return absl::NotFoundError("the report has no section \"" + std::string(section) + "\"");
    }
    report::Document one{.organization_id = doc.organization_id,
                         .title = doc.title,
                         .report = doc.report,
                         .type = doc.type,
                         .period = doc.period,
                         .parameters = doc.parameters,
                         .generated_at_micros = doc.generated_at_micros,
                         .position = doc.position,
                         .currency = doc.currency,
                         .balanced = doc.balanced,
                         .sections = {*only}};
    return Render(one, format, {}, limits);
  }
  std::string_view table_id;
  if (format == Format::kCsv) {
    absl::StatusOr<const report::Section*> table = CsvSection(doc, section);
    if (!table.ok()) return table.status();
    table_id = (*table)->id;
  }
  if (absl::Status rows = CheckRows(doc, format, table_id, limits); !rows.ok()) return rows;
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
