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

enum class MoneyParseError { kOk, kSyntax, kTooManyDecimals, kOutOfRange };

// Parses decimal text into exact fixed point. `allow_exponent` admits the JSON number form
// "1.25e3" (JSON numbers); decimal strings must be plain "-?digits(.digits)?".
// Trailing zero decimals beyond the fourth are accepted ("1.50000"); other digits are not.
MoneyParseError ParseMoney(std::string_view text, bool allow_exponent, Money* out);
std::string_view MoneyParseErrorText(MoneyParseError e);

}  // namespace readside
