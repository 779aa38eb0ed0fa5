#include "projection/ledger_projection.h"

#include <limits>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kCode = 0, kType = 2, kSubtype = 3;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "code") == kCode);
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "type") == kType);
static_assert(event::FieldIndexOf(E::kFinanceAccountCreated, "subtype") == kSubtype);
constexpr DayNumber kAllDaysFrom = std::numeric_limits<DayNumber>::min();
constexpr DayNumber kAllDaysTo = std::numeric_limits<DayNumber>::max();
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

void LedgerProjection::AccountCreated(const ApplyContext& c) {
  const std::string& code = c.f(kCode).text;
  auto [it, fresh] = accounts_.try_emplace(code);
  if (!fresh) return c.Orphan();  // the chart keeps the first definition of a code
  static constexpr std::pair<std::string_view, Type> kTypes[] = {
      {"asset", Type::kAsset},     {"liability", Type::kLiability}, {"equity", Type::kEquity},
      {"revenue", Type::kRevenue}, {"expense", Type::kExpense}};
  Account& a = it->second;
  for (const auto& [name, type] : kTypes) {
    if (c.f(kType).text == name) a.type = type;
  }
  const event::FieldValue& subtype = c.f(kSubtype);
  a.cash = subtype.present && subtype.text == "cash";
  a.cogs = subtype.present && subtype.text == "cogs";

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
  for (const event::LedgerLine& line : c.e.ledger_lines) {
    int64_t debit = line.debit.units(), credit = line.credit.units();
    if (auto it = accounts_.find(line.account_code); it != accounts_.end()) {
      Classify(it->second, c.day, debit, credit, c.m);
      continue;
    }
    Unclassified& u = unclassified_[line.account_code];
    u.debit.Add(c.day, debit);
    u.credit.Add(c.day, credit);
    u.lines.Add(c.day, 1);
    c.m.Add(S::kUnclassifiedDebit, c.day, debit);
    c.m.Add(S::kUnclassifiedCredit, c.day, credit);
    c.m.Add(S::kUnclassifiedLines, c.day, 1);
    ++c.m.quality().unclassified_ledger_lines;
  }
}

void LedgerProjection::Apply(const ApplyContext& c) {
  if (c.e.type == E::kFinanceAccountCreated) return AccountCreated(c);
  if (c.e.type == E::kFinanceTransactionPosted) return Posted(c);
}


void LedgerProjection::Save(SnapshotWriter& w) const {
  w.U64(accounts_.size());
  for (const auto& [code, a] : accounts_) {
    w.Str(code);
    w.U64(static_cast<uint64_t>(a.type));
    w.Bool(a.cash);
    w.Bool(a.cogs);
  }
  w.U64(unclassified_.size());
  for (const auto& [code, u] : unclassified_) {
    w.Str(code);
    u.debit.Save(w);
    u.credit.Save(w);
    u.lines.Save(w);
  }
}

bool LedgerProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Account& a = accounts_[r.Str()];
    uint64_t type = r.U64();
    if (type > static_cast<uint64_t>(Type::kExpense)) return r.Fail(), false;
    a.type = static_cast<Type>(type);
    a.cash = r.Bool();
    a.cogs = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Unclassified& u = unclassified_[r.Str()];
    if (!u.debit.Load(r) || !u.credit.Load(r) || !u.lines.Load(r)) return false;
  }
  return r.ok();
}

}  // namespace readside::projection
