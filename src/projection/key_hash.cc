#include "projection/key_hash.h"

#include <random>

namespace readside::projection::key_hash_internal {

uint64_t ProcessSeed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

}  // namespace readside::projection::key_hash_internal
