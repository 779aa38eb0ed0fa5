#pragma once
// Exact money: a signed count of 1/10,000 units (4 decimal places), never binary floating point.
// Thread-safety: value type; all functions are pure.

#include <cstdint>
#include <string>
#include <string_view>

namespace readside {

class Money {
 public:
  static constexpr int64_t kScale = 10'000;
  // |value| < 1e13 per the event contract, so |units| < 1e17 < 2^63: sums of up to ~90 such
  // amounts cannot overflow; aggregates use int64 and callers add with AddChecked where needed.
  static constexpr int64_t kMaxAbsUnits = 10'000'000'000'000LL * kScale;

  constexpr Money() = default;
  static constexpr Money FromUnits(int64_t units) { return Money(units); }

  constexpr int64_t units() const { return units_; }
  constexpr Money operator+(Money o) const { return Money(units_ + o.units_); }
  constexpr Money operator-(Money o) const { return Money(units_ - o.units_); }
  constexpr Money& operator+=(Money o) { units_ += o.units_; return *this; }
  constexpr Money& operator-=(Money o) { units_ -= o.units_; return *this; }
  constexpr auto operator<=>(const Money&) const = default;

  // Shortest exact decimal text: "12.5", "-0.0001", "100". Valid as a JSON number.
  std::string ToString() const;
  void AppendTo(std::string* out) const;

 private:
  constexpr explicit Money(int64_t units) : units_(units) {}
  int64_t units_ = 0;
};

enum class MoneyParseError {
  kOk,
  kSyntax,
  kTooManyDecimals,  // a non-zero digit past the fourth decimal place
  // More than 4 decimal places, all past the fourth zero ("1.50000"): rejected like
  // kTooManyDecimals, but *out holds the value, for re-reading text stored before that rule.
  kTrailingZeroDecimals,
  kOutOfRange,
};

// Parses decimal text into exact fixed point. `allow_exponent` admits the JSON number form
// "1.25e3" (JSON numbers); decimal strings must be plain "-?digits(.digits)?". At most 4
// decimal places as written, trailing zeros included: those of the plain decimal form, so
// "1.5e-3" (0.0015) has 4 and "1.50000" or "1e-5" more.
MoneyParseError ParseMoney(std::string_view text, bool allow_exponent, Money* out);
std::string_view MoneyParseErrorText(MoneyParseError e);

}  // namespace readside
