#include "render/pdf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "render/sample_document.h"
#include "render/test_util.h"

namespace readside::render {
namespace {

using testing::Quote;

// A rendered PDF on disk, read with poppler's tools.
class PdfFile {
 public:
  explicit PdfFile(const report::Document& doc) : path_(testing::TempPath("report.pdf")) {
    absl::StatusOr<std::string> bytes = ToPdf(doc);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    if (bytes.ok()) {
      bytes_ = *bytes;
      testing::WriteFile(path_, *bytes);
    }
  }
  const std::string& path() const { return path_; }
  const std::string& bytes() const { return bytes_; }

  int Pages() const {
    std::smatch m;
    std::string info = testing::Run("pdfinfo " + Quote(path_)).output;
    return std::regex_search(info, m, std::regex(R"(Pages:\s+(\d+))")) ? std::stoi(m[1]) : -1;
  }
  // pdftotext -layout, one string per page.
  std::vector<std::string> PageTexts() const {
    testing::CommandResult r = testing::Run("pdftotext -enc UTF-8 -layout " + Quote(path_) + " -");
    EXPECT_EQ(r.exit_code, 0);
    std::vector<std::string> pages;
    std::stringstream in(r.output);
    for (std::string page; std::getline(in, page, '\f');) pages.push_back(page);
    if (!pages.empty() && pages.back().find_first_not_of(" \n") == std::string::npos) {
      pages.pop_back();
    }
    return pages;
  }

 private:
  std::string path_, bytes_;
};

class PdfTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pdf_ = new PdfFile(testing::SampleDocument()); }
  static void TearDownTestSuite() { delete pdf_; }
  static PdfFile* pdf_;
};
PdfFile* PdfTest::pdf_ = nullptr;

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_F(PdfTest, IsA4WithTitleParametersAndAFooterOnEveryPage) {
  ASSERT_EQ(pdf_->bytes().substr(0, 5), "%PDF-");
  std::string info = testing::Run("pdfinfo " + Quote(pdf_->path())).output;
  EXPECT_TRUE(Has(info, "Page size:       595.28 x 841.89 pts (A4)")) << info;
  EXPECT_TRUE(Has(info, "Title:           Sales performance")) << info;

  const int n = pdf_->Pages();
  ASSERT_GE(n, 3) << "the 150-row table spans pages";
  std::vector<std::string> pages = pdf_->PageTexts();
  ASSERT_EQ(static_cast<int>(pages.size()), n);
  for (int k = 1; k <= n; ++k) {
    const std::string& page = pages[k - 1];
    EXPECT_TRUE(Has(page, "Page " + std::to_string(k) + " of " + std::to_string(n))) << k;
    EXPECT_TRUE(Has(page, "Generated 2024-04-01T08:00:00Z \u00b7 position 123456")) << k;
  }
  const std::string& first = pages[0];
  EXPECT_TRUE(Has(first, "Sales performance"));
  for (const char* field : {"Report", "sales", "Type", "performance", "Period", "2024-Q1",
                            "Compare", "prev", "Owner", "all", "Organization", "acme-corp",
                            "Currency", "EUR", "Generated at", "Store position", "123456"}) {
    EXPECT_TRUE(Has(first, field)) << field;
  }
}

TEST_F(PdfTest, NumbersAreFormattedByColumnType) {
  std::string all;
  for (const std::string& page : pdf_->PageTexts()) all += page;
  // KPI tiles.
  for (const char* kpi : {"1,234,567.89 EUR", "37.5 %", "42", "12.25 days"}) {
    EXPECT_TRUE(Has(all, kpi)) << kpi;
  }
  // Money with 2 decimals and grouping, integers without decimals, percent with 1 decimal.
  for (const char* cell : {"451,234.50", "250,000.50", "-12.50", "1,161,210.00", "36.5 %",
                           "-0.1 %", "100.0 %", "8,919.37"}) {
    EXPECT_TRUE(Has(all, cell)) << cell;
  }
  EXPECT_TRUE(std::regex_search(all, std::regex(R"(Total\s+35\s+1,161,210.00\s+100.0 %)")));
}

