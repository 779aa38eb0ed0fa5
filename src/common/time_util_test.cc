#include "common/time_util.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace readside {
namespace {

int64_t Ts(std::string_view s) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRfc3339(s, &v)) << s;
  return v;
}

TEST(TimeUtilTest, ParsesRfc3339WithZoneAndFraction) {
  EXPECT_EQ(Ts("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Ts("2024-01-15T10:00:00Z"), 1705312800LL * kMicrosPerSecond);
  EXPECT_EQ(Ts("2024-01-15T11:00:00+01:00"), Ts("2024-01-15T10:00:00Z"));
  EXPECT_EQ(Ts("2024-01-15T05:30:00-04:30"), Ts("2024-01-15T10:00:00Z"));
  EXPECT_EQ(Ts("2024-01-15t10:00:00.123456789z"), Ts("2024-01-15T10:00:00Z") + 123456);
  EXPECT_EQ(Ts("2016-12-31T23:59:60Z"), Ts("2017-01-01T00:00:00Z") - 1);
  EXPECT_EQ(Ts("2024-02-29T00:00:00Z"), 1709164800LL * kMicrosPerSecond);
}

TEST(TimeUtilTest, RejectsMalformedTimestamps) {
  int64_t v;
  for (const char* bad :
       {"", "2024-01-15", "2024-01-15T10:00:00", "2024-01-15 10:00:00Z", "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2024-01-15T24:00:00Z", "2024-01-15T10:60:00Z",
        "2024-01-15T10:00:00+2400", "2024-01-15T10:00:00.Z", "2024-01-15T10:00:00Zjunk",
        "0000-01-01T00:00:00Z", "2024-1-15T10:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &v)) << bad;
  }
}

// Second 60 is accepted only for the leap seconds that happened (23:59:60 UTC at the end of
// the 27 IERS days), in any offset, as the last microsecond before the next day.
TEST(TimeUtilTest, SecondSixtyOnlyForRealLeapSeconds) {
  const int64_t end_2016 = Ts("2017-01-01T00:00:00Z") - 1;
  for (const char* s :
       {"2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00", "2016-12-31T18:59:60-05:00",
        "2017-01-01T05:29:60+05:30", "2016-12-31T23:59:60.5Z", "2016-12-31t23:59:60z"}) {
    int64_t v = 0;
    EXPECT_EQ(ParseRfc3339Detailed(s, &v), Rfc3339Error::kOk) << s;
    EXPECT_EQ(v, end_2016) << s;
  }
  EXPECT_EQ(Ts("1972-06-30T23:59:60Z"), Ts("1972-07-01T00:00:00Z") - 1);
  EXPECT_EQ(Ts("2015-06-30T23:59:60Z"), Ts("2015-07-01T00:00:00Z") - 1);
  for (const char* s : {
           "2024-01-15T10:00:60Z",       // not the last minute of a day
           "2016-12-31T23:58:60Z",       // the day's leap second is at 23:59
           "2017-12-31T23:59:60Z",       // no leap second that year
           "2016-06-30T23:59:60Z",       // 2016's was in December
           "2016-12-31T23:59:60+01:00",  // 22:59:60 UTC
           "2017-01-01T00:59:60-01:00",  // 01:59:60 UTC
           "1971-12-31T23:59:60Z",       // before the first (1972-06-30)
           "2025-12-31T23:59:60Z",       // none since 2016
       }) {
    int64_t v = 0, plain = 0;
    EXPECT_EQ(ParseRfc3339Detailed(s, &v), Rfc3339Error::kNotALeapSecond) << s;
    EXPECT_FALSE(ParseRfc3339(s, &plain)) << s;
    std::string at_59(s);
    at_59.replace(17, 2, "59");
    EXPECT_EQ(v, Ts(at_59) + 999999) << s;  // still set, as before this rule
  }
  int64_t v;
  EXPECT_EQ(ParseRfc3339Detailed("2016-12-31T23:59:61Z", &v), Rfc3339Error::kSyntax);
  int leap_days = 0;
  for (int64_t day = DaysFromCivil(1960, 1, 1); day < DaysFromCivil(2100, 1, 1); ++day) {
    leap_days += IsLeapSecondDay(day);
  }
  EXPECT_EQ(leap_days, 27);
}

TEST(TimeUtilTest, ParsesDatesAtMidnightUtc) {
  int64_t v;
  ASSERT_TRUE(ParseIsoDate("2024-03-01", &v));
  EXPECT_EQ(v, Ts("2024-03-01T00:00:00Z"));
  EXPECT_FALSE(ParseIsoDate("2024-02-30", &v));
  EXPECT_FALSE(ParseIsoDate("2024-03-01T00:00:00Z", &v));
}

TEST(TimeUtilTest, FormatRoundTrips) {
  for (const char* s : {"2024-01-15T10:00:00Z", "1999-12-31T23:59:59.999Z",
                        "2024-06-01T00:00:00.000001Z", "1969-07-20T20:17:40Z"}) {
    EXPECT_EQ(FormatRfc3339(Ts(s)), s);
  }
}

// The fast path (years 0–9999) writes what snprintf wrote before it.
// An offset that carries the instant out of years 0001..9999 UTC is refused: such an instant
// formatted as text this refuses ("0000-12-31T10:00:00Z"; found by params_fuzz, issue 17).
TEST(TimeUtilTest, InstantsOutsideYears1To9999AreRefusedWhateverTheOffset) {
  int64_t v = 0;
  for (const char* bad : {"0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00.999999+00:01",
                          "9999-12-31T23:59:59-00:01", "9999-12-31T12:00:00-23:59"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &v)) << bad;
  }
  for (const char* edge : {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00-14:00",
                           "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59+14:00"}) {
    ASSERT_TRUE(ParseRfc3339(edge, &v)) << edge;
    int64_t again = 0;
    EXPECT_TRUE(ParseRfc3339(FormatRfc3339(v), &again)) << edge << " → " << FormatRfc3339(v);
    EXPECT_EQ(again, v) << edge;
  }
}

TEST(TimeUtilTest, FormatMatchesPrintf) {
  auto reference = [](int64_t micros) {
    int64_t days =
        micros >= 0 ? micros / 86'400'000'000 : -((-micros + 86'400'000'000 - 1) / 86'400'000'000);
    int64_t rem = micros - days * 86'400'000'000;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    int64_t secs = rem / 1'000'000, us = rem % 1'000'000;
    char buf[64];
    int n =
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                      static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                      static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
    if (us != 0) {
      n +=
          us % 1000 == 0
              ? std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(us / 1000))
              : std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(us));
    }
    return std::string(buf, n) + "Z";
  };
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    // Instants from about 1900 to 2300, a third of them whole seconds or milliseconds.
    int64_t micros = static_cast<int64_t>(x % 12'600'000'000'000'000ull) - 2'208'988'800'000'000;
    if (i % 3 == 1) micros -= micros % 1'000'000;
    if (i % 3 == 2) micros -= micros % 1'000;
    ASSERT_EQ(FormatRfc3339(micros), reference(micros)) << micros;
  }
  for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{253402300799999999} /* 9999-12-31 */,
                         int64_t{-62167219200000000} /* 0000-01-01 */, int64_t{-62167219200000001},
                         int64_t{253402300800000000}}) {
    EXPECT_EQ(FormatRfc3339(micros), reference(micros)) << micros;
  }
}

TEST(TimeUtilTest, CivilDaysRoundTripAcrossCenturies) {
  for (int64_t z = -800000; z < 800000; z += 997) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(z, &y, &m, &d);
    EXPECT_EQ(DaysFromCivil(y, m, d), z);
  }
}

}  // namespace
}  // namespace readside
