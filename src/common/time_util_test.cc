#include "common/time_util.h"

#include <gtest/gtest.h>

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
