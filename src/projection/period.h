#pragma once
// Calendar periods for analytics: a day "2024-01-15", an ISO week "2024-W03", a month
// "2024-01", a quarter "2024-Q1" or a year "2024", expressed as half-open ranges of *local*
// day numbers, plus LocalCalendar, which maps UTC instants to local days in a tenant's IANA
// time zone and back.
//
// Thread-safety: the free functions are pure and safe to call from any thread. LocalCalendar
// is NOT thread-safe: DayOf() updates a small cache inside the object, so each thread that
// calls DayOf() needs its own LocalCalendar (copies are cheap). The const methods never touch
// the cache and may run concurrently with each other.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/time_util.h"

namespace readside::projection {

enum class Granularity : uint8_t { kDay, kWeek, kMonth, kQuarter, kYear };

// "day", "week", "month", "quarter" or "year".
std::string_view GranularityName(Granularity g);
// On success stores the granularity named `s` (exact lower-case name as returned by
// GranularityName) in *out and returns true. On failure returns false and leaves *out alone.
bool ParseGranularity(std::string_view s, Granularity* out);

// A local day number: days since 1970-01-01 of the civil (local) date. Day 0 = 1970-01-01.
// Years 0001..9999 span days -719162..2932896.
using DayNumber = int32_t;

// The local days [first_day, end_day) of one calendar period.
struct Period {
  Granularity granularity;
  DayNumber first_day;  // first local day in the period
  DayNumber end_day;    // first local day after it (exclusive)
  bool operator==(const Period&) const = default;
};

// Parses "2024-01-15" | "2024-W03" | "2024-01" | "2024-Q1" | "2024" (years 0001..9999; ISO
// week-numbering years for weeks). On failure returns InvalidArgument whose message names the
// problem and the accepted forms; the text must match exactly (upper-case W/Q, zero padding,
// no signs, spaces or trailing characters).
absl::StatusOr<Period> ParsePeriod(std::string_view text);

// The canonical text of `p`, the inverse of ParsePeriod. REQUIRES: `p` came from ParsePeriod,
// PeriodContaining, PrevPeriod, NextPeriod or PeriodsBetween.
std::string FormatPeriod(const Period& p);

// The period of granularity `g` that holds `day`. Weeks are ISO weeks (Monday first).
Period PeriodContaining(Granularity g, DayNumber day);
// The period of the same granularity just before / just after `p`.
Period PrevPeriod(const Period& p);
Period NextPeriod(const Period& p);

// The number of Monday–Friday dates in [p.first_day, p.end_day) (holidays are not known here).
int BusinessDays(const Period& p);

// The periods of granularity `g` from the one containing `from` to the one containing `to`,
// both inclusive, in ascending order. Fails with InvalidArgument when from > to or when more
// than `max_points` periods would be returned (nothing is allocated in that case).
absl::StatusOr<std::vector<Period>> PeriodsBetween(Granularity g, DayNumber from, DayNumber to,
                                                   size_t max_points);

// Conversions between proleptic Gregorian civil dates and day numbers.
// REQUIRES: a valid date whose day number fits DayNumber (e.g. years 0001..9999).
DayNumber DayNumberFromCivil(int year, int month, int day);
void CivilFromDayNumber(DayNumber d, int* year, int* month, int* day);

// Time-zone aware conversion between UTC instants (unix microseconds) and local days.
// Copyable; see the thread-safety note at the top of this file.
class LocalCalendar {
 public:
  // Loads the IANA zone `iana_name` (e.g. "Europe/Berlin", "UTC"). Fails with InvalidArgument
  // naming the zone when it is empty, "localtime" or unknown to the installed tz database.
  static absl::StatusOr<LocalCalendar> Create(std::string_view iana_name);
  static LocalCalendar Utc();

  // The IANA name the calendar was created with.
  const std::string& name() const { return name_; }

  // The local day holding the instant. Fast path: the UTC offset of the span between the two
  // transitions around the last slow-path instant is cached, so instants arriving in time
  // order cost a compare, an add and a division. Not const: updates the cache.
  DayNumber DayOf(int64_t unix_micros) {
    if (unix_micros >= span_begin_ && unix_micros < span_end_) {
      return static_cast<DayNumber>(FloorDiv(unix_micros + span_offset_micros_, kMicrosPerDay));
    }
    return DayOfSlow(unix_micros);
  }

  // The first instant whose local date is `day`: local midnight; the transition instant when
  // midnight is skipped by a DST jump; the earlier one when midnight occurs twice. Thus
  // DayOf(StartOf(d)) == d and DayOf(StartOf(d) - 1) == d - 1, except for a date a zone
  // skipped entirely (Pacific/Apia 2011-12-30), whose StartOf is the next day's start.
  int64_t StartOf(DayNumber day) const;

  // RFC 3339 text of the instant in this zone with its offset, "Z" when the offset is zero:
  // "2024-03-31T00:00:00+01:00". Fractional seconds appear only when non-zero. Offsets with a
  // seconds part (pre-1900 local mean time) are truncated to minutes.
  std::string FormatInstant(int64_t unix_micros) const;

 private:
  LocalCalendar(absl::TimeZone tz, std::string name) : tz_(tz), name_(std::move(name)) {}

  static constexpr int64_t FloorDiv(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
  }
  // Computes the day via absl and refreshes the cached span around `unix_micros`.
  DayNumber DayOfSlow(int64_t unix_micros);

  absl::TimeZone tz_;
  std::string name_;
  // Instants in [span_begin_, span_end_) have UTC offset span_offset_micros_. Empty at first.
  int64_t span_begin_ = 0;
  int64_t span_end_ = 0;
  int64_t span_offset_micros_ = 0;
};

}  // namespace readside::projection
