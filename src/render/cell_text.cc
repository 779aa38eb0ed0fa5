#include "render/cell_text.h"

#include <cstdint>

namespace readside::render {
namespace {

// Decodes the code point at s[*i] and advances *i; a malformed sequence is one U+FFFD.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int extra = c < 0x80            ? 0
              : (c & 0xE0) == 0xC0 ? 1
              : (c & 0xF0) == 0xE0 ? 2
              : (c & 0xF8) == 0xF0 ? 3
                                   : -1;
  if (extra < 0 || *i + extra >= s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = c & (0x7F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char next = static_cast<unsigned char>(s[*i + k]);
    if ((next & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  *i += 1 + extra;
  return cp;
}

bool IsWide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

bool IsCombining(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0xFE00 && cp <= 0xFE0F);
}

bool IsCurrencyCode(std::string_view unit) {
  if (unit.size() != 3) return false;
  for (char c : unit) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Decodes one code point of well-formed UTF-8 at s[*i] (no overlong forms, surrogates or
// values past U+10FFFF) and advances *i; anything else is one byte of U+FFFD.
char32_t StrictCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  if (c < 0x80) {
    ++*i;
    return c;
  }
  int extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (extra > 0 && *i + extra < s.size()) {
    char32_t cp = c & (0x7F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra && ok; ++k) {
      unsigned char next = static_cast<unsigned char>(s[*i + k]);
      ok = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (ok && cp >= kMin[extra] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
      *i += 1 + extra;
      return cp;
    }
  }
  ++*i;
  return 0xFFFD;
}

bool IsUnsafe(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The replacement for `cp` (itself when it is safe).
char32_t SafeCodePoint(char32_t cp, LineBreaks breaks) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return breaks == LineBreaks::kKeep ? cp : U' ';
  return IsUnsafe(cp) ? U'\uFFFD' : cp;
}

}  // namespace

bool MakeSafeText(std::string_view text, LineBreaks breaks, std::string* out) {
  // The first code point that changes; none (the usual case) means no copy.
  size_t i = 0, first = std::string_view::npos;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    size_t at = i;
    char32_t cp = StrictCodePoint(text, &i);
    bool malformed = cp == 0xFFFD && !(i - at == 3 && text.compare(at, 3, "\xEF\xBF\xBD") == 0);
    if (malformed || SafeCodePoint(cp, breaks) != cp) {
      first = at;
      break;
    }
  }
  if (first == std::string_view::npos) return false;
  std::string safe(text.substr(0, first));
  safe.reserve(text.size() + 8);
  for (i = first; i < text.size();) {
    char32_t cp = StrictCodePoint(text, &i);
    AppendUtf8(SafeCodePoint(cp, breaks), &safe);
  }
  *out = std::move(safe);
  return true;
}

std::string SafeText(std::string_view text, LineBreaks breaks) {
  std::string out;
  if (!MakeSafeText(text, breaks, &out)) out = text;
  return out;
}

bool IsNumeric(report::ColumnType type) {
  using report::ColumnType;
  return type == ColumnType::kInteger || type == ColumnType::kNumber ||
         type == ColumnType::kMoney || type == ColumnType::kPercent;
}

double NumberValue(const report::Decimal& value) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  constexpr int64_t kExact = int64_t{1} << 53;
  if (value.scale <= 9 && value.units <= kExact && value.units >= -kExact) {
    return static_cast<double>(value.units) / kPow10[value.scale];
  }
  return value.ToDouble();
}

std::string FormatNumber(const report::Decimal& value, report::ColumnType type) {
  using report::ColumnType;
  switch (type) {
    case ColumnType::kMoney:
    case ColumnType::kNumber: return value.Format(2, true);
    case ColumnType::kInteger: return value.Format(0, true);
    case ColumnType::kPercent: return value.Format(1, true) + " %";
    case ColumnType::kString:
    case ColumnType::kDate: break;
  }
  return value.ToString();
}

std::string CellText(const report::Cell& cell, report::ColumnType type) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* d = std::get_if<report::Decimal>(&cell)) return FormatNumber(*d, type);
  return {};
}

report::ColumnType KpiType(const report::KpiItem& item, std::string_view currency) {
  using report::ColumnType;
  if (item.unit == "%") return ColumnType::kPercent;
  if ((!currency.empty() && item.unit == currency) || IsCurrencyCode(item.unit)) {
    return ColumnType::kMoney;
  }
  int64_t unit = 1;
  for (int k = 0; k < item.value.scale; ++k) unit *= 10;
  if (item.value.units % unit == 0) return ColumnType::kInteger;
  return ColumnType::kNumber;
}

std::string KpiText(const report::KpiItem& item, std::string_view currency) {
  report::ColumnType type = KpiType(item, currency);
  std::string text = FormatNumber(item.value, type);
  if (type != report::ColumnType::kPercent && !item.unit.empty()) {
    text += ' ';
    text += item.unit;
  }
  return text;
}

int DisplayWidth(std::string_view utf8) {
  int width = 0;
  for (size_t i = 0; i < utf8.size();) {
    char32_t cp = NextCodePoint(utf8, &i);
    width += IsCombining(cp) ? 0 : IsWide(cp) ? 2 : 1;
  }
  return width;
}

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace readside::render
