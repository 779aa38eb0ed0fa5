#include "render/render.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "render/cell_text.h"
#include "render/sample_document.h"

namespace readside::render {
namespace {

TEST(RenderTest, FormatsByName) {
  EXPECT_EQ(ParseFormat("csv"), Format::kCsv);
  EXPECT_EQ(ParseFormat("excel"), Format::kXlsx);
  EXPECT_EQ(ParseFormat("xlsx"), Format::kXlsx);
  EXPECT_EQ(ParseFormat("pdf"), Format::kPdf);
  EXPECT_EQ(ParseFormat("PDF"), std::nullopt);
  EXPECT_EQ(ParseFormat("html"), std::nullopt);
}

TEST(RenderTest, ContentTypesAndFileNames) {
  report::Document doc = testing::SampleDocument();
  absl::StatusOr<Rendered> csv = Render(doc, Format::kCsv);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv->filename, "acme-corp-sales-performance-2024-Q1.csv");
  EXPECT_EQ(csv->bytes.substr(0, 6), "Owner,");

  absl::StatusOr<Rendered> deals = Render(doc, Format::kCsv, "deals");
  ASSERT_TRUE(deals.ok());
  EXPECT_EQ(deals->filename, "acme-corp-sales-performance-2024-Q1-deals.csv");
  EXPECT_EQ(deals->bytes.substr(0, 5), "Deal,");

  absl::StatusOr<Rendered> xlsx = Render(doc, Format::kXlsx);
  ASSERT_TRUE(xlsx.ok());
  EXPECT_EQ(xlsx->content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx->filename, "acme-corp-sales-performance-2024-Q1.xlsx");
  EXPECT_EQ(xlsx->bytes.substr(0, 2), "PK");

  absl::StatusOr<Rendered> pdf = Render(doc, Format::kPdf);
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(pdf->content_type, "application/pdf");
  EXPECT_EQ(pdf->filename, "acme-corp-sales-performance-2024-Q1.pdf");
  EXPECT_EQ(pdf->bytes.substr(0, 5), "%PDF-");
}

TEST(RenderTest, CsvErrorsPassThrough) {
  absl::StatusOr<Rendered> r = Render(testing::SampleDocument(), Format::kCsv, "nope");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
}

// XLSX and PDF of one named section: that section only (besides the parameters); a name
// the document does not have is NotFound naming it, as for CSV.
TEST(RenderTest, ASectionNarrowsXlsxAndPdfAndAnUnknownOneIsNotFound) {
  report::Document doc = testing::SampleDocument();
  absl::StatusOr<Rendered> whole = Render(doc, Format::kPdf);
  absl::StatusOr<Rendered> deals = Render(doc, Format::kPdf, "deals");
  ASSERT_TRUE(whole.ok() && deals.ok());
  EXPECT_LT(deals->bytes.size(), whole->bytes.size());
  EXPECT_EQ(deals->filename, "acme-corp-sales-performance-2024-Q1.pdf");
  absl::StatusOr<Rendered> xlsx = Render(doc, Format::kXlsx, "deals");
  ASSERT_TRUE(xlsx.ok());
  for (Format f : {Format::kPdf, Format::kXlsx, Format::kCsv}) {
    absl::StatusOr<Rendered> r = Render(doc, f, "nope");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
    EXPECT_NE(r.status().message().find("\"nope\""), std::string::npos) << r.status();
  }
}

// The row limits: one row over is ResourceExhausted naming the limit; at the limit renders.
TEST(RenderTest, RowLimitsPerFormat) {
  report::Document doc = testing::SampleDocument();
  size_t all = 0, first = doc.Table()->rows.size();
  for (const report::Section& s : doc.sections) {
    if (s.kind == report::SectionKind::kTable) all += s.rows.size();
  }
  ASSERT_GT(all, first);
  RenderLimits at{.max_csv_rows = first, .max_xlsx_rows = all, .max_pdf_rows = all};
  EXPECT_TRUE(Render(doc, Format::kCsv, {}, at).ok());
  EXPECT_TRUE(Render(doc, Format::kXlsx, {}, at).ok());
  EXPECT_TRUE(Render(doc, Format::kPdf, {}, at).ok());
  RenderLimits under{.max_csv_rows = first - 1, .max_xlsx_rows = all - 1, .max_pdf_rows = all - 1};
  for (Format f : {Format::kCsv, Format::kXlsx, Format::kPdf}) {
    absl::StatusOr<Rendered> r = Render(doc, f, {}, under);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(r.status().message().find("at most " + std::to_string(f == Format::kCsv ? first - 1 : all - 1)),
              std::string::npos)
        << r.status();
  }
  // One section of a PDF counts only its rows.
  EXPECT_TRUE(Render(doc, Format::kPdf, doc.Table()->id, RenderLimits{.max_pdf_rows = first}).ok());
}

TEST(RenderTest, ConcurrentRendersAgree) {
  // Each thread gets Pango's per-thread font map and its own temporary workbook file.
  const report::Document doc = testing::SampleDocument();
  absl::StatusOr<Rendered> pdf = Render(doc, Format::kPdf);
  ASSERT_TRUE(pdf.ok());
  std::vector<std::string> pdfs(4);
  std::vector<char> xlsx_ok(4, 0);  // not vector<bool>: threads write neighbouring bits
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<Rendered> p = Render(doc, Format::kPdf);
      if (p.ok()) pdfs[i] = std::move(p->bytes);
      xlsx_ok[i] = Render(doc, Format::kXlsx).ok();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(pdfs[i] == pdf->bytes) << "thread " << i;
    EXPECT_TRUE(xlsx_ok[i]) << "thread " << i;
  }
}

TEST(CellTextTest, DisplayFormatsByColumnType) {
  using report::ColumnType;
  using report::Decimal;
  EXPECT_EQ(FormatNumber(Decimal::MoneyUnits(12345678950), ColumnType::kMoney), "1,234,567.90");
  EXPECT_EQ(FormatNumber(Decimal{15, 1}, ColumnType::kNumber), "1.50");
  EXPECT_EQ(FormatNumber(Decimal::Count(1234), ColumnType::kInteger), "1,234");
  EXPECT_EQ(FormatNumber(Decimal{125, 1}, ColumnType::kPercent), "12.5 %");
  EXPECT_EQ(FormatNumber(Decimal{-1, 4}, ColumnType::kMoney), "0.00");  // no "-0.00"
  EXPECT_EQ(KpiText({"x", Decimal::MoneyUnits(10000), "USD"}, "USD"), "1.00 USD");
  EXPECT_EQ(KpiText({"x", Decimal{375, 1}, "%"}, "USD"), "37.5 %");
  EXPECT_EQ(KpiText({"x", Decimal::Micros(3000000), "days"}, "USD"), "3 days");
  EXPECT_EQ(KpiText({"x", Decimal::Micros(3250000), "days"}, "USD"), "3.25 days");
  EXPECT_EQ(DisplayWidth("東京"), 4);
  EXPECT_EQ(DisplayWidth("Müller"), 6);
  EXPECT_EQ(CodePoints("Αθήνα"), 5u);
}

}  // namespace
}  // namespace readside::render
