// Integer-only implementations of the simulator's random distributions (see rng.h for why).
#include "sim/rng.h"

namespace readside::sim {
namespace {

// Full 64x64 -> 128 bit product. Both branches give identical results.
inline void Mul64(uint64_t a, uint64_t b, uint64_t* hi, uint64_t* lo) {
#if defined(__SIZEOF_INT128__)
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  *hi = static_cast<uint64_t>(p >> 64);
  *lo = static_cast<uint64_t>(p);
#else
  uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  *lo = (mid << 32) | (ll & 0xffffffffULL);
#endif
}

// (a * b) >> shift for unsigned operands, 0 < shift < 64; the result must fit 64 bits.
inline uint64_t MulShift(uint64_t a, uint64_t b, int shift) {
  uint64_t hi, lo;
  Mul64(a, b, &hi, &lo);
  return (hi << (64 - shift)) | (lo >> shift);
}

inline int CountLeadingZeros(uint64_t x) {
  int n = 0;
  while ((x & (1ULL << 63)) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

// -log2(x / 2^64) in Q32 fixed point for x > 0, computed bit by bit (24 fraction bits).
uint64_t NegLog2Q32(uint64_t x) {
  int lz = CountLeadingZeros(x);
  uint64_t m = x << lz;  // mantissa in Q63, value in [1, 2)
  uint64_t frac = 0;     // log2(m) in Q32
  for (int bit = 31; bit >= 8; --bit) {
    uint64_t hi, lo;
    Mul64(m, m, &hi, &lo);  // m^2 in Q126
    if (hi >> 63) {         // m^2 >= 2
      frac |= 1ULL << bit;
      m = hi;  // (m^2 / 2) in Q63
    } else {
      m = (hi << 1) | (lo >> 63);
    }
  }
  return (static_cast<uint64_t>(lz + 1) << 32) - frac;
}

// 2^f for f in [0, 1) given in Q30, result in Q30 ([1, 2)): degree-7 Taylor series of
// e^(f ln 2), relative error < 2e-6.
uint64_t Exp2FracQ30(uint64_t f) {
  static constexpr uint64_t kCoefficients[8] = {1073741824, 744261118, 257941248, 59597083,
                                                10327387,   1431680,   165394,    16377};
  uint64_t p = kCoefficients[7];
  for (int k = 6; k >= 0; --k) p = kCoefficients[k] + ((p * f) >> 30);
  return p;
}

constexpr uint64_t kLn2Q32 = 2977044472ULL;  // ln 2 * 2^32
constexpr int64_t kInvLn2Q16 = 94548;        // 2^16 / ln 2
constexpr int64_t kSqrt3Q16 = 113512;        // sqrt(3) * 2^16
constexpr char kHex[] = "0123456789abcdef";

void AppendHex(uint64_t v, int digits, std::string* out) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 0xf]);
}

void AppendUuidBits(uint64_t a, uint64_t b, std::string* out) {
  a = (a & ~0xf000ULL) | 0x4000ULL;                         // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  AppendHex(a >> 32, 8, out);
  out->push_back('-');
  AppendHex((a >> 16) & 0xffff, 4, out);
  out->push_back('-');
  AppendHex(a & 0xffff, 4, out);
  out->push_back('-');
  AppendHex(b >> 48, 4, out);
  out->push_back('-');
  AppendHex(b & 0xffffffffffffULL, 12, out);
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = Mix64(x);
  }
}

uint64_t Rng::Next() {
  auto rotl = [](uint64_t v, int k) { return (v << k) | (v >> (64 - k)); };
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Below(uint64_t n) {
  uint64_t hi, lo;
  Mul64(Next(), n, &hi, &lo);
  return hi;
}

int64_t Rng::Between(int64_t lo, int64_t hi) {
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (span == 0) return static_cast<int64_t>(Next());  // full 64-bit range
  return lo + static_cast<int64_t>(Below(span));
}

bool Rng::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  // p * 2^53 is exact, so the threshold is the same everywhere.
  return (Next() >> 11) < static_cast<uint64_t>(p * 9007199254740992.0);
}

int64_t Rng::Exponential(int64_t mean) {
  if (mean <= 0) return 0;
  uint64_t neg_ln_q32 = MulShift(NegLog2Q32(Next() | 1), kLn2Q32, 32);
  return static_cast<int64_t>(MulShift(static_cast<uint64_t>(mean), neg_ln_q32, 32));
}

int64_t Rng::LogNormal(int64_t median, int32_t sigma_milli) {
  if (median <= 0) return 0;
  // Irwin-Hall: the sum of four uniforms, centred and scaled to unit variance.
  int64_t sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<int64_t>(Next() >> 32);
  int64_t z_q32 = (sum - (int64_t{2} << 32)) * kSqrt3Q16 / 65536;
  int64_t ln_q32 = z_q32 * sigma_milli / 1000;
  int64_t log2_q32 = ln_q32 * kInvLn2Q16 / 65536;
  int64_t whole = log2_q32 >> 32;  // floor (arithmetic shift is defined in C++20)
  uint64_t frac_q30 = static_cast<uint64_t>(log2_q32 & 0xffffffffLL) >> 2;
  uint64_t value = MulShift(static_cast<uint64_t>(median), Exp2FracQ30(frac_q30), 30);
  if (whole >= 0) {
    if (whole > 20) whole = 20;
    return static_cast<int64_t>(value << whole);
  }
  return whole < -63 ? 0 : static_cast<int64_t>(value >> -whole);
}

size_t Rng::Choose(const uint32_t* weights, size_t n) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += weights[i];
  uint64_t r = Below(total);
  for (size_t i = 0; i < n; ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return n - 1;
}

void Rng::AppendUuid(std::string* out) {
  uint64_t a = Next();
  uint64_t b = Next();
  AppendUuidBits(a, b, out);
}

void AppendUuidFromValue(uint64_t value, std::string* out) {
  AppendUuidBits(Mix64(value), Mix64(value ^ 0x5bd1e9955bd1e995ULL), out);
}

}  // namespace readside::sim
