#include "projection/inventory_projection.h"

#include <algorithm>
#include <limits>

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

constexpr int kSku = 0, kName = 1, kCategory = 2, kUnitCost = 3, kUnitPrice = 4, kReorderPoint = 5;
constexpr int kStockProduct = 0, kStockWarehouse = 1, kQuantityDelta = 2;
constexpr int kReorderProduct = 0, kReorderQuantity = 3;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "sku") == kSku);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "name") == kName);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "category") == kCategory);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "unit_cost") == kUnitCost);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "unit_price") == kUnitPrice);
static_assert(event::FieldIndexOf(E::kInventoryProductCreated, "reorder_point") == kReorderPoint);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "product_id") == kStockProduct);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "warehouse_id") == kStockWarehouse);
static_assert(event::FieldIndexOf(E::kInventoryStockUpdated, "quantity_delta") == kQuantityDelta);
static_assert(event::FieldIndexOf(E::kInventoryReorderTriggered, "product_id") == kReorderProduct);
static_assert(event::FieldIndexOf(E::kInventoryReorderTriggered, "reorder_quantity") ==
              kReorderQuantity);

// The kFulfilledByLeadTime key of a fulfillment `micros` after its order's creation.
std::string_view LeadTimeBucket(int64_t micros) {
  size_t i = 0;
  while (i < std::size(kLeadTimeBoundsHours) && micros >= kLeadTimeBoundsHours[i] * 3'600'000'000) {
    ++i;
  }
  return kLeadTimeBuckets[i];
}
// A move that lands before the product's latest one, in a created product. The moves
// before it keep their contributions, so only the fold from where it lands is redone: the
// stock before it is summed without emitting, then the old and the new fold of the rest run
// side by side and only their differences in the low-stock flag are emitted (what Emit(-1)
// then Emit(+1) of the whole history would net to, without walking it twice).
// A template so that the class's private types are deduced, not named (and the header,
// included widely, does not change).
template <typename Product, typename Move>
void InsertLate(uint32_t id, Product& p, Move mv, ModelBuilder& m) {
  if (mv.at < p.created_at) {
    ++m.quality().orphans;
    InsertByTime(p.moves, mv);
    return;
  }
  auto pos = std::upper_bound(p.moves.begin(), p.moves.end(), mv.at,
                              [](const When& w, const Move& other) { return w < other.at; });
  int64_t before = 0;
  bool low_before = true;  // a new product starts low (Emit)
  for (auto it = p.moves.begin(); it != pos; ++it) {
    if (it->at < p.created_at) continue;
    before += it->delta;
    low_before = before <= p.reorder_point;
  }
  // The new fold runs `mv.delta` ahead of the old one from here on.
  int64_t old_on_hand = before, new_on_hand = before + mv.delta;
  bool old_low = low_before, new_low = new_on_hand <= p.reorder_point;
  auto emit = [&](When at, int flip) {
    if (flip == 0) return;
    DayNumber day = m.DayOf(at.ts);
    m.Add(S::kLowStockProducts, day, flip);
    m.AddFact(F::kLowStockByProduct, id, day, flip);
  };
  if (new_low != low_before) emit(mv.at, new_low ? 1 : -1);
  for (auto it = pos; it != p.moves.end(); ++it) {
    old_on_hand += it->delta;
    new_on_hand += it->delta;
    bool old_now = old_on_hand <= p.reorder_point, new_now = new_on_hand <= p.reorder_point;
    int flip = (new_now != new_low ? (new_now ? 1 : -1) : 0) -
               (old_now != old_low ? (old_now ? 1 : -1) : 0);
    emit(it->at, flip);
    old_low = old_now;
    new_low = new_now;
  }
  p.moves.insert(pos, mv);
  p.on_hand = new_on_hand;
  p.low = new_low;
}

}  // namespace

int64_t MulSaturated(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                            : std::numeric_limits<int64_t>::max();
}

// Product `id`'s contributions times `sign`; also recomputes on_hand and low. `values`:
// also the stock value of every move (additive, so a late move that leaves the product's
// cost unchanged adds only its own; re-emitting every move on every late move made replay
// quadratic in a product's history).
void InventoryProjection::Emit(uint32_t id, Product& p, int sign, ModelBuilder& m, bool values) {
  int64_t orphans = 0;
  for (const Move& mv : p.moves) orphans += (!p.created || mv.at < p.created_at);
  m.quality().orphans += sign * orphans;
  if (!p.created) return;
  p.on_hand = 0;
  p.low = true;  // 0 <= reorder_point: a new product starts low
  DayNumber created = m.DayOf(p.created_at.ts);
  m.Add(S::kLowStockProducts, created, sign);
  m.AddFact(F::kLowStockByProduct, id, created, sign);
  for (const Move& mv : p.moves) {
    if (mv.at < p.created_at) continue;
    DayNumber day = m.DayOf(mv.at.ts);
    if (values) {
      int64_t value = sign * MulSaturated(p.unit_cost, mv.delta);
      m.Add(S::kStockValue, day, value);
      m.AddFact(F::kStockValueByProduct, id, day, value);
    }
    p.on_hand += mv.delta;
    bool low = p.on_hand <= p.reorder_point;
    if (low != p.low) {
      m.Add(S::kLowStockProducts, day, low ? sign : -sign);
      m.AddFact(F::kLowStockByProduct, id, day, low ? sign : -sign);
    }
    p.low = low;
  }
}

