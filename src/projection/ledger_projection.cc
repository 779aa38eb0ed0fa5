#include "projection/ledger_projection.h"

#include <algorithm>
#include <array>
#include <limits>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kCode = 0, kName = 1, kType = 2, kSubtype = 3;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "code") == kCode);
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "name") == kName);
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "type") == kType);
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "subtype") == kSubtype);
constexpr DayNumber kAllDaysFrom = std::numeric_limits<DayNumber>::min();
constexpr DayNumber kAllDaysTo = std::numeric_limits<DayNumber>::max();

constexpr std::pair<std::string_view, int> kTypeNames[] = {
    {"asset", 0}, {"liability", 1}, {"equity", 2}, {"revenue", 3}, {"expense", 4}};

// Cash flow activities (reports.md cash_flow): operating, investing, financing, unclassified.
constexpr std::array<std::pair<S, S>, 4> kActivitySeries = {{
    {S::kCashOperatingIn, S::kCashOperatingOut},
    {S::kCashInvestingIn, S::kCashInvestingOut},
    {S::kCashFinancingIn, S::kCashFinancingOut},
    {S::kCashUnclassifiedIn, S::kCashUnclassifiedOut},
}};
}  // namespace

void LedgerProjection::Classify(const Account& a, DayNumber day, int64_t debit, int64_t credit,
                                ModelBuilder& m) {
  if (a.cash) {
    m.Add(S::kCashInflow, day, debit);
    m.Add(S::kCashOutflow, day, credit);
  }
  switch (a.type) {
    case Type::kAsset:
      return m.Add(S::kAssets, day, debit - credit);
    case Type::kLiability:
      return m.Add(S::kLiabilities, day, credit - debit);
    case Type::kEquity:
      return m.Add(S::kEquity, day, credit - debit);
    case Type::kRevenue:
      return m.Add(S::kLedgerRevenue, day, credit - debit);
    case Type::kExpense:
      return m.Add(a.cogs ? S::kLedgerCogs : S::kOperatingExpenses, day, debit - credit);
  }
}

// The cash a transaction moved, N = Σ debit − credit of its cash lines, comes from (N > 0) or
// goes to (N < 0) its other lines on the opposite side: for an inflow the other lines with a
// net credit, for an outflow those with a net debit. N is split over them in proportion to
// their net amounts (largest remainder, ties to the earlier line, so the parts add up to N
// exactly), and each part counts under the activity of its line's account: operating
// (revenue, expense, receivable, payable), investing (other assets), financing (equity, other
// liabilities), unclassified (an account not created yet). A payroll run Dr Salaries 100 /
// Cr Cash 80 / Cr Payroll liabilities 20 is an operating outflow of 80, not an outflow of 100
// and a financing inflow of 20.
void LedgerProjection::EmitCashFlow(const std::vector<Line>& lines, DayNumber day, int sign,
                                    ModelBuilder& m) const {
  std::array<Resolved, 32> small;
  std::vector<Resolved> large;
  Resolved* r = small.data();
  if (lines.size() > small.size()) {
    large.resize(lines.size());
    r = large.data();
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    auto it = accounts_.find(lines[i].code);
    r[i] = {lines[i].debit, lines[i].credit, it == accounts_.end() ? nullptr : &it->second};
  }
  EmitResolvedCashFlow(r, lines.size(), day, sign, m);
}

