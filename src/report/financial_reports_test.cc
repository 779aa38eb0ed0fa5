// Every number of the financial statements against ledgers computed by hand (the comments
// show the arithmetic), cross-checked with the Analytics API's metrics where one exists; and
// the accounting identities (balance sheet balances, trial balance totals equal, cash flow
// net change = closing − opening) on simulator streams and random streams.
#include <gtest/gtest.h>

#include <random>

#include "common/json_writer.h"
#include "query/metric_table.h"
#include "report/report_test_util.h"
#include "sim/generator.h"

namespace readside::report {
namespace {

using testing::CellOf;
using testing::KpiText;
using testing::Micros;
using testing::Num;
using testing::Obj;
using testing::Str;
using testing::TestTenant;
using testing::Text;

struct L {
  std::string_view account, debit, credit;
};

void Account(TestTenant& t, std::string_view code, std::string_view name, std::string_view type,
             std::string_view subtype = "", std::string_view ts = "2024-01-01T00:00:00Z") {
  std::vector<std::string> f = {Str("code", code), Str("name", name), Str("type", type)};
  if (!subtype.empty()) f.push_back(Str("subtype", subtype));
  t.Add("finance.account.created", "acc-" + std::string(code), ts, Obj(f));
}

void Post(TestTenant& t, std::string_view id, std::string_view ts, const std::vector<L>& lines) {
  std::string json = R"({"lines":[)";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) json += ",";
    json += Obj({Str("account_code", lines[i].account), Num("debit", lines[i].debit),
                 Num("credit", lines[i].credit)});
  }
  t.Add("finance.transaction.posted", id, ts, json + "]}");
}

// The hand-computed ledger of the tests below (amounts in USD):
//   Jan  t1 Cash 10000 / Capital 10000        t2 Cash 1500 / Sales 1500
//        t3 Rent 500 / Cash 500
//   Feb  t4 AR 2000 / Sales 2000              t5 Cash 1200 / AR 1200
//        t6 COGS 800 / Cash 800               t7 Equipment 3000 / Cash 3000
//        t8 Cash 5000 / Loan 5000             t9 Salaries 1000 / AP 1000
//        t10 Cash 300 / Services 250 + Capital 50
//        t11 AP 400 / Cash 400
//   Mar  t12 Cash 70 / 9999 (never created) 70
void Ledger(TestTenant& t) {
  Account(t, "1000", "Cash", "asset", "cash");
  Account(t, "1100", "Receivables", "asset", "receivable");
  Account(t, "1500", "Equipment", "asset");
  Account(t, "2000", "Payables", "liability", "payable");
  Account(t, "2500", "Loan", "liability");
  Account(t, "3000", "Capital", "equity");
  Account(t, "4000", "Sales", "revenue");
  Account(t, "4100", "Services", "revenue");
  Account(t, "5000", "COGS", "expense", "cogs");
  Account(t, "6000", "Rent", "expense");
  Account(t, "6100", "Salaries", "expense");
  Post(t, "t1", "2024-01-02T10:00:00Z", {{"1000", "10000", "0"}, {"3000", "0", "10000"}});
  Post(t, "t2", "2024-01-10T10:00:00Z", {{"1000", "1500", "0"}, {"4000", "0", "1500"}});
  Post(t, "t3", "2024-01-20T10:00:00Z", {{"6000", "500", "0"}, {"1000", "0", "500"}});
  Post(t, "t4", "2024-02-03T10:00:00Z", {{"1100", "2000", "0"}, {"4000", "0", "2000"}});
  Post(t, "t5", "2024-02-05T10:00:00Z", {{"1000", "1200", "0"}, {"1100", "0", "1200"}});
  Post(t, "t6", "2024-02-10T10:00:00Z", {{"5000", "800", "0"}, {"1000", "0", "800"}});
  Post(t, "t7", "2024-02-15T10:00:00Z", {{"1500", "3000", "0"}, {"1000", "0", "3000"}});
  Post(t, "t8", "2024-02-20T10:00:00Z", {{"1000", "5000", "0"}, {"2500", "0", "5000"}});
  Post(t, "t9", "2024-02-25T10:00:00Z", {{"6100", "1000", "0"}, {"2000", "0", "1000"}});
  Post(t, "t10", "2024-02-28T10:00:00Z",
       {{"1000", "300", "0"}, {"4100", "0", "250"}, {"3000", "0", "50"}});
  Post(t, "t11", "2024-02-29T10:00:00Z", {{"2000", "400", "0"}, {"1000", "0", "400"}});
  Post(t, "t12", "2024-03-05T10:00:00Z", {{"1000", "70", "0"}, {"9999", "0", "70"}});
}

