#pragma once
// StringIndex: an open-addressing index from strings to the dense ids 0, 1, 2, … that its
// owner gives them, for the applier's per-event key lookups (KeyPool, keyed series).
//
// Why not absl::flat_hash_map<std::string, uint32_t>? A lookup of a 36-byte id there costs
// about 200 instructions under callgrind (absl's string hash, SSE group matching, a memcmp
// call); the applier does several per event. Here a lookup is a KeyHash (~30 instructions),
// a linear probe over 8-byte slots compared by a 32-bit tag, and one string comparison on a
// tag match. The owner keeps the strings (KeyAt(id) returns one); the index keeps each id's
// full hash to grow without rehashing strings. Load factor ≤ 1/2.
// Thread-safety: none; the applier's writer-side structure.

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "projection/key_hash.h"

namespace readside::projection {

class StringIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  static uint64_t Hash(std::string_view key) { return KeyHash()(key); }

  // The id of `key` (whose Hash is `hash`), or kNone. key_at(id) → the id's string.
  template <typename KeyAt>
  uint32_t Find(std::string_view key, uint64_t hash, const KeyAt& key_at) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = Tag(hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kNone) return kNone;
      if (s.tag == tag && EqualKeys(key_at(s.id), key)) return s.id;
    }
  }

  // Records that the next id, size(), has hash `hash` (its key must not be indexed yet).
  uint32_t Add(uint64_t hash) {
    if ((hashes_.size() + 1) * 2 > slots_.size()) Grow();
    const uint32_t id = static_cast<uint32_t>(hashes_.size());
    hashes_.push_back(hash);
    Place(hash, id);
    return id;
  }

  uint32_t size() const { return static_cast<uint32_t>(hashes_.size()); }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t id = kNone;
  };
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  void Place(uint64_t hash, uint32_t id) {
    size_t i = hash & mask_;
    while (slots_[i].id != kNone) i = (i + 1) & mask_;
    slots_[i] = {Tag(hash), id};
  }
  void Grow() {
    slots_.assign(slots_.empty() ? 16 : slots_.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (uint32_t id = 0; id < hashes_.size(); ++id) Place(hashes_[id], id);
  }

  std::vector<Slot> slots_;  // power-of-two size
  size_t mask_ = 0;
  std::vector<uint64_t> hashes_;  // by id
};

}  // namespace readside::projection
