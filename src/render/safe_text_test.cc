// Ids and names from the read models cannot corrupt an export: C0/C1 controls, NUL, DEL,
// bidirectional overrides and malformed UTF-8 in a cell come out as U+FFFD in CSV, XLSX and
// PDF, each file still reads back with its own tools, and Excel's "_xHHHH_" escape in a cell
// is shown as written (cell_text.h MakeSafeText).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "render/cell_text.h"
#include "render/render.h"
#include "render/test_util.h"

namespace readside::render {
namespace {

using report::Cell;
using report::ColumnType;
using report::Decimal;

constexpr char kFffd[] = "\xEF\xBF\xBD";

// A customer id with an escape sequence, NUL, a C1 control (U+0085), a right-to-left override
// (U+202E), a first-strong isolate (U+2068), a stray continuation byte and a truncated UTF-8
// sequence (each of its bytes one U+FFFD); and names that must come through unchanged.
const std::string kHostile = std::string("C-1\x1b[31m\0x\xC2\x85y", 13) +
                             "\xE2\x80\xAE" "gpj.exe\xE2\x81\xA8" "z\x80" "w\xE2\x82";
const std::string kHostileSafe = std::string("C-1") + kFffd + "[31m" + kFffd + "x" + kFffd + "y" +
                                 kFffd + "gpj.exe" + kFffd + "z" + kFffd + "w" + kFffd + kFffd;

report::Document HostileDocument() {
  report::Document d{.organization_id = "acme-corp",
                     .title = "Receivables",
                     .report = "financial",
                     .type = "ar_aging",
                     .period = "2024-Q1",
                     .parameters = {{"customer", "\xE2\x80\xAE" "evil"}},
                     .generated_at_micros = 1711958400000000,
                     .position = 7,
                     .currency = "EUR"};
  report::Section t{.id = "customers", .title = "By customer", .kind = report::SectionKind::kTable};
  t.columns = {{"customer", "Customer", ColumnType::kString},
               {"note", "Note", ColumnType::kString},
               {"amount", "Amount", ColumnType::kMoney}};
  t.rows = {{Cell(kHostile), Cell(std::string("line one\r\nline two\ttab")),
             Cell(Decimal::MoneyUnits(1234500))},
            {Cell(std::string("_x0041_ and _x00e9_")), Cell(std::string("=1+1\x7F")),
             Cell(Decimal::MoneyUnits(-10000))},
            {Cell(std::string("Müller 東京 Αθήνα")), Cell(std::string("\xE2\x80\xAE=cmd")),
             Cell(Decimal::MoneyUnits(0))}};
  d.sections.push_back(std::move(t));
  return d;
}

TEST(SafeTextTest, ReplacesControlsOverridesAndMalformedUtf8) {
  EXPECT_EQ(SafeText(kHostile, LineBreaks::kKeep), kHostileSafe);
  std::string out = "untouched";
  for (std::string_view fine : {"", "plain ASCII, with \"quotes\"", "Müller 東京 Αθήνα 📊",
                                "\xEF\xBF\xBD already a replacement", "x\u200Fy (a mark, not an override)"}) {
    EXPECT_FALSE(MakeSafeText(fine, LineBreaks::kSpace, &out)) << fine;
  }
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(MakeSafeText("a\tb\r\nc", LineBreaks::kKeep, &out));
  EXPECT_EQ(SafeText("a\tb\r\nc", LineBreaks::kSpace), "a b  c");
  // Overlong forms, surrogates and values past U+10FFFF are malformed.
  EXPECT_EQ(SafeText("\xC0\xAF", LineBreaks::kKeep), std::string(kFffd) + kFffd);
  EXPECT_EQ(SafeText("\xED\xA0\x80", LineBreaks::kKeep), std::string(kFffd) + kFffd + kFffd);
  EXPECT_EQ(SafeText("\xF4\x90\x80\x80", LineBreaks::kKeep).find("\xF4"), std::string::npos);
  for (std::string_view bidi : {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066",
                                "\u2067", "\u2068", "\u2069"}) {
    EXPECT_EQ(SafeText(bidi, LineBreaks::kKeep), kFffd);
  }
}

TEST(SafeTextTest, CsvCellsReadBackAsTheSafeText) {
  absl::StatusOr<Rendered> csv = Render(HostileDocument(), Format::kCsv);
  ASSERT_TRUE(csv.ok()) << csv.status();
  for (unsigned char c : csv->bytes) {
    EXPECT_TRUE(c >= 0x20 || c == '\r' || c == '\n' || c == '\t') << int(c);
  }
  EXPECT_EQ(csv->bytes.find("\xE2\x80\xAE"), std::string::npos);
  // Python's csv module reads the same cells (a NUL would make it fail outright).
  std::string path = testing::TempPath("hostile.csv");
  testing::WriteFile(path, csv->bytes);
  testing::CommandResult r = testing::Run(
      "python3 -c 'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], "
      "newline=\"\", encoding=\"utf-8\")))))' " +
      testing::Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string expected_row1 = "[\"" + std::string("C-1\\ufffd[31m\\ufffdx\\ufffdy\\ufffdgpj.exe\\ufffdz\\ufffdw\\ufffd\\ufffd") +
                              "\", \"line one\\r\\nline two\\ttab\", \"123.45\"]";
  EXPECT_NE(r.output.find(expected_row1), std::string::npos) << r.output;
  // An override in front of "=" is no longer a way around the formula prefix.
  EXPECT_NE(r.output.find("\"\\ufffd=cmd\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"'=1+1\\ufffd\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("M\\u00fcller \\u6771\\u4eac"), std::string::npos) << r.output;
}

TEST(SafeTextTest, XlsxPartsStayWellFormedAndShowTheTextAsWritten) {
  absl::StatusOr<Rendered> xlsx = Render(HostileDocument(), Format::kXlsx);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  std::string path = testing::TempPath("hostile.xlsx");
  testing::WriteFile(path, xlsx->bytes);
  // Every XML part parses, and the shared strings (OOXML escapes undone, as Excel reads
  // them) hold the safe text.
  testing::CommandResult r = testing::Run(
      "python3 - " + testing::Quote(path) + " <<'EOF'\n"
      "import re, sys, zipfile, json\n"
      "import xml.etree.ElementTree as ET\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "for n in z.namelist():\n"
      "    if n.endswith('.xml') or n.endswith('.rels'): ET.fromstring(z.read(n))\n"
      "ns = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'\n"
      "sst = ET.fromstring(z.read('xl/sharedStrings.xml'))\n"
      "texts = [''.join(t.text or '' for t in si.iter(ns + 't')) for si in sst]\n"
      "texts = [re.sub('_x([0-9A-Fa-f]{4})_', lambda m: chr(int(m.group(1), 16)), t) for t in texts]\n"
      "print(json.dumps(texts))\n"
      "EOF");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"C-1\\ufffd[31m\\ufffdx\\ufffdy\\ufffdgpj.exe\\ufffdz\\ufffdw\\ufffd\\ufffd\""),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"_x0041_ and _x00e9_\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"\\ufffdevil\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"line one\\r\\nline two\\ttab\""), std::string::npos) << r.output;
}

TEST(SafeTextTest, PdfShowsTheSafeTextInReadingOrder) {
  absl::StatusOr<Rendered> pdf = Render(HostileDocument(), Format::kPdf);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  std::string path = testing::TempPath("hostile.pdf");
  testing::WriteFile(path, pdf->bytes);
  testing::CommandResult text = testing::Run("pdftotext -enc UTF-8 " + testing::Quote(path) + " -");
  ASSERT_EQ(text.exit_code, 0);
  // Without the override neutralized, "gpj.exe" would be laid out right to left.
  EXPECT_NE(text.output.find("gpj.exe"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("exe.jpg"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("line one line two tab"), std::string::npos) << text.output;
  EXPECT_EQ(testing::Run("pdftoppm -r 20 -png " + testing::Quote(path) + " " +
                         testing::Quote(testing::TempPath("hostile-page")))
                .exit_code,
            0);
}

}  // namespace
}  // namespace readside::render
