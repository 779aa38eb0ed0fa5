// InventorySim: one tenant's inventory service. Publishes a product catalog (unit_cost <
// unit_price), stock receipts per warehouse, customer orders that are fulfilled from stock
// (each line then leaves its warehouse through a negative inventory.stock.updated), reorder
// triggers when a product's on-hand falls to its reorder point, the receipts that follow,
// and occasional stock adjustments. Asks finance for COGS, purchase and sales postings and
// for the order's invoice.
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/agenda.h"
#include "sim/event_catalog.h"
#include "sim/slot_pool.h"
#include "sim/tenant_context.h"

namespace readside::sim {

class InventorySim {
 public:
  explicit InventorySim(TenantContext* ctx) : ctx_(*ctx) {}

  // Publishes a new product. Spontaneous creation (initial == false) happens only while the
  // catalog is below its target size and schedules the first receipts.
  bool CreateProduct(bool initial);
  // Go-live: publishes the opening stock of product in warehouse.
  bool ReceiveOpeningStock(uint64_t product, int warehouse);
  bool CreateOrder();
  bool AdjustStock();
  bool RunTask(const AgendaItem& item);

  size_t product_count() const { return products_.size() - 1; }
  // Σ on-hand × unit cost, in cents.
  int64_t StockValueCents() const;

 private:
  struct Product {
    int64_t cost_cents = 0;
    int64_t price_cents = 0;
    int32_t reorder_point = 0;
    int32_t reorder_quantity = 0;
    int32_t on_hand[kMaxWarehouses] = {};
    uint8_t category = 0;
    bool reorder_pending = false;
  };
  struct OrderLine {
    uint32_t product;
    int32_t quantity;
    int64_t unit_price_cents;
    int warehouse;
  };
  struct Order {
    uint64_t num;
    uint64_t customer;
    uint64_t flow;
    OrderLine lines[4];
    int n;
    bool prepaid;  // paid by card at checkout
  };
  struct StockMove {
    uint32_t product;
    int warehouse;
    int32_t delta;
    uint64_t flow;
  };

  bool FulfilOrder(uint32_t slot);
  bool MoveStock(uint32_t slot);
  bool CheckReorder(uint64_t product);
  bool TriggerReorder(uint64_t product);
  bool ReceiveStock(uint64_t product, int warehouse, int32_t quantity, std::string_view reason);
  void SchedulePurchase(uint64_t product, int32_t quantity);
  bool WriteStockUpdate(uint64_t product, int warehouse, int32_t delta, std::string_view reason,
                        uint64_t flow);
  int32_t OnHand(uint64_t product) const;
  int64_t PickOperator() const;

  TenantContext& ctx_;
  std::vector<Product> products_ = std::vector<Product>(1);  // index = product num
  SlotPool<Order> orders_;
  SlotPool<StockMove> moves_;
};

}  // namespace readside::sim
