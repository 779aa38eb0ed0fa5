// Inventory reports (reports.md "Catalog", inventory; docs/reports-operational.md): stock,
// orders, reorder.
#include "projection/inventory_projection.h"
#include "report/operational.h"

namespace readside::report::internal {
namespace {

// Units on hand at the end of `p` per (product, warehouse) and per product (every stock
// update, like units_on_hand).
struct OnHand {
  std::vector<std::tuple<std::string, std::string, int64_t>> by_product_warehouse;
  KeySums by_product;
};
OnHand OnHandAt(const projection::TenantView& v, const Period& p) {
  OnHand out;
  for (const auto& [key, units] : StockByKey(v, F::kUnitsByProductWarehouse, p)) {
    size_t cut = key.find(projection::kKeySeparator);
    std::string product = key.substr(0, cut);
    std::string warehouse = cut == std::string::npos ? "" : key.substr(cut + 1);
    out.by_product[product] += units;
    out.by_product_warehouse.emplace_back(std::move(product), std::move(warehouse), units);
  }
  std::erase_if(out.by_product, [](const auto& kv) { return kv.second == 0; });
  return out;
}

const projection::ProductInfo* Product(const projection::TenantView& v, std::string_view id) {
  auto it = v.products->find(id);
  return it == v.products->end() ? nullptr : &it->second;
}

Cell YesIf(bool b) { return TextCell(b ? "yes" : ""); }

}  // namespace

void BuildInventoryStock(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t units = StockAtEnd(v.Get(S::kUnitsOnHand), p),
          value = StockAtEnd(v.Get(S::kStockValue), p);
  KeySums low = StockByKey(v, F::kLowStockByProduct, p);
  doc->sections.push_back(KpiSection({
      CountKpi("Products", StockAtEnd(v.Get(S::kProductsTotal), p)),
      CountKpi("Units on hand", units),
      MoneyKpi(r, "Stock value", value),
      CountKpi("Low-stock products", StockAtEnd(v.Get(S::kLowStockProducts), p)),
  }));

  OnHand on_hand = OnHandAt(v, p);
  KeySums values = StockByKey(v, F::kStockValueByProduct, p);
  Section t = TableSection(
      "products", "Stock by product",
      {Col("product", "Product", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("sku", "SKU", ColumnType::kString), Col("category", "Category", ColumnType::kString),
       Col("on_hand", "On hand", ColumnType::kInteger),
       Col("unit_cost", "Unit cost", ColumnType::kMoney), Col("value", "Value", ColumnType::kMoney),
       Col("reorder_point", "Reorder point", ColumnType::kInteger),
       Col("low", "Low stock", ColumnType::kString)});
  for (const KeyRow& x : RowsByValue({&values, &on_hand.by_product, &low})) {
    const projection::ProductInfo* info = Product(v, x.key);
    t.rows.push_back({TextCell(x.key), TextCell(info ? info->name : ""),
                      TextCell(info ? info->sku : ""), TextCell(info ? info->category : ""),
                      CountCell(x.values[1]), info ? MoneyCell(info->unit_cost) : Cell{},
                      MoneyCell(x.values[0]), info ? CountCell(info->reorder_point) : Cell{},
                      YesIf(x.values[2] != 0)});
  }
  t.totals = {TextCell("Total"),
              Cell{},
              Cell{},
              Cell{},
              CountCell(Total(on_hand.by_product)),
              Cell{},
              MoneyCell(Total(values)),
              Cell{},
              Cell{}};
  doc->sections.push_back(std::move(t));

  KeySums by_warehouse = StockByKey(v, K::kStockByWarehouse, p);
  Section w = TableSection("warehouses", "Stock by warehouse",
                           {Col("warehouse", "Warehouse", ColumnType::kString),
                            Col("on_hand", "On hand", ColumnType::kInteger)});
  for (const KeyRow& x : RowsByValue({&by_warehouse})) {
    w.rows.push_back({TextCell(KeyLabel(x.key)), CountCell(x.values[0])});
  }
  w.totals = {TextCell("Total"), CountCell(Total(by_warehouse))};
  doc->sections.push_back(std::move(w));

  // By warehouse, then on hand descending, then product.
  auto& cells = on_hand.by_product_warehouse;
  std::sort(cells.begin(), cells.end(), [](const auto& a, const auto& b) {
    const auto& [pa, wa, ua] = a;
    const auto& [pb, wb, ub] = b;
    if (wa != wb) return wa < wb;
    if (ua != ub) return ua > ub;
    return pa < pb;
  });
  Section pw = TableSection(
      "product_warehouse", "Stock by warehouse and product",
      {Col("warehouse", "Warehouse", ColumnType::kString),
       Col("product", "Product", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("on_hand", "On hand", ColumnType::kInteger)});
  for (const auto& [product, warehouse, n] : cells) {
    pw.rows.push_back({TextCell(KeyLabel(warehouse)), TextCell(product),
                       TextCell(ProductName(v, product)), CountCell(n)});
  }
  pw.totals = {TextCell("Total"), Cell{}, Cell{}, CountCell(units)};
  doc->sections.push_back(std::move(pw));

  // Low stock: products at or below their reorder point at the end of the period.
  struct Low {
    std::string product;
    int64_t on_hand, reorder_point;
  };
  std::vector<Low> lows;
  for (const auto& [product, flag] : low) {
    const projection::ProductInfo* info = Product(v, product);
    lows.push_back({product, At(on_hand.by_product, product), info ? info->reorder_point : 0});
  }
  SortByValueThenKey(
      &lows, [](const Low& x) { return x.reorder_point - x.on_hand; },
      [](const Low& x) { return x.product; });
  Section l = TableSection(
      "low_stock", "Low-stock products",
      {Col("product", "Product", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("on_hand", "On hand", ColumnType::kInteger),
       Col("reorder_point", "Reorder point", ColumnType::kInteger),
       Col("shortfall", "Below reorder point by", ColumnType::kInteger)});
  for (const Low& x : lows) {
    l.rows.push_back({TextCell(x.product), TextCell(ProductName(v, x.product)),
                      CountCell(x.on_hand), CountCell(x.reorder_point),
                      CountCell(x.reorder_point - x.on_hand)});
  }
  doc->sections.push_back(std::move(l));
  doc->sections.push_back(MonthlyTrend("trend", "Stock value at month end", p,
                                       {StockTrend(r, "Stock value", S::kStockValue, Unit::kMoney)},
                                       "line"));
}

void BuildInventoryOrders(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  int64_t fulfilled = Flow(v.Get(S::kOrdersFulfilled), p), cogs = Flow(v.Get(S::kInventoryCogs), p);
  const projection::DaySeries& stock_value = v.Get(S::kStockValue);
  int64_t value_start = stock_value.PrefixBefore(p.first_day);
  int64_t value_end = StockAtEnd(stock_value, p);
  // Turnover = COGS / average stock value = 2 × COGS / (start + end); 0 when that is 0.
  auto turnover = [](int64_t cogs, int64_t start, int64_t end) {
    return start + end == 0 ? Decimal{0, 2} : Decimal::Ratio(2 * cogs, start + end, 2);
  };
  int64_t millis = Flow(v.Get(S::kFulfillmentMillis), p);
  doc->sections.push_back(KpiSection({
      CountKpi("Orders created", Flow(v.Get(S::kOrdersCreated), p)),
      CountKpi("Orders fulfilled", fulfilled),
      MoneyKpi(r, "Order value", Flow(v.Get(S::kOrderValue), p)),
      CountKpi("Units sold", Flow(v.Get(S::kUnitsSold), p)),
      MoneyKpi(r, "Cost of goods sold", cogs),
      {"Average fulfillment time",
       fulfilled == 0 ? Decimal{0, 2} : Decimal::Ratio(millis, fulfilled * 3'600'000, 2), "hours"},
      {"Inventory turnover", turnover(cogs, value_start, value_end), ""},
  }));

  KeySums ordered = FlowByKey(v, F::kOrderValueByProduct, p);
  KeySums sold = FlowByKey(v, F::kUnitsSoldByProduct, p);
  KeySums start_values = StockAtStartByKey(v, F::kStockValueByProduct, p);
  KeySums end_values = StockByKey(v, F::kStockValueByProduct, p);
  Section t = TableSection(
      "products", "Sales and turnover by product",
      {Col("product", "Product", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("units_sold", "Units sold", ColumnType::kInteger),
       Col("order_value", "Order value", ColumnType::kMoney),
       Col("cogs", "Cost of goods sold", ColumnType::kMoney),
       Col("stock_value", "Stock value (end)", ColumnType::kMoney),
       Col("turnover", "Turnover", ColumnType::kNumber)});
  int64_t cogs_total = 0;
  for (const KeyRow& x : RowsByValue({&sold, &ordered})) {
    const projection::ProductInfo* info = Product(v, x.key);
    // Units sold of a product never created have no cost yet (like cost_of_goods_sold).
    int64_t product_cogs = info ? projection::MulSaturated(x.values[0], info->unit_cost) : 0;
    cogs_total += product_cogs;
    int64_t start = At(start_values, x.key), end = At(end_values, x.key);
    t.rows.push_back({TextCell(x.key), TextCell(info ? info->name : ""), CountCell(x.values[0]),
                      MoneyCell(x.values[1]), MoneyCell(product_cogs), MoneyCell(end),
                      turnover(product_cogs, start, end)});
  }
  // No stock value total: the rows are the products sold or ordered, not the whole stock;
  // the turnover total is the whole stock's (the KPI).
  t.totals = {TextCell("Total"),
              Cell{},
              CountCell(Total(sold)),
              MoneyCell(Total(ordered)),
              MoneyCell(cogs_total),
              Cell{},
              turnover(cogs_total, value_start, value_end)};
  doc->sections.push_back(std::move(t));

  KeySums by_lead_time = FlowByKey(v, F::kFulfilledByLeadTime, p);
  Section f = TableSection("fulfillment", "Orders fulfilled by time to fulfillment",
                           {Col("lead_time", "Time to fulfillment", ColumnType::kString),
                            Col("orders", "Orders fulfilled", ColumnType::kInteger),
                            Col("share", "Share", ColumnType::kPercent)});
  for (std::string_view bucket : projection::kLeadTimeBuckets) {  // in order of time
    int64_t n = At(by_lead_time, bucket);
    f.rows.push_back({TextCell(bucket), CountCell(n), PercentCell(n, fulfilled)});
  }
  f.totals = {TextCell("Total"), CountCell(fulfilled), Cell{}};
  doc->sections.push_back(std::move(f));
  doc->sections.push_back(MonthlyTrend("trend", "Orders by month", p,
                                       {FlowTrend(r, "Created", S::kOrdersCreated),
                                        FlowTrend(r, "Fulfilled", S::kOrdersFulfilled)}));
  doc->sections.push_back(MonthlyTrend("units_trend", "Units sold by month", p,
                                       {FlowTrend(r, "Units sold", S::kUnitsSold)}));
}

void BuildInventoryReorder(const ReportRequest& r, Document* doc) {
  const projection::TenantView& v = r.view;
  const Period& p = r.period;
  KeySums reorders = FlowByKey(v, F::kReordersByProduct, p);
  KeySums requested = FlowByKey(v, F::kReorderUnitsByProduct, p);
  KeySums low = StockByKey(v, F::kLowStockByProduct, p);
  doc->sections.push_back(KpiSection({
      CountKpi("Reorders triggered", Flow(v.Get(S::kReordersTriggered), p)),
      CountKpi("Units requested", Total(requested)),
      CountKpi("Products reordered", static_cast<int64_t>(reorders.size())),
      CountKpi("Low-stock products", StockAtEnd(v.Get(S::kLowStockProducts), p)),
  }));
  OnHand on_hand = OnHandAt(v, p);
  Section t = TableSection(
      "products", "Reorders by product",
      {Col("product", "Product", ColumnType::kString), Col("name", "Name", ColumnType::kString),
       Col("reorders", "Reorders", ColumnType::kInteger),
       Col("units_requested", "Units requested", ColumnType::kInteger),
       Col("on_hand", "On hand (end)", ColumnType::kInteger),
       Col("reorder_point", "Reorder point", ColumnType::kInteger),
       Col("low", "Low stock (end)", ColumnType::kString)});
  for (const KeyRow& x : RowsByValue({&reorders, &requested})) {
    const projection::ProductInfo* info = Product(v, x.key);
    t.rows.push_back({TextCell(x.key), TextCell(info ? info->name : ""), CountCell(x.values[0]),
                      CountCell(x.values[1]), CountCell(At(on_hand.by_product, x.key)),
                      info ? CountCell(info->reorder_point) : Cell{}, YesIf(At(low, x.key) != 0)});
  }
  t.totals = {TextCell("Total"),
              Cell{},
              CountCell(Total(reorders)),
              CountCell(Total(requested)),
              Cell{},
              Cell{},
              Cell{}};
  doc->sections.push_back(std::move(t));
  doc->sections.push_back(MonthlyTrend("trend", "Reorders by month", p,
                                       {FlowTrend(r, "Reorders", S::kReordersTriggered)}));
}

}  // namespace readside::report::internal
