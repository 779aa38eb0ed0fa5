// The catalog and request validation (reports.md "Catalog").
#include "report/report.h"

#include <gtest/gtest.h>

#include "report/report_test_util.h"

namespace readside::report {
namespace {

using testing::Micros;

std::optional<Problem> Resolve(std::string_view report, std::string_view type,
                               std::string_view period,
                               std::vector<std::pair<std::string, std::string>> given = {}) {
  const TypeSpec* spec = nullptr;
  projection::Period p;
  std::vector<std::pair<std::string, std::string>> params;
  return ResolveRequest(report, type, period, given, projection::LocalCalendar::Utc(),
                        Micros("2024-05-10T00:00:00Z"), &spec, &p, &params);
}

TEST(ReportCatalogTest, BadRequestsNameTheField) {
  auto p = Resolve("nope", "pnl", "2024-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 400);
  EXPECT_EQ(p->errors.at(0).field, "report");
  p = Resolve("financial", "nope", "2024-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "type");
  EXPECT_NE(p->detail.find("balance_sheet"), std::string::npos) << p->detail;
  p = Resolve("financial", "", "2024-01");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "type");
  p = Resolve("financial", "pnl", "2024-13");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "period");
  p = Resolve("financial", "pnl", "2024-01", {{"color", "red"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "color");
  p = Resolve("financial", "pnl", "2024-01", {{"compare", "sideways"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "compare");
  p = Resolve("financial", "balance_sheet", "2024-01", {{"compare", "prev"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->errors.at(0).field, "compare");
  EXPECT_FALSE(Resolve("financial", "pnl", "2024-01", {{"compare", "yoy"}}));
}

TEST(ReportCatalogTest, DefaultsArePeriodOfNowAndParameterDefaults) {
  const TypeSpec* spec = nullptr;
  projection::Period p;
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_FALSE(ResolveRequest("financial", "pnl", "", {}, projection::LocalCalendar::Utc(),
                              Micros("2024-05-10T00:00:00Z"), &spec, &p, &params));
  EXPECT_EQ(projection::FormatPeriod(p), "2024-05");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"compare", "prev"}));
  EXPECT_EQ(spec->domain, query::Section::kFinance);
}

TEST(ReportCatalogTest, CatalogListsEveryType) {
  std::string json = CatalogJson();
  for (const TypeSpec& t : Catalog()) {
    EXPECT_NE(json.find("\"type\":\"" + std::string(t.type) + "\""), std::string::npos) << t.type;
    EXPECT_NE(t.build, nullptr);
  }
}

}  // namespace
}  // namespace readside::report
