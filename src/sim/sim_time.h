// Calendar arithmetic and RFC 3339 formatting for simulated instants (Unix microseconds).
// Proleptic Gregorian calendar, no leap seconds; tenants' local times use fixed UTC offsets.
//
// Thread-safety: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace readside::sim {

inline constexpr int64_t kMicrosPerMilli = 1000;
inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Floor division that rounds toward negative infinity. REQUIRES: d > 0.
inline int64_t FloorDiv(int64_t n, int64_t d) { return n / d - ((n % d != 0) && (n < 0)); }

// Days since 1970-01-01 of a civil date, and back.
int64_t DaysFromCivil(int year, int month, int day);
CivilDate CivilFromDays(int64_t days);

// 0 = Sunday ... 6 = Saturday.
int WeekdayFromDays(int64_t days);
inline bool IsBusinessDay(int64_t days) {
  int w = WeekdayFromDays(days);
  return w != 0 && w != 6;
}

// Local-calendar helpers for a tenant with a fixed UTC offset (minutes east of UTC).
inline int64_t LocalDay(int64_t unix_micros, int offset_minutes) {
  return FloorDiv(unix_micros + offset_minutes * kMicrosPerMinute, kMicrosPerDay);
}
// Microseconds since local midnight.
inline int64_t LocalTimeOfDay(int64_t unix_micros, int offset_minutes) {
  int64_t local = unix_micros + offset_minutes * kMicrosPerMinute;
  return local - FloorDiv(local, kMicrosPerDay) * kMicrosPerDay;
}
// The instant of local (day, time of day).
inline int64_t InstantOfLocal(int64_t local_day, int64_t micros_of_day, int offset_minutes) {
  return local_day * kMicrosPerDay + micros_of_day - offset_minutes * kMicrosPerMinute;
}
// Local day of the first day of the month after the one holding local_day.
int64_t FirstDayOfNextMonth(int64_t local_day);
// The first Monday-Friday day at or after local_day.
int64_t NextBusinessDay(int64_t local_day);

// "2024-01-15T10:00:00.123Z" (milliseconds, truncated).
void AppendTimestamp(int64_t unix_micros, std::string* out);
// "2024-01-15T09:00:00-05:00" (seconds, in the given offset; "Z" for offset 0).
void AppendLocalDateTime(int64_t unix_micros, int offset_minutes, std::string* out);
// "2024-01-15".
void AppendDate(int64_t days, std::string* out);
// "2024-01" for the month holding days.
void AppendYearMonth(int64_t days, std::string* out);

}  // namespace readside::sim
