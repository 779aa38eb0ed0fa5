#include "common/time_util.h"

#include <algorithm>
#include <cstdio>

namespace readside {
namespace {

bool Digits(std::string_view t, size_t pos, size_t n, int64_t* out) {
  if (pos + n > t.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    v = v * 10 + (t[i] - '0');
  }
  *out = v;
  return true;
}

bool ParseDatePart(std::string_view t, int64_t* days) {
  int64_t y, m, d;
  if (!Digits(t, 0, 4, &y) || t.size() < 10 || t[4] != '-' || !Digits(t, 5, 2, &m) ||
      t[7] != '-' || !Digits(t, 8, 2, &d)) {
    return false;
  }
  if (!IsValidDate(y, static_cast<unsigned>(m), static_cast<unsigned>(d))) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

// The months (YYYYMM) whose last day ended with a leap second, from the IERS list
// (https://hpiers.obspm.fr/iers/bul/bulc/Leap_Second.dat). All were positive.
constexpr int kLeapSecondMonths[] = {197206, 197212, 197312, 197412, 197512, 197612, 197712,
                                     197812, 197912, 198106, 198206, 198306, 198506, 198712,
                                     198912, 199012, 199206, 199306, 199406, 199512, 199706,
                                     199812, 200512, 200812, 201206, 201506, 201612};

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsValidDate(int64_t y, unsigned m, unsigned d) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

bool ParseIsoDate(std::string_view t, int64_t* unix_micros) {
  int64_t days;
  if (t.size() != 10 || !ParseDatePart(t, &days)) return false;
  *unix_micros = days * kMicrosPerDay;
  return true;
}

bool IsLeapSecondDay(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (!((m == 6 && d == 30) || (m == 12 && d == 31))) return false;
  return std::binary_search(std::begin(kLeapSecondMonths), std::end(kLeapSecondMonths),
                            static_cast<int>(y * 100 + m));
}

bool ParseRfc3339(std::string_view text, int64_t* unix_micros) {
  return ParseRfc3339Detailed(text, unix_micros) == Rfc3339Error::kOk;
}

Rfc3339Error ParseRfc3339Detailed(std::string_view t, int64_t* unix_micros) {
  constexpr Rfc3339Error kSyntax = Rfc3339Error::kSyntax;
  int64_t days, hh, mm, ss;
  if (t.size() < 20 || !ParseDatePart(t, &days)) return kSyntax;
  if (t[10] != 'T' && t[10] != 't') return kSyntax;
  if (!Digits(t, 11, 2, &hh) || t[13] != ':' || !Digits(t, 14, 2, &mm) || t[16] != ':' ||
      !Digits(t, 17, 2, &ss)) {
    return kSyntax;
  }
  if (hh > 23 || mm > 59 || ss > 60) return kSyntax;
  size_t i = 19;
  int64_t micros = 0;
  if (t[i] == '.') {
    ++i;
    size_t start = i;
    int64_t scale = 100000;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      micros += (t[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return kSyntax;
  }
  if (i >= t.size()) return kSyntax;
  int64_t offset_minutes = 0;
  if (t[i] == 'Z' || t[i] == 'z') {
    ++i;
  } else if (t[i] == '+' || t[i] == '-') {
    int64_t oh, om;
    if (!Digits(t, i + 1, 2, &oh) || i + 3 >= t.size() || t[i + 3] != ':' ||
        !Digits(t, i + 4, 2, &om) || oh > 23 || om > 59) {
      return kSyntax;
    }
    offset_minutes = (oh * 60 + om) * (t[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return kSyntax;
  }
  if (i != t.size()) return kSyntax;
  const bool second_60 = ss == 60;
  if (second_60) {  // a leap second: the last representable instant of its minute
    ss = 59;
    micros = 999999;
  }
  int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_minutes * 60;
  // The instant itself must lie in years 0001..9999 UTC, like its text (kSyntax: "a field
  // out of its range"): an offset must not carry it out ("0001-01-01T00:00:00+14:00" is in year 0), or FormatRfc3339 would write
  // text this function refuses.
  constexpr int64_t kFirstSecond = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kLastSecond = 253402300799;   // 9999-12-31T23:59:59Z
  if (secs < kFirstSecond || secs > kLastSecond) return kSyntax;
  *unix_micros = secs * kMicrosPerSecond + micros;
  // It happened only when that minute's :59 is 23:59:59 UTC of a leap-second day.
  if (second_60 && (secs < 0 || secs % 86400 != 86399 || !IsLeapSecondDay(secs / 86400))) {
    return Rfc3339Error::kNotALeapSecond;
  }
  return Rfc3339Error::kOk;
}

std::string FormatRfc3339(int64_t unix_micros) {
  int64_t days = unix_micros >= 0 ? unix_micros / kMicrosPerDay
                                  : -((-unix_micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rem = unix_micros - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / kMicrosPerSecond, micros = rem % kMicrosPerSecond;
  if (y >= 0 && y <= 9999) {
    // The common case without snprintf (it was a fifth of a 12-widget dashboard's time);
    // the same text as the general case below.
    char out[32];
    auto put = [&out](int at, int64_t v, int width) {
      for (int i = width - 1; i >= 0; --i, v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
    };
    put(0, y, 4);
    out[4] = '-';
    put(5, m, 2);
    out[7] = '-';
    put(8, d, 2);
    out[10] = 'T';
    put(11, secs / 3600, 2);
    out[13] = ':';
    put(14, secs / 60 % 60, 2);
    out[16] = ':';
    put(17, secs % 60, 2);
    int len = 19;
    if (micros != 0) {
      out[len++] = '.';
      if (micros % 1000 == 0) {
        put(len, micros / 1000, 3);
        len += 3;
      } else {
        put(len, micros, 6);
        len += 6;
      }
    }
    out[len++] = 'Z';
    return std::string(out, static_cast<size_t>(len));
  }
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  if (micros != 0) {
    if (micros % 1000 == 0) {
      n += std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(micros / 1000));
    } else {
      n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(micros));
    }
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

}  // namespace readside