std::string Metric(const TestTenant& t, std::string_view metric, std::string_view period) {
  const query::ScalarMetric* m = query::FindScalarMetric(query::Section::kFinance, metric);
  EXPECT_NE(m, nullptr) << metric;
  auto view = t.View();
  auto p = projection::ParsePeriod(period);
  query::Value v = m->compute(query::PeriodData{*view, *p, Micros("2100-01-01T00:00:00Z")});
  JsonBuilder out;
  v.Write(out);
  return out.Take();
}

TEST(FinancialReportsTest, ProfitAndLossWithThePreviousPeriod) {
  TestTenant t;
  Ledger(t);
  Document d = t.Run("financial", "pnl", "2024-02");
  EXPECT_EQ(d.title, "Profit and loss");
  EXPECT_EQ(d.period, "2024-02");
  EXPECT_EQ(d.position, t.position());
  const Section& k = d.sections.at(0);
  // Revenue 2000 (Sales) + 250 (Services); COGS 800; opex 1000 (Salaries).
  EXPECT_EQ(KpiText(k, "Revenue"), "2250");
  EXPECT_EQ(KpiText(k, "Cost of goods sold"), "800");
  EXPECT_EQ(KpiText(k, "Gross profit"), "1450");
  EXPECT_EQ(KpiText(k, "Operating expenses"), "1000");
  EXPECT_EQ(KpiText(k, "Net profit"), "450");
  EXPECT_EQ(KpiText(k, "Net margin"), "20");  // 450 / 2250
  // The Analytics API's ledger metrics for the same period agree.
  EXPECT_EQ(Metric(t, "ledger_revenue", "2024-02"), "2250");
  EXPECT_EQ(Metric(t, "gross_profit", "2024-02"), "1450");
  EXPECT_EQ(Metric(t, "net_profit", "2024-02"), "450");

  const Section* s = d.Find("statement");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->columns[1].label, "2024-02");
  EXPECT_EQ(s->columns[2].label, "2024-01");
  // January: revenue 1500, rent 500, net 1000.
  EXPECT_EQ(Text(CellOf(*s, "Revenue", "compare")), "1500");
  EXPECT_EQ(Text(CellOf(*s, "Operating expenses", "compare")), "500");
  EXPECT_EQ(Text(CellOf(*s, "Net profit", "compare")), "1000");
  EXPECT_EQ(Text(CellOf(*s, "Net profit", "change")), "-550");
  EXPECT_EQ(Text(CellOf(*s, "Net profit", "change_pct")), "-55");
  EXPECT_EQ(Text(CellOf(*s, "Revenue", "change_pct")), "50");  // 750 / 1500

  const Section* a = d.Find("accounts");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->rows.size(), 5u);  // Sales, Services, COGS, Rent (January only), Salaries
  EXPECT_EQ(Text(CellOf(*a, "4000 Sales", "amount")), "2000");
  EXPECT_EQ(Text(CellOf(*a, "4000 Sales", "compare")), "1500");
  EXPECT_EQ(Text(CellOf(*a, "4100 Services", "amount")), "250");
  EXPECT_EQ(Text(CellOf(*a, "5000 COGS", "amount")), "-800");
  EXPECT_EQ(Text(CellOf(*a, "6000 Rent", "amount")), "0");
  EXPECT_EQ(Text(CellOf(*a, "6000 Rent", "compare")), "-500");
  EXPECT_EQ(Text(CellOf(*a, "6100 Salaries", "amount")), "-1000");
  EXPECT_EQ(std::get<Decimal>(a->totals[2]).ToString(), "450");
  EXPECT_EQ(std::get<Decimal>(a->totals[3]).ToString(), "1000");

  const Section* trend = d.Find("trend");
  ASSERT_NE(trend, nullptr);
  ASSERT_EQ(trend->series.size(), 3u);
  ASSERT_EQ(trend->series[0].points.size(), 12u);
  EXPECT_EQ(trend->series[0].points.back().x, "2024-02");
  EXPECT_EQ(trend->series[0].points.back().y.ToString(), "2250");
  EXPECT_EQ(trend->series[2].points[10].x, "2024-01");
  EXPECT_EQ(trend->series[2].points[10].y.ToString(), "1000");
}

