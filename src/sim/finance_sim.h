// FinanceSim: one tenant's finance service. Publishes the chart of accounts at go-live,
// invoices (from won deals, fulfilled orders and subscriptions) that are sent and then paid
// fully, in instalments, late or never, and a balanced finance.transaction.posted for every
// money movement other domains report (revenue, payments, payroll, COGS, stock purchases,
// rent, software, marketing, equipment, loans). Tracks the cash balance and borrows when
// payroll would overdraw it.
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>

#include "sim/agenda.h"
#include "sim/event_catalog.h"
#include "sim/slot_pool.h"
#include "sim/tenant_context.h"

namespace readside::sim {

// Account codes of the simulated chart of accounts.
enum AccountCode : int32_t {
  kCash = 1000,
  kReceivables = 1100,
  kInventoryAsset = 1200,
  kEquipment = 1500,
  kPayables = 2000,
  kLoans = 2100,
  kPayrollLiabilities = 2200,
  kOwnerEquity = 3000,
  kSalesRevenue = 4000,
  kServiceRevenue = 4100,
  kCostOfGoodsSold = 5000,
  kSalaries = 6000,
  kRent = 6100,
  kMarketing = 6200,
  kSoftware = 6300,
  kInterest = 6400,
};

enum class PostingReason : uint8_t {
  kOpeningCapital,
  kOpeningInventory,
  kInvoice,
  kPayment,
  kPayroll,
  kPayrollTaxes,
  kRent,
  kSoftware,
  kVendorPayment,
  kMarketing,
  kEquipment,
  kStockPurchase,
  kCogs,
  kLoanDrawdown,
  kLoanRepayment,
  kCapitalInjection,
};

// A ledger transaction to publish. Callers keep it balanced (sum of debits = sum of credits).
struct Posting {
  struct Line {
    int32_t account_code;
    int64_t debit;   // cents
    int64_t credit;  // cents
  };
  static constexpr int kMaxLines = 4;

  void Debit(int32_t code, int64_t cents) { lines[n++] = {code, cents, 0}; }
  void Credit(int32_t code, int64_t cents) { lines[n++] = {code, 0, cents}; }

  Line lines[kMaxLines] = {};
  int n = 0;
  PostingReason reason = PostingReason::kOpeningCapital;
  EntityKind ref_kind = EntityKind::kCount;  // entity named in the description, if any
  uint64_t ref_num = 0;
  uint64_t flow = 0;
};

enum class RevenueKind : uint8_t { kDeal, kProductSale, kSubscription };

struct InvoiceRequest {
  uint64_t customer = 0;  // contact num
  int64_t amount_cents = 0;
  RevenueKind kind = RevenueKind::kDeal;
  int net_days = 30;
  bool prepaid = false;  // paid by card right after it is sent (web shop orders)
  uint64_t flow = 0;
};

class FinanceSim {
 public:
  explicit FinanceSim(TenantContext* ctx) : ctx_(*ctx) {}

  static int AccountCount();
  // Go-live: publishes the index-th account of the chart. Returns true (one event).
  bool CreateAccount(int index);
  // Publishes `posting` as this step's event. REQUIRES: posting is balanced, n >= 2.
  bool PostNow(const Posting& posting);
  void SchedulePosting(const Posting& posting, int64_t delay);
  void ScheduleInvoice(const InvoiceRequest& request, int64_t delay);
  // Bills `monthly_cents` every month for `months` months, the first bill after `delay`.
  void StartSubscription(uint64_t customer, int64_t monthly_cents, int months, uint64_t flow,
                         int64_t delay);
  // Borrows (or raises capital) if the cash balance is below needed_cents.
  void EnsureCash(int64_t needed_cents);
  // Spontaneous spending: marketing, software or equipment. Returns true (one event).
  bool RecordExpense();
  // Runs a finance task. Returns true if it wrote an event.
  bool RunTask(const AgendaItem& item);
  // After go-live: starts the monthly rent/software cycle.
  void StartSchedules();

 private:
  struct Invoice {
    uint64_t num;
    InvoiceRequest request;
    int pending_payments;
  };
  struct Subscription {
    InvoiceRequest request;
    int remaining;
  };
  struct Loan {
    int64_t outstanding;
    int64_t monthly_principal;
  };

  bool EmitInvoice(const InvoiceRequest& request);
  bool SendInvoice(uint32_t slot);
  bool ReceivePayment(uint32_t slot, int64_t amount);
  bool BillSubscription(uint32_t slot);
  bool RunMonthlyExpenses(int64_t month_day);
  bool RepayLoan(uint32_t slot);
  void PlanPayments(uint32_t slot);
  void AppendDescription(const Posting& posting);
  int64_t PickAccountant() const;

  TenantContext& ctx_;
  SlotPool<InvoiceRequest> pending_invoices_;
  SlotPool<Invoice> invoices_;
  SlotPool<Posting> postings_;
  SlotPool<Subscription> subscriptions_;
  SlotPool<Loan> loans_;
  int64_t cash_cents_ = 0;
  int64_t last_borrowing_ = -1;  // instant of the last loan or capital injection
};

}  // namespace readside::sim
