#pragma once
// KeyHash: a fast, seeded hash of the short strings the applier looks up on every event
// (entity ids, account codes, stages), for its writer-side hash maps.
//
// Why not absl::Hash? Its string hash costs about 50 instructions for a 36-byte UUID, on
// every fact and keyed-series write of every event (callgrind, bench/projection_bench). This
// one reads 16 bytes per step and mixes with a 64×64→128-bit multiply (the wyhash "mum"),
// about 15 instructions for a UUID. Seeded per process at random, so a tenant cannot choose
// ids that collide in another process's tables (the applier is shared by all tenants).
// EntityMap<V> is the applier's map by entity id (KeyHash, and KeyEq's inline comparison).
// Thread-safety: stateless (the seed is set once, before main's first lookup).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace readside::projection {

namespace key_hash_internal {
uint64_t ProcessSeed();  // random, fixed for the process

inline uint64_t Mum(uint64_t a, uint64_t b) {
  __extension__ typedef unsigned __int128 U128;
  U128 r = static_cast<U128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace key_hash_internal

struct KeyHash {
  using is_transparent = void;

  size_t operator()(std::string_view s) const noexcept {
    using namespace key_hash_internal;
    constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                       k2 = 0x8ebc6af09c88c6e3ull;
    static const uint64_t seed0 = ProcessSeed();
    const char* p = s.data();
    size_t n = s.size();
    uint64_t seed = seed0 ^ (n * k2);
    uint64_t a = 0, b = 0;
    if (n <= 16) {
      if (n >= 8) {
        a = Load64(p);
        b = Load64(p + n - 8);
      } else if (n >= 4) {
        a = Load32(p);
        b = Load32(p + n - 4);
      } else if (n > 0) {
        a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) |
            (uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8) | static_cast<uint8_t>(p[n - 1]);
      }
    } else {
      while (n > 16) {
        seed = Mum(Load64(p) ^ k0, Load64(p + 8) ^ seed);
        p += 16;
        n -= 16;
      }
      a = Load64(p + n - 16);  // the last 16 bytes, overlapping what was read
      b = Load64(p + n - 8);
    }
    return static_cast<size_t>(Mum(k0 ^ s.size(), Mum(a ^ k1, b ^ seed)));
  }
};

// a == b, inline: std::string's operator== calls memcmp through the PLT, which costs as much
// as the rest of a lookup for the short keys here. Compares 8 bytes at a time (the last
// word overlapping) after the sizes.
inline bool EqualKeys(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (key_hash_internal::Load64(p + i) != key_hash_internal::Load64(q + i)) return false;
    }
    return key_hash_internal::Load64(p + n - 8) == key_hash_internal::Load64(q + n - 8);
  }
  if (n >= 4) {
    return key_hash_internal::Load32(p) == key_hash_internal::Load32(q) &&
           key_hash_internal::Load32(p + n - 4) == key_hash_internal::Load32(q + n - 4);
  }
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

struct KeyEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return EqualKeys(a, b);
  }
};

// A map by entity id for the applier's per-event lookups (lookups by std::string_view too).
template <typename V>
using EntityMap = absl::flat_hash_map<std::string, V, KeyHash, KeyEq>;

}  // namespace readside::projection
