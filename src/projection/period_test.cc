#include "projection/period.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace readside::projection {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMicrosPerHour = 3600 * kMicrosPerSecond;

// "YYYY-MM-DD" → day number.
DayNumber Day(std::string_view date) {
  absl::StatusOr<Period> p = ParsePeriod(date);
  EXPECT_TRUE(p.ok() && p->granularity == Granularity::kDay) << date;
  return p.ok() ? p->first_day : 0;
}

// RFC 3339 → unix micros.
int64_t Micros(std::string_view rfc3339) {
  int64_t micros = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &micros)) << rfc3339;
  return micros;
}

Period Parsed(std::string_view text) {
  absl::StatusOr<Period> p = ParsePeriod(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.ok() ? *p : Period{Granularity::kDay, 0, 1};
}

LocalCalendar Zone(std::string_view name) {
  absl::StatusOr<LocalCalendar> cal = LocalCalendar::Create(name);
  EXPECT_TRUE(cal.ok()) << cal.status();
  return cal.ok() ? *cal : LocalCalendar::Utc();
}

// The reference DayOf: absl's civil conversion without any cache.
DayNumber SlowDayOf(int64_t micros, const absl::TimeZone& tz) {
  return static_cast<DayNumber>(absl::ToCivilDay(absl::FromUnixMicros(micros), tz) -
                                absl::CivilDay(1970, 1, 1));
}

constexpr Granularity kAllGranularities[] = {Granularity::kDay, Granularity::kWeek,
                                             Granularity::kMonth, Granularity::kQuarter,
                                             Granularity::kYear};

TEST(GranularityTest, NamesRoundTrip) {
  for (Granularity g : kAllGranularities) {
    Granularity parsed = Granularity::kYear == g ? Granularity::kDay : Granularity::kYear;
    ASSERT_TRUE(ParseGranularity(GranularityName(g), &parsed)) << GranularityName(g);
    EXPECT_EQ(parsed, g);
  }
  EXPECT_EQ(GranularityName(Granularity::kQuarter), "quarter");
}

TEST(GranularityTest, RejectsOtherSpellings) {
  Granularity g = Granularity::kMonth;
  for (std::string_view s : {"", "Day", "WEEK", "days", " month", "quarterly", "yr"}) {
    EXPECT_FALSE(ParseGranularity(s, &g)) << s;
  }
  EXPECT_EQ(g, Granularity::kMonth);
}

TEST(ParsePeriodTest, ParsesEveryFormWithItsBounds) {
  const DayNumber jan1 = DayNumberFromCivil(2024, 1, 1);
  EXPECT_EQ(Parsed("2024-01-15"), (Period{Granularity::kDay, jan1 + 14, jan1 + 15}));
  EXPECT_EQ(Parsed("2024-W03"), (Period{Granularity::kWeek, jan1 + 14, jan1 + 21}));
  EXPECT_EQ(Parsed("2024-01"), (Period{Granularity::kMonth, jan1, jan1 + 31}));
  EXPECT_EQ(Parsed("2024-Q1"), (Period{Granularity::kQuarter, jan1, jan1 + 91}));
  EXPECT_EQ(Parsed("2024"), (Period{Granularity::kYear, jan1, jan1 + 366}));
  EXPECT_EQ(Parsed("1970-01-01").first_day, 0);
}

TEST(ParsePeriodTest, FormatIsTheInverseForEveryForm) {
  for (std::string_view text :
       {"2024-01-15", "2024-02-29", "2024-W03", "2020-W53", "2024-01", "2024-12", "2024-Q1",
        "2024-Q4", "2024", "0001", "0001-01-01", "0001-W01", "9999", "9999-12-31", "9999-W52",
        "9999-Q4", "1969-12-31"}) {
    EXPECT_EQ(FormatPeriod(Parsed(text)), text);
  }
}

TEST(ParsePeriodTest, RoundTripsEveryPeriodOf1999To2031) {
  for (DayNumber d = Day("1999-01-01"); d < Day("2032-01-01"); ++d) {
    for (Granularity g : kAllGranularities) {
      const Period p = PeriodContaining(g, d);
      absl::StatusOr<Period> again = ParsePeriod(FormatPeriod(p));
      ASSERT_TRUE(again.ok()) << FormatPeriod(p) << ": " << again.status();
      ASSERT_EQ(*again, p) << FormatPeriod(p);
    }
  }
}

struct Rejection {
  std::string_view text;
  std::string_view reason;  // a substring of the message
};

TEST(ParsePeriodTest, RejectsMalformedTextSayingWhyAndWhatIsAccepted) {
  const Rejection cases[] = {
      {"2024-00", "month must be 01..12"},
      {"2024-13", "month must be 01..12"},
      {"2024-00-10", "month must be 01..12"},
      {"2023-02-29", "2023-02 has no day 29"},
      {"2024-04-31", "has no day 31"},
      {"2024-01-00", "has no day 00"},
      {"2024-W00", "week must be W01..W53"},
      {"2024-W54", "week must be W01..W53"},
      {"2021-W53", "2021 has only 52"},
      {"2024-W53", "2024 has only 52"},
      {"2024-Q0", "quarter must be Q1..Q4"},
      {"2024-Q5", "quarter must be Q1..Q4"},
      {"2024-w03", "upper-case 'W'"},
      {"2024-q1", "upper-case 'Q'"},
      {"+2024", "4-digit year"},
      {"-2024", "4-digit year"},
      {" 2024", "4-digit year"},
      {"2024 ", "followed by"},
      {"2024-1", "unrecognised form"},
      {"2024-01-1", "unrecognised form"},
      {"2024-W3", "two digits"},
      {"2024-Q1x", "quarter must be"},
      {"2024-01-15x", "unrecognised form"},
      {"2024-01-15 ", "unrecognised form"},
      {"2024-W031", "two digits"},
      {"2024x", "followed by"},
      {"2024-", "unrecognised form"},
      {"", "empty"},
      {"0000", "0001..9999"},
      {"0000-01-01", "0001..9999"},
      {"202", "4-digit year"},
      {"2024-+1", "month must be two digits"},
      {"2024-01/15", "the day must be"},
      {"24-01-15", "4-digit year"},
  };
  for (const Rejection& c : cases) {
    absl::StatusOr<Period> p = ParsePeriod(c.text);
    ASSERT_FALSE(p.ok()) << '"' << c.text << "\" parsed as " << FormatPeriod(*p);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(p.status().message(), HasSubstr(c.reason)) << c.text;
    EXPECT_THAT(p.status().message(), HasSubstr("YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY-Qn or YYYY"));
  }
}

TEST(ParsePeriodTest, EchoesLongInputTruncatedAndEscaped) {
  const std::string junk = "2024-01-15" + std::string(100, '\n');
  absl::StatusOr<Period> p = ParsePeriod(junk);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("\"2024-01-15\\n\\n"));
  EXPECT_THAT(p.status().message(), HasSubstr("...\""));
  EXPECT_LT(p.status().message().size(), 250u);
}