TEST(FinancialReportsTest, ProfitAndLossComparesYearOnYearOrNotAtAll) {
  TestTenant t;
  Ledger(t);
  Post(t, "old", "2023-02-14T10:00:00Z", {{"1000", "99.5", "0"}, {"4000", "0", "99.5"}});
  Document yoy = t.Run("financial", "pnl", "2024-02", {{"compare", "yoy"}});
  const Section* s = yoy.Find("statement");
  EXPECT_EQ(s->columns[2].label, "2023-02");
  EXPECT_EQ(Text(CellOf(*s, "Revenue", "compare")), "99.5");
  Document none = t.Run("financial", "pnl", "2024-Q1", {{"compare", "none"}});
  EXPECT_EQ(none.Find("statement")->columns.size(), 2u);
  EXPECT_EQ(none.Find("accounts")->columns.size(), 3u);
  // Q1 2024: revenue 1500 + 2250, expenses 500 + 800 + 1000.
  EXPECT_EQ(KpiText(none.sections[0], "Net profit"), "1450");
}

TEST(FinancialReportsTest, BalanceSheetWithRetainedEarningsBalances) {
  TestTenant t;
  Ledger(t);
  Document d = t.Run("financial", "balance_sheet", "2024-02");
  ASSERT_TRUE(d.balanced.has_value());
  EXPECT_TRUE(*d.balanced);
  // Cash 18000 − 4700 = 13300; AR 2000 − 1200 = 800; Equipment 3000.
  const Section* assets = d.Find("assets");
  EXPECT_EQ(Text(CellOf(*assets, "1000 Cash", "balance")), "13300");
  EXPECT_EQ(Text(CellOf(*assets, "1100 Receivables", "balance")), "800");
  EXPECT_EQ(Text(CellOf(*assets, "1500 Equipment", "balance")), "3000");
  EXPECT_EQ(std::get<Decimal>(assets->totals[1]).ToString(), "17100");
  // AP 1000 − 400 = 600; Loan 5000.
  const Section* liabilities = d.Find("liabilities");
  EXPECT_EQ(Text(CellOf(*liabilities, "2000 Payables", "balance")), "600");
  EXPECT_EQ(std::get<Decimal>(liabilities->totals[1]).ToString(), "5600");
  // Capital 10050; retained earnings = January 1000 + February 450.
  const Section* equity = d.Find("equity");
  EXPECT_EQ(Text(CellOf(*equity, "3000 Capital", "balance")), "10050");
  EXPECT_EQ(Text(CellOf(*equity, "Retained earnings", "balance")), "1450");
  EXPECT_EQ(std::get<Decimal>(equity->totals[1]).ToString(), "11500");
  const Section& k = d.sections.at(0);
  EXPECT_EQ(KpiText(k, "Total assets"), "17100");
  EXPECT_EQ(KpiText(k, "Total liabilities"), "5600");
  EXPECT_EQ(KpiText(k, "Total equity"), "11500");
  EXPECT_EQ(KpiText(k, "Liabilities and equity"), "17100");
  EXPECT_EQ(d.Find("unclassified"), nullptr);
  EXPECT_NE(ToJson(d).find(R"("balanced":true)"), std::string::npos);
  // The balance-sheet stocks of the Analytics API agree (without retained earnings).
  EXPECT_EQ(Metric(t, "assets", "2024-02"), "17100");
}

TEST(FinancialReportsTest, LinesOnAnUnknownAccountAreUnclassifiedAndUnbalance) {
  TestTenant t;
  Ledger(t);
  Document d = t.Run("financial", "balance_sheet", "2024-03");
  EXPECT_FALSE(*d.balanced);
  const Section* u = d.Find("unclassified");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(Text(CellOf(*u, "9999", "credit")), "70");
  EXPECT_EQ(Text(CellOf(*u, "9999", "balance")), "-70");
  EXPECT_EQ(KpiText(d.sections[0], "Total assets"), "17170");
  EXPECT_NE(ToJson(d).find(R"("balanced":false)"), std::string::npos);
  // February, before the line, still balances.
  EXPECT_TRUE(*t.Run("financial", "balance_sheet", "2024-02").balanced);
  // Once 9999 is created (as revenue), March balances and classifies it in every statement.
  Account(t, "9999", "Late revenue", "revenue", "", "2024-04-01T00:00:00Z");
  Document after = t.Run("financial", "balance_sheet", "2024-03");
  EXPECT_TRUE(*after.balanced);
  EXPECT_EQ(Text(CellOf(*after.Find("equity"), "Retained earnings", "balance")), "1520");
  Document cf = t.Run("financial", "cash_flow", "2024-03");
  EXPECT_EQ(Text(CellOf(*cf.Find("activities"), "Operating", "inflows")), "70");
}

