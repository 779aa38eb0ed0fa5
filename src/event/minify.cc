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

inline uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
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

}  // namespace

void MinifyValidated(std::string_view json, std::string* out) {
  if (IsCompact(json)) {
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

}  // namespace readside::event