TEST(IsoWeekTest, WeekOneAndWeek53Boundaries) {
  EXPECT_EQ(Parsed("2020-W53").first_day, Day("2020-12-28"));
  EXPECT_EQ(Parsed("2020-W53").end_day, Day("2021-01-04"));
  EXPECT_EQ(Parsed("2021-W01").first_day, Day("2021-01-04"));
  EXPECT_EQ(Parsed("2015-W53").first_day, Day("2015-12-28"));
  EXPECT_EQ(Parsed("2026-W53").first_day, Day("2026-12-28"));
  EXPECT_EQ(Parsed("2025-W01").first_day, Day("2024-12-30"));
}

TEST(IsoWeekTest, DaysNearNewYearBelongToTheWeekOfTheirThursday) {
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kWeek, Day("2024-12-30"))), "2025-W01");
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kWeek, Day("2021-01-03"))), "2020-W53");
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kWeek, Day("2021-01-04"))), "2021-W01");
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kWeek, Day("2027-01-03"))), "2026-W53");
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kWeek, Day("2024-01-01"))), "2024-W01");
}

TEST(PeriodContainingTest, HoldsTheDayAndStartsOnMondayForWeeks) {
  for (DayNumber d = Day("2019-06-01"); d < Day("2022-06-01"); ++d) {
    for (Granularity g : kAllGranularities) {
      const Period p = PeriodContaining(g, d);
      ASSERT_LE(p.first_day, d);
      ASSERT_LT(d, p.end_day);
      ASSERT_EQ(p.granularity, g);
    }
    ASSERT_EQ(BusinessDays(PeriodContaining(Granularity::kWeek, d)), 5);
  }
  EXPECT_EQ(PeriodContaining(Granularity::kWeek, Day("2024-01-21")).first_day, Day("2024-01-15"));
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kQuarter, Day("2024-09-30"))), "2024-Q3");
  EXPECT_EQ(FormatPeriod(PeriodContaining(Granularity::kQuarter, Day("2024-10-01"))), "2024-Q4");
}

