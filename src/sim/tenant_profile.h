// TenantProfile: the size and character of one simulated company (headcount, deal sizes,
// catalog, warehouses, time zone, share of the event stream). The first tenant is a large
// company, the next a mid-sized one, the others small or mid-sized, alternating.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>

namespace readside::sim {

enum Department : uint8_t { kSales, kEngineering, kFinance, kOperations, kHr, kSupport };
inline constexpr int kDepartmentCount = 6;

struct TenantProfile {
  std::string organization_id;
  int size_class = 0;             // 0 large, 1 mid, 2 small
  uint32_t volume_weight = 0;     // relative share of the event stream
  int utc_offset_minutes = 0;     // fixed local offset (no DST)
  int target_headcount = 0;       // at go-live; grows ~6% a year
  int64_t deal_median_cents = 0;  // median opportunity amount
  int catalog_size = 0;           // products when the catalog is complete
  int warehouses = 1;             // 1..kMaxWarehouses
  int max_active_projects = 0;
  int initial_customers = 0;
  int64_t monthly_rent_cents = 0;
  uint32_t department_weights[kDepartmentCount] = {};
  std::string sku_prefix;  // "ACM"
};

// The profile of the tenant at `index` named `organization_id`.
TenantProfile MakeTenantProfile(const std::string& organization_id, int index);

}  // namespace readside::sim
