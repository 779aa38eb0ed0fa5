// Malformer: turns a valid line of this generator into one that spec/events.md says must be
// rejected: broken JSON, a missing required field, a field of the wrong JSON type, a bad
// organization_id, timestamp or version, a negative or zero amount, an unbalanced ledger
// transaction, or another type-specific rule broken (leave days 0, 30 hours logged, an
// order without lines, ...). Every output gets a fresh event_id.
//
// Thread-safety: not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sim/rng.h"

namespace readside::sim {

class Malformer {
 public:
  explicit Malformer(Rng* rng) : rng_(*rng) {}

  // Writes an invalid line derived from `valid` (a line produced by EventBuilder) to *out.
  void Corrupt(std::string_view valid, std::string* out);

 private:
  void Truncate(std::string_view valid, std::string* out);
  void DropField(std::string* out);
  void WrongType(std::string* out);
  void ReplaceValue(std::string_view key, std::string_view replacement, std::string* out);
  void Synthesize(std::string_view valid, std::string* out);

  Rng& rng_;
};

}  // namespace readside::sim