TEST(FinancialReportsTest, CashFlowDirectMethod) {
  TestTenant t;
  Ledger(t);
  Document d = t.Run("financial", "cash_flow", "2024-02");
  const Section& k = d.sections.at(0);
  EXPECT_EQ(KpiText(k, "Opening cash"), "11000");  // 10000 + 1500 − 500
  EXPECT_EQ(KpiText(k, "Closing cash"), "13300");
  EXPECT_EQ(KpiText(k, "Net change"), "2300");
  EXPECT_EQ(KpiText(k, "Cash inflows"), "6500");   // 1450 + 5050
  EXPECT_EQ(KpiText(k, "Cash outflows"), "4200");  // 1200 + 3000
  const Section* a = d.Find("activities");
  // Operating: in t5 1200 (receivable) + t10 250 (revenue); out t6 800 + t11 400 (payable).
  EXPECT_EQ(Text(CellOf(*a, "Operating", "inflows")), "1450");
  EXPECT_EQ(Text(CellOf(*a, "Operating", "outflows")), "-1200");
  EXPECT_EQ(Text(CellOf(*a, "Operating", "net")), "250");
  EXPECT_EQ(Text(CellOf(*a, "Investing", "outflows")), "-3000");  // t7 equipment
  // Financing: t8 loan 5000 + t10's capital line 50.
  EXPECT_EQ(Text(CellOf(*a, "Financing", "inflows")), "5050");
  EXPECT_EQ(a->rows.size(), 3u);  // no unclassified activity in February
  EXPECT_EQ(std::get<Decimal>(a->totals[3]).ToString(), "2300");
  const Section* c = d.Find("cash_accounts");
  EXPECT_EQ(Text(CellOf(*c, "1000 Cash", "opening")), "11000");
  EXPECT_EQ(Text(CellOf(*c, "1000 Cash", "receipts")), "6500");
  EXPECT_EQ(Text(CellOf(*c, "1000 Cash", "payments")), "-4200");
  EXPECT_EQ(Text(CellOf(*c, "1000 Cash", "closing")), "13300");
  EXPECT_EQ(Metric(t, "net_cash_flow", "2024-02"), "2300");
  // March: the line on the unknown account 9999 is unclassified cash.
  Document march = t.Run("financial", "cash_flow", "2024-03");
  EXPECT_EQ(Text(CellOf(*march.Find("activities"), "Unclassified", "inflows")), "70");
}

TEST(FinancialReportsTest, CashFlowFollowsTheCashNotTheOtherLinesNets) {
  TestTenant t;
  Account(t, "1000", "Cash", "asset", "cash");
  Account(t, "1500", "Equipment", "asset");
  Account(t, "2200", "Payroll liabilities", "liability");
  Account(t, "2500", "Loan", "liability");
  Account(t, "6000", "Rent", "expense");
  Account(t, "6100", "Salaries", "expense");
  // A payroll run: 80 paid out, 20 owed. One operating outflow of 80, no financing inflow.
  Post(t, "p1", "2024-02-01T10:00:00Z",
       {{"6100", "100", "0"}, {"1000", "0", "80"}, {"2200", "0", "20"}});
  // 100 paid for equipment 60 and rent 60, 20 of it borrowed: the outflow of 100 is split
  // over the debit lines in proportion, 50 investing and 50 operating.
  Post(t, "p2", "2024-02-02T10:00:00Z",
       {{"1500", "60", "0"}, {"6000", "60", "0"}, {"1000", "0", "100"}, {"2500", "0", "20"}});
  // A split that does not divide evenly: 10 in over three credit lines of 5 each (a rent
  // debit of 5 takes the rest) gives 3.3334, 3.3333, 3.3333: the first line takes the
  // remainder unit, and the parts add up to 10 exactly.
  Post(t, "p3", "2024-02-03T10:00:00Z",
       {{"1000", "10", "0"}, {"6000", "5", "0"}, {"2500", "0", "5"}, {"2200", "0", "5"},
        {"1500", "0", "5"}});
  Document d = t.Run("financial", "cash_flow", "2024-02");
  const Section* a = d.Find("activities");
  EXPECT_EQ(Text(CellOf(*a, "Operating", "outflows")), "-130");  // 80 + 50
  EXPECT_EQ(Text(CellOf(*a, "Operating", "inflows")), "0");
  EXPECT_EQ(Text(CellOf(*a, "Investing", "outflows")), "-50");
  // p3: the loan 3.3334 and payroll liabilities 3.3333 (financing), equipment 3.3333.
  EXPECT_EQ(Text(CellOf(*a, "Financing", "inflows")), "6.6667");
  EXPECT_EQ(Text(CellOf(*a, "Investing", "inflows")), "3.3333");
  EXPECT_EQ(Text(CellOf(*a, "Financing", "outflows")), "0");
  EXPECT_EQ(KpiText(d.sections[0], "Net change"), "-170");  // −80 − 100 + 10
  EXPECT_EQ(KpiText(d.sections[0], "Cash outflows"), "180");
  EXPECT_EQ(KpiText(d.sections[0], "Cash inflows"), "10");
}