TEST_F(PdfTest, UnicodeNamesRender) {
  std::string all;
  for (const std::string& page : pdf_->PageTexts()) all += page;
  for (const char* name : {"Jürgen Müller", "Straße 5, München", "Αθήνα Παπαδοπούλου",
                           "東京株式会社", "東京都千代田区", "Ελληνικά Τρόφιμα", "大阪商事",
                           "Café Zürich", "\"quoted\", with comma", "=SUM(A1)"}) {
    EXPECT_TRUE(Has(all, name)) << name;
  }
}

TEST_F(PdfTest, LongTablesRepeatTheirHeaderAndCutWideCells) {
  std::vector<std::string> pages = pdf_->PageTexts();
  int continued = 0;
  for (size_t k = 1; k < pages.size(); ++k) {
    if (!Has(pages[k], "Deals won (continued)")) continue;
    ++continued;
    EXPECT_TRUE(std::regex_search(pages[k], std::regex(R"(Deal\s+Customer\s+Closed\s+Amount\s+Margin)")))
        << "page " << k + 1;
  }
  EXPECT_GE(continued, 2);
  std::string all;
  for (const std::string& page : pages) all += page;
  EXPECT_TRUE(Has(all, "1,150")) << "the last row";
}

TEST_F(PdfTest, WideCellsAreCutWithAnEllipsis) {
  // The long note is cut to its column. Pango's ellipsis glyph carries the text it stands
  // for (ActualText), so extraction still finds the whole note: its cut part is one word as
  // wide as one glyph, ending before the next column.
  testing::CommandResult r =
      testing::Run("pdftotext -enc UTF-8 -bbox -f 1 -l 1 " + Quote(pdf_->path()) + " -");
  std::regex word(R"re(<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>)re");
  double cut_min = -1, cut_max = -1, next_column = -1;
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), word);
       it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[3];
    if (Has(text, "Verzeichnisse mbH")) {
      cut_min = std::stod((*it)[1]);
      cut_max = std::stod((*it)[2]);
    }
    if (text == "2024-03-03") next_column = std::stod((*it)[1]);
  }
  ASSERT_GT(cut_min, 0) << r.output;
  EXPECT_LT(cut_max - cut_min, 10) << "one ellipsis glyph";
  EXPECT_LT(cut_max, next_column - 4);
}

TEST_F(PdfTest, NumbersAreRightAligned) {
  // Page 2 holds only rows of the deals table: every amount ends at the same x.
  testing::CommandResult r =
      testing::Run("pdftotext -enc UTF-8 -bbox -f 2 -l 2 " + Quote(pdf_->path()) + " -");
  std::regex word(R"re(<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">(-?[0-9]{1,3}(?:,[0-9]{3})*\.[0-9]{2})</word>)re");
  std::vector<double> right_edges;
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), word);
       it != std::sregex_iterator(); ++it) {
    right_edges.push_back(std::stod((*it)[2]));
  }
  ASSERT_GE(right_edges.size(), 40u);
  for (double x : right_edges) EXPECT_NEAR(x, right_edges[0], 0.6);
}

TEST_F(PdfTest, ChartsShowTheirCategoriesAndLegend) {
  std::string all;
  for (const std::string& page : pdf_->PageTexts()) all += page;
  EXPECT_TRUE(Has(all, "Won and lost value by month"));
  EXPECT_TRUE(Has(all, "Deals won by month"));
  EXPECT_TRUE(Has(all, "Won value"));
  EXPECT_TRUE(Has(all, "Lost value"));
  for (int m = 1; m <= 12; ++m) {
    char month[16];
    std::snprintf(month, sizeof month, "2024-%02d", m);
    EXPECT_TRUE(Has(all, month)) << month;
  }
  EXPECT_TRUE(Has(all, "250,000")) << "a y-axis tick";
}

