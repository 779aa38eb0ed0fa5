#include "event/minify.h"

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
#endif

// True when `json` has no white space outside strings.
bool IsCompact(std::string_view json) {
  ScanState st;
  const char* p = json.data();
  const char* end = p + json.size();
#ifdef __AVX2__
  for (; p + 64 <= end; p += 64) {
    __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    uint64_t backslash = Eq64(lo, hi, '\\');
    if (backslash != 0 || st.escaped) {  // escapes: let the scalar scan track them
      if (!ScanScalar(p, p + 64, &st)) return false;
      continue;
    }
    uint64_t quote = Eq64(lo, hi, '"');
    uint64_t space =
        Eq64(lo, hi, ' ') | Eq64(lo, hi, '\n') | Eq64(lo, hi, '\r') | Eq64(lo, hi, '\t');
    uint64_t in_string = PrefixXor(quote) ^ (st.in_string ? ~uint64_t{0} : 0);
    if ((space & ~in_string) != 0) return false;
    st.in_string = (in_string >> 63) != 0;
  }
  if (p < end && !st.escaped) {
    // The tail: one more block, padded with a byte that is neither quote, backslash nor space.
    alignas(32) char tail[64];
    std::memset(tail, 'a', sizeof tail);
    std::memcpy(tail, p, static_cast<size_t>(end - p));
    __m256i lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
    __m256i hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail + 32));
    if (Eq64(lo, hi, '\\') == 0) {
      uint64_t quote = Eq64(lo, hi, '"');
      uint64_t space =
          Eq64(lo, hi, ' ') | Eq64(lo, hi, '\n') | Eq64(lo, hi, '\r') | Eq64(lo, hi, '\t');
      uint64_t in_string = PrefixXor(quote) ^ (st.in_string ? ~uint64_t{0} : 0);
      return (space & ~in_string) == 0;
    }
  }
#endif
  return ScanScalar(p, end, &st);
}

#ifdef __AVX2__
// One 64-byte block of text without escapes: sets `shape` and carries `in_string`.
inline bool ShapeBlock(const char* p, TextShape* shape, bool* in_string) {
  __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  if (Eq64(lo, hi, '\\') != 0) {
    shape->has_backslash = true;
    return false;
  }
  if (shape->compact) {
    uint64_t quote = Eq64(lo, hi, '"');
    // Outside strings, valid JSON holds no byte <= 0x20 but white space.
    uint64_t space = AtMost64(lo, hi, 0x20);
    uint64_t inside = PrefixXor(quote) ^ (*in_string ? ~uint64_t{0} : 0);
    if ((space & ~inside) != 0) shape->compact = false;
    *in_string = (inside >> 63) != 0;
  }
  return true;
}
#endif

void CopyOrMinify(std::string_view json, bool compact, std::string* out);

}  // namespace

TextShape ScanTextShape(std::string_view json) {
  TextShape shape;
  const char* p = json.data();
  const char* end = p + json.size();
#ifdef __AVX2__
  bool in_string = false;
  for (; p + 64 <= end; p += 64) {
    if (!ShapeBlock(p, &shape, &in_string)) return shape;
  }
  if (p < end) {
    alignas(32) char tail[64];
    std::memset(tail, 'a', sizeof tail);  // neither quote, backslash nor space
    std::memcpy(tail, p, static_cast<size_t>(end - p));
    ShapeBlock(tail, &shape, &in_string);
  }
  return shape;
#else
  shape.has_backslash = std::memchr(p, '\\', json.size()) != nullptr;
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