void InventoryProjection::ProductCreated(const ApplyContext& c) {
  const std::string& id = c.e.entity_id;
  Product& p = products_[id];
  if (p.created) return c.Orphan();
  c.m.Add(S::kProductsTotal, c.day, 1);
  uint32_t key = c.m.KeyOf(&p.key, id);
  Emit(key, p, -1, c.m, true);
  p.created = true;
  p.created_at = {c.ts(), c.seq};
  p.unit_cost = c.f(kUnitCost).money.units();
  p.reorder_point = c.f(kReorderPoint).integer;
  Emit(key, p, 1, c.m, true);
  c.m.MutableProducts()[id] = {c.f(kSku).text,
                               c.f(kName).text,
                               c.f(kCategory).text,
                               p.unit_cost,
                               c.f(kUnitPrice).money.units(),
                               p.reorder_point};
  for (const auto& [day, units] : p.unpriced_sold) {
    c.m.Add(S::kInventoryCogs, day, MulSaturated(units, p.unit_cost));
  }
  p.unpriced_sold.clear();
  p.unpriced_sold.shrink_to_fit();
}

uint32_t InventoryProjection::WarehouseKey(ModelBuilder& m, std::string_view id, Product& p,
                                           std::string_view warehouse) {
  for (const auto& [w, key] : p.warehouse_keys) {
    if (w == warehouse) return key;
  }
  ProductWarehouseKey(id, warehouse, &key_);
  uint32_t key = m.KeyOf(key_);
  p.warehouse_keys.emplace_back(warehouse, key);
  return key;
}

void InventoryProjection::StockUpdated(const ApplyContext& c) {
  int64_t delta = c.f(kQuantityDelta).integer;
  const std::string& id = c.f(kStockProduct).text;
  const std::string& warehouse = c.f(kStockWarehouse).text;
  Product& p = products_[id];
  uint32_t key = c.m.KeyOf(&p.key, id);
  c.m.Add(S::kUnitsOnHand, c.day, delta);
  c.m.AddKeyed(K::kStockByWarehouse, warehouse, c.day, delta);
  c.m.AddFact(F::kUnitsByProductWarehouse, WarehouseKey(c.m, id, p, warehouse), c.day, delta);
  Move mv{{c.ts(), c.seq}, delta};
  bool in_order = p.moves.empty() || !(mv.at < p.moves.back().at);
  if (in_order && (!p.created || p.created_at < mv.at)) {
    p.moves.push_back(mv);
    if (!p.created) return c.Orphan();
    int64_t value = MulSaturated(p.unit_cost, delta);
    c.m.Add(S::kStockValue, c.day, value);
    c.m.AddFact(F::kStockValueByProduct, key, c.day, value);
    p.on_hand += delta;
    bool low = p.on_hand <= p.reorder_point;
    if (low != p.low) {
      c.m.Add(S::kLowStockProducts, c.day, low ? 1 : -1);
      c.m.AddFact(F::kLowStockByProduct, key, c.day, low ? 1 : -1);
    }
    p.low = low;
    return;
  }
  if (!p.created) {
    InsertByTime(p.moves, mv);
    return c.Orphan();  // what Emit(-1), insert, Emit(+1) nets to before the creation
  }
  InsertLate(key, p, mv, c.m);
  if (!(mv.at < p.created_at)) {  // the late move's own value
    int64_t value = MulSaturated(p.unit_cost, delta);
    c.m.Add(S::kStockValue, c.day, value);
    c.m.AddFact(F::kStockValueByProduct, key, c.day, value);
  }
}

void InventoryProjection::OrderCreated(const ApplyContext& c) {
  auto [it, fresh] = orders_.try_emplace(c.e.entity_id);
  if (!fresh) return c.Orphan();
  Order& o = it->second;
  o.created_micros = c.ts();
  int64_t value = 0;
  for (const event::OrderLine& line : c.e.order_lines) {
    int64_t line_value = MulSaturated(line.quantity, line.unit_price.units());
    value += line_value;
    c.m.AddFact(F::kOrderValueByProduct, line.product_id, c.day, line_value);
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
  c.m.AddFact(F::kFulfilledByLeadTime, LeadTimeBucket(c.ts() - o.created_micros), c.day, 1);
  for (const auto& [product_id, quantity] : o.lines) {
    c.m.Add(S::kUnitsSold, c.day, quantity);
    Product& p = products_[product_id];
    c.m.AddFact(F::kUnitsSoldByProduct, c.m.KeyOf(&p.key, product_id), c.day, quantity);
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
      c.m.AddFact(F::kReordersByProduct, c.f(kReorderProduct).text, c.day, 1);
      c.m.AddFact(F::kReorderUnitsByProduct, c.f(kReorderProduct).text, c.day,
                  c.f(kReorderQuantity).integer);
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