void LedgerProjection::EmitResolvedCashFlow(const Resolved* lines, size_t n, DayNumber day,
                                            int sign, ModelBuilder& m) {
  int64_t cash = 0;
  bool has_cash = false;
  for (size_t i = 0; i < n; ++i) {
    if (lines[i].account != nullptr && lines[i].account->cash) {
      has_cash = true;
      cash += lines[i].debit - lines[i].credit;
    }
  }
  if (!has_cash || cash == 0) return;
  const bool inflow = cash > 0;
  const __int128 total = inflow ? cash : -static_cast<__int128>(cash);
  // The counterpart lines and their weights (net amounts on the opposite side).
  struct Part {
    const Account* account;
    __int128 weight, share, remainder;
  };
  std::array<Part, 32> small;
  std::vector<Part> large;
  Part* parts = small.data();
  if (n > small.size()) {
    large.resize(n);
    parts = large.data();
  }
  size_t count = 0;
  __int128 weights = 0;
  for (size_t i = 0; i < n; ++i) {
    if (lines[i].account != nullptr && lines[i].account->cash) continue;
    __int128 net = static_cast<__int128>(lines[i].credit) - lines[i].debit;
    if (!inflow) net = -net;
    if (net <= 0) continue;
    parts[count++] = {lines[i].account, net, 0, 0};
    weights += net;
  }
  if (weights == 0) return;  // cannot happen for a balanced transaction
  __int128 given = 0;
  for (size_t k = 0; k < count; ++k) {
    parts[k].share = total * parts[k].weight / weights;
    parts[k].remainder = total * parts[k].weight % weights;
    given += parts[k].share;
  }
  // The units left by rounding down go to the largest remainders, earlier lines first.
  while (given < total) {
    size_t best = 0;
    for (size_t k = 1; k < count; ++k) {
      if (parts[k].remainder > parts[best].remainder) best = k;
    }
    ++parts[best].share;
    parts[best].remainder = -1;
    ++given;
  }

  std::array<int64_t, 4> amount{};
  for (size_t k = 0; k < count; ++k) {
    const Account* a = parts[k].account;
    size_t activity = 3;
    if (a != nullptr) {
      switch (a->type) {
        case Type::kRevenue:
        case Type::kExpense:
          activity = 0;
          break;
        case Type::kAsset:
          activity = a->subtype == "receivable" ? 0 : 1;
          break;
        case Type::kLiability:
          activity = a->subtype == "payable" ? 0 : 2;
          break;
        case Type::kEquity:
          activity = 2;
          break;
      }
    }
    amount[activity] += static_cast<int64_t>(parts[k].share);
  }
  for (size_t k = 0; k < amount.size(); ++k) {
    S series = inflow ? kActivitySeries[k].first : kActivitySeries[k].second;
    m.Add(series, day, sign * amount[k]);
  }
}

bool LedgerProjection::HasUnknownAccount(const std::vector<Line>& lines) const {
  for (const Line& l : lines) {
    if (!accounts_.contains(l.code)) return true;
  }
  return false;
}

void LedgerProjection::AccountCreated(const ApplyContext& c) {
  const std::string& code = c.f(kCode).text;
  if (accounts_.contains(code)) return c.Orphan();  // the chart keeps the first definition
  // The cash flow of transactions waiting for this account, under the chart without it.
  std::vector<uint64_t> waiting;
  if (auto it = pending_by_code_.find(code); it != pending_by_code_.end()) {
    waiting = std::move(it->second);
    pending_by_code_.erase(it);
  }
  for (uint64_t seq : waiting) {
    const PendingTransaction& t = pending_.at(seq);
    EmitCashFlow(t.lines, t.day, -1, c.m);
  }

  Account& a = accounts_[code];
  for (const auto& [name, type] : kTypeNames) {
    if (c.f(kType).text == name) a.type = static_cast<Type>(type);
  }
  const event::FieldValue& subtype = c.f(kSubtype);
  a.subtype = subtype.present ? subtype.text : "";
  a.name = c.f(kName).text;
  a.cash = a.subtype == "cash";
  a.cogs = a.subtype == "cogs";
  chart_stale_ = true;

  for (uint64_t seq : waiting) {
    auto it = pending_.find(seq);
    EmitCashFlow(it->second.lines, it->second.day, 1, c.m);
    if (!HasUnknownAccount(it->second.lines)) pending_.erase(it);
  }

  auto pending = unclassified_.find(code);
  if (pending == unclassified_.end()) return;
  Unclassified& u = pending->second;
  u.debit.ForEachDay(kAllDaysFrom, kAllDaysTo, [&](DayNumber day, int64_t debit) {
    Classify(a, day, debit, 0, c.m);
    c.m.Add(S::kUnclassifiedDebit, day, -debit);
  });
  u.credit.ForEachDay(kAllDaysFrom, kAllDaysTo, [&](DayNumber day, int64_t credit) {
    Classify(a, day, 0, credit, c.m);
    c.m.Add(S::kUnclassifiedCredit, day, -credit);
  });
  u.lines.ForEachDay(kAllDaysFrom, kAllDaysTo, [&](DayNumber day, int64_t lines) {
    c.m.Add(S::kUnclassifiedLines, day, -lines);
  });
  c.m.quality().unclassified_ledger_lines -= u.lines.Total();
  unclassified_.erase(pending);
}

