// InventorySim's follow-ups: order fulfilment, the stock moves it causes, reorders and the
// receipts that answer them (see inventory_sim.h).
#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"
#include "sim/inventory_sim.h"

namespace readside::sim {

bool InventorySim::RunTask(const AgendaItem& item) {
  switch (item.task) {
    case Task::kFulfilOrder:
      return FulfilOrder(item.a);
    case Task::kMoveStock:
      return MoveStock(item.a);
    case Task::kCheckReorder:
      return CheckReorder(item.a);
    case Task::kReceiveStock: {
      bool written =
          ReceiveStock(item.a, static_cast<int>(item.b), static_cast<int32_t>(item.c), "received");
      SchedulePurchase(item.a, static_cast<int32_t>(item.c));
      return written;
    }
    default:
      return false;
  }
}

bool InventorySim::FulfilOrder(uint32_t slot) {
  Order& order = orders_[slot];
  // Each line ships from the warehouse holding most of its product.
  int64_t short_product = -1;
  for (int i = 0; i < order.n; ++i) {
    OrderLine& line = order.lines[i];
    const Product& p = products_[line.product];
    int best = 0;
    for (int w = 1; w < ctx_.profile.warehouses; ++w) {
      if (p.on_hand[w] > p.on_hand[best]) best = w;
    }
    line.warehouse = best;
    if (p.on_hand[best] < line.quantity && short_product < 0) short_product = line.product;
  }
  if (short_product >= 0) {  // backorder: wait for the replenishment
    ctx_.After(ctx_.rng.Between(12, 36) * kMicrosPerHour, Task::kFulfilOrder, slot);
    return !products_[short_product].reorder_pending && TriggerReorder(short_product);
  }

  int64_t base = ctx_.Moments();
  int64_t revenue = 0, cost = 0;
  for (int i = 0; i < order.n; ++i) {
    const OrderLine& line = order.lines[i];
    Product& p = products_[line.product];
    p.on_hand[line.warehouse] -= line.quantity;
    revenue += line.quantity * line.unit_price_cents;
    cost += line.quantity * p.cost_cents;
    uint32_t move = moves_.Add({line.product, line.warehouse, -line.quantity, order.flow});
    ctx_.After(base + int64_t{5} * i * kMicrosPerSecond, Task::kMoveStock, move);
    ctx_.After(base + int64_t{5} * (order.n + i) * kMicrosPerSecond, Task::kCheckReorder,
               line.product);
  }
  Posting cogs;
  cogs.reason = PostingReason::kCogs;
  cogs.ref_kind = EntityKind::kOrder;
  cogs.ref_num = order.num;
  cogs.flow = order.flow;
  cogs.Debit(kCostOfGoodsSold, cost);
  cogs.Credit(kInventoryAsset, cost);
  ctx_.finance->SchedulePosting(cogs, base + int64_t{10} * order.n * kMicrosPerSecond);
  InvoiceRequest invoice;
  invoice.customer = order.customer;
  invoice.amount_cents = revenue;
  invoice.kind = RevenueKind::kProductSale;
  invoice.net_days = ctx_.rng.Chance(0.3) ? 15 : 30;
  invoice.flow = order.flow;
  invoice.prepaid = order.prepaid;
  ctx_.finance->ScheduleInvoice(invoice, ctx_.rng.Between(10, 240) * kMicrosPerMinute);

  ctx_.Begin(EventType::kOrderFulfilled, order.num, order.flow);
  ctx_.End(PickOperator());
  orders_.Release(slot);
  return true;
}

bool InventorySim::MoveStock(uint32_t slot) {
  StockMove move = moves_[slot];
  moves_.Release(slot);
  return WriteStockUpdate(move.product, move.warehouse, move.delta, "sale", move.flow);
}

bool InventorySim::CheckReorder(uint64_t product) {
  const Product& p = products_[product];
  if (p.reorder_pending || OnHand(product) > p.reorder_point) return false;
  return TriggerReorder(product);
}

bool InventorySim::TriggerReorder(uint64_t product) {
  Product& p = products_[product];
  p.reorder_pending = true;
  int target = 0;  // replenish the emptiest warehouse
  for (int w = 1; w < ctx_.profile.warehouses; ++w) {
    if (p.on_hand[w] < p.on_hand[target]) target = w;
  }
  JsonWriter& w = ctx_.Begin(EventType::kReorderTriggered, ctx_.NewId(EntityKind::kReorder));
  ctx_.builder.RefField("product_id", EntityKind::kProduct, product);
  w.Key("quantity_on_hand");
  w.Int(OnHand(product));
  w.Key("reorder_point");
  w.Int(p.reorder_point);
  w.Key("reorder_quantity");
  w.Int(p.reorder_quantity);
  w.Key("warehouse_id");
  w.String(kWarehouseNames[target]);
  ctx_.End(PickOperator());
  ctx_.After(ctx_.rng.Exponential(2 * kMicrosPerDay) + 8 * kMicrosPerHour, Task::kReceiveStock,
             static_cast<uint32_t>(product), static_cast<uint32_t>(target), p.reorder_quantity);
  return true;
}

}  // namespace readside::sim
