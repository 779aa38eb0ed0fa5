#pragma once
// Timestamps as microseconds since the Unix epoch (UTC): parsing RFC 3339 and ISO dates exactly
// as the event contract allows, and formatting them back.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace readside {

// Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);
bool IsValidDate(int64_t y, unsigned m, unsigned d);

// Why RFC 3339 text was refused.
enum class Rfc3339Error {
  kOk,
  kSyntax,  // not the grammar below, or a field out of its range
  // Second 60 where no leap second was: anything but 23:59:60 UTC at the end of a day of
  // IsLeapSecondDay. *unix_micros is still set (as for a leap second), for re-reading text
  // stored before that rule.
  kNotALeapSecond,
};

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 'T'/'Z' may be lower case (RFC 3339 §5.6).
// Fractions beyond microseconds are truncated. Second 60 is accepted only for a leap second
// that happened: 23:59:60 UTC of a day of IsLeapSecondDay, in any offset
// (2017-01-01T00:59:60+01:00 is 2016-12-31T23:59:60Z). Unix time has no leap seconds, so it
// maps to 23:59:59.999999 UTC, the last microsecond before the next day (its fraction is
// ignored), and sorts between the seconds around it.
Rfc3339Error ParseRfc3339Detailed(std::string_view text, int64_t* unix_micros);
// ParseRfc3339Detailed(text, unix_micros) == Rfc3339Error::kOk.
bool ParseRfc3339(std::string_view text, int64_t* unix_micros);

// True for the 27 UTC days that ended with a leap second (days since 1970-01-01): from
// 1972-06-30 to 2016-12-31, per the IERS list (Bulletin C). None has been announced since;
// a new one is one line in time_util.cc.
bool IsLeapSecondDay(int64_t days);

// "YYYY-MM-DD" → midnight UTC of that day.
bool ParseIsoDate(std::string_view text, int64_t* unix_micros);

// "2024-01-15T10:00:00.123456Z" (fraction omitted when zero, trimmed to milliseconds when
// sub-millisecond digits are zero).
std::string FormatRfc3339(int64_t unix_micros);

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

}  // namespace readside