TEST(PrevPeriodTest, CrossesYearBoundariesForAllGranularities) {
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2024-01-01"))), "2023-12-31");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2024-03-01"))), "2024-02-29");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2023-03-01"))), "2023-02-28");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2021-W01"))), "2020-W53");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2025-W01"))), "2024-W52");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2024-01"))), "2023-12");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2024-Q1"))), "2023-Q4");
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("2024"))), "2023");
}

TEST(NextPeriodTest, CrossesYearBoundariesAndUndoesPrev) {
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("2023-12-31"))), "2024-01-01");
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("2020-W53"))), "2021-W01");
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("2023-12"))), "2024-01");
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("2023-Q4"))), "2024-Q1");
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("2023"))), "2024");
  for (std::string_view text : {"2024-03-01", "2021-W01", "2024-01", "2024-Q1", "2024"}) {
    const Period p = Parsed(text);
    EXPECT_EQ(NextPeriod(PrevPeriod(p)), p) << text;
    EXPECT_EQ(PrevPeriod(p).end_day, p.first_day) << text;
    EXPECT_EQ(NextPeriod(p).first_day, p.end_day) << text;
  }
}

TEST(PrevPeriodTest, ExtremeYearsStayContiguous) {
  for (Granularity g : kAllGranularities) {
    for (DayNumber d : {Day("0001-01-01"), Day("9999-12-31")}) {
      const Period p = PeriodContaining(g, d);
      EXPECT_EQ(PrevPeriod(p).end_day, p.first_day) << GranularityName(g);
      EXPECT_EQ(NextPeriod(p).first_day, p.end_day) << GranularityName(g);
      EXPECT_LT(PrevPeriod(PrevPeriod(p)).first_day, PrevPeriod(p).first_day);
    }
  }
  EXPECT_EQ(FormatPeriod(PrevPeriod(Parsed("0001"))), "0000");
  EXPECT_EQ(FormatPeriod(NextPeriod(Parsed("9999-12"))), "10000-01");
}

TEST(BusinessDaysTest, CountsMondayToFriday) {
  EXPECT_EQ(BusinessDays(Parsed("2024-01")), 23);
  EXPECT_EQ(BusinessDays(Parsed("2024-01-13")), 0);  // Saturday
  EXPECT_EQ(BusinessDays(Parsed("2024-01-14")), 0);  // Sunday
  EXPECT_EQ(BusinessDays(Parsed("2024-01-15")), 1);  // Monday
  EXPECT_EQ(BusinessDays(Parsed("2024-W03")), 5);
  EXPECT_EQ(BusinessDays(Parsed("2024-Q1")), 65);
  EXPECT_EQ(BusinessDays(Parsed("2024")), 262);
  EXPECT_EQ(BusinessDays(Parsed("2023")), 260);
}

TEST(BusinessDaysTest, MatchesDayByDayCountForEveryMonth) {
  for (Period m = Parsed("1999-01"); m.first_day < Day("2031-01-01"); m = NextPeriod(m)) {
    int expected = 0;
    for (DayNumber d = m.first_day; d < m.end_day; ++d) {
      expected += BusinessDays(PeriodContaining(Granularity::kDay, d));
    }
    ASSERT_EQ(BusinessDays(m), expected) << FormatPeriod(m);
  }
}

