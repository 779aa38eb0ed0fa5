// Financial statements (reports.md "Catalog", financial). How each is computed, which accounts
// and which sign: docs/reports.md. Every amount is read from the published view's ledger
// fact tables by account code (F::kLedgerDebitByAccount / kLedgerCreditByAccount), classified by
// the chart of accounts in the same view, so a statement is one consistent position.
#include <algorithm>
#include <map>

#include "common/time_util.h"
#include "report/builders.h"

namespace readside::report::internal {
namespace {

using projection::AccountChart;
using projection::DaySeries;
using projection::DayNumber;
using projection::Granularity;
using projection::F;
using projection::LedgerAccountInfo;
using projection::Period;
using projection::S;
using projection::TenantView;

Decimal M(int64_t units) { return Decimal::MoneyUnits(units); }

// The same period a year earlier: the same date, ISO week (52 weeks back), month, quarter or
// year. 29 February maps to 28 February.
Period YearEarlier(const Period& p) {
  switch (p.granularity) {
    case Granularity::kDay: {
      int y, m, d;
      projection::CivilFromDayNumber(p.first_day, &y, &m, &d);
      if (m == 2 && d == 29) d = 28;
      DayNumber day = projection::DayNumberFromCivil(y - 1, m, d);
      return Period{Granularity::kDay, day, day + 1};
    }
    case Granularity::kWeek:
      return projection::PeriodContaining(Granularity::kWeek, p.first_day - 364);
    case Granularity::kMonth:
    case Granularity::kQuarter:
    case Granularity::kYear: {
      int steps = p.granularity == Granularity::kMonth ? 12
                  : p.granularity == Granularity::kQuarter ? 4 : 1;
      Period q = p;
      for (int i = 0; i < steps; ++i) q = projection::PrevPeriod(q);
      return q;
    }
  }
  return projection::PrevPeriod(p);
}

// Per-account debit and credit sums of one view. A fact table sums every key over a day range
// at once, so the sums are kept per range asked for (a statement asks for a handful).
// Thread-safety: one request's object; not shared.
class Ledger {
 public:
  explicit Ledger(const TenantView& v)
      : chart_(*v.accounts),
        debit_(v.Get(F::kLedgerDebitByAccount)),
        credit_(v.Get(F::kLedgerCreditByAccount)) {}

  const AccountChart& chart() const { return chart_; }

  // Σ debit and Σ credit of `code` over days [from, to).
  int64_t Debit(std::string_view code, DayNumber from, DayNumber to) const {
    return Sum(true, code, from, to);
  }
  int64_t Credit(std::string_view code, DayNumber from, DayNumber to) const {
    return Sum(false, code, from, to);
  }
  // Σ (debit − credit), the natural balance of an asset or expense account.
  int64_t DebitBalance(std::string_view code, DayNumber from, DayNumber to) const {
    return Debit(code, from, to) - Credit(code, from, to);
  }

  // Every code with a line (in either series) or in the chart, sorted.
  std::vector<std::string> Codes() const {
    std::vector<std::string> codes;
    for (const auto& [code, info] : chart_) codes.push_back(code);
    for (bool debit : {true, false}) {
      for (const auto& [code, sum] : Sums(debit, kBegin, kEnd)) {
        if (!chart_.contains(code)) codes.push_back(code);
      }
    }
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    return codes;
  }
  // Codes with lines that the chart does not know.
  std::vector<std::string> UnknownCodes() const {
    std::vector<std::string> out;
    for (const std::string& code : Codes()) {
      if (!chart_.contains(code)) out.push_back(code);
    }
    return out;
  }

  const LedgerAccountInfo* Info(std::string_view code) const {
    auto it = chart_.find(code);
    return it == chart_.end() ? nullptr : &it->second;
  }

  // Cumulative net profit (revenue credit − debit, minus expense debit − credit) up to `to`.
  int64_t NetProfitBefore(DayNumber to) const {
    int64_t total = 0;
    for (const auto& [code, info] : chart_) {
      if (info.type == "revenue") total -= DebitBalance(code, kBegin, to);
      if (info.type == "expense") total -= DebitBalance(code, kBegin, to);
    }
    return total;
  }

