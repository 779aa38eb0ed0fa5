#pragma once
// CRM read model (metrics.md "CRM"): contacts, leads, the opportunity pipeline, activities and
// top performers. Every rule depends only on the event's own entity, so events apply in
// arrival order and each counts on the day of its own timestamp.
// Thread-safety: NOT thread-safe; one per tenant, on the applier thread.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "projection/apply_context.h"
#include "projection/key_hash.h"
#include "projection/snapshot_codec.h"

namespace readside::projection {

class CrmProjection {
 public:
  void Apply(const ApplyContext& c);
  // Snapshot encoding of the entity state (snapshot_codec.h); Load expects an empty object.
  void Save(SnapshotWriter& w) const;
  bool Load(SnapshotReader& r);

 private:
  struct Lead {
    std::string source;
    uint32_t source_key = KeyPool::kNone;  // key ids (KeyOf)
    bool converted = false;
  };
  struct Opportunity {
    std::string stage;
    std::string owner;
    uint32_t stage_key = KeyPool::kNone, owner_key = KeyPool::kNone;  // key ids (KeyOf)
    int64_t amount = 0;  // Money units
    bool open = true;
  };
  void Close(const ApplyContext& c, Opportunity& o, bool won);

  EntityMap<bool> contacts_;  // id → deleted
  EntityMap<Lead> leads_;
  EntityMap<Opportunity> opportunities_;
};

}  // namespace readside::projection
