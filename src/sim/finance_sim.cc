// FinanceSim: chart of accounts, ledger postings, operating expenses and borrowing.
// Invoices and payments live in invoicing.cc.
#include "sim/finance_sim.h"

#include <string_view>

#include "sim/hrm_sim.h"

namespace readside::sim {
namespace {

struct Account {
  int32_t code;
  std::string_view name;
  std::string_view type;
  std::string_view subtype;
};

constexpr Account kChart[] = {
    {kCash, "Cash", "asset", "cash"},
    {kReceivables, "Accounts Receivable", "asset", "receivable"},
    {kInventoryAsset, "Inventory", "asset", "inventory"},
    {kEquipment, "Equipment", "asset", "fixed_asset"},
    {kPayables, "Accounts Payable", "liability", "payable"},
    {kLoans, "Bank Loans", "liability", "loan"},
    {kPayrollLiabilities, "Payroll Liabilities", "liability", "payroll_liabilities"},
    {kOwnerEquity, "Owner Equity", "equity", "owner_equity"},
    {kSalesRevenue, "Sales Revenue", "revenue", "sales"},
    {kServiceRevenue, "Service Revenue", "revenue", "services"},
    {kCostOfGoodsSold, "Cost of Goods Sold", "expense", "cogs"},
    {kSalaries, "Salaries", "expense", "payroll"},
    {kRent, "Rent", "expense", "rent"},
    {kMarketing, "Marketing", "expense", "marketing"},
    {kSoftware, "Software", "expense", "software"},
    {kInterest, "Interest Expense", "expense", "interest"},
};

// Indexed by PostingReason.
constexpr std::string_view kDescriptions[] = {
    "Opening balance: owner capital",
    "Opening balance: inventory on hand",
    "Revenue for invoice",
    "Payment received for invoice",
    "Payroll run",
    "Payroll taxes remitted for",
    "Office rent",
    "Software subscriptions",
    "Vendor payment",
    "Marketing campaign",
    "Equipment purchase",
    "Stock purchase for",
    "Cost of goods sold for",
    "Bank loan drawdown",
    "Loan repayment",
    "Capital injection by owners",
};

constexpr int64_t kMarketingMedianCents[] = {250000, 120000, 50000};

}  // namespace

int FinanceSim::AccountCount() { return static_cast<int>(sizeof(kChart) / sizeof(kChart[0])); }

int64_t FinanceSim::PickAccountant() const {
  int64_t e = ctx_.hrm->PickActive(kFinance);
  return e >= 0 ? e : kSystemUser;
}

bool FinanceSim::CreateAccount(int index) {
  const Account& a = kChart[index];
  JsonWriter& w = ctx_.Begin(EventType::kAccountCreated, static_cast<uint64_t>(a.code));
  w.Key("code");
  w.BeginString();
  AppendInt(a.code, w.out());
  w.EndString();
  w.Key("name");
  w.String(a.name);
  w.Key("type");
  w.String(a.type);
  w.Key("subtype");
  w.String(a.subtype);
  ctx_.End(PickAccountant());
  return true;
}

void FinanceSim::AppendDescription(const Posting& posting) {
  std::string* out = &ctx_.ev->line;
  out->append(kDescriptions[static_cast<int>(posting.reason)]);
  if (posting.ref_kind != EntityKind::kCount) {
    out->push_back(' ');
    AppendEntityId(posting.ref_kind, posting.ref_num, out);
  }
}

bool FinanceSim::PostNow(const Posting& posting) {
  bool as_text = ctx_.rng.Chance(0.12);
  bool automated = posting.reason == PostingReason::kPayment ||
                   posting.reason == PostingReason::kInvoice ||
                   posting.reason == PostingReason::kCogs;
  int64_t user = automated && ctx_.rng.Chance(0.7) ? kSystemUser : PickAccountant();
  JsonWriter& w =
      ctx_.Begin(EventType::kTransactionPosted, ctx_.NewId(EntityKind::kTransaction), posting.flow);
  w.Key("lines");
  w.BeginArray();
  for (int i = 0; i < posting.n; ++i) {
    const Posting::Line& line = posting.lines[i];
    w.BeginObject();
    w.Key("account_code");
    w.BeginString();
    AppendInt(line.account_code, w.out());
    w.EndString();
    ctx_.builder.AddRef(EntityKind::kAccount, static_cast<uint64_t>(line.account_code));
    w.Key("debit");
    w.Money(line.debit, as_text);
    w.Key("credit");
    w.Money(line.credit, as_text);
    w.EndObject();
    if (line.account_code == kCash) cash_cents_ += line.debit - line.credit;
  }
  w.EndArray();
  w.Key("description");
  w.BeginString();
  AppendDescription(posting);
  w.EndString();
  ctx_.End(user);
  return true;
}

void FinanceSim::SchedulePosting(const Posting& posting, int64_t delay) {
  ctx_.After(delay, Task::kPost, postings_.Add(posting));
}

void FinanceSim::EnsureCash(int64_t needed_cents) {
  if (cash_cents_ >= needed_cents + needed_cents / 2) return;
  if (last_borrowing_ >= 0 && ctx_.now - last_borrowing_ < 45 * kMicrosPerDay) return;
  last_borrowing_ = ctx_.now;
  int64_t amount = (2 * needed_cents - cash_cents_) / 1000000 * 1000000 + 1000000;
  Posting p;
  p.Debit(kCash, amount);
  if (loans_.live() < 2 && ctx_.rng.Chance(0.75)) {
    p.reason = PostingReason::kLoanDrawdown;
    p.Credit(kLoans, amount);
    int64_t monthly = amount / 24 / 100 * 100 + 100;
    ctx_.After(30 * kMicrosPerDay, Task::kRepayLoan, loans_.Add({amount, monthly}));
  } else {
    p.reason = PostingReason::kCapitalInjection;
    p.Credit(kOwnerEquity, amount);
  }
  SchedulePosting(p, ctx_.Moments());
}

bool FinanceSim::RepayLoan(uint32_t slot) {
  Loan& loan = loans_[slot];
  int64_t principal =
      loan.monthly_principal < loan.outstanding ? loan.monthly_principal : loan.outstanding;
  int64_t interest = loan.outstanding * 6 / 1000;
  loan.outstanding -= principal;
  Posting p;
  p.reason = PostingReason::kLoanRepayment;
  p.Debit(kLoans, principal);
  p.Debit(kInterest, interest);
  p.Credit(kCash, principal + interest);
  if (loan.outstanding > 0) {
    ctx_.After(30 * kMicrosPerDay, Task::kRepayLoan, slot);
  } else {
    loans_.Release(slot);
  }
  return PostNow(p);
}

bool FinanceSim::RecordExpense() {
  uint64_t r = ctx_.rng.Below(100);
  Posting p;
  int64_t amount;
  if (r < 85) {
    bool marketing = r < 65;
    p.reason = marketing ? PostingReason::kMarketing : PostingReason::kSoftware;
    int64_t median = marketing ? kMarketingMedianCents[ctx_.profile.size_class] : 80000;
    amount = ctx_.rng.LogNormal(median, marketing ? 700 : 600) / 100 * 100 + 100;
    p.Debit(marketing ? kMarketing : kSoftware, amount);
    if (ctx_.rng.Chance(0.5)) {
      p.Credit(kCash, amount);
    } else {
      p.Credit(kPayables, amount);
      Posting pay;
      pay.reason = PostingReason::kVendorPayment;
      pay.Debit(kPayables, amount);
      pay.Credit(kCash, amount);
      SchedulePosting(pay, ctx_.rng.Between(15, 40) * kMicrosPerDay);
    }
  } else {
    p.reason = PostingReason::kEquipment;
    int64_t units = ctx_.rng.Between(1, 6);  // one draw per statement: see rng.h
    amount = units * (ctx_.rng.LogNormal(180000, 300) / 100 * 100);
    p.Debit(kEquipment, amount);
    p.Credit(kCash, amount);
  }
  return PostNow(p);
}

void FinanceSim::StartSchedules() {
  int64_t day = ctx_.local_day();
  ctx_.After(ctx_.rng.Between(60, 180) * kMicrosPerMinute, Task::kMonthlyExpenses, 0, 0,
             day - (CivilFromDays(day).day - 1));
}

bool FinanceSim::RunMonthlyExpenses(int64_t month_day) {
  int64_t next_month = FirstDayOfNextMonth(month_day);
  ctx_.agenda.Schedule(ctx_.LocalInstant(next_month, 8 * kMicrosPerHour) +
                           ctx_.rng.Between(0, 120) * kMicrosPerMinute,
                       Task::kMonthlyExpenses, 0, 0, next_month);
  int64_t software =
      static_cast<int64_t>(ctx_.hrm->active_count()) * 4500 * ctx_.rng.Between(90, 110) / 100;
  if (software > 0) {
    Posting bill;
    bill.reason = PostingReason::kSoftware;
    bill.Debit(kSoftware, software);
    bill.Credit(kPayables, software);
    SchedulePosting(bill, ctx_.Moments());
    Posting pay;
    pay.reason = PostingReason::kVendorPayment;
    pay.Debit(kPayables, software);
    pay.Credit(kCash, software);
    SchedulePosting(pay, ctx_.rng.Between(10, 25) * kMicrosPerDay);
  }
  Posting rent;
  rent.reason = PostingReason::kRent;
  rent.Debit(kRent, ctx_.profile.monthly_rent_cents);
  rent.Credit(kCash, ctx_.profile.monthly_rent_cents);
  return PostNow(rent);
}

bool FinanceSim::RunTask(const AgendaItem& item) {
  switch (item.task) {
    case Task::kCreateInvoice: {
      InvoiceRequest request = pending_invoices_[item.a];
      pending_invoices_.Release(item.a);
      return EmitInvoice(request);
    }
    case Task::kSendInvoice:
      return SendInvoice(item.a);
    case Task::kReceivePayment:
      return ReceivePayment(item.a, item.c);
    case Task::kPost: {
      Posting posting = postings_[item.a];
      postings_.Release(item.a);
      return PostNow(posting);
    }
    case Task::kBillRecurring:
      return BillSubscription(item.a);
    case Task::kMonthlyExpenses:
      return RunMonthlyExpenses(item.c);
    case Task::kRepayLoan:
      return RepayLoan(item.a);
    default:
      return false;
  }
}

}  // namespace readside::sim
