#include "projection/inventory_projection.h"

#include <algorithm>
#include <limits>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kUnitCost = 3, kReorderPoint = 5;
constexpr int kStockProduct = 0, kStockWarehouse = 1, kQuantityDelta = 2;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "unit_cost") == kUnitCost);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "reorder_point") == kReorderPoint);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "product_id") == kStockProduct);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "warehouse_id") == kStockWarehouse);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "quantity_delta") == kQuantityDelta);
}  // namespace

int64_t MulSaturated(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                            : std::numeric_limits<int64_t>::max();
}

// The product's contributions times `sign`; also recomputes on_hand and low.
void InventoryProjection::Emit(Product& p, int sign, ModelBuilder& m) {
  int64_t orphans = 0;
  for (const Move& mv : p.moves) orphans += (!p.created || mv.at < p.created_at);
  m.quality().orphans += sign * orphans;
  if (!p.created) return;
  p.on_hand = 0;
  p.low = true;  // 0 <= reorder_point: a new product starts low
  m.Add(S::kLowStockProducts, m.DayOf(p.created_at.ts), sign);
  for (const Move& mv : p.moves) {
    if (mv.at < p.created_at) continue;
    DayNumber day = m.DayOf(mv.at.ts);
    m.Add(S::kStockValue, day, sign * MulSaturated(p.unit_cost, mv.delta));
    p.on_hand += mv.delta;
    bool low = p.on_hand <= p.reorder_point;
    if (low != p.low) m.Add(S::kLowStockProducts, day, low ? sign : -sign);
    p.low = low;
  }
}

void InventoryProjection::ProductCreated(const ApplyContext& c) {
  Product& p = products_[c.e.entity_id];
  if (p.created) return c.Orphan();
  c.m.Add(S::kProductsTotal, c.day, 1);
  Emit(p, -1, c.m);
  p.created = true;
  p.created_at = {c.ts(), c.seq};
  p.unit_cost = c.f(kUnitCost).money.units();
  p.reorder_point = c.f(kReorderPoint).integer;
  Emit(p, 1, c.m);
  for (const auto& [day, units] : p.unpriced_sold) {
    c.m.Add(S::kInventoryCogs, day, MulSaturated(units, p.unit_cost));
  }
  p.unpriced_sold.clear();
  p.unpriced_sold.shrink_to_fit();
}

void InventoryProjection::StockUpdated(const ApplyContext& c) {
  int64_t delta = c.f(kQuantityDelta).integer;
  c.m.Add(S::kUnitsOnHand, c.day, delta);
  c.m.AddKeyed(K::kStockByWarehouse, c.f(kStockWarehouse).text, c.day, delta);
  Product& p = products_[c.f(kStockProduct).text];
  Move mv{{c.ts(), c.seq}, delta};
  bool in_order = p.moves.empty() || !(mv.at < p.moves.back().at);
  if (in_order && (!p.created || p.created_at < mv.at)) {
    p.moves.push_back(mv);
    if (!p.created) return c.Orphan();
    c.m.Add(S::kStockValue, c.day, MulSaturated(p.unit_cost, delta));
    p.on_hand += delta;
    bool low = p.on_hand <= p.reorder_point;
    if (low != p.low) c.m.Add(S::kLowStockProducts, c.day, low ? 1 : -1);
    p.low = low;
    return;
  }
  Emit(p, -1, c.m);
  InsertByTime(p.moves, mv);
  Emit(p, 1, c.m);
}

void InventoryProjection::OrderCreated(const ApplyContext& c) {
  auto [it, fresh] = orders_.try_emplace(c.e.entity_id);
  if (!fresh) return c.Orphan();
  Order& o = it->second;
  o.created_micros = c.ts();
  int64_t value = 0;
  for (const event::OrderLine& line : c.e.order_lines) {
    value += MulSaturated(line.quantity, line.unit_price.units());
    o.lines.emplace_back(line.product_id, line.quantity);
  }
  c.m.Add(S::kOrdersCreated, c.day, 1);
  c.m.Add(S::kOrderValue, c.day, value);
}

void InventoryProjection::OrderFulfilled(const ApplyContext& c) {
  auto it = orders_.find(c.e.entity_id);
  if (it == orders_.end() || it->second.fulfilled) return c.Orphan();
  Order& o = it->second;
  o.fulfilled = true;
  c.m.Add(S::kOrdersFulfilled, c.day, 1);
  c.m.Add(S::kFulfillmentMillis, c.day, (c.ts() - o.created_micros) / 1000);
  for (const auto& [product_id, quantity] : o.lines) {
    c.m.Add(S::kUnitsSold, c.day, quantity);
    Product& p = products_[product_id];
    if (p.created) {
      c.m.Add(S::kInventoryCogs, c.day, MulSaturated(quantity, p.unit_cost));
    } else {
      p.unpriced_sold.emplace_back(c.day, quantity);
    }
  }
}

void InventoryProjection::Apply(const ApplyContext& c) {
  switch (c.e.type) {
    case E::kInventoryProductCreated:
      return ProductCreated(c);
    case E::kInventoryStockUpdated:
      return StockUpdated(c);
    case E::kInventoryOrderCreated:
      return OrderCreated(c);
    case E::kInventoryOrderFulfilled:
      return OrderFulfilled(c);
    case E::kInventoryReorderTriggered:
      c.m.Add(S::kReordersTriggered, c.day, 1);
      return;
    default:
      return;
  }
}


void InventoryProjection::Save(SnapshotWriter& w) const {
  w.U64(products_.size());
  for (const auto& [id, p] : products_) {
    w.Str(id);
    w.Bool(p.created);
    w.I64(p.created_at.ts);
    w.U64(p.created_at.seq);
    w.I64(p.unit_cost);
    w.I64(p.reorder_point);
    w.U64(p.moves.size());
    for (const Move& mv : p.moves) {
      w.I64(mv.at.ts);
      w.U64(mv.at.seq);
      w.I64(mv.delta);
    }
    w.I64(p.on_hand);
    w.Bool(p.low);
    w.U64(p.unpriced_sold.size());
    for (const auto& [day, units] : p.unpriced_sold) {
      w.I64(day);
      w.I64(units);
    }
  }
  w.U64(orders_.size());
  for (const auto& [id, o] : orders_) {
    w.Str(id);
    w.I64(o.created_micros);
    w.Bool(o.fulfilled);
    w.U64(o.lines.size());
    for (const auto& [product, quantity] : o.lines) {
      w.Str(product);
      w.I64(quantity);
    }
  }
}

bool InventoryProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Product& p = products_[r.Str()];
    p.created = r.Bool();
    p.created_at = {r.I64(), r.U64()};
    p.unit_cost = r.I64();
    p.reorder_point = r.I64();
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      Move mv;
      mv.at = {r.I64(), r.U64()};
      mv.delta = r.I64();
      p.moves.push_back(mv);
    }
    p.on_hand = r.I64();
    p.low = r.Bool();
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      DayNumber day = static_cast<DayNumber>(r.I64());
      p.unpriced_sold.emplace_back(day, r.I64());
    }
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Order& o = orders_[r.Str()];
    o.created_micros = r.I64();
    o.fulfilled = r.Bool();
    for (uint64_t k = r.Count(); k > 0 && r.ok(); --k) {
      std::string product = r.Str();
      o.lines.emplace_back(std::move(product), r.I64());
    }
  }
  return r.ok();
}

}  // namespace readside::projection
