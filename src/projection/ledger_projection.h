#pragma once
// Finance read model, the general ledger (metrics.md "Finance", second half): cash flow,
// revenue, cost of goods sold, operating expenses and the balance-sheet stocks; for the
// financial statements (reports.md), every line by account code and the cash flow by
// activity, and the published chart of accounts (finance_view.h).
//
// Lines are classified by the *current* chart of accounts, whatever the timestamps: a line
// on an account not created yet is kept per (account, day) under `unclassified`; when the
// account's finance.account.created arrives, those days move to their classes in every
// period. Everything here is linear, so moving them is exact. The cash flow by activity
// depends on all lines of a transaction, so a transaction with a line on an unknown account
// is kept until every account it names exists; each creation retracts its contribution and
// adds it again under the grown chart.
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

class LedgerProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

  // The chart of accounts as of the last applied event (rebuilt only after a change).
  std::shared_ptr<const AccountChart> Chart();

 private:
  enum class Type : uint8_t { kAsset, kLiability, kEquity, kRevenue, kExpense };
  struct Account {
    Type type = Type::kAsset;
    bool cash = false;  // subtype "cash"
    bool cogs = false;  // subtype "cogs"
    std::string name;
    std::string subtype;
    uint32_t key = KeyPool::kNone;  // the code's key id in the fact tables (KeyOf)
  };
  struct Unclassified {
    DaySeries debit, credit, lines;
  };
  struct Line {
    std::string code;
    int64_t debit = 0, credit = 0;
  };
  struct PendingTransaction {
    DayNumber day = 0;
    std::vector<Line> lines;
  };
  static void Classify(const Account& a, DayNumber day, int64_t debit, int64_t credit,
                       ModelBuilder& m);
  // Adds (sign +1) or retracts (-1) the cash flow by activity of one transaction under the
  // current chart.
  void EmitCashFlow(const std::vector<Line>& lines, DayNumber day, int sign,
                    ModelBuilder& m) const;
  // The same over lines whose accounts are looked up (nullptr: not created yet).
  struct Resolved {
    int64_t debit = 0, credit = 0;
    const Account* account = nullptr;
  };
  static void EmitResolvedCashFlow(const Resolved* lines, size_t n, DayNumber day, int sign,
                                   ModelBuilder& m);
  bool HasUnknownAccount(const std::vector<Line>& lines) const;
  void AccountCreated(const ApplyContext& c);
  void Posted(const ApplyContext& c);

  EntityMap<Account> accounts_;          // by code
  EntityMap<Unclassified> unclassified_;  // by code, not yet created
  // Transactions naming an account not created yet, by store position, and their positions
  // by each such code.
  absl::flat_hash_map<uint64_t, PendingTransaction> pending_;
  EntityMap<std::vector<uint64_t>> pending_by_code_;
  std::shared_ptr<const AccountChart> chart_ = EmptyAccountChart();
  bool chart_stale_ = false;
};

}  // namespace readside::projection
