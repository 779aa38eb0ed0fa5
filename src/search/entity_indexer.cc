#include "search/entity_indexer.h"

#include "event/catalog.h"

namespace readside::search {
namespace {
using E = event::EventType;

struct Spec {
  E created;
  E updated;  // kUnknown: none
  const char* type;
  const char* domain;
  std::vector<const char*> fields;  // payload fields indexed, in order
  bool id_is_field;                 // the entity id itself is searchable (invoices)
};

const std::vector<Spec>& Specs() {
  static const auto* specs = new std::vector<Spec>{
      {E::kCrmContactCreated, E::kCrmContactUpdated, "contact", "crm", {"name", "email", "company"}, false},
      {E::kCrmLeadCreated, E::kUnknown, "lead", "crm", {"name", "source"}, false},
      {E::kCrmOpportunityCreated, E::kCrmOpportunityStageChanged, "opportunity", "crm", {"name", "stage"}, false},
      {E::kHrmEmployeeCreated, E::kHrmEmployeeUpdated, "employee", "hrm", {"name", "department", "role"}, false},
      {E::kFinanceInvoiceCreated, E::kUnknown, "invoice", "finance", {"customer_id"}, true},
      {E::kInventoryProductCreated, E::kUnknown, "product", "inventory", {"sku", "name", "category"}, false},
      {E::kProjectCreated, E::kProjectUpdated, "project", "projects", {"name"}, false},
      {E::kProjectTaskCreated, E::kUnknown, "task", "projects", {"name"}, false},
  };
  return *specs;
}

// The payload's value of `name` for this event's type, or null when absent.
const std::string* FieldText(const event::Event& e, std::string_view name) {
  const event::TypeSpec& spec = event::GetTypeSpec(e.type);
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].name == name) {
      const event::FieldValue& f = e.fields[i];
      return f.present ? &f.text : nullptr;
    }
  }
  return nullptr;
}

}  // namespace

absl::Status EntityIndexer::Apply(const event::Event& e) {
  if (e.type == E::kCrmContactDeleted) {
    std::string key = "contact\x1f" + e.entity_id;
    if (entities_.erase(key) == 0) return absl::OkStatus();
    return index_->Remove("contact", e.entity_id);
  }
  for (const Spec& s : Specs()) {
    const bool created = e.type == s.created;
    if (!created && (s.updated == E::kUnknown || e.type != s.updated)) continue;
    std::string key = std::string(s.type) + "\x1f" + e.entity_id;
    auto it = entities_.find(key);
    if (created == (it != entities_.end())) return absl::OkStatus();  // repeat, or orphan
    if (created) {
      it = entities_.emplace(key, Entity{s.domain, {}}).first;
      if (s.id_is_field) it->second.fields.emplace_back("id", e.entity_id);
      for (const char* f : s.fields) it->second.fields.emplace_back(f, std::string());
    }
    bool changed = created;
    for (auto& [name, value] : it->second.fields) {
      if (name == "id") continue;
      if (const std::string* text = FieldText(e, name); text && *text != value) {
        value = *text;
        changed = true;
      }
    }
    return changed ? Index(s.type, e.entity_id, it->second) : absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status EntityIndexer::Index(const std::string& type, const std::string& id,
                                  const Entity& entity) {
  SearchDoc doc{type, id, entity.domain, "", {}};
  for (const auto& [name, value] : entity.fields) {
    if (value.empty()) continue;
    if (doc.title.empty() && (name == "name" || name == "id")) doc.title = value;
    doc.fields.emplace_back(name, value);
  }
  if (doc.title.empty()) doc.title = id;  // a lead or task without a name
  return index_->Put(doc);
}

}  // namespace readside::search