void LedgerProjection::Posted(const ApplyContext& c) {
  const std::vector<event::LedgerLine>& in = c.e.ledger_lines;
  std::array<Resolved, 32> small;
  std::vector<Resolved> large;
  Resolved* resolved = small.data();
  if (in.size() > small.size()) {
    large.resize(in.size());
    resolved = large.data();
  }
  bool unknown = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const event::LedgerLine& line = in[i];
    int64_t debit = line.debit.units(), credit = line.credit.units();
    auto it = accounts_.find(line.account_code);
    uint32_t key = it != accounts_.end() ? c.m.KeyOf(&it->second.key, line.account_code)
                                         : c.m.KeyOf(line.account_code);
    c.m.AddFact(F::kLedgerDebitByAccount, key, c.day, debit);
    c.m.AddFact(F::kLedgerCreditByAccount, key, c.day, credit);
    resolved[i] = {debit, credit, it == accounts_.end() ? nullptr : &it->second};
    if (it != accounts_.end()) {
      Classify(it->second, c.day, debit, credit, c.m);
      continue;
    }
    unknown = true;
    Unclassified& u = unclassified_[line.account_code];
    u.debit.Add(c.day, debit);
    u.credit.Add(c.day, credit);
    u.lines.Add(c.day, 1);
    c.m.Add(S::kUnclassifiedDebit, c.day, debit);
    c.m.Add(S::kUnclassifiedCredit, c.day, credit);
    c.m.Add(S::kUnclassifiedLines, c.day, 1);
    ++c.m.quality().unclassified_ledger_lines;
  }
  EmitResolvedCashFlow(resolved, in.size(), c.day, 1, c.m);
  if (!unknown) return;
  // Kept until every account it names exists (the cash flow depends on all of them).
  std::vector<Line> lines;
  lines.reserve(in.size());
  for (const event::LedgerLine& line : in) {
    lines.push_back({line.account_code, line.debit.units(), line.credit.units()});
    if (accounts_.contains(line.account_code)) continue;
    std::vector<uint64_t>& waiting = pending_by_code_[line.account_code];
    if (waiting.empty() || waiting.back() != c.seq) waiting.push_back(c.seq);
  }
  pending_[c.seq] = PendingTransaction{c.day, std::move(lines)};
}

void LedgerProjection::Apply(const ApplyContext& c) {
  if (c.e.type == E::kFinanceAccountCreated) return AccountCreated(c);
  if (c.e.type == E::kFinanceTransactionPosted) return Posted(c);
}

std::shared_ptr<const AccountChart> LedgerProjection::Chart() {
  if (!chart_stale_) return chart_;
  auto chart = std::make_shared<AccountChart>();
  for (const auto& [code, a] : accounts_) {
    (*chart)[code] = LedgerAccountInfo{a.name, std::string(kTypeNames[static_cast<int>(a.type)].first),
                                       a.subtype};
  }
  chart_ = std::move(chart);
  chart_stale_ = false;
  return chart_;
}

void LedgerProjection::Save(SnapshotWriter& w) const {
  w.U64(accounts_.size());
  for (const auto& [code, a] : accounts_) {
    w.Str(code);
    w.U64(static_cast<uint64_t>(a.type));
    w.Str(a.name);
    w.Str(a.subtype);
  }
  w.U64(unclassified_.size());
  for (const auto& [code, u] : unclassified_) {
    w.Str(code);
    u.debit.Save(w);
    u.credit.Save(w);
    u.lines.Save(w);
  }
  w.U64(pending_.size());
  for (const auto& [seq, t] : pending_) {
    w.U64(seq);
    w.I64(t.day);
    w.U64(t.lines.size());
    for (const Line& l : t.lines) {
      w.Str(l.code);
      w.I64(l.debit);
      w.I64(l.credit);
    }
  }
}

bool LedgerProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Account& a = accounts_[r.Str()];
    uint64_t type = r.U64();
    if (type > static_cast<uint64_t>(Type::kExpense)) return r.Fail(), false;
    a.type = static_cast<Type>(type);
    a.name = r.Str();
    a.subtype = r.Str();
    a.cash = a.subtype == "cash";
    a.cogs = a.subtype == "cogs";
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Unclassified& u = unclassified_[r.Str()];
    if (!u.debit.Load(r) || !u.credit.Load(r) || !u.lines.Load(r)) return false;
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    uint64_t seq = r.U64();
    PendingTransaction& t = pending_[seq];
    t.day = static_cast<DayNumber>(r.I64());
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      Line l;
      l.code = r.Str();
      l.debit = r.I64();
      l.credit = r.I64();
      t.lines.push_back(std::move(l));
    }
    for (const Line& l : t.lines) {
      if (accounts_.contains(l.code)) continue;
      std::vector<uint64_t>& waiting = pending_by_code_[l.code];
      if (std::find(waiting.begin(), waiting.end(), seq) == waiting.end()) waiting.push_back(seq);
    }
  }
  chart_stale_ = true;
  return r.ok();
}

}  // namespace readside::projection
