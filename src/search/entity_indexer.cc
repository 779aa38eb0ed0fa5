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

bool EntityIndexer::Indexes(std::string_view event_type) {
  const event::TypeSpec* spec = event::FindType(event_type);
  if (spec == nullptr) return false;
  if (spec->type == E::kCrmContactDeleted) return true;
  for (const Spec& s : Specs()) {
    if (spec->type == s.created || (s.updated != E::kUnknown && spec->type == s.updated)) return true;
  }
  return false;
}

const std::vector<IndexedType>& IndexedTypes() {
  static const auto* types = [] {
    auto* out = new std::vector<IndexedType>();
    for (const Spec& s : Specs()) out->push_back({s.type, s.domain});
    return out;
  }();
  return *types;
}

absl::Status EntityIndexer::Apply(const event::Event& e) {
  if (e.type == E::kCrmContactDeleted) return index_->Remove("contact", e.entity_id);
  for (const Spec& s : Specs()) {
    const bool created = e.type == s.created;
    if (!created && (s.updated == E::kUnknown || e.type != s.updated)) continue;
    // The entity's current fields are the index's own document: nothing to keep in memory,
    // nothing to replay after a restart.
    absl::StatusOr<std::optional<SearchDoc>> current = index_->Get(s.type, e.entity_id);
    if (!current.ok()) return current.status();
    if (created == current->has_value()) return absl::OkStatus();  // repeat, or orphan
    std::vector<std::pair<std::string, std::string>> fields;
    if (s.id_is_field) fields.emplace_back("id", e.entity_id);
    for (const char* f : s.fields) {
      std::string value;
      if (current->has_value()) {
        for (const auto& [name, v] : (*current)->fields) {
          if (name == f) value = v;
        }
      }
      fields.emplace_back(f, std::move(value));
    }
    bool changed = created;
    for (auto& [name, value] : fields) {
      if (name == "id") continue;
      if (const std::string* text = FieldText(e, name); text && *text != value) {
        value = *text;
        changed = true;
      }
    }
    return changed ? Index(s.type, e.entity_id, s.domain, fields) : absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status EntityIndexer::Index(const std::string& type, const std::string& id,
                                  const std::string& domain,
                                  const std::vector<std::pair<std::string, std::string>>& fields) {
  SearchDoc doc{type, id, domain, "", {}};
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    if (doc.title.empty() && (name == "name" || name == "id")) doc.title = value;
    doc.fields.emplace_back(name, value);
  }
  if (doc.title.empty()) doc.title = id;  // a lead or task without a name
  return index_->Put(doc);
}

}  // namespace readside::search
