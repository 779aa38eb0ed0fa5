#include "report/document.h"

#include <gtest/gtest.h>

namespace readside::report {
namespace {

TEST(DecimalTest, ToStringIsShortestExact) {
  EXPECT_EQ(Decimal::MoneyUnits(125000).ToString(), "12.5");
  EXPECT_EQ(Decimal::MoneyUnits(-1).ToString(), "-0.0001");
  EXPECT_EQ(Decimal::MoneyUnits(1000000).ToString(), "100");
  EXPECT_EQ(Decimal::Count(0).ToString(), "0");
  EXPECT_EQ(Decimal::Micros(1500000).ToString(), "1.5");
  EXPECT_EQ((Decimal{INT64_MIN, 4}).ToString(), "-922337203685477.5808");
}

TEST(DecimalTest, FormatRoundsHalfAwayAndGroups) {
  EXPECT_EQ(Decimal::MoneyUnits(12345678950).Format(2, true), "1,234,567.90");
  EXPECT_EQ(Decimal::MoneyUnits(-12345).Format(2, true), "-1.23");
  EXPECT_EQ(Decimal::MoneyUnits(-12350).Format(2, false), "-1.24");
  EXPECT_EQ(Decimal::Count(7).Format(2, false), "7.00");
  EXPECT_EQ(Decimal::Count(999).Format(0, true), "999");
  EXPECT_EQ(Decimal::Count(1000).Format(0, true), "1,000");
}

TEST(DecimalTest, RatioAndPercentRoundHalfAwayFromZero) {
  EXPECT_EQ(Decimal::Ratio(1, 3, 4).ToString(), "0.3333");
  EXPECT_EQ(Decimal::Ratio(2, 3, 4).ToString(), "0.6667");
  EXPECT_EQ(Decimal::Ratio(-1, 8, 2).ToString(), "-0.13");
  EXPECT_EQ(Decimal::Percent(1, 8, 1).ToString(), "12.5");
  EXPECT_EQ(Decimal::Percent(1, -3, 2).ToString(), "-33.33");
  EXPECT_EQ(Decimal::Percent(5, 0, 2).ToString(), "0");
  EXPECT_TRUE(Decimal::MoneyUnits(15000) == (Decimal{15, 1}));
}

TEST(DocumentTest, JsonHasTheSpecShape) {
  Document d;
  d.organization_id = "acme-corp";
  d.title = "Profit and loss";
  d.report = "financial";
  d.type = "pnl";
  d.period = "2024-Q1";
  d.parameters = {{"compare", "prev"}};
  d.generated_at_micros = 1711958400000000;
  d.position = 123456;
  d.currency = "USD";
  Section k{.id = "kpis", .title = "Summary", .kind = SectionKind::kKpis};
  k.items.push_back({"Net profit", Decimal::MoneyUnits(12345000), "USD"});
  Section t{.id = "lines", .title = "Profit and loss", .kind = SectionKind::kTable};
  t.columns = {{"account", "Account", ColumnType::kString},
               {"amount", "2024-Q1", ColumnType::kMoney}};
  t.rows.push_back({std::string("4000 Sales"), Decimal::MoneyUnits(10000000)});
  t.totals = {std::monostate{}, Decimal::MoneyUnits(10000000)};
  Section c{.id = "trend", .title = "Revenue by month", .kind = SectionKind::kChart};
  c.series.push_back({"Revenue", {{"2024-01", Decimal::MoneyUnits(100000)}}});
  d.sections = {k, t, c};
  EXPECT_EQ(ToJson(d),
            R"({"organization_id":"acme-corp","title":"Profit and loss","report":"financial",)"
            R"("type":"pnl","period":"2024-Q1","parameters":{"compare":"prev"},)"
            R"("generated_at":"2024-04-01T08:00:00Z","position":123456,"currency":"USD",)"
            R"("sections":[{"id":"kpis","title":"Summary","kind":"kpis","items":[{"label":)"
            R"("Net profit","value":1234.5,"unit":"USD"}]},{"id":"lines","title":)"
            R"("Profit and loss","kind":"table","columns":[{"id":"account","label":"Account",)"
            R"("type":"string"},{"id":"amount","label":"2024-Q1","type":"money"}],"rows":)"
            R"([{"account":"4000 Sales","amount":1000}],"totals":{"amount":1000}},{"id":)"
            R"("trend","title":"Revenue by month","kind":"chart","chart":"bar","series":)"
            R"([{"name":"Revenue","points":[{"x":"2024-01","y":10}]}]}]})");
  EXPECT_EQ(FileName(d, "pdf"), "acme-corp-financial-pnl-2024-Q1.pdf");
  EXPECT_EQ(d.Table()->id, "lines");
  EXPECT_EQ(d.Table("nope"), nullptr);
}

}  // namespace
}  // namespace readside::report
