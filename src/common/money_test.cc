#include "common/money.h"

#include <gtest/gtest.h>

namespace readside {
namespace {

int64_t Units(std::string_view s, bool exp = true) {
  Money m;
  EXPECT_EQ(ParseMoney(s, exp, &m), MoneyParseError::kOk) << s;
  return m.units();
}

TEST(MoneyTest, ParsesDecimalsExactly) {
  EXPECT_EQ(Units("0"), 0);
  EXPECT_EQ(Units("12.5"), 125000);
  EXPECT_EQ(Units("-0.0001"), -1);
  EXPECT_EQ(Units("9999999999999.9999"), 99999999999999999LL);  // beyond double's 2^53
  EXPECT_EQ(Units("0.1"), 1000);
  EXPECT_EQ(Units("1.25e3"), 12500000);
  EXPECT_EQ(Units("125E-2"), 12500);
}

TEST(MoneyTest, RejectsBadText) {
  Money m;
  EXPECT_EQ(ParseMoney("", true, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("01", true, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("1.", true, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney(".5", true, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("+5", true, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("1e3", false, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("1 ", false, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("abc", false, &m), MoneyParseError::kSyntax);
  EXPECT_EQ(ParseMoney("0.00001", true, &m), MoneyParseError::kTooManyDecimals);
  EXPECT_EQ(ParseMoney("1e-5", true, &m), MoneyParseError::kTooManyDecimals);
  EXPECT_EQ(ParseMoney("10000000000000", true, &m), MoneyParseError::kOutOfRange);
  EXPECT_EQ(ParseMoney("1e400", true, &m), MoneyParseError::kOutOfRange);
  EXPECT_EQ(ParseMoney("123456789012345678901234567890", true, &m), MoneyParseError::kOutOfRange);
}

// At most 4 decimal places as written, trailing zeros included, in strings as in numbers;
// an exponent shifts them.
TEST(MoneyTest, AtMostFourDecimalPlacesAsWritten) {
  EXPECT_EQ(Units("1.0000", false), 10000);
  EXPECT_EQ(Units("1.5e-3"), 15);
  EXPECT_EQ(Units("123456.78e-2"), 12345678);
  EXPECT_EQ(Units("1.00000e1"), 100000);
  for (bool exp : {false, true}) {
    Money m;
    EXPECT_EQ(ParseMoney("1.00000", exp, &m), MoneyParseError::kTrailingZeroDecimals);
    EXPECT_EQ(m.units(), 10000);  // the value, for re-reading text stored before the rule
    EXPECT_EQ(ParseMoney("-1.50000", exp, &m), MoneyParseError::kTrailingZeroDecimals);
    EXPECT_EQ(m.units(), -15000);
    EXPECT_EQ(ParseMoney("1.00001", exp, &m), MoneyParseError::kTooManyDecimals);
    EXPECT_EQ(ParseMoney("10000000000000.00000", exp, &m), MoneyParseError::kOutOfRange);
  }
  Money m;
  EXPECT_EQ(ParseMoney("1.0e-4", true, &m), MoneyParseError::kTrailingZeroDecimals);
  EXPECT_EQ(ParseMoney("100e-6", true, &m), MoneyParseError::kTrailingZeroDecimals);
  EXPECT_EQ(m.units(), 1);
  EXPECT_EQ(ParseMoney("0e-5", true, &m), MoneyParseError::kTrailingZeroDecimals);
  EXPECT_EQ(MoneyParseErrorText(MoneyParseError::kTrailingZeroDecimals),
            "must have at most 4 decimal places (trailing zeros count)");
}

TEST(MoneyTest, FormatsShortestExactText) {
  EXPECT_EQ(Money::FromUnits(125000).ToString(), "12.5");
  EXPECT_EQ(Money::FromUnits(-1).ToString(), "-0.0001");
  EXPECT_EQ(Money::FromUnits(1000000).ToString(), "100");
  EXPECT_EQ(Money::FromUnits(99999999999999999LL).ToString(), "9999999999999.9999");
  Money a, b;
  ASSERT_EQ(ParseMoney("0.1", false, &a), MoneyParseError::kOk);
  ASSERT_EQ(ParseMoney("0.2", false, &b), MoneyParseError::kOk);
  EXPECT_EQ((a + b).ToString(), "0.3");  // the classic binary floating point trap
}

}  // namespace
}  // namespace readside
