#pragma once
// From events to one tenant's search documents (dashboards.md "Search"): contacts (name,
// email, company), leads (name, source), opportunities (name, stage), employees (name,
// department, role), invoices (id, customer), products (sku, name, category), projects (name),
// tasks (name). A creation indexes the entity; an update changes the fields it carries and
// re-indexes the whole entity (Xapian replaces a document whole; the entity's current fields
// are read back from its document, so the indexer keeps nothing in memory and a restart
// resumes from the index's committed position); crm.contact.deleted removes it. Events about an entity never
// created are ignored, like the read models' orphans; a repeated creation changes nothing.
// Terminated employees, converted leads and closed opportunities stay findable: they are
// records, not deletions.
// Thread-safety: NOT thread-safe; one per tenant, on the search follower's thread.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "event/event.h"
#include "search/search_index.h"

namespace readside::search {

struct IndexedType {
  const char* type;    // contact, lead, opportunity, employee, invoice, product, project, task
  const char* domain;  // crm, hrm, finance, inventory, projects
};
// Every entity type the indexer makes documents of, with its domain.
const std::vector<IndexedType>& IndexedTypes();

class EntityIndexer {
 public:
  explicit EntityIndexer(SearchIndex* index) : index_(index) {}
  // Whether events of `event_type` (a stored event's type name) can change an index: the
  // follower parses only those (most of an ERP's events are check-ins, payments, ledger lines).
  static bool Indexes(std::string_view event_type);
  // Applies one event (a no-op for the types search does not index).
  absl::Status Apply(const event::Event& e);

 private:
  absl::Status Index(const std::string& type, const std::string& id, const std::string& domain,
                     const std::vector<std::pair<std::string, std::string>>& fields);

  SearchIndex* index_;
};

}  // namespace readside::search
