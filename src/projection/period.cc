#include "projection/period.h"

#include <algorithm>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/time_zone.h"

namespace readside::projection {
namespace {

constexpr std::string_view kAcceptedForms =
    "expected YYYY-MM-DD, YYYY-Www, YYYY-MM, YYYY-Qn or YYYY (year 0001..9999)";

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b < 0) ? q - 1 : q;
}

// 0 = Monday ... 6 = Sunday; day 0 (1970-01-01) was a Thursday.
int IsoWeekday(DayNumber d) {
  return static_cast<int>(int64_t{d} + 3 - 7 * FloorDiv(int64_t{d} + 3, 7));
}

DayNumber MondayOf(DayNumber d) { return d - IsoWeekday(d); }

// The Monday of ISO week 1, the week holding January 4th.
DayNumber Week1Monday(int iso_year) { return MondayOf(DayNumberFromCivil(iso_year, 1, 4)); }

int IsoWeeksInYear(int iso_year) { return (Week1Monday(iso_year + 1) - Week1Monday(iso_year)) / 7; }

// The ISO week-numbering year and week of `d`: the year is the one holding the Thursday.
void IsoWeekOf(DayNumber d, int* iso_year, int* week) {
  const DayNumber monday = MondayOf(d);
  int month, day;
  CivilFromDayNumber(monday + 3, iso_year, &month, &day);
  *week = (monday - Week1Monday(*iso_year)) / 7 + 1;
}

// The first day of month `month0` (0-based, may exceed 11) counted from January of `year`.
DayNumber FirstOfMonth(int year, int month0) {
  return DayNumberFromCivil(year + month0 / 12, month0 % 12 + 1, 1);
}

Period MakePeriod(Granularity g, DayNumber first, DayNumber end) { return Period{g, first, end}; }

// Untrusted text made printable for an error message. (absl::string_view is not
// std::string_view in this abseil build, hence the explicit conversion.)
std::string Escaped(std::string_view s) { return absl::CHexEscape({s.data(), s.size()}); }

absl::Status ParseError(std::string_view text, std::string_view reason) {
  constexpr size_t kMaxEcho = 32;
  const std::string shown = Escaped(text.substr(0, kMaxEcho));
  return absl::InvalidArgumentError("invalid period \"" + shown +
                                    (text.size() > kMaxEcho ? "...\": " : "\": ") +
                                    std::string(reason) + "; " + std::string(kAcceptedForms));
}

// Reads exactly `n` ASCII digits at `pos`.
bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYY-Www", the 'W' at index 5.
absl::StatusOr<Period> ParseWeek(std::string_view text, int year) {
  if (text[5] == 'w') return ParseError(text, "the week designator must be upper-case 'W'");
  int week;
  if (text.size() != 8 || !ParseDigits(text, 6, 2, &week)) {
    return ParseError(text, "the week must be two digits W01..W53");
  }
  const int weeks = IsoWeeksInYear(year);
  if (week == 53 && weeks == 52) {
    return ParseError(text, std::string(text.substr(0, 4)) + " has only 52 ISO weeks");
  }
  if (week < 1 || week > weeks) return ParseError(text, "the week must be W01..W53");
  const DayNumber first = Week1Monday(year) + 7 * (week - 1);
  return MakePeriod(Granularity::kWeek, first, first + 7);
}

// "YYYY-Qn", the 'Q' at index 5.
absl::StatusOr<Period> ParseQuarter(std::string_view text, int year) {
  if (text[5] == 'q') return ParseError(text, "the quarter designator must be upper-case 'Q'");
  int quarter;
  if (text.size() != 7 || !ParseDigits(text, 6, 1, &quarter) || quarter < 1 || quarter > 4) {
    return ParseError(text, "the quarter must be Q1..Q4");
  }
  return PeriodContaining(Granularity::kQuarter, FirstOfMonth(year, 3 * (quarter - 1)));
}

// "YYYY-MM" or "YYYY-MM-DD".
absl::StatusOr<Period> ParseMonthOrDay(std::string_view text, int year) {
  int month;
  if (!ParseDigits(text, 5, 2, &month)) return ParseError(text, "the month must be two digits");
  if (month < 1 || month > 12) return ParseError(text, "the month must be 01..12");
  if (text.size() == 7) return PeriodContaining(Granularity::kMonth, FirstOfMonth(year, month - 1));
  int day;
  if (text[7] != '-' || !ParseDigits(text, 8, 2, &day)) {
    return ParseError(text, "the day must be '-' and two digits");
  }
  if (!IsValidDate(year, static_cast<unsigned>(month), static_cast<unsigned>(day))) {
    return ParseError(
        text, std::string(text.substr(0, 7)) + " has no day " + std::string(text.substr(8, 2)));
  }
  const DayNumber d = DayNumberFromCivil(year, month, day);
  return MakePeriod(Granularity::kDay, d, d + 1);
}

