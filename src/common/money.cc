#include "common/money.h"

#include <charconv>

namespace readside {

void Money::AppendTo(std::string* out) const {
  int64_t u = units_;
  if (u < 0) {
    out->push_back('-');
  }
  // |kMaxAbsUnits| fits comfortably; INT64_MIN never arises from parsed input.
  uint64_t abs = u < 0 ? static_cast<uint64_t>(-(u + 1)) + 1 : static_cast<uint64_t>(u);
  uint64_t whole = abs / kScale;
  uint64_t frac = abs % kScale;
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, whole);
  out->append(buf, r.ptr);
  if (frac != 0) {
    char f[5] = {static_cast<char>('0' + frac / 1000), static_cast<char>('0' + frac / 100 % 10),
                 static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10), 0};
    int n = 4;
    while (f[n - 1] == '0') --n;
    out->push_back('.');
    out->append(f, n);
  }
}

std::string Money::ToString() const {
  std::string s;
  AppendTo(&s);
  return s;
}

MoneyParseError ParseMoney(std::string_view t, bool allow_exponent, Money* out) {
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && t[i] == '-') {
    neg = true;
    ++i;
  }
  // Integer part: JSON forbids leading zeros ("01").
  size_t int_start = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  size_t int_len = i - int_start;
  if (int_len == 0 || (int_len > 1 && t[int_start] == '0')) return MoneyParseError::kSyntax;
  size_t frac_start = i, frac_len = 0;
  if (i < t.size() && t[i] == '.') {
    frac_start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    frac_len = i - frac_start;
    if (frac_len == 0) return MoneyParseError::kSyntax;
  }
  int64_t exponent = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    if (!allow_exponent) return MoneyParseError::kSyntax;
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    size_t es = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (exponent < 1000) exponent = exponent * 10 + (t[i] - '0');
      ++i;
    }
    if (i == es) return MoneyParseError::kSyntax;
    if (eneg) exponent = -exponent;
  }
  if (i != t.size()) return MoneyParseError::kSyntax;

  // The value is digits(int ++ frac) x 10^(exponent - frac_len). Build the 4-decimal units by
  // walking the digits with their decimal weight; any non-zero digit below 1e-4 is an error, and
  // any digit at or above 1e13 makes the value out of range.
  __int128 units = 0;
  auto digit_at = [&](size_t k) -> int {  // k-th significant digit across int and frac parts
    return k < int_len ? t[int_start + k] - '0' : t[frac_start + (k - int_len)] - '0';
  };
  size_t ndigits = int_len + frac_len;
  // Weight (power of ten) of digit k is (int_len - 1 - k) + exponent.
  for (size_t k = 0; k < ndigits; ++k) {
    int d = digit_at(k);
    if (d == 0) continue;
    int64_t w = static_cast<int64_t>(int_len) - 1 - static_cast<int64_t>(k) + exponent;
    if (w < -4) return MoneyParseError::kTooManyDecimals;
    if (w >= 13) return MoneyParseError::kOutOfRange;
    __int128 p = 1;
    for (int64_t j = 0; j < w + 4; ++j) p *= 10;
    units += d * p;
  }
  if (units >= Money::kMaxAbsUnits) return MoneyParseError::kOutOfRange;
  *out = Money::FromUnits(neg ? -static_cast<int64_t>(units) : static_cast<int64_t>(units));
  // Decimal places as written: the fraction's digits shifted by the exponent. Zeros carry no
  // value, but "1.00000" claims a precision the contract does not have.
  if (static_cast<int64_t>(frac_len) - exponent > 4) return MoneyParseError::kTrailingZeroDecimals;
  return MoneyParseError::kOk;
}

std::string_view MoneyParseErrorText(MoneyParseError e) {
  switch (e) {
    case MoneyParseError::kOk: return "ok";
    case MoneyParseError::kSyntax: return "must be a decimal number";
    case MoneyParseError::kTooManyDecimals: return "must have at most 4 decimal places";
    case MoneyParseError::kTrailingZeroDecimals:
      return "must have at most 4 decimal places (trailing zeros count)";
    case MoneyParseError::kOutOfRange: return "must be less than 1e13 in absolute value";
  }
  return "invalid";
}

}  // namespace readside
