#include "render/xlsx.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "render/sample_document.h"
#include "render/test_util.h"

namespace readside::render {
namespace {

// An .xlsx written to a temporary file, read part by part with `unzip -p`.
class Workbook {
 public:
  explicit Workbook(const std::string& bytes) : path_(testing::TempPath("book.xlsx")) {
    testing::WriteFile(path_, bytes);
  }
  std::string Part(const std::string& name) const {
    testing::CommandResult r =
        testing::Run("unzip -p " + testing::Quote(path_) + " " + testing::Quote(name));
    EXPECT_EQ(r.exit_code, 0) << "unzip " << name;
    return r.output;
  }
  std::vector<std::string> Names() const {
    return testing::Run("unzip -Z1 " + testing::Quote(path_)).output.empty()
               ? std::vector<std::string>{}
               : Split(testing::Run("unzip -Z1 " + testing::Quote(path_)).output);
  }

 private:
  static std::vector<std::string> Split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(s.substr(start, nl - start));
    }
    return out;
  }
  std::string path_;
};

// XML text with its entities and OOXML's _xHHHH_ escapes undone.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto starts = [&](const char* p) { return s.compare(i, std::strlen(p), p) == 0; };
    if (starts("&amp;")) out += '&', i += 5;
    else if (starts("&lt;")) out += '<', i += 4;
    else if (starts("&gt;")) out += '>', i += 4;
    else if (starts("&quot;")) out += '"', i += 6;
    else if (starts("&apos;")) out += '\'', i += 6;
    else if (starts("_x") && i + 7 <= s.size() && s[i + 6] == '_') {
      out += static_cast<char>(std::stoi(s.substr(i + 2, 4), nullptr, 16));
      i += 7;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::vector<std::string> SharedStrings(const std::string& xml) {
  std::vector<std::string> out;
  static const std::regex si(R"(<si><t(?: xml:space="preserve")?>([^<]*)</t></si>)");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), si); it != std::sregex_iterator();
       ++it) {
    out.push_back(Unescape((*it)[1]));
  }
  return out;
}

// Every cell of a sheet: reference → its text (a shared or inline string resolved) or the
// text of its <v> number.
std::map<std::string, std::string> Cells(const std::string& xml,
                                         const std::vector<std::string>& shared) {
  std::map<std::string, std::string> out;
  static const std::regex cell(
      R"re(<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)</c>)re");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), cell);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    std::string attrs = m[2], value = m[3];
    if (m[4].matched) {
      out[m[1]] = Unescape(m[4]);
    } else if (attrs.find("t=\"s\"") != std::string::npos) {
      out[m[1]] = shared.at(std::stoul(value));
    } else {
      out[m[1]] = value;
    }
  }
  return out;
}

std::string Ref(size_t row, size_t col) {  // 0-based → "A1"
  return std::string(1, static_cast<char>('A' + col)) + std::to_string(row + 1);
}

// Excel's serial day number of a "YYYY-MM-DD" date (1900 system).
std::string Serial(const std::string& date) {
  int y = std::stoi(date.substr(0, 4)), m = std::stoi(date.substr(5, 2)),
      d = std::stoi(date.substr(8, 2));
  auto days = [](int y, int m, int d) {  // days from civil (Howard Hinnant)
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  };
  return std::to_string(days(y, m, d) - days(1899, 12, 30));
}

// libxlsxwriter 1.1.4 (as Debian builds it) prints numbers with "%.16G", so a <v> may carry
// a 16th digit ("8919.370000000001" for 8919.37). It is the same double as the one the
// decimal's text parses to, and that double's shortest text is the decimal's text: what
// Excel and LibreOffice read and show.
std::string Shortest(const std::string& v) {
  double d = std::strtod(v.c_str(), nullptr);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return std::string(buf, end);
}

#define EXPECT_SAME_NUMBER(v, decimal_text)                                                  \
  do {                                                                                       \
    EXPECT_EQ(std::strtod(std::string(v).c_str(), nullptr),                                  \
              std::strtod(std::string(decimal_text).c_str(), nullptr));                      \
    EXPECT_EQ(Shortest(v), decimal_text);                                                    \
  } while (0)

// Checks every cell of table `t` (header, rows, totals) on the sheet.
void ExpectTable(const report::Section& t, const std::map<std::string, std::string>& cells) {
  for (size_t c = 0; c < t.columns.size(); ++c) {
    EXPECT_EQ(cells.at(Ref(0, c)), t.columns[c].label);
  }
  auto expect_row = [&](size_t r, const std::vector<report::Cell>& row) {
    for (size_t c = 0; c < row.size(); ++c) {
      std::string ref = Ref(r, c);
      if (const auto* d = std::get_if<report::Decimal>(&row[c])) {
        ASSERT_TRUE(cells.count(ref)) << ref;
        SCOPED_TRACE(ref);
        EXPECT_SAME_NUMBER(cells.at(ref), d->ToString());
      } else if (const auto* s = std::get_if<std::string>(&row[c])) {
        ASSERT_TRUE(cells.count(ref)) << ref;
        std::string want = t.columns[c].type == report::ColumnType::kDate ? Serial(*s) : *s;
        EXPECT_EQ(cells.at(ref), want) << ref;
      }
    }
  };
  for (size_t r = 0; r < t.rows.size(); ++r) expect_row(r + 1, t.rows[r]);
  if (!t.totals.empty()) expect_row(t.rows.size() + 1, t.totals);
}

class XlsxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    doc_ = testing::SampleDocument();
    absl::StatusOr<std::string> bytes = ToXlsx(doc_);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    ASSERT_EQ(bytes->substr(0, 2), "PK");
    book_ = std::make_unique<Workbook>(*bytes);
    shared_ = SharedStrings(book_->Part("xl/sharedStrings.xml"));
  }
  std::map<std::string, std::string> Sheet(int n) {
    return Cells(book_->Part("xl/worksheets/sheet" + std::to_string(n) + ".xml"), shared_);
  }

  report::Document doc_;
  std::unique_ptr<Workbook> book_;
  std::vector<std::string> shared_;
};

TEST_F(XlsxTest, ParametersSheetComesFirstThenOneSheetPerSection) {
  std::string workbook = book_->Part("xl/workbook.xml");
  std::regex sheet(R"re(<sheet name="([^"]*)" sheetId="(\d+)")re");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(workbook.begin(), workbook.end(), sheet);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Parameters", "Performance by owner", "Deals won",
                                             "Won and lost value by month",
                                             "Deals won by month"}));
  auto p = Sheet(1);
  EXPECT_EQ(p.at("A1"), "Sales performance");
  std::map<std::string, std::string> fields;
  for (int r = 3; r < 40; ++r) {
    std::string a = "A" + std::to_string(r), b = "B" + std::to_string(r);
    if (p.count(a) && p.count(b)) fields[p.at(a)] = p.at(b);
  }
  EXPECT_EQ(fields["Report"], "sales");
  EXPECT_EQ(fields["Type"], "performance");
  EXPECT_EQ(fields["Period"], "2024-Q1");
  EXPECT_EQ(fields["compare"], "prev");
  EXPECT_EQ(fields["owner"], "all");
  EXPECT_EQ(fields["Organization"], "acme-corp");
  EXPECT_EQ(fields["Currency"], "EUR");
  EXPECT_EQ(fields["Generated at"], "2024-04-01T08:00:00Z");
  EXPECT_EQ(fields["Store position"], "123456");
  // The KPIs, as numbers.
  EXPECT_SAME_NUMBER(fields["Won value"], "1234567.89");
  EXPECT_SAME_NUMBER(fields["Win rate"], "37.5");
  EXPECT_SAME_NUMBER(fields["Deals won"], "42");
  EXPECT_SAME_NUMBER(fields["Average cycle"], "12.25");
}

TEST_F(XlsxTest, TablesHoldTheDocumentsCellsAndNumbers) {
  ExpectTable(doc_.sections[1], Sheet(2));
  ExpectTable(doc_.sections[2], Sheet(3));
  // The Unicode names are in the shared strings, as written.
  for (const char* name : {"Jürgen Müller", "Straße 5, München", "Αθήνα Παπαδοπούλου",
                           "東京株式会社", "=SUM(A1)", "\"quoted\", with comma"}) {
    EXPECT_NE(std::find(shared_.begin(), shared_.end(), name), shared_.end()) << name;
  }
}

TEST_F(XlsxTest, HeaderFrozenAutofilterAndNumberFormats) {
  std::string sheet = book_->Part("xl/worksheets/sheet2.xml");
  EXPECT_NE(sheet.find(R"(<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>)"),
            std::string::npos);
  EXPECT_NE(sheet.find(R"(<autoFilter ref="A1:F10"/>)"), std::string::npos);  // rows, not totals
  std::string deals = book_->Part("xl/worksheets/sheet3.xml");
  EXPECT_NE(deals.find(R"(<autoFilter ref="A1:E151"/>)"), std::string::npos);
  EXPECT_NE(deals.find(R"(state="frozen")"), std::string::npos);
  std::string styles = book_->Part("xl/styles.xml");
  for (const char* format : {R"(formatCode="#,##0.00")", R"(formatCode="#,##0")",
                             R"(formatCode="0.0&quot;%&quot;")", R"(formatCode="yyyy-mm-dd")"}) {
    EXPECT_NE(styles.find(format), std::string::npos) << format;
  }
}

