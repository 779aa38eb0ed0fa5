#include "schedule/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/time_util.h"
#include "common/time_zone.h"

namespace readside::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

CronExpr Cron(std::string_view text) {
  absl::StatusOr<CronExpr> e = ParseCron(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status();
  return e.ok() ? *e : CronExpr{};
}

absl::TimeZone Zone(std::string_view name) {
  absl::StatusOr<absl::TimeZone> z = LoadIanaTimeZone(name);
  EXPECT_TRUE(z.ok()) << z.status();
  return z.ok() ? *z : absl::UTCTimeZone();
}

int64_t At(std::string_view rfc3339) {
  int64_t t = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

// An instant as local time with its offset in `zone`: "2024-03-31T03:00:00+02:00".
std::string Local(int64_t micros, const absl::TimeZone& zone) {
  if (micros == kNoCronRun) return "never";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", absl::FromUnixMicros(micros), zone);
}

// The due instants of `cron` in `zone` in (from, to], as local times.
std::vector<std::string> Due(std::string_view cron, std::string_view zone, std::string_view from,
                             std::string_view to, size_t cap = 1000) {
  absl::TimeZone z = Zone(zone);
  std::vector<std::string> out;
  for (int64_t t : DueBetween(Cron(cron), z, At(from), At(to), cap)) out.push_back(Local(t, z));
  return out;
}

TEST(CronParseTest, FieldsListsRangesStepsAndNames) {
  CronExpr e = Cron("  0,30 9-17/4 1,15 jan-Mar,DEC mon-FRI ");
  EXPECT_EQ(e.text, "0,30 9-17/4 1,15 jan-Mar,DEC mon-FRI");
  EXPECT_EQ(e.minutes, std::bitset<60>((1ull << 0) | (1ull << 30)));
  EXPECT_EQ(e.hours, std::bitset<24>((1 << 9) | (1 << 13) | (1 << 17)));
  EXPECT_EQ(e.days_of_month, std::bitset<32>((1 << 1) | (1 << 15)));
  EXPECT_EQ(e.months, std::bitset<13>((1 << 1) | (1 << 2) | (1 << 3) | (1 << 12)));
  EXPECT_EQ(e.days_of_week, std::bitset<7>(0b0111110));
  EXPECT_FALSE(e.dom_star);
  EXPECT_FALSE(e.dow_star);

  CronExpr all = Cron("*\t*   * * *");
  EXPECT_TRUE(all.minutes.all());
  EXPECT_TRUE(all.hours.all());
  EXPECT_EQ(all.days_of_month.count(), 31u);
  EXPECT_EQ(all.months.count(), 12u);
  EXPECT_TRUE(all.days_of_week.all());
  EXPECT_TRUE(all.dom_star && all.dow_star);

  EXPECT_EQ(Cron("*/15 * * * *").minutes,
            std::bitset<60>(1ull | 1ull << 15 | 1ull << 30 | 1ull << 45));
  EXPECT_EQ(Cron("0 0 */10 * *").days_of_month,
            std::bitset<32>(1 << 1 | 1 << 11 | 1 << 21 | 1u << 31));
  EXPECT_EQ(Cron("*/90 0 1 * *").minutes, std::bitset<60>(1));   // a step past the range
  EXPECT_EQ(Cron("0 0 * * 7").days_of_week, std::bitset<7>(1));  // 7 is Sunday
  EXPECT_EQ(Cron("0 0 * * 5-7").days_of_week, std::bitset<7>(0b1100001));
  EXPECT_EQ(Cron("0 0 * * sun,SAT").days_of_week, std::bitset<7>(0b1000001));
  EXPECT_EQ(Cron("0 0 * * 0-7/2").days_of_week, std::bitset<7>(0b1010101));
  EXPECT_EQ(Cron("00 07 * * *").hours, std::bitset<24>(1 << 7));
  EXPECT_TRUE(Cron("0 0 */2 * MON").dom_star);  // Vixie: a field starting with '*'
  EXPECT_TRUE(Cron("0 0 1 * */2").dow_star);
  // 29 FEB exists, and with a day of the week restricted too the OR rule fires on Mondays.
  EXPECT_TRUE(ParseCron("0 0 29 2 *").ok());
  EXPECT_TRUE(ParseCron("0 0 31 2 MON").ok());
}

TEST(CronParseTest, EveryErrorNamesItsFieldAndRule) {
  struct Case {
    std::string_view cron;
    std::string_view message;
  } cases[] = {
      {"", "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 0"},
      {"* * * *", "got 4"},
      {"0 0 * * * *", "got 6"},
      {"60 * * * *", "cron: minute: 60 is out of range 0-59"},
      {"* 24 * * *", "cron: hour: 24 is out of range 0-23"},
      {"* * 0 * *", "cron: day-of-month: 0 is out of range 1-31"},
      {"* * 32 * *", "cron: day-of-month: 32 is out of range 1-31"},
      {"* * * 13 *", "cron: month: 13 is out of range 1-12"},
      {"* * * 0 *", "cron: month: 0 is out of range 1-12"},
      {"* * * * 8", "cron: day-of-week: 8 is out of range 0-7"},
      {"99999 * * * *", "cron: minute: 99999 is out of range 0-59"},
      {"* * * FOO *", "cron: month: unknown name \"FOO\" (expected a number or JAN-DEC)"},
      {"* * * * MOX", "cron: day-of-week: unknown name \"MOX\" (expected a number or SUN-SAT)"},
      {"MON * * * *", "cron: minute: \"MON\" is not a number"},
      {"* * * * MONDAY", "cron: day-of-week: unknown name \"MONDAY\""},
      {"1x * * * *", "cron: minute: \"1x\" is not a number"},
      {"-5 * * * *", "cron: minute: a value is missing"},
      {"5- * * * *", "cron: minute: a value is missing"},
      {"1,,2 * * * *", "cron: minute: empty list item"},
      {"1, * * * *", "cron: minute: empty list item"},
      {"30-10 * * * *", "cron: minute: range \"30-10\" runs backwards"},
      {"* * * * FRI-MON", "cron: day-of-week: range \"FRI-MON\" runs backwards"},
      {"*/0 * * * *", "cron: minute: step must be at least 1"},
      {"* */x * * *", "cron: hour: step \"x\" is not a number"},
      {"* */ * * *", "cron: hour: step \"\" is not a number"},
      {"* 5/2 * * *", "cron: hour: step \"5/2\" needs a range or * before /"},
      {"* 1-5/2/3 * * *", "cron: hour: step \"2/3\" is not a number"},
      {"* * L * *", "cron: day-of-month: \"L\" is not a number"},
      {"* * ? * *", "cron: day-of-month: \"?\" is not a number"},
      {"0 0 30 2 *", "cron: day-of-month: no selected day occurs in any selected month"},
      {"0 0 31 4,6,9,11 *", "cron: day-of-month: no selected day occurs"},
      {"0 0 \x01 * *", "cron: day-of-month: \"\\x01\" is not a number"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CronExpr> e = ParseCron(c.cron);
    ASSERT_FALSE(e.ok()) << c.cron;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(e.status().message()), StartsWith("cron: ")) << c.cron;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr(std::string(c.message))) << c.cron;
  }
}

TEST(CronNextTest, UtcTable) {
  absl::TimeZone utc = absl::UTCTimeZone();
  struct Case {
    std::string_view cron, after, next;
  } cases[] = {
      {"0 0 * * *", "2024-01-15T10:00:00Z", "2024-01-16T00:00:00+00:00"},
      {"0 0 * * *", "2024-01-15T23:59:59.999999Z", "2024-01-16T00:00:00+00:00"},
      {"0 0 * * *", "2024-01-16T00:00:00Z", "2024-01-17T00:00:00+00:00"},  // strictly after
      {"*/15 * * * *", "2024-01-15T10:00:30Z", "2024-01-15T10:15:00+00:00"},
      {"* * * * *", "2024-01-15T10:00:30Z", "2024-01-15T10:01:00+00:00"},
      {"* * * * *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00+00:00"},
      {"0 9 * * MON-FRI", "2024-01-19T09:00:00Z", "2024-01-22T09:00:00+00:00"},  // Fri → Mon
      {"30 8 1 * *", "2024-01-31T12:00:00Z", "2024-02-01T08:30:00+00:00"},
      {"0 6 31 * *", "2024-01-31T07:00:00Z", "2024-03-31T06:00:00+00:00"},  // skips February
      {"0 0 1 1 *", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00+00:00"},
      {"0 12 29 2 *", "2024-02-29T12:00:00Z", "2028-02-29T12:00:00+00:00"},
      {"0 12 29 FEB *", "2096-03-01T00:00:00Z", "2104-02-29T12:00:00+00:00"},  // 2100 is common
      {"0 0 29 2 SUN", "2024-02-01T00:00:00Z", "2024-02-04T00:00:00+00:00"},   // OR: a Sunday
      {"0 0 1 1 5", "2021-01-02T00:00:00Z", "2021-01-08T00:00:00+00:00"},      // January Fridays
      {"0 0 1 1 5", "2021-02-01T00:00:00Z", "2022-01-01T00:00:00+00:00"},
      {"59 23 31 12 *", "1999-12-31T23:59:00Z", "2000-12-31T23:59:00+00:00"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Local(NextAfter(Cron(c.cron), utc, At(c.after)), utc), c.next)
        << c.cron << " after " << c.after;
  }
}

TEST(CronNextTest, DayOfMonthAndDayOfWeekFollowVixieCron) {
  // Both restricted: either matches (the 13th, and every Friday).
  EXPECT_THAT(Due("0 0 13 * FRI", "UTC", "2024-09-01T00:00:00Z", "2024-10-14T00:00:00Z"),
              ElementsAre("2024-09-06T00:00:00+00:00", "2024-09-13T00:00:00+00:00",
                          "2024-09-20T00:00:00+00:00", "2024-09-27T00:00:00+00:00",
                          "2024-10-04T00:00:00+00:00", "2024-10-11T00:00:00+00:00",
                          "2024-10-13T00:00:00+00:00"));
  // One field starts with '*': both must match (odd days that are Mondays).
  EXPECT_THAT(Due("0 0 */2 * MON", "UTC", "2023-12-31T00:00:00Z", "2024-02-01T00:00:00Z"),
              ElementsAre("2024-01-01T00:00:00+00:00", "2024-01-15T00:00:00+00:00",
                          "2024-01-29T00:00:00+00:00"));
  // Day-of-week unrestricted: only the day of the month.
  EXPECT_THAT(Due("0 0 13 * *", "UTC", "2024-09-01T00:00:00Z", "2024-10-14T00:00:00Z"),
              ElementsAre("2024-09-13T00:00:00+00:00", "2024-10-13T00:00:00+00:00"));
  // Sunday as 7 and as 0.
  EXPECT_EQ(Due("0 0 * * 7", "UTC", "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z"),
            Due("0 0 * * 0", "UTC", "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z"));
}

TEST(CronNextTest, BerlinSpringForwardGapFiresOnceAtItsEnd) {
  // 2024-03-31: 02:00 CET becomes 03:00 CEST (01:00Z).
  const char* kDayStart = "2024-03-30T23:00:00Z";  // 00:00 local
  const char* kDayEnd = "2024-03-31T22:00:00Z";    // 00:00 local the next day
  EXPECT_THAT(Due("30 2 * * *", "Europe/Berlin", "2024-03-29T12:00:00Z", "2024-04-01T12:00:00Z"),
              ElementsAre("2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00",
                          "2024-04-01T02:30:00+02:00"));
  EXPECT_THAT(Due("*/15 2 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-03-31T03:00:00+02:00"));
  // 03:00 matches too and is the same instant as the gap's end: one firing.
  EXPECT_THAT(Due("0 2,3 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-03-31T03:00:00+02:00"));
  EXPECT_THAT(Due("0 1-4 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00",
                          "2024-03-31T04:00:00+02:00"));
  EXPECT_EQ(Due("0 * * * *", "Europe/Berlin", kDayStart, kDayEnd).size(), 23u);
  EXPECT_EQ(Due("*/15 * * * *", "Europe/Berlin", kDayStart, kDayEnd).size(), 96u - 4u);
  // Asked from inside the gap's real hour: the gap has already fired at 01:00Z.
  EXPECT_EQ(Local(NextAfter(Cron("30 2 * * *"), Zone("Europe/Berlin"), At("2024-03-31T01:00:00Z")),
                  Zone("Europe/Berlin")),
            "2024-04-01T02:30:00+02:00");
  EXPECT_EQ(
      Local(NextAfter(Cron("30 2 * * *"), Zone("Europe/Berlin"), At("2024-03-31T00:59:59.999999Z")),
            Zone("Europe/Berlin")),
      "2024-03-31T03:00:00+02:00");
}

TEST(CronNextTest, BerlinFallBackOverlapFiresOnceAtTheFirstOccurrence) {
  // 2024-10-27: 03:00 CEST becomes 02:00 CET (01:00Z); 02:00-02:59 happens twice.
  const char* kDayStart = "2024-10-26T22:00:00Z";
  const char* kDayEnd = "2024-10-27T23:00:00Z";
  EXPECT_THAT(Due("30 2 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-10-27T02:30:00+02:00"));
  EXPECT_THAT(Due("*/15 2 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-10-27T02:00:00+02:00", "2024-10-27T02:15:00+02:00",
                          "2024-10-27T02:30:00+02:00", "2024-10-27T02:45:00+02:00"));
  EXPECT_THAT(Due("0 1-4 * * *", "Europe/Berlin", kDayStart, kDayEnd),
              ElementsAre("2024-10-27T01:00:00+02:00", "2024-10-27T02:00:00+02:00",
                          "2024-10-27T03:00:00+01:00", "2024-10-27T04:00:00+01:00"));
  EXPECT_EQ(Due("0 * * * *", "Europe/Berlin", kDayStart, kDayEnd).size(), 24u);
  // Asked during the second 02:30 (01:30Z): the label has fired; next is tomorrow's.
  EXPECT_EQ(Local(NextAfter(Cron("30 2 * * *"), Zone("Europe/Berlin"), At("2024-10-27T01:00:00Z")),
                  Zone("Europe/Berlin")),
            "2024-10-28T02:30:00+01:00");
}

TEST(CronNextTest, NewYorkBothDstDays) {
  // 2024-03-10: 02:00 EST becomes 03:00 EDT (07:00Z).
  EXPECT_THAT(Due("30 2 * * *", "America/New_York", "2024-03-09T05:00:00Z", "2024-03-11T12:00:00Z"),
              ElementsAre("2024-03-09T02:30:00-05:00", "2024-03-10T03:00:00-04:00",
                          "2024-03-11T02:30:00-04:00"));
  EXPECT_EQ(
      Due("0 * * * *", "America/New_York", "2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z").size(),
      23u);
  // 2024-11-03: 02:00 EDT becomes 01:00 EST (06:00Z); 01:00-01:59 happens twice.
  EXPECT_THAT(Due("30 1 * * *", "America/New_York", "2024-11-02T12:00:00Z", "2024-11-04T12:00:00Z"),
              ElementsAre("2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"));
  EXPECT_THAT(Due("30 2 * * *", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z"),
              ElementsAre("2024-11-03T02:30:00-05:00"));
  EXPECT_EQ(
      Due("0 * * * *", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z").size(),
      24u);
}

TEST(CronNextTest, LordHoweShiftsByHalfAnHour) {
  // 2024-10-06: 02:00 +10:30 becomes 02:30 +11:00 (15:30Z the day before).
  EXPECT_THAT(
      Due("*/15 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00:00Z", "2024-10-06T12:00:00Z"),
      ElementsAre("2024-10-06T02:30:00+11:00", "2024-10-06T02:45:00+11:00"));
  EXPECT_THAT(
      Due("0 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00:00Z", "2024-10-06T12:00:00Z"),
      ElementsAre("2024-10-06T02:30:00+11:00"));
  // 2024-04-07: 02:00 +11:00 becomes 01:30 +10:30; 01:30-01:59 happens twice.
  EXPECT_THAT(
      Due("45 1 * * *", "Australia/Lord_Howe", "2024-04-06T12:00:00Z", "2024-04-07T12:00:00Z"),
      ElementsAre("2024-04-07T01:45:00+11:00"));
  // 24.5 real hours, 48 half-hour labels, each once.
  EXPECT_EQ(
      Due("*/30 * * * *", "Australia/Lord_Howe", "2024-04-06T13:00:00Z", "2024-04-07T13:30:00Z")
          .size(),
      48u);
}

TEST(CronNextTest, ASkippedCalendarDayFiresOnceWhenItEnds) {
  // Samoa skipped 2011-12-30 entirely (23:59:59 -10:00 on the 29th → 00:00 +14:00 on the 31st).
  EXPECT_THAT(Due("0 9 * * *", "Pacific/Apia", "2011-12-29T12:00:00Z", "2011-12-31T12:00:00Z"),
              ElementsAre("2011-12-29T09:00:00-10:00", "2011-12-31T00:00:00+14:00",
                          "2011-12-31T09:00:00+14:00"));
}

TEST(CronNextTest, AnExpressionThatNeverFiresHasNoNextRun) {
  // ParseCron refuses these; a hand-made CronExpr may still select nothing.
  EXPECT_EQ(NextAfter(CronExpr{}, absl::UTCTimeZone(), 0), kNoCronRun);
  CronExpr feb30 = Cron("0 0 1 2 *");
  feb30.days_of_month.reset();
  feb30.days_of_month.set(30);
  EXPECT_EQ(NextAfter(feb30, absl::UTCTimeZone(), 0), kNoCronRun);
}

TEST(CronNextTest, DueBetweenStopsAtItsCap) {
  EXPECT_THAT(Due("0 * * * *", "UTC", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", 3),
              ElementsAre("2024-01-01T01:00:00+00:00", "2024-01-01T02:00:00+00:00",
                          "2024-01-01T03:00:00+00:00"));
  EXPECT_TRUE(Due("0 * * * *", "UTC", "2024-01-01T00:00:00Z", "2024-01-01T00:59:00Z").empty());
  EXPECT_TRUE(Due("0 * * * *", "UTC", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", 0).empty());
}

// A scheduler that wakes every minute of an injected clock and runs what is due fires each due
// instant once: the count on the DST days is the rule's.
int FiringsOnLocalDay(std::string_view cron, std::string_view zone_name, absl::CivilDay day) {
  absl::TimeZone zone = Zone(zone_name);
  CronExpr expr = Cron(cron);
  const int64_t start = absl::ToUnixMicros(absl::FromCivil(day, zone));
  const int64_t end = absl::ToUnixMicros(absl::FromCivil(day + 1, zone));
  ManualClock clock(start);
  int64_t next = NextAfter(expr, zone, clock.NowMicros());
  int fired = 0;
  while (clock.NowMicros() < end) {
    clock.Advance(60 * kMicrosPerSecond);
    while (next <= clock.NowMicros() && next <= end) {
      ++fired;
      next = NextAfter(expr, zone, next);
    }
  }
  return fired;
}

TEST(CronNextTest, ADstDayScheduleFiresTheRightNumberOfTimesUnderAnInjectedClock) {
  const absl::CivilDay kBerlinSpring(2024, 3, 31), kBerlinFall(2024, 10, 27);
  const absl::CivilDay kNySpring(2024, 3, 10), kNyFall(2024, 11, 3);
  const absl::CivilDay kOrdinary(2024, 6, 12);
  EXPECT_EQ(FiringsOnLocalDay("0 * * * *", "Europe/Berlin", kOrdinary), 24);
  EXPECT_EQ(FiringsOnLocalDay("0 * * * *", "Europe/Berlin", kBerlinSpring), 23);
  EXPECT_EQ(FiringsOnLocalDay("0 * * * *", "Europe/Berlin", kBerlinFall), 24);
  EXPECT_EQ(FiringsOnLocalDay("30 2 * * *", "Europe/Berlin", kBerlinSpring), 1);
  EXPECT_EQ(FiringsOnLocalDay("30 2 * * *", "Europe/Berlin", kBerlinFall), 1);
  EXPECT_EQ(FiringsOnLocalDay("*/15 2 * * *", "Europe/Berlin", kBerlinSpring), 1);
  EXPECT_EQ(FiringsOnLocalDay("*/15 2 * * *", "Europe/Berlin", kBerlinFall), 4);
  EXPECT_EQ(FiringsOnLocalDay("*/5 * * * *", "Europe/Berlin", kBerlinFall), 288);
  EXPECT_EQ(FiringsOnLocalDay("0 * * * *", "America/New_York", kNySpring), 23);
  EXPECT_EQ(FiringsOnLocalDay("0 * * * *", "America/New_York", kNyFall), 24);
  EXPECT_EQ(FiringsOnLocalDay("30 1 * * *", "America/New_York", kNyFall), 1);
  EXPECT_EQ(FiringsOnLocalDay("30 2 * * *", "America/New_York", kNySpring), 1);
}

// The rule of cron.h applied literally: every matching local minute in a generous range,
// mapped to its instant (a skipped minute to its gap's end, a repeated one to its first
// occurrence), without NextAfter's shortcuts.
std::vector<int64_t> BruteForceDue(const CronExpr& e, const absl::TimeZone& zone, int64_t from,
                                   int64_t to) {
  std::set<int64_t> due;
  absl::CivilMinute c(absl::ToCivilDay(absl::FromUnixMicros(from), zone) - 2);
  const absl::CivilMinute end(absl::ToCivilDay(absl::FromUnixMicros(to), zone) + 3);
  for (; c < end; ++c) {
    if (!e.MatchesDay(absl::CivilDay(c)) || !e.hours[c.hour()] || !e.minutes[c.minute()]) {
      continue;
    }
    absl::TimeZone::TimeInfo info = zone.At(c);
    int64_t t =
        absl::ToUnixMicros(info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre);
    if (t > from && t <= to) due.insert(t);
  }
  return {due.begin(), due.end()};
}

TEST(CronNextTest, AgreesWithTheRuleAppliedMinuteByMinuteAroundTransitions) {
  const char* minutes[] = {"*", "*/7", "0", "30", "0,15,45", "5-50/15", "59"};
  const char* hours[] = {"*", "2", "1-3", "*/5", "0,12", "23", "0"};
  const char* doms[] = {"*", "1", "31", "13", "*/3", "28-31", "6,7"};
  const char* months[] = {"*", "*", "*", "3", "10,11", "MAR,OCT", "4", "*/2", "DEC", "2-4,10-12"};
  const char* dows[] = {"*", "0", "SUN", "1-5", "6,0", "*/3", "FRI"};
  struct Window {
    const char* zone;
    const char* day;  // a transition's day, UTC midnight
  } windows[] = {
      {"Europe/Berlin", "2024-03-31T00:00:00Z"},
      {"Europe/Berlin", "2024-10-27T00:00:00Z"},
      {"America/New_York", "2024-03-10T00:00:00Z"},
      {"America/New_York", "2024-11-03T00:00:00Z"},
      {"Australia/Lord_Howe", "2024-04-06T00:00:00Z"},
      {"Australia/Lord_Howe", "2024-10-05T00:00:00Z"},
      {"Pacific/Apia", "2011-12-30T00:00:00Z"},
      {"Asia/Kolkata", "2024-02-29T00:00:00Z"},
  };
  std::mt19937 rng(11);
  auto pick = [&](auto& options) { return options[rng() % std::size(options)]; };
  int compared = 0, nonempty = 0, due = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string text = absl::StrCat(pick(minutes), " ", pick(hours), " ", pick(doms), " ",
                                    pick(months), " ", pick(dows));
    absl::StatusOr<CronExpr> e = ParseCron(text);
    if (!e.ok()) continue;  // e.g. 31 in APR only
    const Window& w = pick(windows);
    absl::TimeZone zone = Zone(w.zone);
    int64_t from = At(w.day) - 2 * kMicrosPerDay + static_cast<int64_t>(rng() % 1440) * 60'000'000;
    int64_t to = from + 4 * kMicrosPerDay;
    std::vector<int64_t> expected = BruteForceDue(*e, zone, from, to);
    ++compared;
    nonempty += !expected.empty();
    due += static_cast<int>(expected.size());
    EXPECT_EQ(DueBetween(*e, zone, from, to, 100'000), expected) << text << " in " << w.zone;
    // NextAfter from arbitrary instants, between and on due instants.
    for (int k = 0; k < 5; ++k) {
      int64_t after = from + static_cast<int64_t>(rng() % (3 * 1440)) * 60'000'000 +
                      (k % 2 == 0 ? 0 : static_cast<int64_t>(rng() % 60'000'000));
      auto first = std::upper_bound(expected.begin(), expected.end(), after);
      if (first == expected.end()) continue;
      EXPECT_EQ(NextAfter(*e, zone, after), *first)
          << text << " in " << w.zone << " after " << FormatRfc3339(after);
    }
  }
  EXPECT_GT(compared, 800);
  EXPECT_GT(nonempty, 350);  // the windows are not mostly empty
  EXPECT_GT(due, 20'000);
  RecordProperty("due_instants_compared", due);
}

}  // namespace
}  // namespace readside::schedule
