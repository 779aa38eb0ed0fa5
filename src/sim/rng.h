// Rng: the simulator's only source of randomness. A xoshiro256** generator seeded with
// splitmix64, plus the few distributions the simulator needs (uniform, Bernoulli,
// exponential, log-normal, weighted choice, UUIDs). Every distribution is computed with
// integer arithmetic (the standard <random> distributions are implementation-defined and
// libm results may differ in the last bit), so a seed gives byte-identical output on every
// platform and compiler.
//
// Determinism also needs callers to draw at most once per expression: C++ leaves the order
// of `rng.A() + rng.B()` or f(rng.A(), rng.B()) unspecified, and compilers differ.
//
// Thread-safety: not thread-safe; each Generator owns its instances.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace readside::sim {

// A stateless 64-bit mixer (splitmix64's finalizer): the same input gives the same output.
// Used to derive stable per-entity attributes (names, companies) from ids.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // Next raw 64 random bits.
  uint64_t Next();

  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n);

  // Uniform integer in [lo, hi], both inclusive. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi);

  // True with probability p. p <= 0 never, p >= 1 always.
  bool Chance(double p);

  // Exponentially distributed value with the given mean, rounded down. REQUIRES: mean >= 0.
  int64_t Exponential(int64_t mean);

  // Log-normally distributed value: median * e^(sigma * z) with z approximately standard
  // normal and truncated to |z| < 3.47, sigma = sigma_milli / 1000. Result is >= 0.
  // REQUIRES: 0 <= median < 2^31 * 1000, 0 <= sigma_milli <= 3000.
  int64_t LogNormal(int64_t median, int32_t sigma_milli);

  // Index i with probability weights[i] / sum(weights). REQUIRES: sum(weights) > 0.
  size_t Choose(const uint32_t* weights, size_t n);
  template <size_t N>
  size_t Choose(const uint32_t (&weights)[N]) {
    return Choose(weights, N);
  }

  // Appends a random version-4 UUID (8-4-4-4-12 lowercase hex, 36 characters).
  void AppendUuid(std::string* out);

 private:
  uint64_t s_[4];
};

// Appends a version-4-shaped UUID derived deterministically from `value` (no randomness
// consumed). Used for correlation ids, which must be stable for a business flow.
void AppendUuidFromValue(uint64_t value, std::string* out);

}  // namespace readside::sim
