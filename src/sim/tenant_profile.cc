#include "sim/tenant_profile.h"

namespace readside::sim {
namespace {

struct SizeClass {
  uint32_t volume_weight;
  int headcount;
  int64_t deal_median_cents;
  int catalog_size;
  int warehouses;
  int max_active_projects;
  int initial_customers;
  int64_t monthly_rent_cents;
  uint32_t department_weights[kDepartmentCount];  // Sales, Eng, Finance, Ops, HR, Support
};

constexpr SizeClass kSizeClasses[3] = {
    {60, 240, 3000000, 120, 3, 14, 40, 8500000, {18, 34, 6, 20, 5, 17}},
    {28, 90, 1500000, 60, 2, 7, 20, 2600000, {20, 30, 7, 20, 6, 17}},
    {12, 30, 700000, 25, 1, 3, 10, 900000, {25, 30, 10, 15, 5, 15}},
};

constexpr int kOffsetsMinutes[] = {-300, 60, 0, -480, 330, 120, -180, 540};

}  // namespace

TenantProfile MakeTenantProfile(const std::string& organization_id, int index) {
  int size_class = index == 0 ? 0 : (index % 2 == 1 ? 1 : 2);
  const SizeClass& s = kSizeClasses[size_class];
  TenantProfile p;
  p.organization_id = organization_id;
  p.size_class = size_class;
  p.volume_weight = s.volume_weight;
  p.utc_offset_minutes = kOffsetsMinutes[index % (sizeof(kOffsetsMinutes) / sizeof(int))];
  p.target_headcount = s.headcount;
  p.deal_median_cents = s.deal_median_cents;
  p.catalog_size = s.catalog_size;
  p.warehouses = s.warehouses;
  p.max_active_projects = s.max_active_projects;
  p.initial_customers = s.initial_customers;
  p.monthly_rent_cents = s.monthly_rent_cents;
  for (int d = 0; d < kDepartmentCount; ++d) p.department_weights[d] = s.department_weights[d];
  for (char c : organization_id) {
    if (p.sku_prefix.size() == 3) break;
    if (c >= 'a' && c <= 'z') p.sku_prefix.push_back(static_cast<char>(c - 'a' + 'A'));
    if (c >= '0' && c <= '9') p.sku_prefix.push_back(c);
  }
  while (p.sku_prefix.size() < 3) p.sku_prefix.push_back('X');
  return p;
}

}  // namespace readside::sim
