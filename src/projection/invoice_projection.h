#pragma once
// Finance read model, invoices and payments (metrics.md "Finance", first half): revenue,
// invoices created/sent/paid, payment time, accounts receivable and overdue invoices.
//
// A payment refers to an invoice, another entity, so it applies in timestamp order: a
// payment stamped before its invoice was created is an orphan even if it arrived after it,
// and an invoice arriving late still collects the payments already stored. Each invoice
// with its payments is a cluster whose contributions to the series are a pure function of
// its events; when one arrives, the cluster's old contributions are retracted and its new
// ones added, so the result equals a replay in timestamp order.
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/key_hash.h"
#include "projection/finance_view.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class InvoiceProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

  // The receivables book (finance_view.h) as of the last applied event: created invoices
  // with their applied payments. Chunks not changed since the last call are shared.
  std::shared_ptr<const ReceivablesBook> Book();

 private:
  struct Payment {
    When at;
    int64_t amount = 0;
  };
  struct Invoice {
    bool created = false;
    When created_at;
    int64_t amount = 0;
    int64_t due_micros = 0;
    int32_t due_date = ReceivableItem::kNoDueDate;  // D of a date-only due date
    std::string customer_id;
    std::vector<Payment> payments;  // sorted by `at`
    int64_t slot = -1;  // its index in the receivables book, once created
  };
  static void Emit(const Invoice& inv, int sign, ModelBuilder& m);
  void Created(const ApplyContext& c);
  void Paid(const ApplyContext& c);
  // Writes `inv` (created) into its book slot, assigning one if needed.
  void UpdateBook(const std::string& id, Invoice& inv);

  EntityMap<Invoice> invoices_;
  // The receivables book's chunks; a chunk or an item still shared with a published book is
  // cloned before its first change.
  std::vector<std::shared_ptr<ReceivableChunk>> chunks_;
  int64_t slots_ = 0;
  std::shared_ptr<const ReceivablesBook> book_ = EmptyReceivablesBook();
  bool book_stale_ = false;
};

}  // namespace readside::projection