std::vector<std::string> Formatted(const std::vector<Period>& periods) {
  std::vector<std::string> out;
  for (const Period& p : periods) out.push_back(FormatPeriod(p));
  return out;
}

TEST(PeriodsBetweenTest, ListsPeriodsInOrderIncludingBothEnds) {
  absl::StatusOr<std::vector<Period>> months =
      PeriodsBetween(Granularity::kMonth, Day("2023-11-15"), Day("2024-02-01"), 100);
  ASSERT_TRUE(months.ok()) << months.status();
  EXPECT_THAT(Formatted(*months), testing::ElementsAre("2023-11", "2023-12", "2024-01", "2024-02"));

  absl::StatusOr<std::vector<Period>> weeks =
      PeriodsBetween(Granularity::kWeek, Day("2020-12-31"), Day("2021-01-04"), 100);
  ASSERT_TRUE(weeks.ok());
  EXPECT_THAT(Formatted(*weeks), testing::ElementsAre("2020-W53", "2021-W01"));

  absl::StatusOr<std::vector<Period>> one =
      PeriodsBetween(Granularity::kYear, Day("2024-01-01"), Day("2024-12-31"), 1);
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(Formatted(*one), testing::ElementsAre("2024"));
}

TEST(PeriodsBetweenTest, EnforcesTheLimitExactly) {
  const DayNumber from = Day("2024-01-01"), to = Day("2024-01-10");
  absl::StatusOr<std::vector<Period>> ten = PeriodsBetween(Granularity::kDay, from, to, 10);
  ASSERT_TRUE(ten.ok());
  EXPECT_EQ(ten->size(), 10u);
  EXPECT_EQ(ten->back(), Parsed("2024-01-10"));

  absl::StatusOr<std::vector<Period>> nine = PeriodsBetween(Granularity::kDay, from, to, 9);
  EXPECT_EQ(nine.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nine.status().message(), HasSubstr("10 day periods, more than the 9 allowed"));

  // A huge span is refused without enumerating it.
  EXPECT_FALSE(PeriodsBetween(Granularity::kDay, Day("0001-01-01"), Day("9999-12-31"), 1000).ok());
}

TEST(PeriodsBetweenTest, RejectsReversedRange) {
  absl::StatusOr<std::vector<Period>> r =
      PeriodsBetween(Granularity::kMonth, Day("2024-02-01"), Day("2024-01-31"), 100);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("after its end"));
}

TEST(CivilDayNumberTest, ConvertsBothWays) {
  EXPECT_EQ(DayNumberFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DayNumberFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DayNumberFromCivil(1, 1, 1), -719162);
  EXPECT_EQ(DayNumberFromCivil(9999, 12, 31), 2932896);
  int y = 0, m = 0, d = 0;
  CivilFromDayNumber(DayNumberFromCivil(2024, 2, 29), &y, &m, &d);
  EXPECT_EQ(y * 10000 + m * 100 + d, 20240229);
}