  static constexpr DayNumber kBegin = projection::FactTableView::kMinDay;
  static constexpr DayNumber kEnd = std::numeric_limits<DayNumber>::max();

 private:
  int64_t Sum(bool debit, std::string_view code, DayNumber from, DayNumber to) const {
    const projection::KeySums& sums = Sums(debit, from, to);
    auto it = sums.find(code);
    return it == sums.end() ? 0 : it->second;
  }
  const projection::KeySums& Sums(bool debit, DayNumber from, DayNumber to) const {
    auto& cache = debit ? debit_sums_ : credit_sums_;
    auto [it, fresh] = cache.try_emplace({from, to});
    if (fresh) it->second = (debit ? debit_ : credit_).Sum(from, to);
    return it->second;
  }

  const AccountChart& chart_;
  const projection::FactTableView& debit_;
  const projection::FactTableView& credit_;
  mutable std::map<std::pair<DayNumber, DayNumber>, projection::KeySums> debit_sums_, credit_sums_;
};

std::string AccountLabel(std::string_view code, const LedgerAccountInfo* info) {
  std::string label(code);
  if (info != nullptr && !info->name.empty()) label += " " + info->name;
  return label;
}

Section Kpis(std::vector<KpiItem> items, std::string title = "Summary") {
  Section s;
  s.id = "kpis";
  s.title = std::move(title);
  s.kind = SectionKind::kKpis;
  s.items = std::move(items);
  return s;
}

Section Table(std::string id, std::string title, std::vector<Column> columns) {
  Section s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.kind = SectionKind::kTable;
  s.columns = std::move(columns);
  return s;
}

// Sums the money columns `cols` of `s`'s rows into its totals row; other columns stay empty
// except the first, which says "Total".
void AddTotals(Section& s, std::initializer_list<size_t> cols) {
  s.totals.assign(s.columns.size(), std::monostate{});
  s.totals[0] = std::string("Total");
  for (size_t c : cols) {
    int64_t sum = 0;
    for (const auto& row : s.rows) {
      if (const auto* d = std::get_if<Decimal>(&row[c])) sum += d->units;
    }
    s.totals[c] = M(sum);
  }
}

// ---------------------------------------------------------------------------------------
// pnl

enum class PnlGroup { kRevenue, kCogs, kOperating };

struct PnlAmounts {
  int64_t revenue = 0, cogs = 0, opex = 0;
  int64_t gross() const { return revenue - cogs; }
  int64_t net() const { return gross() - opex; }
};

PnlAmounts PnlOf(const Ledger& l, const Period& p) {
  PnlAmounts a;
  for (const auto& [code, info] : l.chart()) {
    int64_t balance = l.DebitBalance(code, p.first_day, p.end_day);
    if (info.type == "revenue") a.revenue -= balance;
    if (info.type == "expense") (info.subtype == "cogs" ? a.cogs : a.opex) += balance;
  }
  return a;
}

}  // namespace

void BuildPnl(const ReportRequest& r, Document* doc) {
  Ledger l(r.view);
  const Period& p = r.period;
  std::string_view mode = r.Param("compare");
  bool compare = mode != "none";
  Period q = mode == "yoy" ? YearEarlier(p) : projection::PrevPeriod(p);
  std::string p_label = projection::FormatPeriod(p), q_label = projection::FormatPeriod(q);

  PnlAmounts now = PnlOf(l, p), before = PnlOf(l, q);
  doc->sections.push_back(Kpis({
      {"Revenue", M(now.revenue), doc->currency},
      {"Cost of goods sold", M(now.cogs), doc->currency},
      {"Gross profit", M(now.gross()), doc->currency},
      {"Operating expenses", M(now.opex), doc->currency},
      {"Net profit", M(now.net()), doc->currency},
      {"Net margin", Decimal::Percent(now.net(), now.revenue, 2), "%"},
  }));

  // The statement: revenue, gross profit, expenses, net profit, each for P and the comparison.
  std::vector<Column> cols = {{"line", "Line", ColumnType::kString},
                              {"amount", p_label, ColumnType::kMoney}};
  if (compare) {
    cols.push_back({"compare", q_label, ColumnType::kMoney});
    cols.push_back({"change", "Change", ColumnType::kMoney});
    cols.push_back({"change_pct", "Change %", ColumnType::kPercent});
  }
  Section statement = Table("statement", "Profit and loss", cols);
  auto line = [&](std::string label, int64_t a, int64_t b) {
    std::vector<Cell> row = {std::move(label), M(a)};
    if (compare) {
      row.push_back(M(b));
      row.push_back(M(a - b));
      row.push_back(b == 0 ? Cell{} : Cell{Decimal::Percent(a - b, b < 0 ? -b : b, 1)});
    }
    statement.rows.push_back(std::move(row));
  };
  line("Revenue", now.revenue, before.revenue);
  line("Cost of goods sold", now.cogs, before.cogs);
  line("Gross profit", now.gross(), before.gross());
  line("Operating expenses", now.opex, before.opex);
  line("Net profit", now.net(), before.net());
  doc->sections.push_back(std::move(statement));

  // Accounts: revenue positive, expenses negative, so the total is the net profit.
  std::vector<Column> acols = {{"account", "Account", ColumnType::kString},
                               {"group", "Group", ColumnType::kString},
                               {"amount", p_label, ColumnType::kMoney}};
  if (compare) acols.push_back({"compare", q_label, ColumnType::kMoney});
  Section accounts = Table("accounts", "Accounts", acols);
  for (PnlGroup g : {PnlGroup::kRevenue, PnlGroup::kCogs, PnlGroup::kOperating}) {
    for (const auto& [code, info] : l.chart()) {
      PnlGroup group;
      if (info.type == "revenue") {
        group = PnlGroup::kRevenue;
      } else if (info.type == "expense") {
        group = info.subtype == "cogs" ? PnlGroup::kCogs : PnlGroup::kOperating;
      } else {
        continue;
      }
      if (group != g) continue;
      // Contribution to profit: credit − debit for every account.
      int64_t a = -l.DebitBalance(code, p.first_day, p.end_day);
      int64_t b = compare ? -l.DebitBalance(code, q.first_day, q.end_day) : 0;
      if (a == 0 && b == 0) continue;
      std::string group_name = g == PnlGroup::kRevenue ? "Revenue"
                               : g == PnlGroup::kCogs  ? "Cost of goods sold"
                                                       : "Operating expenses";
      std::vector<Cell> row = {AccountLabel(code, &info), group_name, M(a)};
      if (compare) row.push_back(M(b));
      accounts.rows.push_back(std::move(row));
    }
  }
  if (compare) {
    AddTotals(accounts, {2, 3});
  } else {
    AddTotals(accounts, {2});
  }
  doc->sections.push_back(std::move(accounts));

  doc->sections.push_back(MonthlyTrend(
      "trend", "Revenue, expenses and net profit by month", p,
      {{"Revenue", [&](const Period& m) { return M(PnlOf(l, m).revenue); }},
       {"Expenses", [&](const Period& m) {
          PnlAmounts a = PnlOf(l, m);
          return M(a.cogs + a.opex);
        }},
       {"Net profit", [&](const Period& m) { return M(PnlOf(l, m).net()); }}}));
}

// ---------------------------------------------------------------------------------------
// balance_sheet

namespace {
struct BalanceTotals {
  int64_t assets = 0, liabilities = 0, equity = 0, retained = 0;
  bool unclassified = false;
};

BalanceTotals BalanceAt(const Ledger& l, const TenantView& v, DayNumber end) {
  BalanceTotals t;
  for (const auto& [code, info] : l.chart()) {
    int64_t b = l.DebitBalance(code, Ledger::kBegin, end);
    if (info.type == "asset") t.assets += b;
    if (info.type == "liability") t.liabilities -= b;
    if (info.type == "equity") t.equity -= b;
  }
  t.retained = l.NetProfitBefore(end);
  t.equity += t.retained;
  for (const std::string& code : l.UnknownCodes()) {
    t.unclassified |= l.Debit(code, Ledger::kBegin, end) != 0 ||
                      l.Credit(code, Ledger::kBegin, end) != 0;
  }
  t.unclassified |= v.Get(S::kUnclassifiedLines).PrefixBefore(end) != 0;
  return t;
}
}  // namespace

void BuildBalanceSheet(const ReportRequest& r, Document* doc) {
  Ledger l(r.view);
  const DayNumber end = r.period.end_day;
  BalanceTotals t = BalanceAt(l, r.view, end);
  bool balanced = !t.unclassified && t.assets == t.liabilities + t.equity;
  doc->balanced = balanced;

  std::string as_of;
  {
    int y, m, d;
    projection::CivilFromDayNumber(end - 1, &y, &m, &d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    as_of = buf;
  }
  doc->sections.push_back(Kpis({
      {"Total assets", M(t.assets), doc->currency},
      {"Total liabilities", M(t.liabilities), doc->currency},
      {"Total equity", M(t.equity), doc->currency},
      {"Liabilities and equity", M(t.liabilities + t.equity), doc->currency},
  }, "Summary as of " + as_of));

  auto accounts_of = [&](std::string id, std::string title, std::string_view type, int sign) {
    Section s = Table(std::move(id), std::move(title),
                      {{"account", "Account", ColumnType::kString},
                       {"balance", "Balance " + as_of, ColumnType::kMoney}});
    for (const auto& [code, info] : l.chart()) {
      if (info.type != type) continue;
      int64_t debit = l.Debit(code, Ledger::kBegin, end), credit = l.Credit(code, Ledger::kBegin, end);
      if (debit == 0 && credit == 0) continue;  // never used up to the date
      s.rows.push_back({AccountLabel(code, &info), M(sign * (debit - credit))});
    }
    return s;
  };
  Section assets = accounts_of("assets", "Assets", "asset", 1);
  AddTotals(assets, {1});
  Section liabilities = accounts_of("liabilities", "Liabilities", "liability", -1);
  AddTotals(liabilities, {1});
  Section equity = accounts_of("equity", "Equity", "equity", -1);
  equity.rows.push_back({std::string("Retained earnings"), M(t.retained)});
  AddTotals(equity, {1});
  doc->sections.push_back(std::move(assets));
  doc->sections.push_back(std::move(liabilities));
  doc->sections.push_back(std::move(equity));

  Section unclassified = Table("unclassified", "Unclassified (unknown accounts)",
                               {{"account", "Account", ColumnType::kString},
                                {"debit", "Debit", ColumnType::kMoney},
                                {"credit", "Credit", ColumnType::kMoney},
                                {"balance", "Debit − credit", ColumnType::kMoney}});
  for (const std::string& code : l.UnknownCodes()) {
    int64_t debit = l.Debit(code, Ledger::kBegin, end), credit = l.Credit(code, Ledger::kBegin, end);
    if (debit == 0 && credit == 0) continue;
    unclassified.rows.push_back({code, M(debit), M(credit), M(debit - credit)});
  }
  if (!unclassified.rows.empty()) {
    AddTotals(unclassified, {1, 2, 3});
    doc->sections.push_back(std::move(unclassified));
  }

  std::vector<BalanceTotals> months;
  std::vector<Period> trend = TrendMonths(r.period);
  for (const Period& m : trend) months.push_back(BalanceAt(l, r.view, m.end_day));
  auto at = [&](const Period& m) -> const BalanceTotals& {
    return months[std::find(trend.begin(), trend.end(), m) - trend.begin()];
  };
  doc->sections.push_back(MonthlyTrend(
      "trend", "Assets, liabilities and equity at month end", r.period,
      {{"Assets", [&](const Period& m) { return M(at(m).assets); }},
       {"Liabilities", [&](const Period& m) { return M(at(m).liabilities); }},
       {"Equity", [&](const Period& m) { return M(at(m).equity); }}},
      "line"));
}

// ---------------------------------------------------------------------------------------
// cash_flow

namespace {
struct Activity {
  const char* name;
  S in, out;
};
constexpr Activity kActivities[] = {
    {"Operating", S::kCashOperatingIn, S::kCashOperatingOut},
    {"Investing", S::kCashInvestingIn, S::kCashInvestingOut},
    {"Financing", S::kCashFinancingIn, S::kCashFinancingOut},
    {"Unclassified", S::kCashUnclassifiedIn, S::kCashUnclassifiedOut},
};
}  // namespace

void BuildCashFlow(const ReportRequest& r, Document* doc) {
  Ledger l(r.view);
  const Period& p = r.period;
  std::vector<std::string> cash;
  for (const auto& [code, info] : l.chart()) {
    if (info.subtype == "cash") cash.push_back(code);
  }
  int64_t opening = 0, closing = 0;
  for (const std::string& code : cash) {
    opening += l.DebitBalance(code, Ledger::kBegin, p.first_day);
    closing += l.DebitBalance(code, Ledger::kBegin, p.end_day);
  }

  Section activities = Table("activities", "Cash flow by activity",
                             {{"activity", "Activity", ColumnType::kString},
                              {"inflows", "Inflows", ColumnType::kMoney},
                              {"outflows", "Outflows", ColumnType::kMoney},
                              {"net", "Net", ColumnType::kMoney}});
  int64_t inflows = 0, outflows = 0;
  for (const Activity& a : kActivities) {
    int64_t in = Flow(r.view.Get(a.in), p), out = Flow(r.view.Get(a.out), p);
    if (a.in == S::kCashUnclassifiedIn && in == 0 && out == 0) continue;
    inflows += in;
    outflows += out;
    activities.rows.push_back({std::string(a.name), M(in), M(-out), M(in - out)});
  }
  AddTotals(activities, {1, 2, 3});

  doc->sections.push_back(Kpis({
      {"Opening cash", M(opening), doc->currency},
      {"Cash inflows", M(inflows), doc->currency},
      {"Cash outflows", M(outflows), doc->currency},
      {"Net change", M(inflows - outflows), doc->currency},
      {"Closing cash", M(closing), doc->currency},
  }));
  doc->sections.push_back(std::move(activities));

  Section accounts = Table("cash_accounts", "Cash accounts",
                           {{"account", "Account", ColumnType::kString},
                            {"opening", "Opening", ColumnType::kMoney},
                            {"receipts", "Receipts (debits)", ColumnType::kMoney},
                            {"payments", "Payments (credits)", ColumnType::kMoney},
                            {"closing", "Closing", ColumnType::kMoney}});
  for (const std::string& code : cash) {
    int64_t open = l.DebitBalance(code, Ledger::kBegin, p.first_day);
    int64_t debit = l.Debit(code, p.first_day, p.end_day);
    int64_t credit = l.Credit(code, p.first_day, p.end_day);
    accounts.rows.push_back({AccountLabel(code, l.Info(code)), M(open), M(debit), M(-credit),
                             M(open + debit - credit)});
  }
  AddTotals(accounts, {1, 2, 3, 4});
  doc->sections.push_back(std::move(accounts));

  auto flow_of = [&](const Period& m, bool in) {
    int64_t sum = 0;
    for (const Activity& a : kActivities) sum += Flow(r.view.Get(in ? a.in : a.out), m);
    return sum;
  };
  doc->sections.push_back(MonthlyTrend(
      "trend", "Cash inflows and outflows by month", p,
      {{"Inflows", [&](const Period& m) { return M(flow_of(m, true)); }},
       {"Outflows", [&](const Period& m) { return M(flow_of(m, false)); }}}));
}

// ---------------------------------------------------------------------------------------
// trial_balance

void BuildTrialBalance(const ReportRequest& r, Document* doc) {
  Ledger l(r.view);
  const DayNumber end = r.period.end_day;
  Section s = Table("accounts", "Trial balance",
                    {{"code", "Code", ColumnType::kString},
                     {"name", "Name", ColumnType::kString},
                     {"type", "Type", ColumnType::kString},
                     {"debit", "Debit", ColumnType::kMoney},
                     {"credit", "Credit", ColumnType::kMoney}});
  int64_t debits = 0, credits = 0;
  for (const std::string& code : l.Codes()) {
    const LedgerAccountInfo* info = l.Info(code);
    int64_t debit = l.Debit(code, Ledger::kBegin, end), credit = l.Credit(code, Ledger::kBegin, end);
    if (info == nullptr && debit == 0 && credit == 0) continue;  // unknown, no line yet
    debits += debit;
    credits += credit;
    s.rows.push_back({code, info ? info->name : std::string(),
                      info ? info->type : std::string("unclassified"), M(debit), M(credit)});
  }
  AddTotals(s, {3, 4});
  doc->sections.push_back(Kpis({
      {"Total debits", M(debits), doc->currency},
      {"Total credits", M(credits), doc->currency},
      {"Difference", M(debits - credits), doc->currency},
      {"Accounts", Decimal::Count(static_cast<int64_t>(s.rows.size())), ""},
  }));
  doc->sections.push_back(std::move(s));
}

// ---------------------------------------------------------------------------------------
// ar_aging

void BuildArAging(const ReportRequest& r, Document* doc) {
  // As of the end of the period, or now for a period not over yet (like invoices_overdue).
  const int64_t t = std::min(r.view.calendar.StartOf(r.period.end_day), r.now_micros);
  struct Row {
    std::array<int64_t, 5> buckets{};
    int64_t invoices = 0, overdue_invoices = 0;
    int64_t total() const { return buckets[0] + buckets[1] + buckets[2] + buckets[3] + buckets[4]; }
  };
  std::map<std::string, Row, std::less<>> customers;
  projection::LocalCalendar calendar = r.view.calendar;
  const projection::DayNumber as_of_day = calendar.DayOf(t - 1);  // the last local day counted
  r.view.receivables->ForEach([&](const projection::ReceivableItem& item) {
    int64_t open = item.OpenBefore(t);
    if (open == 0) return;
    int64_t days = 0;
    if (item.due_date != projection::ReceivableItem::kNoDueDate) {
      // A due date: calendar days from it to the as-of date, in the tenant's calendar (due
      // on the 31st, as of the 31st: current, whatever the zone).
      days = std::max<int64_t>(0, int64_t{as_of_day} - item.due_date);
    } else if (t > item.due_micros) {
      // A due instant: days past it, rounded up (overdue by an hour is 1 day).
      days = (t - item.due_micros + kMicrosPerDay - 1) / kMicrosPerDay;
    }
    size_t bucket = days == 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4;
    Row& row = customers[item.customer_id];
    row.buckets[bucket] += open;
    ++row.invoices;
    row.overdue_invoices += bucket != 0;
  });

  std::vector<std::pair<std::string, Row>> rows(customers.begin(), customers.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.total() > b.second.total();
  });
  Section s = Table("customers", "Open receivables by customer",
                    {{"customer", "Customer", ColumnType::kString},
                     {"current", "Current", ColumnType::kMoney},
                     {"d1_30", "1–30 days", ColumnType::kMoney},
                     {"d31_60", "31–60 days", ColumnType::kMoney},
                     {"d61_90", "61–90 days", ColumnType::kMoney},
                     {"d90_plus", "Over 90 days", ColumnType::kMoney},
                     {"total", "Total", ColumnType::kMoney},
                     {"invoices", "Open invoices", ColumnType::kInteger}});
  int64_t total = 0, overdue = 0, invoices = 0, overdue_invoices = 0;
  for (const auto& [customer, row] : rows) {
    std::vector<Cell> cells = {customer};
    for (int64_t b : row.buckets) cells.push_back(M(b));
    cells.push_back(M(row.total()));
    cells.push_back(Decimal::Count(row.invoices));
    s.rows.push_back(std::move(cells));
    total += row.total();
    overdue += row.total() - row.buckets[0];
    invoices += row.invoices;
    overdue_invoices += row.overdue_invoices;
  }
  AddTotals(s, {1, 2, 3, 4, 5, 6});
  s.totals[7] = Decimal::Count(invoices);

  doc->sections.push_back(Kpis({
      {"Total receivables", M(total), doc->currency},
      {"Overdue", M(overdue), doc->currency},
      {"Overdue share", Decimal::Percent(overdue, total, 1), "%"},
      {"Open invoices", Decimal::Count(invoices), ""},
      {"Overdue invoices", Decimal::Count(overdue_invoices), ""},
  }));
  doc->sections.push_back(std::move(s));
  doc->sections.push_back(MonthlyTrend(
      "trend", "Accounts receivable at month end", r.period,
      {{"Accounts receivable",
        [&](const Period& m) { return M(StockAtEnd(r.view.Get(S::kAccountsReceivable), m)); }}},
      "line"));
}

}  // namespace readside::report::internal
