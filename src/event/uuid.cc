#include "event/uuid.h"

#include <cstdint>
#include <random>

namespace readside::event {

std::string NewUuid() {
  // Seeded with 256 bits: one 32-bit seed per thread would make two threads (or processes)
  // that drew the same seed produce the same ids.
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) ++pos;
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    s[static_cast<size_t>(pos++)] = kHex[(word >> shift) & 15];
  }
  return s;
}

}  // namespace readside::event
