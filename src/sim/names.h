// Deterministic fake names: people, companies and e-mail addresses derived from a 64-bit
// seed (usually Mix64 of the tenant and entity id), so an entity's name can be re-derived
// later without storing it (a lead and the contact it converts into share a name).
//
// Thread-safety: stateless functions over immutable tables.
#pragma once

#include <cstdint>
#include <string>

namespace readside::sim {

// "Maria Garcia"
void AppendPersonName(uint64_t seed, std::string* out);
// "Northwind Logistics"
void AppendCompanyName(uint64_t seed, std::string* out);
// "maria.garcia@northwind-logistics.example" for the person and company of these seeds.
void AppendEmail(uint64_t person_seed, uint64_t company_seed, std::string* out);

}  // namespace readside::sim