TEST_F(XlsxTest, OneNativeChartPerChartSectionOverItsData) {
  std::vector<std::string> names = book_->Names();
  EXPECT_NE(std::find(names.begin(), names.end(), "xl/charts/chart1.xml"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "xl/charts/chart2.xml"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "xl/charts/chart3.xml"), names.end());
  std::string bar = book_->Part("xl/charts/chart1.xml");
  EXPECT_NE(bar.find("<c:barDir val=\"col\"/>"), std::string::npos);
  EXPECT_NE(bar.find("<c:f>'Won and lost value by month'!$A$2:$A$13</c:f>"), std::string::npos);
  EXPECT_NE(bar.find("<c:f>'Won and lost value by month'!$B$2:$B$13</c:f>"), std::string::npos);
  EXPECT_NE(bar.find("<c:f>'Won and lost value by month'!$C$2:$C$13</c:f>"), std::string::npos);
  std::string line = book_->Part("xl/charts/chart2.xml");
  EXPECT_NE(line.find("<c:lineChart>"), std::string::npos);
  EXPECT_NE(line.find("<c:f>'Deals won by month'!$B$2:$B$13</c:f>"), std::string::npos);
  EXPECT_NE(line.find("<c:symbol val=\"circle\"/>"), std::string::npos);
  // The chart's data: categories down, one column per series, the exact values.
  auto data = Sheet(4);
  const report::Section& trend = doc_.sections[3];
  EXPECT_EQ(data.at("B1"), "Won value");
  EXPECT_EQ(data.at("C1"), "Lost value");
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(data.at(Ref(i + 1, 0)), trend.series[0].points[i].x);
    EXPECT_SAME_NUMBER(data.at(Ref(i + 1, 1)), trend.series[0].points[i].y.ToString());
    EXPECT_SAME_NUMBER(data.at(Ref(i + 1, 2)), trend.series[1].points[i].y.ToString());
  }
  // Each chart sheet's drawing holds its chart.
  EXPECT_NE(book_->Part("xl/drawings/_rels/drawing1.xml.rels").find("../charts/chart1.xml"),
            std::string::npos);
}

TEST(XlsxSheetNamesTest, NamesAreValidUniqueAndShort) {
  report::Document doc;
  auto table = [](std::string title) {
    report::Section s{.id = "t", .title = std::move(title), .kind = report::SectionKind::kTable};
    s.columns = {{"a", "A", report::ColumnType::kString}};
    return s;
  };
  doc.sections = {table("Q1/Q2 [draft]: *?\\"), table("Deals"), table("deals"),
                  table("A title much longer than thirty-one characters"), table("History"),
                  table("'quoted'"), table("Parameters"), table("")};
  absl::StatusOr<std::string> bytes = ToXlsx(doc);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::string workbook = Workbook(*bytes).Part("xl/workbook.xml");
  std::vector<std::string> names;
  std::regex sheet(R"re(<sheet name="([^"]*)")re");
  for (auto it = std::sregex_iterator(workbook.begin(), workbook.end(), sheet);
       it != std::sregex_iterator(); ++it) {
    names.push_back(Unescape((*it)[1]));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Parameters", "Q1_Q2 _draft__ ___", "Deals",
                                             "deals (2)", "A title much longer than thirty",
                                             "History (2)", "quoted", "Parameters (2)", "t"}));
}

TEST(XlsxConstantMemoryTest, LargeTablesWriteInlineStringsWithTheSameContent) {
  report::Document doc = testing::SampleDocument();
  absl::StatusOr<std::string> bytes = ToXlsx(doc, {.constant_memory_rows = 1});
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  Workbook book(*bytes);
  std::string sheet = book.Part("xl/worksheets/sheet2.xml");
  EXPECT_NE(sheet.find("t=\"inlineStr\""), std::string::npos);
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  EXPECT_NE(sheet.find("<autoFilter ref=\"A1:F10\"/>"), std::string::npos);
  ExpectTable(doc.sections[1], Cells(sheet, {}));
  ExpectTable(doc.sections[2], Cells(book.Part("xl/worksheets/sheet3.xml"), {}));
  EXPECT_NE(book.Part("xl/charts/chart1.xml").find("$B$2:$B$13"), std::string::npos);
}

int CountFiles(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

TEST(XlsxTempFileTest, TemporaryFilesAreRemoved) {
  std::string dir = testing::TempPath("xlsx-tmp");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  report::Document doc = testing::SampleDocument();
  ASSERT_TRUE(ToXlsx(doc, {.tmpdir = dir}).ok());
  ASSERT_TRUE(ToXlsx(doc, {.constant_memory_rows = 1, .tmpdir = dir}).ok());
  EXPECT_EQ(CountFiles(dir), 0);
  rmdir(dir.c_str());
}

TEST(XlsxTempFileTest, MissingTemporaryDirectoryIsUnavailable) {
  absl::StatusOr<std::string> bytes =
      ToXlsx(testing::SampleDocument(), {.tmpdir = "/nonexistent/readside"});
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kUnavailable) << bytes.status();
  EXPECT_NE(bytes.status().message().find("/nonexistent/readside"), std::string::npos);
}

}  // namespace
}  // namespace readside::render
