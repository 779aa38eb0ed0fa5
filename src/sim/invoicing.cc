// FinanceSim's receivables: invoices, their sending, their payment plans and subscriptions
// (see finance_sim.h).
#include <string_view>

#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"

namespace readside::sim {
namespace {

constexpr std::string_view kPaymentMethods[] = {"bank_transfer", "card", "ach", "check"};
constexpr uint32_t kPaymentMethodWeights[] = {50, 25, 20, 5};

enum Fate { kOnTime, kInstalments, kLate, kPartial, kNever, kAutopay };
constexpr uint32_t kFateWeights[] = {52, 15, 16, 9, 8, 0};
constexpr uint32_t kSubscriptionFateWeights[] = {0, 0, 10, 0, 5, 85};

}  // namespace

void FinanceSim::ScheduleInvoice(const InvoiceRequest& request, int64_t delay) {
  ctx_.After(delay, Task::kCreateInvoice, pending_invoices_.Add(request));
}

void FinanceSim::StartSubscription(uint64_t customer, int64_t monthly_cents, int months,
                                   uint64_t flow, int64_t delay) {
  InvoiceRequest request;
  request.customer = customer;
  request.amount_cents = monthly_cents;
  request.kind = RevenueKind::kSubscription;
  request.net_days = 14;
  request.flow = flow;
  ctx_.After(delay, Task::kBillRecurring, subscriptions_.Add({request, months}));
}

bool FinanceSim::BillSubscription(uint32_t slot) {
  Subscription& s = subscriptions_[slot];
  InvoiceRequest request = s.request;
  if (--s.remaining > 0) {
    ctx_.After(30 * kMicrosPerDay + ctx_.rng.Between(0, 120) * kMicrosPerMinute,
               Task::kBillRecurring, slot);
  } else {
    subscriptions_.Release(slot);
  }
  return EmitInvoice(request);
}

bool FinanceSim::EmitInvoice(const InvoiceRequest& request) {
  uint64_t num = ctx_.NewId(EntityKind::kInvoice);
  uint32_t slot = invoices_.Add({num, request, 0});
  bool subscription = request.kind == RevenueKind::kSubscription;
  int64_t due_day = ctx_.local_day() + request.net_days;
  JsonWriter& w = ctx_.Begin(EventType::kInvoiceCreated, num, request.flow);
  ctx_.builder.RefField("customer_id", EntityKind::kContact, request.customer);
  w.Key("amount");
  w.Money(request.amount_cents, ctx_.rng.Chance(0.1));
  w.Key("due_date");
  w.BeginString();
  if (ctx_.rng.Chance(0.8)) {
    AppendDate(due_day, w.out());
  } else {
    AppendLocalDateTime(ctx_.LocalInstant(due_day, kMicrosPerDay - kMicrosPerSecond),
                        ctx_.profile.utc_offset_minutes, w.out());
  }
  w.EndString();
  if (subscription || ctx_.rng.Chance(0.6)) {
    w.Key("recurring");
    w.Bool(subscription);
  }
  if (ctx_.rng.Chance(0.15)) {
    w.Key("currency");
    w.String("USD");
  }
  ctx_.End(subscription ? kSystemUser : PickAccountant());

  Posting revenue;
  revenue.reason = PostingReason::kInvoice;
  revenue.ref_kind = EntityKind::kInvoice;
  revenue.ref_num = num;
  revenue.flow = request.flow;
  revenue.Debit(kReceivables, request.amount_cents);
  if (request.kind == RevenueKind::kDeal) {
    int64_t product_part = request.amount_cents * ctx_.rng.Between(55, 85) / 100;
    revenue.Credit(kSalesRevenue, product_part);
    revenue.Credit(kServiceRevenue, request.amount_cents - product_part);
  } else {
    revenue.Credit(subscription ? kServiceRevenue : kSalesRevenue, request.amount_cents);
  }
  SchedulePosting(revenue, ctx_.Moments());
  int64_t send_delay =
      subscription ? 3 * ctx_.Moments() : ctx_.rng.Between(10, 1560) * kMicrosPerMinute;
  ctx_.After(send_delay, Task::kSendInvoice, slot);
  return true;
}

bool FinanceSim::SendInvoice(uint32_t slot) {
  const Invoice& invoice = invoices_[slot];
  ctx_.Begin(EventType::kInvoiceSent, invoice.num, invoice.request.flow);
  ctx_.End(invoice.request.kind == RevenueKind::kSubscription ? kSystemUser : PickAccountant());
  PlanPayments(slot);
  return true;
}

void FinanceSim::PlanPayments(uint32_t slot) {
  Invoice& invoice = invoices_[slot];
  const int64_t amount = invoice.request.amount_cents;
  const int64_t net = invoice.request.net_days;
  Rng& rng = ctx_.rng;
  auto pay = [&](int64_t delay_days_min, int64_t delay_days_max, int64_t cents) {
    int64_t delay = rng.Between(delay_days_min * 24, delay_days_max * 24) * kMicrosPerHour;
    delay += rng.Between(0, 3599) * kMicrosPerSecond;
    ctx_.After(delay, Task::kReceivePayment, slot, 0, cents);
    ++invoice.pending_payments;
  };
  if (invoice.request.prepaid) {
    ctx_.After(rng.Between(10, 480) * kMicrosPerMinute, Task::kReceivePayment, slot, 0, amount);
    invoice.pending_payments = 1;
    return;
  }
  Fate fate = static_cast<Fate>(invoice.request.kind == RevenueKind::kSubscription
                                    ? rng.Choose(kSubscriptionFateWeights)
                                    : rng.Choose(kFateWeights));
  switch (fate) {
    case kAutopay:
      pay(1, 3, amount);
      break;
    case kOnTime:
      pay(1, net, amount);
      break;
    case kLate:
      pay(net + 3, net + 75, amount);
      break;
    case kPartial:
      pay(5, net, amount * rng.Between(30, 70) / 100);
      break;
    case kInstalments: {
      int64_t parts = rng.Between(2, 3);
      int64_t part = amount / parts;
      int64_t span = net * 3 / 2 / parts;  // days between instalments
      for (int64_t i = 0; i < parts; ++i) {
        int64_t cents = i == parts - 1 ? amount - part * (parts - 1) : part;
        pay(i * span + 1, (i + 1) * span, cents);
      }
      break;
    }
    case kNever:
      break;
  }
  if (invoice.pending_payments == 0) invoices_.Release(slot);
}

bool FinanceSim::ReceivePayment(uint32_t slot, int64_t amount) {
  Invoice& invoice = invoices_[slot];
  uint64_t payment = ctx_.NewId(EntityKind::kPayment);
  JsonWriter& w = ctx_.Begin(EventType::kPaymentReceived, payment, invoice.request.flow);
  ctx_.builder.RefField("invoice_id", EntityKind::kInvoice, invoice.num);
  w.Key("amount");
  w.Money(amount, ctx_.rng.Chance(0.1));
  w.Key("method");
  w.String(kPaymentMethods[ctx_.rng.Choose(kPaymentMethodWeights)]);
  ctx_.End(ctx_.rng.Chance(0.6) ? kSystemUser : PickAccountant());

  Posting cash;
  cash.reason = PostingReason::kPayment;
  cash.ref_kind = EntityKind::kInvoice;
  cash.ref_num = invoice.num;
  cash.flow = invoice.request.flow;
  cash.Debit(kCash, amount);
  cash.Credit(kReceivables, amount);
  SchedulePosting(cash, ctx_.Moments());
  if (--invoice.pending_payments == 0) invoices_.Release(slot);
  return true;
}

}  // namespace readside::sim