TEST(FinancialReportsTest, TrialBalanceTotalsAreEqual) {
  TestTenant t;
  Ledger(t);
  Document d = t.Run("financial", "trial_balance", "2024-02");
  const Section* s = d.Find("accounts");
  EXPECT_EQ(Text(CellOf(*s, "1000", "debit")), "18000");
  EXPECT_EQ(Text(CellOf(*s, "1000", "credit")), "4700");
  EXPECT_EQ(Text(CellOf(*s, "4000", "credit")), "3500");
  EXPECT_EQ(Text(CellOf(*s, "3000", "credit")), "10050");
  EXPECT_EQ(std::get<Decimal>(s->totals[3]).ToString(), "25700");
  EXPECT_EQ(std::get<Decimal>(s->totals[4]).ToString(), "25700");
  EXPECT_EQ(KpiText(d.sections[0], "Difference"), "0");
  EXPECT_EQ(s->rows.size(), 11u);  // every account of the chart; 9999 has no line yet
  Document march = t.Run("financial", "trial_balance", "2024-03");
  const Section* m = march.Find("accounts");
  EXPECT_EQ(std::get<std::string>(CellOf(*m, "9999", "type")), "unclassified");
  EXPECT_EQ(std::get<Decimal>(m->totals[3]).ToString(), "25770");
  EXPECT_EQ(std::get<Decimal>(m->totals[4]).ToString(), "25770");
}

void Invoice(TestTenant& t, std::string_view id, std::string_view customer, std::string_view ts,
             std::string_view amount, std::string_view due) {
  t.Add("finance.invoice.created", id, ts,
        Obj({Str("customer_id", customer), Num("amount", amount), Str("due_date", due)}));
}
void Payment(TestTenant& t, std::string_view id, std::string_view invoice, std::string_view ts,
             std::string_view amount) {
  t.Add("finance.payment.received", id, ts,
        Obj({Str("invoice_id", invoice), Num("amount", amount)}));
}

