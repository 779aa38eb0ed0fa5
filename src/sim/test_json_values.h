// Test-only readers of JSON values for the simulator's tests: typed simdjson DOM reads,
// exact decimal (money) parsing, and RFC 3339 date / date-time parsing, written from
// spec/events.md rather than from the generator.
//
// Thread-safety: stateless functions.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace readside::sim::testing {

// Typed reads of simdjson DOM values (the tests know the types they expect).
template <typename T>
std::string_view Sv(T&& e) {
  return e.get_string().value();
}
template <typename T>
double Num(T&& e) {
  return e.get_double().value();
}
template <typename T>
int64_t Int(T&& e) {
  return e.get_int64().value();
}

// Parses a decimal text ("-12.5", "1250.00") into units of 1e-4. nullopt if it is not a
// decimal with at most 4 fractional digits.
inline std::optional<int64_t> ParseDecimal(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 13 || frac.size() > 4 ||
      (dot != std::string_view::npos && frac.empty())) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  for (size_t i = 0; i < 4; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// A JSON money value (number or decimal string) in units of 1e-4, or nullopt.
inline std::optional<int64_t> MoneyOf(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      return ParseDecimal(Sv(e));
    case simdjson::dom::element_type::INT64:
      return Int(e) * 10000;
    case simdjson::dom::element_type::UINT64:
      return static_cast<int64_t>(e.get_uint64().value()) * 10000;
    case simdjson::dom::element_type::DOUBLE: {
      char buf[64];  // shortest round-trip text of the double is the decimal that was written
      auto r = std::to_chars(buf, buf + sizeof(buf), Num(e));
      return ParseDecimal(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
    }
    default:
      return std::nullopt;
  }
}

inline bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

inline int64_t DaysFromCivilForTest(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

inline bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// "YYYY-MM-DD" -> days since epoch.
inline std::optional<int64_t> ParseDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) ||
      !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d) || !ValidDate(y, m, d)) {
    return std::nullopt;
  }
  return DaysFromCivilForTest(y, m, d);
}

// RFC 3339 date-time with "Z" or an offset -> Unix microseconds.
inline std::optional<int64_t> ParseDateTime(std::string_view s) {
  if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto day = ParseDate(s.substr(0, 10));
  int hh, mm, ss;
  if (!day || !Digits(s, 11, 2, &hh) || !Digits(s, 14, 2, &mm) || !Digits(s, 17, 2, &ss) ||
      hh > 23 || mm > 59 || ss > 59) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t micros = 0;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
    int64_t scale = 100000;
    for (size_t k = start; k < i && k < start + 6; ++k, scale /= 10) micros += (s[k] - '0') * scale;
  }
  int offset_minutes = 0;
  if (i + 1 == s.size() && s[i] == 'Z') {
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || !Digits(s, i + 4, 2, &om)) return std::nullopt;
    offset_minutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  int64_t seconds = *day * 86400 + (hh * 3600 + mm * 60 + ss - offset_minutes * 60);
  return seconds * 1000000 + micros;
}

inline bool ValidOrganizationId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  auto ok = [](char c, bool inner) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (inner && c == '-');
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (!ok(s[i], i != 0 && i + 1 != s.size())) return false;
  }
  return true;
}

}  // namespace readside::sim::testing
