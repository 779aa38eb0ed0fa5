#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week) and their due
// instants in an IANA time zone, daylight-saving transitions included. Report schedules
// (../shared/spec/reports.md "Schedules") fire at these instants.
//
// Syntax, per field: `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, and lists of
// these (`1,15,30-40/5`). Months may be named JAN–DEC and days SUN–SAT (any case, also inside
// ranges: `MON-FRI`); day-of-week 7 is Sunday like 0. Ranges run upwards (`FRI-MON` is an
// error) and a step is at least 1. Not supported: `@daily`-style macros, `?`, `L`, `W`, `#`,
// seconds. An expression that can never fire (`0 0 30 FEB *`) is refused.
//
// Day matching follows Vixie cron (and cronie): when both day-of-month and day-of-week are
// restricted, a day matching EITHER fires; otherwise both must match. As in Vixie cron a field
// counts as unrestricted when it starts with `*`, so `0 0 */2 * MON` is "odd days that are
// Mondays", while `0 0 1,15 * MON` is "the 1st, the 15th and every Monday".
//
// Time-zone rule (the local wall clock is what the expression describes; every local time
// label fires at most once, and every label that matches fires once):
//  - A matching local time that does not exist (skipped by a spring-forward gap) fires at the
//    first instant after the gap (the transition itself). All matches inside one gap collapse
//    into that single firing, which is also the firing of the first time after the gap when
//    that matches too: `30 2 * * *` in Europe/Berlin fires at 03:00 CEST on the last Sunday of
//    March, and `*/15 2 * * *` fires once that day, at 03:00 CEST.
//  - A matching local time that occurs twice (a fall-back overlap) fires once, at its first
//    occurrence (the earlier offset); the repeated stretch does not fire again.
// So hourly `0 * * * *` fires 23 times on Berlin's spring-forward day (02:00 is 03:00) and 24
// times on its fall-back day (02:00 CEST fires, 02:00 CET does not: the 25 real hours hold 24
// labels), and `30 2 * * *` fires exactly once on both days. Due instants are whole minutes
// of local time, except a gap's end, which is where the zone puts it.
//
// Thread-safety: CronExpr is an immutable value; the functions are pure.

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace readside::schedule {

struct CronExpr {
  std::string text;  // the expression as given (trimmed)
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 0 unused
  std::bitset<13> months;         // bit 0 unused
  std::bitset<7> days_of_week;    // 0 = Sunday … 6 = Saturday (7 is stored as 0)
  bool dom_star = false;          // day-of-month starts with '*' (unrestricted for the OR rule)
  bool dow_star = false;          // day-of-week starts with '*'

  // Whether the expression's date fields (day-of-month, month, day-of-week) select `day`.
  bool MatchesDay(absl::CivilDay day) const;
};

// Parses `text` (five fields separated by spaces or tabs; leading and trailing white space
// ignored). On failure returns InvalidArgument whose message names the field and the rule,
// e.g. "cron: hour: 24 is out of range 0-23" or "cron: day-of-week: unknown name \"MOX\"".
absl::StatusOr<CronExpr> ParseCron(std::string_view text);

// NextAfter's answer when no due instant exists within kCronSearchYears of `after`.
inline constexpr int64_t kNoCronRun = std::numeric_limits<int64_t>::max();
// How far NextAfter looks. Every expression ParseCron accepts fires at least once in any 40
// years (a 29 FEB that must be a Sunday is the slowest); 100 leaves margin.
inline constexpr int kCronSearchYears = 100;

// The first due instant of `expr` in `zone` strictly after `after_unix_micros`, in
// microseconds since the Unix epoch, under the time-zone rule above; kNoCronRun when none
// exists within kCronSearchYears.
int64_t NextAfter(const CronExpr& expr, const absl::TimeZone& zone, int64_t after_unix_micros);

// Every due instant in (from_unix_micros, to_unix_micros], ascending, at most `max_count` of
// them (the earliest). A result of exactly `max_count` instants may have been cut short.
std::vector<int64_t> DueBetween(const CronExpr& expr, const absl::TimeZone& zone,
                                int64_t from_unix_micros, int64_t to_unix_micros, size_t max_count);

}  // namespace readside::schedule