TEST(FinancialReportsTest, ArAgingByCustomerAsOfThePeriodEnd) {
  TestTenant t;
  // As of 2024-04-01T00:00Z (end of March). A due date D falls due at the end of D.
  Invoice(t, "inv1", "cu-a", "2024-03-01T09:00:00Z", "1000", "2024-03-31");  // due at T: current
  Invoice(t, "inv2", "cu-a", "2024-03-02T09:00:00Z", "500", "2024-03-30");   // 1 day: 1–30
  Payment(t, "p2", "inv2", "2024-03-15T09:00:00Z", "200");                   // 300 open
  Invoice(t, "inv3", "cu-b", "2024-01-02T09:00:00Z", "700", "2024-01-15");   // 76 days
  Invoice(t, "inv4", "cu-b", "2023-11-01T09:00:00Z", "900", "2023-12-01");   // 121 days
  Invoice(t, "inv5", "cu-c", "2024-02-01T09:00:00Z", "400", "2024-02-20");   // 40 days
  Payment(t, "p5", "inv5", "2024-04-02T09:00:00Z", "400");                   // paid after T
  Invoice(t, "inv6", "cu-c", "2024-04-05T09:00:00Z", "100", "2024-04-30");   // after T
  Invoice(t, "inv7", "cu-d", "2024-03-01T09:00:00Z", "250", "2024-03-05");
  Payment(t, "p7", "inv7", "2024-03-10T09:00:00Z", "250");                   // paid
  Payment(t, "p8", "inv8", "2024-02-01T09:00:00Z", "600");  // stamped before inv8: orphan
  Invoice(t, "inv8", "cu-d", "2024-03-01T09:00:00Z", "600", "2024-05-01");   // current
  Document d = t.Run("financial", "ar_aging", "2024-03");
  const Section* s = d.Find("customers");
  ASSERT_EQ(s->rows.size(), 4u);
  EXPECT_EQ(std::get<std::string>(s->rows[0][0]), "cu-b");  // by total, largest first
  EXPECT_EQ(std::get<std::string>(s->rows[3][0]), "cu-c");
  EXPECT_EQ(Text(CellOf(*s, "cu-a", "current")), "1000");
  EXPECT_EQ(Text(CellOf(*s, "cu-a", "d1_30")), "300");
  EXPECT_EQ(Text(CellOf(*s, "cu-a", "total")), "1300");
  EXPECT_EQ(Text(CellOf(*s, "cu-b", "d61_90")), "700");
  EXPECT_EQ(Text(CellOf(*s, "cu-b", "d90_plus")), "900");
  EXPECT_EQ(Text(CellOf(*s, "cu-c", "d31_60")), "400");
  EXPECT_EQ(Text(CellOf(*s, "cu-d", "current")), "600");
  EXPECT_EQ(Text(CellOf(*s, "cu-d", "invoices")), "1");
  EXPECT_EQ(std::get<Decimal>(s->totals[6]).ToString(), "3900");
  EXPECT_EQ(std::get<Decimal>(s->totals[7]).ToString(), "6");
  const Section& k = d.sections.at(0);
  EXPECT_EQ(KpiText(k, "Total receivables"), "3900");
  EXPECT_EQ(KpiText(k, "Overdue"), "2300");  // 300 + 700 + 900 + 400
  EXPECT_EQ(KpiText(k, "Overdue share"), "59");  // 2300 / 3900 = 58.97 %
  EXPECT_EQ(KpiText(k, "Overdue invoices"), "4");
  // The Analytics API agrees: accounts_receivable and invoices_overdue at the period's end.
  EXPECT_EQ(Metric(t, "accounts_receivable", "2024-03"), "3900");
  EXPECT_EQ(Metric(t, "invoices_overdue", "2024-03"), "4");
  // April: inv5 paid, inv6 open (current), the rest a month older.
  Document april = t.Run("financial", "ar_aging", "2024-04");
  const Section* a = april.Find("customers");
  EXPECT_EQ(Text(CellOf(*a, "cu-c", "current")), "100");
  EXPECT_EQ(Text(CellOf(*a, "cu-c", "d31_60")), "0");
  EXPECT_EQ(Text(CellOf(*a, "cu-a", "d1_30")), "1000");   // inv1 30 days past due
  EXPECT_EQ(Text(CellOf(*a, "cu-a", "d31_60")), "300");   // inv2 31 days
}

