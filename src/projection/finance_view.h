#pragma once
// The finance documents a TenantView publishes besides its series, for the financial
// statements (src/report/financial_reports.cc): the chart of accounts, and the receivables
// book (every created invoice with its payments) from which AR aging is computed as of any
// instant. Both are immutable once published and shared between consecutive views; the
// book is split into chunks of 16 shared items, so a payment clones one item and the 16
// pointers of its chunk, not the book.
// Thread-safety: immutable after publication; share freely.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace readside::projection {

struct LedgerAccountInfo {
  std::string name;
  std::string type;     // asset, liability, equity, revenue, expense
  std::string subtype;  // as given ("cash", "receivable", "payable", "cogs", …), or ""
};
// By account code, sorted: the current chart (the first definition of each code).
using AccountChart = std::map<std::string, LedgerAccountInfo, std::less<>>;

struct ReceivableItem {
  std::string invoice_id;
  std::string customer_id;
  int64_t created_micros = 0;
  int64_t amount = 0;       // Money units
  int64_t due_micros = 0;   // the instant it falls due (a date D: the end of D, UTC)
  // A due date without a time: D as days since 1970-01-01; kNoDueDate for a date-time.
  static constexpr int32_t kNoDueDate = INT32_MIN;
  int32_t due_date = kNoDueDate;
  // Payments applied to it (stamped at or after its creation), in timestamp order:
  // (unix micros, Money units).
  std::vector<std::pair<int64_t, int64_t>> payments;

  // What is still owed just before `t`: max(0, amount − payments before t); 0 when the
  // invoice was created at or after t.
  int64_t OpenBefore(int64_t t) const {
    if (created_micros >= t) return 0;
    int64_t paid = 0;
    for (const auto& [at, value] : payments) {
      if (at < t) paid += value;
    }
    return paid >= amount ? 0 : amount - paid;
  }
};

inline constexpr size_t kReceivableChunk = 16;
// Items are shared between chunks and never changed once published (the writer clones an
// item it shares before changing it, and a chunk before changing its pointers).
using ReceivableChunk = std::vector<std::shared_ptr<ReceivableItem>>;
struct ReceivablesBook {
  std::vector<std::shared_ptr<const ReceivableChunk>> chunks;

  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& chunk : chunks) {
      for (const auto& item : *chunk) f(static_cast<const ReceivableItem&>(*item));
    }
  }
};

inline const std::shared_ptr<const AccountChart>& EmptyAccountChart() {
  static const auto* empty = new std::shared_ptr<const AccountChart>(
      std::make_shared<const AccountChart>());
  return *empty;
}
inline const std::shared_ptr<const ReceivablesBook>& EmptyReceivablesBook() {
  static const auto* empty = new std::shared_ptr<const ReceivablesBook>(
      std::make_shared<const ReceivablesBook>());
  return *empty;
}

}  // namespace readside::projection
