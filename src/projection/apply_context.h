#pragma once
// What a domain projection sees while applying one event: the event, its arrival sequence
// (the store position: arrival order, and the tie-breaker of timestamp order), its local day,
// and the tenant's model to add deltas to.
// Thread-safety: used on the applier thread only.

#include <algorithm>
#include <cstdint>

#include "event/event.h"
#include "projection/model_builder.h"

namespace readside::projection {

struct ApplyContext {
  const event::Event& e;
  uint64_t seq;     // store position
  DayNumber day;    // local day of e.timestamp_micros
  ModelBuilder& m;

  int64_t ts() const { return e.timestamp_micros; }
  const event::FieldValue& f(int index) const { return e.field(index); }
  void Orphan(int64_t n = 1) const { m.quality().orphans += n; }
};

// A point in the timestamp order of the spec: by timestamp, ties by arrival.
struct When {
  int64_t ts = 0;
  uint64_t seq = 0;
  auto operator<=>(const When&) const = default;
};

// Inserts `item` (anything with a When `at`) into `items`, kept sorted by `at`; equal points
// keep their arrival order.
template <typename Items, typename Item>
void InsertByTime(Items& items, const Item& item) {
  auto pos = std::upper_bound(items.begin(), items.end(), item.at,
                              [](const When& w, const Item& other) { return w < other.at; });
  items.insert(pos, item);
}

}  // namespace readside::projection
