#pragma once
// The sections of the Analytics API and the domains a caller may read. The five business
// domains are sections 0…4; `cross` combines them. A DomainMask has bit (1 << section) set
// for each readable domain; roles map to masks in the HTTP layer's access policy.
// Thread-safety: constants and pure functions.

#include <cstdint>
#include <string_view>

namespace readside::query {

enum class Section : uint8_t { kCrm, kHrm, kFinance, kInventory, kProjects, kCross, kCount };
std::string_view SectionName(Section s);
bool ParseSection(std::string_view name, Section* out);

using DomainMask = uint8_t;
constexpr DomainMask DomainBit(Section s) {
  return static_cast<DomainMask>(1u << static_cast<unsigned>(s));
}
constexpr DomainMask kAllDomains = 0x1f;  // crm, hrm, finance, inventory, projects
// The domains a section's numbers come from: its own, or for cross every domain a cross
// metric reads.
DomainMask SectionSources(Section s);

}  // namespace readside::query