// A monotonic index of the period holding `d`: consecutive periods have consecutive indexes.
int64_t PeriodIndex(Granularity g, DayNumber d) {
  int year, month, day;
  CivilFromDayNumber(d, &year, &month, &day);
  switch (g) {
    case Granularity::kDay:
      return d;
    case Granularity::kWeek:
      return FloorDiv(int64_t{d} + 3, 7);
    case Granularity::kMonth:
      return int64_t{year} * 12 + (month - 1);
    case Granularity::kQuarter:
      return int64_t{year} * 4 + (month - 1) / 3;
    case Granularity::kYear:
      return year;
  }
  return d;
}

// Instants in [begin, end) (unix micros) share one UTC offset.
struct OffsetSpan {
  int64_t begin;
  int64_t end;
};

// Keeps cached instants far from int64 limits so that adding an offset cannot overflow.
constexpr int64_t kSpanLimit = int64_t{1} << 62;

// The span between the transitions around `t`, or an empty span when it cannot be trusted.
OffsetSpan SpanAround(const absl::TimeZone& tz, int64_t t, int offset_seconds) {
  OffsetSpan span{-kSpanLimit, kSpanLimit};
  if (t < span.begin || t >= span.end) return {0, 0};
  // Transitions fall on whole seconds and the lookups work on whole seconds, strictly before
  // or after the argument: asking before floor(t)+1 includes a transition exactly at t.
  const int64_t second = FloorDiv(t, kMicrosPerSecond);
  absl::TimeZone::CivilTransition tr;
  if (tz.PrevTransition(absl::FromUnixSeconds(second + 1), &tr)) {
    span.begin = std::max(span.begin, absl::ToUnixMicros(tz.At(tr.to).trans));
  }
  if (tz.NextTransition(absl::FromUnixSeconds(second), &tr)) {
    span.end = std::min(span.end, absl::ToUnixMicros(tz.At(tr.to).trans));
  }
  // The transition API is informational and unspecified far from recorded data: only trust
  // a span that holds t and has t's offset at both ends.
  const bool sane = span.begin <= t && t < span.end &&
                    tz.At(absl::FromUnixMicros(span.begin)).offset == offset_seconds &&
                    tz.At(absl::FromUnixMicros(span.end - 1)).offset == offset_seconds;
  return sane ? span : OffsetSpan{0, 0};
}

}  // namespace

std::string_view GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kDay:
      return "day";
    case Granularity::kWeek:
      return "week";
    case Granularity::kMonth:
      return "month";
    case Granularity::kQuarter:
      return "quarter";
    case Granularity::kYear:
      return "year";
  }
  return "day";
}

bool ParseGranularity(std::string_view s, Granularity* out) {
  for (Granularity g : {Granularity::kDay, Granularity::kWeek, Granularity::kMonth,
                        Granularity::kQuarter, Granularity::kYear}) {
    if (s == GranularityName(g)) {
      *out = g;
      return true;
    }
  }
  return false;
}

absl::StatusOr<Period> ParsePeriod(std::string_view text) {
  if (text.empty()) return ParseError(text, "the text is empty");
  int year;
  if (!ParseDigits(text, 0, 4, &year)) return ParseError(text, "it must start with a 4-digit year");
  if (year == 0) return ParseError(text, "the year must be 0001..9999");
  if (text.size() == 4) return PeriodContaining(Granularity::kYear, DayNumberFromCivil(year, 1, 1));
  if (text[4] != '-') return ParseError(text, "the year must be followed by nothing or by '-'");
  if (text.size() >= 6 && (text[5] == 'W' || text[5] == 'w')) return ParseWeek(text, year);
  if (text.size() >= 6 && (text[5] == 'Q' || text[5] == 'q')) return ParseQuarter(text, year);
  if (text.size() == 7 || text.size() == 10) return ParseMonthOrDay(text, year);
  return ParseError(text, "unrecognised form (month and day need two digits)");
}

std::string FormatPeriod(const Period& p) {
  // By hand, not snprintf: a period is formatted for every answer's "period" and trace span,
  // and glibc's printf machinery cost more than the rest of a cached answer's span.
  int year, month, day;
  CivilFromDayNumber(p.first_day, &year, &month, &day);
  char buf[32];
  char* out = buf;
  auto number = [&out](int v, int width) {  // as printf's %0<width>d
    if (v < 0) {
      *out++ = '-';
      v = -v;
      --width;
    }
    char digits[12];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    for (int i = n; i < width; ++i) *out++ = '0';
    while (n > 0) *out++ = digits[--n];
  };
  switch (p.granularity) {
    case Granularity::kDay:
      number(year, 4);
      *out++ = '-';
      number(month, 2);
      *out++ = '-';
      number(day, 2);
      break;
    case Granularity::kWeek: {
      int iso_year, week;
      IsoWeekOf(p.first_day, &iso_year, &week);
      number(iso_year, 4);
      *out++ = '-';
      *out++ = 'W';
      number(week, 2);
      break;
    }
    case Granularity::kMonth:
      number(year, 4);
      *out++ = '-';
      number(month, 2);
      break;
    case Granularity::kQuarter:
      number(year, 4);
      *out++ = '-';
      *out++ = 'Q';
      number((month - 1) / 3 + 1, 1);
      break;
    case Granularity::kYear:
      number(year, 4);
      break;
  }
  return std::string(buf, out);
}

