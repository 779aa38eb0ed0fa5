// Civil-date algorithms after Howard Hinnant's "chrono-compatible low-level date algorithms".
#include "sim/sim_time.h"

namespace readside::sim {
namespace {

void Append2(int v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

void Append4(int v, std::string* out) {
  Append2(v / 100, out);
  Append2(v % 100, out);
}

void AppendDateTimeFields(int64_t local_micros, std::string* out) {
  int64_t days = FloorDiv(local_micros, kMicrosPerDay);
  int64_t secs = (local_micros - days * kMicrosPerDay) / kMicrosPerSecond;
  AppendDate(days, out);
  out->push_back('T');
  Append2(static_cast<int>(secs / 3600), out);
  out->push_back(':');
  Append2(static_cast<int>(secs / 60 % 60), out);
  out->push_back(':');
  Append2(static_cast<int>(secs % 60), out);
}

}  // namespace

int64_t DaysFromCivil(int year, int month, int day) {
  int64_t y = year - (month <= 2);
  int64_t era = FloorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return {y, m, d};
}

int WeekdayFromDays(int64_t days) {
  int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
  return static_cast<int>(w < 0 ? w + 7 : w);
}

int64_t FirstDayOfNextMonth(int64_t local_day) {
  CivilDate c = CivilFromDays(local_day);
  return c.month == 12 ? DaysFromCivil(c.year + 1, 1, 1) : DaysFromCivil(c.year, c.month + 1, 1);
}

int64_t NextBusinessDay(int64_t local_day) {
  while (!IsBusinessDay(local_day)) ++local_day;
  return local_day;
}

void AppendTimestamp(int64_t unix_micros, std::string* out) {
  AppendDateTimeFields(unix_micros, out);
  int64_t millis = FloorDiv(unix_micros, kMicrosPerMilli) % 1000;
  if (millis < 0) millis += 1000;
  out->push_back('.');
  out->push_back(static_cast<char>('0' + millis / 100));
  Append2(static_cast<int>(millis % 100), out);
  out->push_back('Z');
}

void AppendLocalDateTime(int64_t unix_micros, int offset_minutes, std::string* out) {
  AppendDateTimeFields(unix_micros + offset_minutes * kMicrosPerMinute, out);
  if (offset_minutes == 0) {
    out->push_back('Z');
    return;
  }
  int abs_offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  out->push_back(offset_minutes < 0 ? '-' : '+');
  Append2(abs_offset / 60, out);
  out->push_back(':');
  Append2(abs_offset % 60, out);
}

void AppendDate(int64_t days, std::string* out) {
  CivilDate c = CivilFromDays(days);
  Append4(c.year, out);
  out->push_back('-');
  Append2(c.month, out);
  out->push_back('-');
  Append2(c.day, out);
}

void AppendYearMonth(int64_t days, std::string* out) {
  CivilDate c = CivilFromDays(days);
  Append4(c.year, out);
  out->push_back('-');
  Append2(c.month, out);
}

}  // namespace readside::sim