TEST(LocalCalendarTest, RejectsUnknownZoneNamingIt) {
  for (std::string_view name : {"Mars/Olympus_Mons", "", "localtime", "europe/berlin"}) {
    absl::StatusOr<LocalCalendar> cal = LocalCalendar::Create(name);
    ASSERT_FALSE(cal.ok()) << name;
    EXPECT_EQ(cal.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(cal.status().message(), HasSubstr("\"" + std::string(name) + "\""));
  }
}

TEST(LocalCalendarTest, UtcAndNames) {
  LocalCalendar utc = LocalCalendar::Utc();
  EXPECT_EQ(utc.name(), "UTC");
  EXPECT_EQ(Zone("Europe/Berlin").name(), "Europe/Berlin");
  EXPECT_EQ(utc.DayOf(0), 0);
  EXPECT_EQ(utc.DayOf(-1), -1);
  EXPECT_EQ(utc.DayOf(kMicrosPerDay - 1), 0);
  EXPECT_EQ(utc.DayOf(Micros("1900-03-01T12:00:00Z")), Day("1900-03-01"));
  EXPECT_EQ(utc.StartOf(Day("2024-01-15")), Micros("2024-01-15T00:00:00Z"));
}

TEST(LocalCalendarTest, BerlinDstChangeDays) {
  LocalCalendar berlin = Zone("Europe/Berlin");
  const DayNumber spring = Day("2024-03-31"), autumn = Day("2024-10-27");
  EXPECT_EQ(berlin.StartOf(spring), Micros("2024-03-30T23:00:00Z"));
  EXPECT_EQ(berlin.DayOf(Micros("2024-03-31T01:30:00Z")), spring);
  EXPECT_EQ(berlin.DayOf(Micros("2024-03-30T22:59:59.999999Z")), spring - 1);
  EXPECT_EQ(berlin.StartOf(spring + 1) - berlin.StartOf(spring), 23 * kMicrosPerHour);
  EXPECT_EQ(berlin.StartOf(autumn + 1) - berlin.StartOf(autumn), 25 * kMicrosPerHour);
  EXPECT_EQ(berlin.StartOf(autumn + 1), Micros("2024-10-27T23:00:00Z"));
  // Summer time: midnight is 22:00Z of the day before.
  EXPECT_EQ(berlin.StartOf(Day("2024-07-01")), Micros("2024-06-30T22:00:00Z"));
  EXPECT_EQ(berlin.DayOf(Micros("2024-06-30T22:00:00Z")), Day("2024-07-01"));
  EXPECT_EQ(berlin.DayOf(Micros("2024-06-30T21:59:59.999999Z")), Day("2024-06-30"));
}

TEST(LocalCalendarTest, SaoPauloDayWhoseMidnightWasSkipped) {
  LocalCalendar sp = Zone("America/Sao_Paulo");
  const DayNumber d = Day("2018-11-04");
  EXPECT_EQ(sp.StartOf(d), Micros("2018-11-04T03:00:00Z"));
  EXPECT_EQ(sp.FormatInstant(sp.StartOf(d)), "2018-11-04T01:00:00-02:00");
  EXPECT_EQ(sp.DayOf(sp.StartOf(d)), d);
  EXPECT_EQ(sp.DayOf(sp.StartOf(d) - 1), d - 1);
  EXPECT_EQ(sp.StartOf(d + 1) - sp.StartOf(d), 23 * kMicrosPerHour);
}

TEST(LocalCalendarTest, KolkataHalfHourOffset) {
  LocalCalendar kolkata = Zone("Asia/Kolkata");
  EXPECT_EQ(kolkata.StartOf(Day("2024-01-01")), Micros("2023-12-31T18:30:00Z"));
  EXPECT_EQ(kolkata.DayOf(Micros("2023-12-31T18:29:59.999999Z")), Day("2023-12-31"));
  EXPECT_EQ(kolkata.DayOf(Micros("2023-12-31T18:30:00Z")), Day("2024-01-01"));
  EXPECT_EQ(kolkata.FormatInstant(Micros("2024-01-01T00:00:00Z")), "2024-01-01T05:30:00+05:30");
}

TEST(LocalCalendarTest, FormatInstantUsesZoneOffsetOrZ) {
  EXPECT_EQ(LocalCalendar::Utc().FormatInstant(Micros("2024-01-15T10:00:00Z")),
            "2024-01-15T10:00:00Z");
  EXPECT_EQ(LocalCalendar::Utc().FormatInstant(Micros("2024-01-15T10:00:00.123456Z")),
            "2024-01-15T10:00:00.123456Z");
  EXPECT_EQ(LocalCalendar::Utc().FormatInstant(Micros("2024-01-15T10:00:00.5Z")),
            "2024-01-15T10:00:00.5Z");
  LocalCalendar berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.FormatInstant(berlin.StartOf(Day("2024-03-31"))), "2024-03-31T00:00:00+01:00");
  EXPECT_EQ(berlin.FormatInstant(Micros("2024-07-01T00:00:00Z")), "2024-07-01T02:00:00+02:00");
  // Offset zero prints "Z" even in a zone that is not UTC.
  EXPECT_EQ(Zone("Europe/London").FormatInstant(Micros("2024-01-15T10:00:00Z")),
            "2024-01-15T10:00:00Z");
  EXPECT_EQ(Zone("America/New_York").FormatInstant(Micros("2024-01-15T10:00:00Z")),
            "2024-01-15T05:00:00-05:00");
}

