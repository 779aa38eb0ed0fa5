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

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 'T'/'Z' may be lower case (RFC 3339 §5.6).
// Fractions beyond microseconds are truncated; a leap second (:60) is accepted as :59.999999.
// Returns false on any deviation.
bool ParseRfc3339(std::string_view text, int64_t* unix_micros);
// "YYYY-MM-DD" → midnight UTC of that day.
bool ParseIsoDate(std::string_view text, int64_t* unix_micros);

// "2024-01-15T10:00:00.123456Z" (fraction omitted when zero, trimmed to milliseconds when
// sub-millisecond digits are zero).
std::string FormatRfc3339(int64_t unix_micros);

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

}  // namespace readside
