#pragma once
// Inventory read model (metrics.md "Inventory"): products, stock, orders, cost of goods sold
// and reorders, their per-product (and per-warehouse, per-lead-time) families for the
// inventory reports, and the product directory (names, reorder points).
//
// A stock update refers to a product, another entity, so it applies in timestamp order: an
// update stamped before the product's creation is an orphan (it still moves units_on_hand
// and stock_by_warehouse, which need no product). Each product with its updates is a
// cluster (see InvoiceProjection): appends in time order update it in O(1); an update that
// lands before the product's latest one retracts and re-adds the product's contributions.
// unit_cost(product) is the cost of its creation event whatever its timestamp (like the
// chart of accounts): units fulfilled before the product is known are priced when it is.
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/key_hash.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class InventoryProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  struct Move {
    When at;
    int64_t delta = 0;
  };
  struct Product {
    bool created = false;
    When created_at;
    int64_t unit_cost = 0;  // Money units
    int64_t reorder_point = 0;
    std::vector<Move> moves;  // sorted by `at`
    int64_t on_hand = 0;      // of the moves after creation (valid when created)
    bool low = false;         // on_hand <= reorder_point (valid when created)
    std::vector<std::pair<DayNumber, int64_t>> unpriced_sold;  // units sold before creation
    uint32_t key = KeyPool::kNone;  // the product id's key id (KeyOf)
    // The ProductWarehouseKey ids of its warehouses: a product is kept in a few, so a short
    // scan comparing warehouse ids beats hashing the composite key on every update.
    std::vector<std::pair<std::string, uint32_t>> warehouse_keys;
  };
  struct Order {
    int64_t created_micros = 0;
    std::vector<std::pair<std::string, int64_t>> lines;  // product, quantity
    bool fulfilled = false;
  };
  // `key`: the product's key id (KeyOf).
  static void Emit(uint32_t key, Product& p, int sign, ModelBuilder& m, bool values);
  uint32_t WarehouseKey(ModelBuilder& m, std::string_view id, Product& p,
                        std::string_view warehouse);
  void ProductCreated(const ApplyContext& c);
  void StockUpdated(const ApplyContext& c);
  void OrderCreated(const ApplyContext& c);
  void OrderFulfilled(const ApplyContext& c);

  EntityMap<Product> products_;
  EntityMap<Order> orders_;
  std::string key_;  // kUnitsByProductWarehouse key buffer (no allocation per update)
};

// a × b, saturated at the int64 range (money × quantity cannot wrap around).
int64_t MulSaturated(int64_t a, int64_t b);

}  // namespace readside::projection