const char* const kSweepZones[] = {
    "UTC",          "Europe/Berlin",       "America/New_York", "America/Sao_Paulo",
    "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",  "America/St_Johns"};

TEST(LocalCalendarTest, StartOfIsTheFirstInstantOfEveryDay1990To2040) {
  for (const char* name : kSweepZones) {
    LocalCalendar cal = Zone(name);
    for (DayNumber d = Day("1990-01-01"); d <= Day("2040-12-31"); ++d) {
      const int64_t start = cal.StartOf(d);
      ASSERT_EQ(cal.DayOf(start), d)
          << name << " " << FormatPeriod(PeriodContaining(Granularity::kDay, d));
      ASSERT_EQ(cal.DayOf(start - 1), d - 1) << name << " " << d;
    }
  }
}

TEST(LocalCalendarTest, DayOfMatchesAbslAroundEveryTransition) {
  for (const char* name : kSweepZones) {
    LocalCalendar cal = Zone(name);
    absl::TimeZone tz;
    ASSERT_TRUE(absl::LoadTimeZone(name, &tz));
    absl::Time t = absl::FromCivil(absl::CivilSecond(1990, 1, 1), tz);
    absl::TimeZone::CivilTransition tr;
    int transitions = 0;
    while (t < absl::FromCivil(absl::CivilSecond(2041, 1, 1), tz) && tz.NextTransition(t, &tr)) {
      t = tz.At(tr.to).trans;
      ++transitions;
      const int64_t micros = absl::ToUnixMicros(t);
      for (int64_t probe : {micros - kMicrosPerDay, micros - 1, micros, micros + 1, micros - 1}) {
        ASSERT_EQ(cal.DayOf(probe), SlowDayOf(probe, tz)) << name << " " << probe;
      }
    }
    // Berlin changes twice a year, so the loop really visited its transitions.
    if (std::string_view(name) == "Europe/Berlin") {
      EXPECT_GE(transitions, 2 * 51);
    }
  }
}

TEST(LocalCalendarTest, DayOfMatchesAbslForRandomInstants1990To2040) {
  std::mt19937_64 rng(20240131);
  const int64_t lo = Micros("1990-01-01T00:00:00Z"), hi = Micros("2041-01-01T00:00:00Z");
  std::uniform_int_distribution<int64_t> anywhere(lo, hi);
  std::uniform_int_distribution<int64_t> step(0, 6 * kMicrosPerHour);
  for (const char* name : kSweepZones) {
    LocalCalendar cal = Zone(name);
    absl::TimeZone tz;
    ASSERT_TRUE(absl::LoadTimeZone(name, &tz));
    int64_t t = anywhere(rng);
    for (int i = 0; i < 12'500; ++i) {
      // Mostly small forward steps (the cached path), sometimes a jump anywhere (a miss).
      t = (i % 16 == 0) ? anywhere(rng) : t + step(rng);
      ASSERT_EQ(cal.DayOf(t), SlowDayOf(t, tz)) << name << " " << t;
    }
  }
}

TEST(LocalCalendarTest, CopiesAreIndependentAndEquivalent) {
  LocalCalendar berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.DayOf(Micros("2024-06-30T22:30:00Z")), Day("2024-07-01"));
  LocalCalendar copy = berlin;
  EXPECT_EQ(copy.name(), "Europe/Berlin");
  EXPECT_EQ(copy.DayOf(Micros("2024-01-01T23:30:00Z")), Day("2024-01-02"));
  EXPECT_EQ(berlin.DayOf(Micros("2024-06-30T21:30:00Z")), Day("2024-06-30"));
  copy = LocalCalendar::Utc();
  EXPECT_EQ(copy.DayOf(Micros("2024-06-30T22:30:00Z")), Day("2024-06-30"));
}

}  // namespace
}  // namespace readside::projection
