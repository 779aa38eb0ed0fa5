#include "event/catalog.h"

#include <cassert>

#include "event/catalog_tables.h"

namespace readside::event {
using catalog_data::kTypes;

std::string_view DomainName(Domain d) {
  switch (d) {
    case Domain::kCrm:
      return "crm";
    case Domain::kHrm:
      return "hrm";
    case Domain::kFinance:
      return "finance";
    case Domain::kInventory:
      return "inventory";
    case Domain::kProjects:
      return "projects";
    case Domain::kNone:
      return "none";
  }
  return "none";
}

const TypeSpec* FindType(std::string_view name) {
  // 32 entries: a linear scan over short strings beats hashing here, and the first byte
  // prunes most candidates.
  for (const TypeSpec& t : kTypes) {
    if (t.name.size() == name.size() && t.name == name) return &t;
  }
  return nullptr;
}

const TypeSpec& GetTypeSpec(EventType type) {
  assert(type != EventType::kUnknown && type < EventType::kCount);
  return kTypes[static_cast<size_t>(type) - 1];
}

std::span<const TypeSpec> AllTypes() { return kTypes; }

int FieldIndex(EventType type, std::string_view field) {
  const TypeSpec& spec = GetTypeSpec(type);
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace readside::event
