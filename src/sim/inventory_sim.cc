#include "sim/inventory_sim.h"

#include <string_view>

#include "sim/crm_sim.h"
#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"

namespace readside::sim {
namespace {

constexpr std::string_view kElectronics[] = {
    "Wireless Mouse",           "USB-C Hub", "Mechanical Keyboard", "27-inch Monitor",
    "Noise-Cancelling Headset", "HD Webcam", "Laptop Stand",        "Docking Station"};
constexpr std::string_view kOffice[] = {"Printer Paper A4 Box", "Ballpoint Pens 12-Pack",
                                        "Sticky Notes",         "Stapler",
                                        "Desk Organizer",       "Whiteboard Markers"};
constexpr std::string_view kFurniture[] = {"Ergonomic Chair", "Standing Desk", "Filing Cabinet",
                                           "Bookshelf", "Conference Table"};
constexpr std::string_view kTools[] = {"Cordless Drill", "Tool Set 120pc", "Tape Measure",
                                       "Safety Gloves", "Utility Knife"};
constexpr std::string_view kPackaging[] = {"Shipping Box Large", "Bubble Wrap Roll", "Packing Tape",
                                           "Pallet Wrap"};

struct Category {
  std::string_view name;
  std::string_view code;
  const std::string_view* items;
  int n_items;
  int64_t cost_min_cents, cost_max_cents;
  int32_t max_quantity;  // per order line
  int32_t reorder_min, reorder_max;
};

#define ITEMS(a) (a), static_cast<int>(sizeof(a) / sizeof((a)[0]))
constexpr Category kCategories[] = {
    {"Electronics", "ELC", ITEMS(kElectronics), 1500, 30000, 8, 15, 40},
    {"Office Supplies", "OFF", ITEMS(kOffice), 200, 4000, 30, 40, 120},
    {"Furniture", "FUR", ITEMS(kFurniture), 8000, 90000, 4, 5, 15},
    {"Tools", "TLS", ITEMS(kTools), 500, 20000, 10, 10, 40},
    {"Packaging", "PKG", ITEMS(kPackaging), 100, 3000, 40, 50, 150},
};
#undef ITEMS
constexpr int kCategoryCount = static_cast<int>(sizeof(kCategories) / sizeof(kCategories[0]));

constexpr std::string_view kVariants[] = {"",      " Pro", " Lite",    " XL",    " Mini",
                                          " Plus", " 2.0", " Compact", " Black", " White"};
constexpr uint32_t kLineCountWeights[] = {45, 30, 15, 10};
constexpr std::string_view kChannels[] = {"web", "sales", "phone", "marketplace"};
constexpr std::string_view kShrinkReasons[] = {"damaged", "shrinkage", "count_adjustment"};

}  // namespace

int32_t InventorySim::OnHand(uint64_t product) const {
  int32_t total = 0;
  for (int w = 0; w < ctx_.profile.warehouses; ++w) total += products_[product].on_hand[w];
  return total;
}

int64_t InventorySim::StockValueCents() const {
  int64_t value = 0;
  for (size_t p = 1; p < products_.size(); ++p) value += OnHand(p) * products_[p].cost_cents;
  return value;
}

int64_t InventorySim::PickOperator() const {
  int64_t e = ctx_.hrm->PickActive(kOperations);
  return e >= 0 ? e : kSystemUser;
}

bool InventorySim::CreateProduct(bool initial) {
  if (!initial && static_cast<int>(product_count()) >= ctx_.profile.catalog_size) return false;
  Rng& rng = ctx_.rng;
  Product p;
  p.category = static_cast<uint8_t>(rng.Below(kCategoryCount));
  const Category& c = kCategories[p.category];
  p.cost_cents = rng.Between(c.cost_min_cents, c.cost_max_cents);
  p.price_cents = (p.cost_cents * rng.Between(130, 240) / 100 / 100 + 1) * 100 - 1;
  p.reorder_point = static_cast<int32_t>(rng.Between(c.reorder_min, c.reorder_max));
  p.reorder_quantity = static_cast<int32_t>(p.reorder_point * rng.Between(3, 6));
  if (p.reorder_quantity < 3 * c.max_quantity) p.reorder_quantity = 3 * c.max_quantity;
  uint64_t num = ctx_.NewId(EntityKind::kProduct);
  products_.push_back(p);

  JsonWriter& w = ctx_.Begin(EventType::kProductCreated, num);
  w.Key("sku");
  w.BeginString();
  std::string* out = w.out();
  out->append(ctx_.profile.sku_prefix);
  out->push_back('-');
  out->append(c.code);
  out->push_back('-');
  for (uint64_t d = 10000; d > 1 && num < d; d /= 10) out->push_back('0');
  AppendInt(static_cast<int64_t>(num), out);
  w.EndString();
  w.Key("name");
  w.BeginString();
  out->append(c.items[rng.Below(c.n_items)]);
  out->append(kVariants[rng.Below(sizeof(kVariants) / sizeof(kVariants[0]))]);
  w.EndString();
  w.Key("category");
  w.String(c.name);
  bool as_text = rng.Chance(0.1);
  w.Key("unit_cost");
  w.Money(p.cost_cents, as_text);
  w.Key("unit_price");
  w.Money(p.price_cents, as_text);
  w.Key("reorder_point");
  w.Int(p.reorder_point);
  ctx_.End(PickOperator());
  if (!initial) {
    for (int wh = 0; wh < ctx_.profile.warehouses; ++wh) {
      ctx_.After(ctx_.rng.Between(1, 48) * kMicrosPerHour, Task::kReceiveStock,
                 static_cast<uint32_t>(num), static_cast<uint32_t>(wh), p.reorder_quantity);
    }
  }
  return true;
}

bool InventorySim::ReceiveOpeningStock(uint64_t product, int warehouse) {
  const Product& p = products_[product];
  int32_t quantity = static_cast<int32_t>(p.reorder_point * ctx_.rng.Between(110, 320) / 100 /
                                          ctx_.profile.warehouses) +
                     1;
  return ReceiveStock(product, warehouse, quantity, "received");
}

bool InventorySim::ReceiveStock(uint64_t product, int warehouse, int32_t quantity,
                                std::string_view reason) {
  Product& p = products_[product];
  p.on_hand[warehouse] += quantity;
  p.reorder_pending = false;
  return WriteStockUpdate(product, warehouse, quantity, reason, 0);
}

void InventorySim::SchedulePurchase(uint64_t product, int32_t quantity) {
  int64_t cost = quantity * products_[product].cost_cents;
  Posting purchase;
  purchase.reason = PostingReason::kStockPurchase;
  purchase.ref_kind = EntityKind::kProduct;
  purchase.ref_num = product;
  purchase.Debit(kInventoryAsset, cost);
  purchase.Credit(kPayables, cost);
  ctx_.finance->SchedulePosting(purchase, ctx_.Moments());
  Posting pay;
  pay.reason = PostingReason::kVendorPayment;
  pay.Debit(kPayables, cost);
  pay.Credit(kCash, cost);
  ctx_.finance->SchedulePosting(pay, ctx_.rng.Between(15, 40) * kMicrosPerDay);
}

bool InventorySim::WriteStockUpdate(uint64_t product, int warehouse, int32_t delta,
                                    std::string_view reason, uint64_t flow) {
  JsonWriter& w = ctx_.Begin(EventType::kStockUpdated,
                             product * kMaxWarehouses + static_cast<uint64_t>(warehouse), flow);
  ctx_.builder.RefField("product_id", EntityKind::kProduct, product);
  w.Key("warehouse_id");
  w.String(kWarehouseNames[warehouse]);
  w.Key("quantity_delta");
  w.Int(delta);
  w.Key("reason");
  w.String(reason);
  ctx_.End(PickOperator());
  return true;
}

bool InventorySim::CreateOrder() {
  int64_t customer = ctx_.crm->PickCustomer();
  if (customer < 0 || product_count() < 4) return false;
  Rng& rng = ctx_.rng;
  Order order;
  order.num = ctx_.NewId(EntityKind::kOrder);
  order.customer = static_cast<uint64_t>(customer);
  order.flow = ctx_.NewFlow();
  order.n = static_cast<int>(rng.Choose(kLineCountWeights)) + 1;
  for (int i = 0; i < order.n; ++i) {
    uint32_t product;
    bool duplicate;
    do {  // distinct products per order
      product = static_cast<uint32_t>(rng.Between(1, static_cast<int64_t>(product_count())));
      duplicate = false;
      for (int j = 0; j < i; ++j) duplicate |= order.lines[j].product == product;
    } while (duplicate);
    const Product& p = products_[product];
    int64_t max_quantity = kCategories[p.category].max_quantity;
    int64_t price = p.price_cents;
    if (rng.Chance(0.12)) price -= price * rng.Between(5, 15) / 100;
    order.lines[i] = {product, static_cast<int32_t>(1 + rng.Below(rng.Below(max_quantity) + 1)),
                      price, 0};
  }
  JsonWriter& w = ctx_.Begin(EventType::kOrderCreated, order.num, order.flow);
  w.Key("lines");
  w.BeginArray();
  bool as_text = rng.Chance(0.1);
  for (int i = 0; i < order.n; ++i) {
    w.BeginObject();
    ctx_.builder.RefField("product_id", EntityKind::kProduct, order.lines[i].product);
    w.Key("quantity");
    w.Int(order.lines[i].quantity);
    w.Key("unit_price");
    w.Money(order.lines[i].unit_price_cents, as_text);
    w.EndObject();
  }
  w.EndArray();
  ctx_.builder.RefField("customer_id", EntityKind::kContact, order.customer);
  w.Key("channel");
  size_t channel = rng.Below(4);
  w.String(kChannels[channel]);
  order.prepaid = (channel == 0 || channel == 3) && rng.Chance(0.7);
  ctx_.End(channel == 1 || channel == 2 ? ctx_.hrm->PickSalesRep() : kSystemUser);
  ctx_.After(rng.Exponential(18 * kMicrosPerHour) + 30 * kMicrosPerMinute, Task::kFulfilOrder,
             orders_.Add(order));
  return true;
}

bool InventorySim::AdjustStock() {
  if (product_count() == 0) return false;
  uint64_t product = static_cast<uint64_t>(ctx_.rng.Between(1, product_count()));
  int warehouse = static_cast<int>(ctx_.rng.Below(ctx_.profile.warehouses));
  Product& p = products_[product];
  if (p.on_hand[warehouse] < 5) return false;
  if (ctx_.rng.Chance(0.3)) {
    int32_t returned = static_cast<int32_t>(ctx_.rng.Between(1, 3));
    p.on_hand[warehouse] += returned;
    return WriteStockUpdate(product, warehouse, returned, "returned", 0);
  }
  int32_t delta = -static_cast<int32_t>(ctx_.rng.Between(1, 3));
  p.on_hand[warehouse] += delta;
  if (OnHand(product) <= p.reorder_point) {
    ctx_.After(ctx_.Moments(), Task::kCheckReorder, static_cast<uint32_t>(product));
  }
  return WriteStockUpdate(product, warehouse, delta, kShrinkReasons[ctx_.rng.Below(3)], 0);
}

}  // namespace readside::sim