TEST(FinancialReportsTest, StatementsAreTheSameAfterASnapshotRoundTrip) {
  TestTenant t;
  Ledger(t);
  Invoice(t, "inv1", "cu-a", "2024-02-01T09:00:00Z", "1000", "2024-02-20");
  Payment(t, "p1", "inv1", "2024-02-25T09:00:00Z", "400");
  Post(t, "late", "2024-02-26T10:00:00Z", {{"1000", "5", "0"}, {"7777", "0", "5"}});  // pending
  std::vector<std::string> before;
  for (const char* type : {"pnl", "balance_sheet", "cash_flow", "trial_balance", "ar_aging"}) {
    before.push_back(ToJson(t.Run("financial", type, "2024-03")));
  }
  ASSERT_TRUE(t.ReloadFromSnapshot());
  EXPECT_EQ(ToJson(t.Run("financial", "ar_aging", "2024-03")), before[4]);
  // The transaction waiting for account 7777 is still re-evaluated once it is created.
  Account(t, "7777", "Other income", "revenue", "", "2024-05-01T00:00:00Z");
  Account(t, "7777", "Other income", "revenue", "", "2024-05-01T00:00:00Z");  // a duplicate
  TestTenant u;
  Ledger(u);
  Invoice(u, "inv1", "cu-a", "2024-02-01T09:00:00Z", "1000", "2024-02-20");
  Payment(u, "p1", "inv1", "2024-02-25T09:00:00Z", "400");
  Post(u, "late", "2024-02-26T10:00:00Z", {{"1000", "5", "0"}, {"7777", "0", "5"}});
  std::vector<std::string> after_reload, replayed;
  ASSERT_TRUE(t.ReloadFromSnapshot());
  Account(u, "7777", "Other income", "revenue", "", "2024-05-01T00:00:00Z");
  Account(u, "7777", "Other income", "revenue", "", "2024-05-01T00:00:00Z");
  size_t i = 0;
  for (const char* type : {"pnl", "balance_sheet", "cash_flow", "trial_balance", "ar_aging"}) {
    std::string a = ToJson(t.Run("financial", type, "2024-03", {}, "2030-01-01T00:00:00Z"));
    std::string b = ToJson(u.Run("financial", type, "2024-03", {}, "2030-01-01T00:00:00Z"));
    // Positions differ by nothing: both applied the same events in the same order.
    EXPECT_EQ(a, b) << type;
    std::string_view ty(type);
    if (ty == "balance_sheet" || ty == "trial_balance" || ty == "pnl") {
      EXPECT_NE(a, before[i]) << type << " should have changed once 7777 exists";
    }
    ++i;
  }
  // Before the snapshot the 5 of "late" was unclassified cash; now it is operating.
  Document cf = t.Run("financial", "cash_flow", "2024-02");
  EXPECT_EQ(cf.Find("activities")->rows.size(), 3u);
}

// ---------------------------------------------------------------------------------------
// Identities on streams nobody computed by hand.

void ExpectIdentities(const TestTenant& t, std::string_view period, const std::string& what) {
  Document bs = t.Run("financial", "balance_sheet", period);
  const Section& k = bs.sections.at(0);
  bool unclassified = bs.Find("unclassified") != nullptr;
  EXPECT_EQ(*bs.balanced, !unclassified) << what << " " << period;
  if (!unclassified) {
    EXPECT_EQ(KpiText(k, "Total assets"), KpiText(k, "Liabilities and equity")) << what;
  }
  Document tb = t.Run("financial", "trial_balance", period);
  const Section* s = tb.Find("accounts");
  EXPECT_EQ(std::get<Decimal>(s->totals[3]), std::get<Decimal>(s->totals[4])) << what;
  Document cf = t.Run("financial", "cash_flow", period);
  const Section& c = cf.sections.at(0);
  Decimal open{0, 4}, close{0, 4}, change{0, 4};
  for (const KpiItem& item : c.items) {
    if (item.label == "Opening cash") open = item.value;
    if (item.label == "Closing cash") close = item.value;
    if (item.label == "Net change") change = item.value;
  }
  EXPECT_EQ(close.units - open.units, change.units) << what << " " << period;
  Document pnl = t.Run("financial", "pnl", period);
  EXPECT_EQ(KpiText(pnl.sections[0], "Net profit"),
            std::get<Decimal>(pnl.Find("accounts")->totals[2]).ToString())
      << what;
}

