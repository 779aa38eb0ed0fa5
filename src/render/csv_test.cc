#include "render/csv.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "render/sample_document.h"
#include "render/test_util.h"

namespace readside::render {
namespace {

using Records = std::vector<std::vector<std::string>>;

// A strict RFC 4180 reader: every record ends with CRLF; a quoted field may hold anything
// with its quotes doubled; an unquoted field holds no '"', CR or LF. nullopt when the text
// breaks a rule.
std::optional<Records> ParseStrict(std::string_view csv) {
  Records records;
  std::vector<std::string> record;
  size_t i = 0;
  while (i < csv.size()) {
    std::string field;
    if (csv[i] == '"') {
      for (++i;; ++i) {
        if (i >= csv.size()) return std::nullopt;  // unterminated
        if (csv[i] == '"') {
          if (i + 1 < csv.size() && csv[i + 1] == '"') {
            field += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        field += csv[i];
      }
    } else {
      while (i < csv.size() && csv[i] != ',' && csv[i] != '\r') {
        if (csv[i] == '"' || csv[i] == '\n') return std::nullopt;
        field += csv[i++];
      }
    }
    record.push_back(std::move(field));
    if (i < csv.size() && csv[i] == ',') {
      ++i;
      continue;
    }
    if (csv.substr(i, 2) != "\r\n") return std::nullopt;  // CRLF ends every record
    i += 2;
    records.push_back(std::move(record));
    record.clear();
  }
  return records;
}

const Records kOwners = {
    {"Owner", "Note", "First won", "Deals", "Won value", "Share"},
    {"Jürgen Müller", "Straße 5, München", "2024-01-03", "12", "451234.5", "36.5"},
    {"Αθήνα Παπαδοπούλου", "Αθήνα", "2024-01-15", "9", "300000", "24.3"},
    {"東京株式会社", "東京都千代田区", "2024-02-01", "7", "250000.5", "20.3"},
    {"'=SUM(A1)", "'+1", "2024-02-10", "3", "100000", "8.1"},
    {"'-x", "'@a", "2024-02-11", "2", "50000", "4"},
    {"'\tx", "'\rx", "2024-03-01", "1", "10000", "0.8"},
    {"\"quoted\", with comma", "line one\nline two", "2024-03-02", "1", "0", "0"},
    {"-12.5", "Aktiengesellschaft für ausgesprochen lange Firmennamen und Verzeichnisse mbH",
     "2024-03-03", "0", "-12.5", "-0.1"},
    {"Negative", "-12.5", "", "0", "-12.5", "0"},
    {"Total", "", "", "35", "1161210", "100"},
};

std::string ToJson(const Records& records) {
  JsonBuilder j;
  j.BeginArray();
  for (const auto& r : records) {
    j.BeginArray();
    for (const auto& f : r) j.String(f);
    j.EndArray();
  }
  j.EndArray();
  return j.Take();
}

TEST(CsvTest, FirstTableReadsBackCellByCell) {
  absl::StatusOr<std::string> csv = ToCsv(testing::SampleDocument(), "");
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::optional<Records> records = ParseStrict(*csv);
  ASSERT_TRUE(records.has_value()) << *csv;
  ASSERT_EQ(records->size(), kOwners.size());
  for (size_t r = 0; r < kOwners.size(); ++r) {
    EXPECT_EQ((*records)[r], kOwners[r]) << "record " << r;
  }
  EXPECT_NE(csv->substr(0, 3), "\xEF\xBB\xBF") << "no byte-order mark";
}

TEST(CsvTest, PythonCsvModuleReadsTheSameCells) {
  absl::StatusOr<std::string> csv = ToCsv(testing::SampleDocument(), "owners");
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::string file = testing::TempPath("owners.csv"), expected = testing::TempPath("owners.json");
  testing::WriteFile(file, *csv);
  testing::WriteFile(expected, ToJson(kOwners));
  const char* script =
      "import csv, json, sys\n"
      "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'), strict=True))\n"
      "want = json.load(open(sys.argv[2], encoding='utf-8'))\n"
      "raw = open(sys.argv[1], 'rb').read()\n"
      "print('OK' if rows == want and raw.endswith(b'\\r\\n') else json.dumps([rows, want]))\n";
  testing::CommandResult r = testing::Run("/usr/bin/python3 -c " + testing::Quote(script) + " " +
                                          testing::Quote(file) + " " + testing::Quote(expected) +
                                          " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "OK\n");
}

TEST(CsvTest, EveryLineEndIsCrlf) {
  absl::StatusOr<std::string> csv = ToCsv(testing::SampleDocument(), "deals");
  ASSERT_TRUE(csv.ok()) << csv.status();
  size_t records = 0;
  for (size_t i = 0; i < csv->size(); ++i) {
    if ((*csv)[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ((*csv)[i - 1], '\r') << "bare LF at byte " << i;
      ++records;
    }
  }
  EXPECT_EQ(records, 1u + 150u + 1u);  // header, rows, totals (no field of this table has a LF)
  std::optional<Records> parsed = ParseStrict(*csv);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)[1],
            (std::vector<std::string>{"1001", "Jürgen Müller GmbH", "2024-01-01", "1000", "-5"}));
  // The totals record names itself in the first string column.
  EXPECT_EQ(parsed->back()[1], "Total");
  EXPECT_EQ(parsed->back()[0], "");
}

TEST(CsvTest, FormulaInjectionPrefixesTextButNotNumbers) {
  EXPECT_EQ(CsvTextField("=SUM(A1)"), "'=SUM(A1)");
  EXPECT_EQ(CsvTextField("+1"), "'+1");  // Excel would read "+1" as the formula =+1
  EXPECT_EQ(CsvTextField("-x"), "'-x");
  EXPECT_EQ(CsvTextField("@a"), "'@a");
  EXPECT_EQ(CsvTextField("\tx"), "'\tx");
  EXPECT_EQ(CsvTextField("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvTextField("-"), "'-");
  EXPECT_EQ(CsvTextField("-1."), "'-1.");
  EXPECT_EQ(CsvTextField("-.5"), "'-.5");
  EXPECT_EQ(CsvTextField("-1-1"), "'-1-1");
  EXPECT_EQ(CsvTextField("=1,2"), "\"'=1,2\"");
  EXPECT_EQ(CsvTextField("-12.5"), "-12.5");  // a number as text stays as it is
  EXPECT_EQ(CsvTextField("-0"), "-0");
  EXPECT_EQ(CsvTextField("x=1"), "x=1");
  EXPECT_EQ(CsvTextField(""), "");
}

TEST(CsvTest, NumbersAreExactWithoutGrouping) {
  report::Document doc;
  report::Section t{.id = "t", .title = "T", .kind = report::SectionKind::kTable};
  t.columns = {{"a", "A", report::ColumnType::kMoney}, {"b", "B", report::ColumnType::kPercent}};
  t.rows.push_back({report::Decimal{INT64_MIN, 4}, report::Decimal{1, 9}});
  t.rows.push_back({report::Decimal::MoneyUnits(12345678900), report::Decimal{-125, 1}});
  doc.sections = {t};
  absl::StatusOr<std::string> csv = ToCsv(doc, "");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "A,B\r\n-922337203685477.5808,0.000000001\r\n1234567.89,-12.5\r\n");
}

TEST(CsvTest, EmptyTableIsTheHeaderOnly) {
  report::Document doc;
  report::Section t{.id = "empty", .title = "Nothing", .kind = report::SectionKind::kTable};
  t.columns = {{"a", "Name, first", report::ColumnType::kString},
               {"b", "=Amount", report::ColumnType::kMoney}};
  doc.sections = {t};
  absl::StatusOr<std::string> csv = ToCsv(doc, "empty");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "\"Name, first\",'=Amount\r\n");  // labels are text like any other
}

TEST(CsvTest, UnknownSectionIsNotFoundNamingIt) {
  absl::StatusOr<std::string> csv = ToCsv(testing::SampleDocument(), "no_such_table");
  EXPECT_EQ(csv.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(csv.status().message().find("\"no_such_table\""), std::string::npos)
      << csv.status();
}

TEST(CsvTest, ChartSectionIsInvalidArgumentNamingIt) {
  absl::StatusOr<std::string> csv = ToCsv(testing::SampleDocument(), "trend");
  EXPECT_EQ(csv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(csv.status().message().find("\"trend\" is a chart"), std::string::npos)
      << csv.status();
}

TEST(CsvTest, DocumentWithoutTableIsAnError) {
  report::Document doc = testing::SampleDocument();
  std::erase_if(doc.sections,
                [](const report::Section& s) { return s.kind == report::SectionKind::kTable; });
  absl::StatusOr<std::string> csv = ToCsv(doc, "");
  EXPECT_EQ(csv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(csv.status().message().find("no table"), std::string::npos) << csv.status();
}

}  // namespace
}  // namespace readside::render
