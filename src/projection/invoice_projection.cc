#include "projection/invoice_projection.h"

#include <algorithm>

#include "common/time_util.h"
#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kInvoiceAmount = 1, kDueDate = 2, kRecurring = 3;
constexpr int kPaymentInvoice = 0, kPaymentAmount = 1;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kFinanceInvoiceCreated, "amount") == kInvoiceAmount);
static_assert(event::FieldIndexOf(E::kFinanceInvoiceCreated, "due_date") == kDueDate);
static_assert(event::FieldIndexOf(E::kFinanceInvoiceCreated, "recurring") == kRecurring);
static_assert(event::FieldIndexOf(E::kFinancePaymentReceived, "invoice_id") == kPaymentInvoice);
static_assert(event::FieldIndexOf(E::kFinancePaymentReceived, "amount") == kPaymentAmount);
}  // namespace

// The cluster's contributions, times `sign` (+1 add, -1 retract).
void InvoiceProjection::Emit(const Invoice& inv, int sign, ModelBuilder& m) {
  int64_t orphans = 0;
  for (const Payment& p : inv.payments) orphans += (!inv.created || p.at < inv.created_at);
  m.quality().orphans += sign * orphans;
  if (!inv.created) return;
  const int64_t created = inv.created_at.ts;
  m.Add(S::kAccountsReceivable, m.DayOf(created), sign * inv.amount);
  int64_t paid_so_far = 0;
  bool paid = false;
  int64_t paid_at = 0;
  for (const Payment& p : inv.payments) {
    if (p.at < inv.created_at) continue;
    DayNumber day = m.DayOf(p.at.ts);
    int64_t applied = std::min(std::max<int64_t>(inv.amount - paid_so_far, 0), p.amount);
    m.Add(S::kAccountsReceivable, day, -sign * applied);
    paid_so_far += p.amount;
    if (!paid && paid_so_far >= inv.amount) {
      paid = true;
      paid_at = p.at.ts;
      m.Add(S::kInvoicesPaid, day, sign);
      m.Add(S::kPaymentTimeMillis, day, sign * ((paid_at - created) / 1000));
    }
  }
  // Overdue while due (and created) but not yet fully paid: [max(created, due), paid_at).
  int64_t overdue_from = std::max(created, inv.due_micros);
  if (!paid || overdue_from < paid_at) {
    m.AddAt(S::kInvoicesOverdue, overdue_from, sign);
    if (paid) m.AddAt(S::kInvoicesOverdue, paid_at, -sign);
  }
}

void InvoiceProjection::Created(const ApplyContext& c) {
  Invoice& inv = invoices_[c.e.entity_id];
  if (inv.created) return c.Orphan();
  int64_t amount = c.f(kInvoiceAmount).money.units();
  c.m.Add(S::kInvoicesCreated, c.day, 1);
  c.m.Add(S::kTotalRevenue, c.day, amount);
  const event::FieldValue& recurring = c.f(kRecurring);
  c.m.Add(recurring.present && recurring.boolean ? S::kRecurringRevenue : S::kOneTimeRevenue,
          c.day, amount);
  Emit(inv, -1, c.m);
  inv.created = true;
  inv.created_at = {c.ts(), c.seq};
  inv.amount = amount;
  // A due date without a time falls due at the end of that day (UTC).
  const event::FieldValue& due = c.f(kDueDate);
  inv.due_micros = due.integer + (due.is_date ? kMicrosPerDay : 0);
  Emit(inv, 1, c.m);
}

void InvoiceProjection::Paid(const ApplyContext& c) {
  int64_t amount = c.f(kPaymentAmount).money.units();
  c.m.Add(S::kPaymentsReceived, c.day, amount);
  Invoice& inv = invoices_[c.f(kPaymentInvoice).text];
  Payment p{{c.ts(), c.seq}, amount};
  Emit(inv, -1, c.m);
  InsertByTime(inv.payments, p);
  Emit(inv, 1, c.m);
}

void InvoiceProjection::Apply(const ApplyContext& c) {
  switch (c.e.type) {
    case E::kFinanceInvoiceCreated:
      return Created(c);
    case E::kFinanceInvoiceSent: {
      auto it = invoices_.find(c.e.entity_id);
      if (it == invoices_.end() || !it->second.created) return c.Orphan();
      c.m.Add(S::kInvoicesSent, c.day, 1);
      return;
    }
    case E::kFinancePaymentReceived:
      return Paid(c);
    default:
      return;
  }
}


void InvoiceProjection::Save(SnapshotWriter& w) const {
  w.U64(invoices_.size());
  for (const auto& [id, inv] : invoices_) {
    w.Str(id);
    w.Bool(inv.created);
    w.I64(inv.created_at.ts);
    w.U64(inv.created_at.seq);
    w.I64(inv.amount);
    w.I64(inv.due_micros);
    w.U64(inv.payments.size());
    for (const Payment& p : inv.payments) {
      w.I64(p.at.ts);
      w.U64(p.at.seq);
      w.I64(p.amount);
    }
  }
}

bool InvoiceProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Invoice& inv = invoices_[r.Str()];
    inv.created = r.Bool();
    inv.created_at = {r.I64(), r.U64()};
    inv.amount = r.I64();
    inv.due_micros = r.I64();
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      Payment p;
      p.at = {r.I64(), r.U64()};
      p.amount = r.I64();
      inv.payments.push_back(p);
    }
  }
  return r.ok();
}

}  // namespace readside::projection
