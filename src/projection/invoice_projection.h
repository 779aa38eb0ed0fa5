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

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class InvoiceProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

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
    std::vector<Payment> payments;  // sorted by `at`
  };
  static void Emit(const Invoice& inv, int sign, ModelBuilder& m);
  void Created(const ApplyContext& c);
  void Paid(const ApplyContext& c);

  absl::flat_hash_map<std::string, Invoice> invoices_;
};

}  // namespace readside::projection