TEST_F(PdfTest, EveryFontIsEmbedded) {
  testing::CommandResult r = testing::Run("pdffonts " + Quote(pdf_->path()));
  ASSERT_EQ(r.exit_code, 0);
  std::stringstream in(r.output);
  std::string line;
  int fonts = 0;
  bool cjk = false;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("name", 0) == 0 || line.rfind("---", 0) == 0) continue;
    std::vector<std::string> fields;
    std::stringstream words(line);
    for (std::string w; words >> w;) fields.push_back(w);
    ASSERT_GE(fields.size(), 7u) << line;
    EXPECT_EQ(fields[fields.size() - 5], "yes") << "not embedded: " << line;  // emb
    ++fonts;
    cjk |= Has(line, "WenQuanYi");
  }
  EXPECT_GE(fonts, 2);
  EXPECT_TRUE(cjk) << "the CJK names fell back to WenQuanYi Micro Hei:\n" << r.output;
}

TEST_F(PdfTest, EveryPageRasterizes) {
  std::string prefix = testing::TempPath("page");
  testing::CommandResult r =
      testing::Run("pdftoppm -png -r 50 " + Quote(pdf_->path()) + " " + Quote(prefix) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string listing = testing::Run("ls " + Quote(prefix) + "-*.png | wc -l").output;
  EXPECT_EQ(std::stoi(listing), pdf_->Pages());
  testing::Run("rm -f " + Quote(prefix) + "-*.png");
}

TEST(PdfRenderTest, SameDocumentSameBytes) {
  absl::StatusOr<std::string> a = ToPdf(testing::SampleDocument());
  absl::StatusOr<std::string> b = ToPdf(testing::SampleDocument());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b) << "a scheduled resend carries the same file";
}

TEST(PdfRenderTest, EmptyTableSaysNoRows) {
  report::Document doc = testing::SampleDocument();
  doc.sections[1].rows.clear();
  doc.sections[1].totals.clear();
  PdfFile pdf(doc);
  std::vector<std::string> pages = pdf.PageTexts();
  ASSERT_FALSE(pages.empty());
  EXPECT_TRUE(std::regex_search(pages[0], std::regex(R"(Owner\s+Note\s+First won\s+Deals\s+Won value\s+Share\s+No rows)")))
      << pages[0];
}

TEST(PdfRenderTest, UnbalancedDocumentShowsAWarningUnderTheTitle) {
  report::Document doc = testing::SampleDocument();
  doc.balanced = false;
  std::vector<std::string> pages = PdfFile(doc).PageTexts();
  ASSERT_FALSE(pages.empty());
  EXPECT_TRUE(std::regex_search(pages[0], std::regex(R"(Sales performance\s+Not balanced: )")))
      << pages[0];
  EXPECT_TRUE(Has(pages[0], "Balanced")) << pages[0];
  doc.balanced = true;
  EXPECT_FALSE(Has(PdfFile(doc).PageTexts()[0], "Not balanced"));
}

TEST(PdfRenderTest, DocumentWithoutSectionsIsOnePage) {
  report::Document doc = testing::SampleDocument();
  doc.sections.clear();
  PdfFile pdf(doc);
  EXPECT_EQ(pdf.Pages(), 1);
  std::vector<std::string> pages = pdf.PageTexts();
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_TRUE(Has(pages[0], "Page 1 of 1"));
}

TEST(PdfRenderTest, ManyColumnsAndCategoriesStillFit) {
  PdfFile pdf(testing::CrowdedDocument());
  EXPECT_GE(pdf.Pages(), 1);
  std::string all;
  for (const std::string& page : pdf.PageTexts()) all += page;
  // Fourteen columns: the amounts are whole (the text columns gave way), in a size small
  // enough that pdftotext spaces out their glyphs.
  std::string compact;
  for (char ch : all) {
    if (ch != ' ') compact += ch;
  }
  EXPECT_TRUE(Has(compact, "1,234,567.89"));
  EXPECT_TRUE(Has(compact, "3,703,703.67"));
  EXPECT_TRUE(Has(all, "Sixty categories as lines"));
}

}  // namespace
}  // namespace readside::render