Period PeriodContaining(Granularity g, DayNumber day) {
  int year, month, dom;
  CivilFromDayNumber(day, &year, &month, &dom);
  switch (g) {
    case Granularity::kDay:
      return MakePeriod(g, day, day + 1);
    case Granularity::kWeek:
      return MakePeriod(g, MondayOf(day), MondayOf(day) + 7);
    case Granularity::kMonth:
      return MakePeriod(g, FirstOfMonth(year, month - 1), FirstOfMonth(year, month));
    case Granularity::kQuarter: {
      const int first_month0 = (month - 1) / 3 * 3;
      return MakePeriod(g, FirstOfMonth(year, first_month0), FirstOfMonth(year, first_month0 + 3));
    }
    case Granularity::kYear:
      return MakePeriod(g, FirstOfMonth(year, 0), FirstOfMonth(year + 1, 0));
  }
  return MakePeriod(Granularity::kDay, day, day + 1);
}

Period PrevPeriod(const Period& p) { return PeriodContaining(p.granularity, p.first_day - 1); }

Period NextPeriod(const Period& p) { return PeriodContaining(p.granularity, p.end_day); }

int BusinessDays(const Period& p) {
  const int days = p.end_day - p.first_day;
  int count = days / 7 * 5;  // every full week holds five
  const int first_weekday = IsoWeekday(p.first_day);
  for (int i = 0; i < days % 7; ++i) {
    if ((first_weekday + i) % 7 < 5) ++count;
  }
  return count;
}

absl::StatusOr<std::vector<Period>> PeriodsBetween(Granularity g, DayNumber from, DayNumber to,
                                                   size_t max_points) {
  if (from > to) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range start (day ", from, ") is after its end (day ", to, ")"));
  }
  const uint64_t count = static_cast<uint64_t>(PeriodIndex(g, to) - PeriodIndex(g, from)) + 1;
  if (count > max_points) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range holds ", count, " ", std::string(GranularityName(g)),
                     " periods, more than the ", max_points, " allowed"));
  }
  std::vector<Period> periods;
  periods.reserve(count);
  for (Period p = PeriodContaining(g, from); periods.size() < count; p = NextPeriod(p)) {
    periods.push_back(p);
  }
  return periods;
}

DayNumber DayNumberFromCivil(int year, int month, int day) {
  return static_cast<DayNumber>(
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

void CivilFromDayNumber(DayNumber d, int* year, int* month, int* day) {
  int64_t y;
  unsigned m, dd;
  CivilFromDays(d, &y, &m, &dd);
  *year = static_cast<int>(y);
  *month = static_cast<int>(m);
  *day = static_cast<int>(dd);
}

absl::StatusOr<LocalCalendar> LocalCalendar::Create(std::string_view iana_name) {
  absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(iana_name);
  if (!tz.ok()) return tz.status();
  return LocalCalendar(*tz, std::string(iana_name));
}

LocalCalendar LocalCalendar::Utc() { return LocalCalendar(absl::UTCTimeZone(), "UTC"); }

DayNumber LocalCalendar::DayOfSlow(int64_t unix_micros) {
  const absl::TimeZone::CivilInfo info = tz_.At(absl::FromUnixMicros(unix_micros));
  const OffsetSpan span = SpanAround(tz_, unix_micros, info.offset);
  span_begin_ = span.begin;
  span_end_ = span.end;
  span_offset_micros_ = int64_t{info.offset} * kMicrosPerSecond;
  return static_cast<DayNumber>(absl::CivilDay(info.cs) - absl::CivilDay(1970, 1, 1));
}

int64_t LocalCalendar::StartOf(DayNumber day) const {
  int year, month, dom;
  CivilFromDayNumber(day, &year, &month, &dom);
  const absl::TimeZone::TimeInfo info = tz_.At(absl::CivilSecond(year, month, dom, 0, 0, 0));
  // SKIPPED: midnight never happened, the day starts at the jump. REPEATED: `pre` is the
  // earlier midnight. UNIQUE: all three agree.
  return absl::ToUnixMicros(info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre);
}

std::string LocalCalendar::FormatInstant(int64_t unix_micros) const {
  const absl::Time t = absl::FromUnixMicros(unix_micros);
  const bool zero_offset = tz_.At(t).offset == 0;
  // %E4Y keeps four-digit years below 1000; %E*S prints a fraction only when non-zero.
  return absl::FormatTime(zero_offset ? "%E4Y-%m-%dT%H:%M:%E*SZ" : "%E4Y-%m-%dT%H:%M:%E*S%Ez", t,
                          tz_);
}

}  // namespace readside::projection