TEST(FinancialReportsPropertyTest, SimulatorStreamsBalanceEveryMonth) {
  for (uint64_t seed : {1u, 7u}) {
    sim::GeneratorOptions o;
    o.seed = seed;
    o.tenants = {"acme-corp", "beta-inc"};
    o.total_events = 40000;
    o.events_per_second = 0.01;
    sim::Generator g(o);
    std::map<std::string, std::unique_ptr<TestTenant>> tenants;
    event::EventParser parser;
    std::string line;
    int64_t ts = 0;
    std::map<std::string, std::unique_ptr<projection::TenantProjection>> projections;
    uint64_t position = 0;
    while (g.Next(&line, &ts)) {
      event::Event e;
      std::vector<event::FieldError> errors;
      if (!parser.ParseOne(line, &e, &errors)) continue;
      auto& p = projections[e.organization_id];
      if (!p) p = projection::TenantProjection::WithDefaults(e.organization_id);
      p->Apply(e, ++position, 0);
    }
    for (auto& [org, p] : projections) {
      auto view = p->Publish(position);
      for (const char* period : {"2024-01", "2024-02", "2024-03", "2024-Q1", "2024"}) {
        for (const char* type : {"balance_sheet", "trial_balance", "cash_flow", "pnl"}) {
          const TypeSpec* spec = FindType("financial", type);
          auto parsed = projection::ParsePeriod(period);
          std::vector<std::pair<std::string, std::string>> params;
          if (std::string_view(type) == "pnl") params = {{"compare", "prev"}};
          Document d = BuildReport(ReportRequest{*view, *spec, *parsed, params, 0});
          if (std::string_view(type) == "balance_sheet") {
            EXPECT_TRUE(*d.balanced) << org << " seed " << seed << " " << period;
            const Section& k = d.sections[0];
            EXPECT_EQ(KpiText(k, "Total assets"), KpiText(k, "Liabilities and equity"));
            EXPECT_GT(d.Find("assets")->rows.size(), 0u) << org;
          }
          if (std::string_view(type) == "trial_balance") {
            const Section* s = d.Find("accounts");
            EXPECT_EQ(std::get<Decimal>(s->totals[3]), std::get<Decimal>(s->totals[4]));
            EXPECT_GT(std::get<Decimal>(s->totals[3]).units, 0) << org << " " << period;
          }
        }
      }
    }
  }
}

TEST(FinancialReportsPropertyTest, RandomStreamsBalanceInAnyOrder) {
  const char* types[] = {"asset", "liability", "equity", "revenue", "expense"};
  const char* subtypes[] = {"", "cash", "receivable", "payable", "cogs"};
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    struct Ev {
      std::function<void(TestTenant&)> apply;
    };
    std::vector<Ev> events;
    int accounts = 3 + static_cast<int>(rng() % 8);
    for (int a = 0; a < accounts; ++a) {
      std::string code = std::to_string(1000 + a);
      std::string type = types[rng() % 5];
      std::string subtype = a == 0 ? "cash" : subtypes[rng() % 5];
      // Account creations land anywhere in the stream, even after their transactions.
      std::string ts = "2024-0" + std::to_string(1 + rng() % 6) + "-10T00:00:00Z";
      events.push_back({[=](TestTenant& t) { Account(t, code, "A" + code, type, subtype, ts); }});
    }
    int transactions = 20 + static_cast<int>(rng() % 40);
    for (int i = 0; i < transactions; ++i) {
      int n = 2 + static_cast<int>(rng() % 3);
      std::vector<std::pair<std::string, int64_t>> lines;  // (code, signed cents: + debit)
      int64_t sum = 0;
      for (int j = 0; j < n - 1; ++j) {
        int64_t cents = static_cast<int64_t>(rng() % 200000) - 100000;
        lines.emplace_back(std::to_string(1000 + rng() % accounts), cents);
        sum += cents;
      }
      lines.emplace_back(std::to_string(1000 + rng() % accounts), -sum);
      std::string ts = "2024-0" + std::to_string(1 + rng() % 6) + "-" +
                       std::to_string(10 + rng() % 18) + "T12:00:00Z";
      std::string id = "tx" + std::to_string(i);
      events.push_back({[=](TestTenant& t) {
        std::vector<std::string> keep;
        std::vector<L> ls;
        for (const auto& [code, cents] : lines) {
          int64_t v = cents < 0 ? -cents : cents;
          keep.push_back(std::to_string(v / 100) + "." + std::to_string(v % 100 / 10) +
                         std::to_string(v % 10));
        }
        for (size_t k = 0; k < lines.size(); ++k) {
          bool debit = lines[k].second >= 0;
          ls.push_back({lines[k].first, debit ? std::string_view(keep[k]) : "0",
                        debit ? "0" : std::string_view(keep[k])});
        }
        Post(t, id, ts, ls);
      }});
    }
    std::shuffle(events.begin(), events.end(), rng);
    TestTenant t;
    for (const Ev& e : events) e.apply(t);
    for (const char* period : {"2024-01", "2024-03", "2024-06", "2024-Q2", "2024"}) {
      ExpectIdentities(t, period, "seed " + std::to_string(seed));
    }
    // Every account was created, whatever the order: every statement balances.
    EXPECT_TRUE(*t.Run("financial", "balance_sheet", "2024").balanced) << seed;
  }
}

}  // namespace
}  // namespace readside::report
