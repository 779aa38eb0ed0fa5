#include "event/envelope_rules.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace readside::event {
namespace {

// Character classes of the envelope's identifiers, one table lookup per byte.
enum CharClass : uint8_t { kLowerOrDigit = 1, kHyphen = 2, kUnderscore = 4, kDot = 8 };
constexpr std::array<uint8_t, 256> kCharClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = kLowerOrDigit;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = kLowerOrDigit;
  t['-'] = kHyphen;
  t['_'] = kUnderscore;
  t['.'] = kDot;
  return t;
}();

inline uint8_t ClassOf(char c) { return kCharClass[static_cast<unsigned char>(c)]; }

bool HasControlChars(std::string_view s) {
  // Eight bytes at a time: a byte b < 0x20 sets its high bit in (b - 0x20) & ~b.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  uint64_t found = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    found |= (w - 0x20 * kOnes) & ~w & (0x80 * kOnes);
  }
  for (; i < s.size(); ++i) found |= static_cast<unsigned char>(s[i]) < 0x20;
  return found != 0;
}

}  // namespace

bool IsValidOrganizationId(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if ((ClassOf(c) & (kLowerOrDigit | kHyphen)) == 0) return false;
  }
  return true;
}

bool IsEventTypeName(std::string_view s) {
  // Only ASCII is allowed, so bytes are characters.
  if (s.empty() || s.size() > 128 || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  uint8_t prev = 0;
  for (char c : s) {
    uint8_t cls = ClassOf(c);
    if (cls == kDot) {
      if (prev == kDot) return false;
      ++dots;
    } else if ((cls & (kLowerOrDigit | kUnderscore)) == 0) {
      return false;
    }
    prev = cls;
  }
  return dots >= 1;
}

bool IsVersion(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  }
  std::string_view major = s.substr(0, dot);
  while (major.size() > 1 && major.front() == '0') major.remove_prefix(1);
  return major == "1";
}

size_t CountCodePoints(std::string_view s) {
  // Eight bytes at a time: a continuation byte is one whose top two bits are 10.
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    continuation += static_cast<size_t>(std::popcount(w & ~(w << 1) & kHigh));
  }
  for (; i < s.size(); ++i) continuation += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  return s.size() - continuation;
}

bool IsValidId(std::string_view s) {
  constexpr size_t kMaxChars = 128;
  // UTF-8 takes 1 to 4 bytes a character: up to 128 bytes needs no counting, and past 512
  // bytes there are more than 128 characters.
  if (s.empty() || s.size() > 4 * kMaxChars) return false;
  if (s.size() > kMaxChars && CountCodePoints(s) > kMaxChars) return false;
  return !HasControlChars(s);
}

}  // namespace readside::event
