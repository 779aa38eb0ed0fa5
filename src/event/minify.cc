#include "event/minify.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace readside::event {
namespace {

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Scalar scan state carried across blocks.
struct ScanState {
  bool in_string = false;
  bool escaped = false;  // the previous byte was a backslash inside a string
};

// Scans [p, end) byte by byte; returns false at the first white space outside a string.
bool ScanScalar(const char* p, const char* end, ScanState* st) {
  for (; p < end; ++p) {
    char c = *p;
    if (st->escaped) {
      st->escaped = false;
    } else if (st->in_string) {
      if (c == '\\') {
        st->escaped = true;
      } else if (c == '"') {
        st->in_string = false;
      }
    } else if (c == '"') {
      st->in_string = true;
    } else if (IsJsonSpace(c)) {
      return false;
    }
  }
  return true;
}

#ifdef __AVX2__
inline uint64_t Eq64(__m256i lo, __m256i hi, char c) {
  __m256i v = _mm256_set1_epi8(c);
  uint32_t a = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)));
  uint32_t b = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)));
  return a | (static_cast<uint64_t>(b) << 32);
}

// Bytes <= c (unsigned).
inline uint64_t AtMost64(__m256i lo, __m256i hi, uint8_t c) {
  __m256i v = _mm256_set1_epi8(static_cast<char>(c));
  uint32_t a =
      static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(lo, v), lo)));
  uint32_t b =
      static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(hi, v), hi)));
  return a | (static_cast<uint64_t>(b) << 32);
}

// Bit i set when an odd number of bits at or below i are set in x (inside a quoted string).
inline uint64_t PrefixXor(uint64_t x) {
#ifdef __PCLMUL__
  __m128i all_ones = _mm_set1_epi8(static_cast<char>(0xFF));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(
      _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(x)), all_ones, 0)));
#else
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
#endif
}

struct Block {
  __m256i lo, hi;
};

inline Block LoadBlock(const char* p) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32))};
}

// The 64 bytes at p, or the n < 64 left padded with a byte that is neither quote, backslash
// nor space.
inline Block LoadUpTo64(const char* p, size_t n) {
  if (n >= 64) return LoadBlock(p);
  alignas(32) char tail[64];
  std::memset(tail, 'a', sizeof tail);
  std::memcpy(tail, p, n);
  return LoadBlock(tail);
}

inline bool HasBackslash(const Block& b) { return Eq64(b.lo, b.hi, '\\') != 0; }

// For a block without escapes: true when it holds white space outside strings (outside
// strings, valid JSON holds no byte <= 0x20 but white space). Carries *in_string across blocks.
inline bool SpaceOutsideStrings(const Block& b, bool* in_string) {
  uint64_t inside = PrefixXor(Eq64(b.lo, b.hi, '"')) ^ (*in_string ? ~uint64_t{0} : 0);
  *in_string = (inside >> 63) != 0;
  return (AtMost64(b.lo, b.hi, 0x20) & ~inside) != 0;
}
#endif

// True when `json` (valid JSON) has no white space outside strings. Blocks with escapes are
// scanned byte by byte, the others 64 bytes at a time.
bool IsCompact(std::string_view json) {
  ScanState st;
#ifdef __AVX2__
  for (size_t i = 0; i < json.size(); i += 64) {
    const char* p = json.data() + i;
    size_t n = std::min<size_t>(64, json.size() - i);
    Block b = LoadUpTo64(p, n);
    if (st.escaped || HasBackslash(b)) {
      if (!ScanScalar(p, p + n, &st)) return false;
    } else if (SpaceOutsideStrings(b, &st.in_string)) {
      return false;
    }
  }
  return true;
#else
  return ScanScalar(json.data(), json.data() + json.size(), &st);
#endif
}

void CopyOrMinify(std::string_view json, bool compact, std::string* out);

}  // namespace

TextShape ScanTextShape(std::string_view json) {
  TextShape shape;
#ifdef __AVX2__
  bool in_string = false;
  for (size_t i = 0; i < json.size(); i += 64) {
    Block b = LoadUpTo64(json.data() + i, json.size() - i);
    if (HasBackslash(b)) {
      shape.has_backslash = true;
      return shape;
    }
    if (shape.compact && SpaceOutsideStrings(b, &in_string)) shape.compact = false;
  }
  return shape;
#else
  shape.has_backslash = std::memchr(json.data(), '\\', json.size()) != nullptr;
  if (!shape.has_backslash) shape.compact = IsCompact(json);
  return shape;
#endif
}

void MinifyValidated(std::string_view json, const TextShape& shape, std::string* out) {
  CopyOrMinify(json, shape.compact, out);
}

void MinifyValidated(std::string_view json, std::string* out) {
  CopyOrMinify(json, IsCompact(json), out);
}

namespace {

void CopyOrMinify(std::string_view json, bool compact, std::string* out) {
  if (compact) {
    out->assign(json.data(), json.size());
    return;
  }
  out->clear();
  out->reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out->push_back(c);
      if (c == '\\') {
        out->push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (!IsJsonSpace(c)) {
      out->push_back(c);
      if (c == '"') in_string = true;
    }
  }
}

}  // namespace

}  // namespace readside::event
