#pragma once
// Finance read model, the general ledger (metrics.md "Finance", second half): cash flow,
// revenue, cost of goods sold, operating expenses and the balance-sheet stocks.
//
// Lines are classified by the *current* chart of accounts, whatever the timestamps: a line
// on an account not created yet is kept per (account, day) under `unclassified`; when the
// account's finance.account.created arrives, those days move to their classes in every
// period. Everything here is linear, so moving them is exact.
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class LedgerProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  enum class Type : uint8_t { kAsset, kLiability, kEquity, kRevenue, kExpense };
  struct Account {
    Type type = Type::kAsset;
    bool cash = false;  // subtype "cash"
    bool cogs = false;  // subtype "cogs"
  };
  struct Unclassified {
    DaySeries debit, credit, lines;
  };
  static void Classify(const Account& a, DayNumber day, int64_t debit, int64_t credit,
                       ModelBuilder& m);
  void AccountCreated(const ApplyContext& c);
  void Posted(const ApplyContext& c);

  absl::flat_hash_map<std::string, Account> accounts_;          // by code
  absl::flat_hash_map<std::string, Unclassified> unclassified_;  // by code, not yet created
};

}  // namespace readside::projection
