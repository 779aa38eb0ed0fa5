#include "projection/invoice_projection.h"

#include <algorithm>

#include "common/time_util.h"
#include "event/catalog_tables.h"
#include "projection/cow.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kCustomer = 0, kInvoiceAmount = 1, kDueDate = 2, kRecurring = 3;
constexpr int kPaymentInvoice = 0, kPaymentAmount = 1;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kFinanceInvoiceCreated, "customer_id") == kCustomer);
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
  inv.due_date = due.is_date ? static_cast<int32_t>(due.integer / kMicrosPerDay)  // D 00:00 UTC
                             : ReceivableItem::kNoDueDate;
  inv.customer_id = c.f(kCustomer).text;
  Emit(inv, 1, c.m);
  UpdateBook(c.e.entity_id, inv);
}

void InvoiceProjection::Paid(const ApplyContext& c) {
  int64_t amount = c.f(kPaymentAmount).money.units();
  c.m.Add(S::kPaymentsReceived, c.day, amount);
  const std::string& id = c.f(kPaymentInvoice).text;
  Invoice& inv = invoices_[id];
  Payment p{{c.ts(), c.seq}, amount};
  Emit(inv, -1, c.m);
  InsertByTime(inv.payments, p);
  Emit(inv, 1, c.m);
  if (inv.created) UpdateBook(id, inv);
}

void InvoiceProjection::UpdateBook(const std::string& id, Invoice& inv) {
  if (inv.slot < 0) inv.slot = slots_++;
  size_t chunk = static_cast<size_t>(inv.slot) / kReceivableChunk;
  size_t offset = static_cast<size_t>(inv.slot) % kReceivableChunk;
  if (chunk == chunks_.size()) {
    chunks_.push_back(std::make_shared<ReceivableChunk>());
    chunks_.back()->reserve(kReceivableChunk);
  }
  std::shared_ptr<ReceivableChunk>& items = chunks_[chunk];
  if (!Exclusive(items)) items = std::make_shared<ReceivableChunk>(*items);  // 16 pointers
  if (offset == items->size()) {
    items->push_back(std::make_shared<ReceivableItem>());
    items->back()->invoice_id = id;
  }
  std::shared_ptr<ReceivableItem>& shared = (*items)[offset];
  if (!Exclusive(shared)) shared = std::make_shared<ReceivableItem>(*shared);
  ReceivableItem& item = *shared;
  if (item.customer_id != inv.customer_id) item.customer_id = inv.customer_id;
  item.created_micros = inv.created_at.ts;
  item.amount = inv.amount;
  item.due_micros = inv.due_micros;
  item.due_date = inv.due_date;
  item.payments.clear();
  for (const Payment& p : inv.payments) {
    if (!(p.at < inv.created_at)) item.payments.emplace_back(p.at.ts, p.amount);
  }
  book_stale_ = true;
}

std::shared_ptr<const ReceivablesBook> InvoiceProjection::Book() {
  if (!book_stale_) return book_;
  auto book = std::make_shared<ReceivablesBook>();
  book->chunks.assign(chunks_.begin(), chunks_.end());
  book_ = std::move(book);
  book_stale_ = false;
  return book_;
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
    w.Str(inv.customer_id);
    w.I64(inv.due_date);
    w.U64(inv.payments.size());
    for (const Payment& p : inv.payments) {
      w.I64(p.at.ts);
      w.U64(p.at.seq);
      w.I64(p.amount);
    }
  }
}

bool InvoiceProjection::Load(SnapshotReader& r) {
  std::vector<std::string> ids;
  std::vector<std::pair<uint64_t, uint32_t>> created;  // (creation's store position, ids index)
  const uint64_t count = r.Count();
  ids.reserve(std::min<uint64_t>(count, 1u << 20));
  invoices_.reserve(std::min<uint64_t>(count, 1u << 20));
  for (uint64_t n = count; n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    Invoice& inv = invoices_[id];
    inv.created = r.Bool();
    inv.created_at = {r.I64(), r.U64()};
    inv.amount = r.I64();
    inv.due_micros = r.I64();
    inv.customer_id = r.Str();
    inv.due_date = static_cast<int32_t>(r.I64());
    if (inv.created) {
      created.emplace_back(inv.created_at.seq, static_cast<uint32_t>(ids.size()));
      ids.push_back(std::move(id));
    }
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      Payment p;
      p.at = {r.I64(), r.U64()};
      p.amount = r.I64();
      inv.payments.push_back(p);
    }
  }
  if (!r.ok()) return false;
  // The book in the order invoices were created (by store position), as a replay builds it.
  std::sort(created.begin(), created.end());
  for (const auto& [seq, i] : created) UpdateBook(ids[i], invoices_.at(ids[i]));
  return true;
}

}  // namespace readside::projection
