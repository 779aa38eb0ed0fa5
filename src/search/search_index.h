#pragma once
// One tenant's search index (dashboards.md "Search"), on Xapian. Documents are entities
// (type + id) with named text fields; a query answers ranked hits with snippets, an exact
// total, a spelling suggestion when it finds little, and prefix completions of the last word.
// Domains are filters: a caller sees, counts and completes only the domains it is given.
//
// The index is derived data like the read models: writes carry the store position they
// reflect (Commit), kept beside the documents so a restart catches up from there.
// Xapian's headers and exceptions stay in search_index.cc: every call answers a Status
// (InvalidArgument for a query Xapian rejects, DataLoss for a damaged index), never throws.
// Thread-safety: every method may be called from any thread. Writes (Put, Remove, Commit)
// and Get serialize on the writer's mutex. Search and Suggest read the last commit through
// readers of their own (a small pool of Xapian databases opened on the same directory, each
// used by one query at a time and reopened after a commit), so they never wait for indexing
// and never see a write before its Commit. A reader overtaken by the writer
// (DatabaseModifiedError) is reopened and the query tried again; after 3 such tries the
// query holds the writer off for itself (a rare wait of one write at most). The in-memory
// backend has no separate readers: there queries take the writer's mutex too.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside::search {

struct SearchDoc {
  std::string type;    // contact, lead, opportunity, employee, invoice, product, project, task
  std::string id;      // unique within the type
  std::string domain;  // crm, hrm, finance, inventory, projects
  std::string title;   // what a hit shows
  std::vector<std::pair<std::string, std::string>> fields;  // (name, text), all searchable
};

// Query limits; beyond them Search answers InvalidArgument naming the field (like an empty q).
inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr size_t kMaxLimit = 100;
inline constexpr size_t kMaxOffset = 100'000;

struct SearchQuery {
  std::string text;
  std::vector<std::string> types;    // empty: every type
  std::vector<std::string> domains;  // the caller's; documents of other domains do not exist
  size_t offset = 0;
  size_t limit = 20;
};

struct SearchHit {
  std::string type, id, title, domain, snippet;  // snippet: matches in <mark>…</mark>, escaped
  double score = 0;
};

struct SearchResult {
  uint64_t total = 0;  // exact
  std::vector<SearchHit> hits;
  std::string suggestion;  // a spelling correction of the query, when it finds little
};

struct Completion {
  std::string text, type;
};

// Errors: DataLoss when the index's files are damaged (corrupt or cut short: indexing the store
// again repairs it); ResourceExhausted (disk full) or Unavailable (another I/O error, a failed
// fsync) when the disk refused a read or write: the files are not known to be damaged, and the
// call may succeed later; InvalidArgument for a query that does not parse; Internal otherwise.
class SearchIndex {
 public:
  // Opens (creating) the index in `dir`; an empty `dir` keeps it in memory (tests; no
  // spelling suggestions there).
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Open(const std::string& dir);
  // Reads every block of the index's last commit in `dir` (Xapian::Database::check): OK when
  // sound, DataLoss when damaged, another error when the disk refused. Costs a read of the
  // whole index (less than indexing the store again); safe beside the writer.
  static absl::Status Check(const std::string& dir);
  virtual ~SearchIndex() = default;

  // Adds or replaces the entity (type, id): a rename re-indexes, the old words go.
  virtual absl::Status Put(const SearchDoc& doc) = 0;
  // The entity as last Put (including writes not yet committed: the indexer's view), or
  // nullopt.
  virtual absl::StatusOr<std::optional<SearchDoc>> Get(const std::string& type,
                                                       const std::string& id) const = 0;
  // Removes the entity; OK when absent.
  virtual absl::Status Remove(const std::string& type, const std::string& id) = 0;
  // Makes the writes so far durable and visible, recording the store position they reflect.
  virtual absl::Status Commit(uint64_t position) = 0;
  // The position of the last commit (0 for a new index).
  virtual uint64_t position() const = 0;
  virtual uint64_t size() const = 0;  // documents, including writes not yet committed

  // Over the last commit only.
  virtual absl::StatusOr<SearchResult> Search(const SearchQuery& q) const = 0;
  // Up to `limit` completions of the last word of `text`, from the given domains' entities.
  virtual absl::StatusOr<std::vector<Completion>> Suggest(
      const std::string& text, const std::vector<std::string>& domains, size_t limit) const = 0;
};

// Tests only. A query of plain words without a type or domain filter whose rarest word
// matches at least `min_matches` documents (20,000 by default) is ranked by Xapian without
// counting and counted apart from posting lists; UINT64_MAX: never (every query, and every
// spelling probe, takes the query parser's general path, where the matcher counts), 0: always.
void SetCountApartFromForTesting(uint64_t min_matches);
void ResetCountApartFromForTesting();

// Tests only: the Status a Xapian exception of `type` (DatabaseError, DatabaseCorruptError,
// DatabaseNotFoundError, DatabaseOpeningError, DatabaseLockError, DatabaseModifiedError) with
// `message` and `error_number` (an errno; 0: none) becomes.
absl::Status StatusOfXapianErrorForTesting(const std::string& type, const std::string& message,
                                           int error_number);

}  // namespace readside::search
