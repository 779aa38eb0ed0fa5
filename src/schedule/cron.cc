#include "schedule/cron.h"

#include <array>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace readside::schedule {
namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // names[i] is value names_base + i
  int names_base;
  int name_count;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI",
                                                        "SAT", "",    "",    "",    "",    ""};

const FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0, 0},        {"hour", 0, 23, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, 0, 0},  {"month", 1, 12, &kMonthNames, 1, 12},
    {"day-of-week", 0, 7, &kDayNames, 0, 7},
};

// absl::string_view is not std::string_view in this abseil build.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

std::string Quoted(std::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(absl::string_view(text.data(), text.size())), "\"");
}

absl::Status FieldError(const FieldSpec& f, std::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("cron: ", A(f.name), ": ", A(rule)));
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// One value of a field: a number or, where the field has them, a name.
absl::StatusOr<int> ParseValue(const FieldSpec& f, std::string_view text) {
  if (text.empty()) return FieldError(f, "a value is missing");
  if (AllDigits(text)) {
    // More than three digits is out of every field's range (and would not fit an int).
    int v = text.size() > 3 ? 1000 : 0;
    for (char c : text.substr(0, 3)) v = v * 10 + (c - '0');
    if (v < f.min || v > f.max) {
      return FieldError(f, absl::StrCat(text.size() > 3 ? std::string(text) : std::to_string(v),
                                        " is out of range ", f.min, "-", f.max));
    }
    return v;
  }
  if (f.names != nullptr) {
    std::string upper = absl::AsciiStrToUpper(absl::string_view(text.data(), text.size()));
    for (int i = 0; i < f.name_count; ++i) {
      if ((*f.names)[i] == upper) return f.names_base + i;
    }
    return FieldError(f, absl::StrCat("unknown name ", Quoted(text), " (expected a number or ",
                                      A((*f.names)[0]), "-", A((*f.names)[f.name_count - 1]), ")"));
  }
  return FieldError(f, absl::StrCat(Quoted(text), " is not a number"));
}

// One list item: `*`, `v`, `a-b`, `*/n` or `a-b/n`. Sets its values in *bits (index = value).
absl::Status ParseItem(const FieldSpec& f, std::string_view item, std::bitset<64>* bits) {
  if (item.empty()) return FieldError(f, "empty list item");
  std::string_view base = item;
  std::optional<int> step;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    std::string_view step_text = item.substr(slash + 1);
    if (!AllDigits(step_text)) {
      return FieldError(f, absl::StrCat("step ", Quoted(step_text), " is not a number"));
    }
    step = step_text.size() > 3 ? 1000 : std::stoi(std::string(step_text));
    if (*step < 1) return FieldError(f, "step must be at least 1");
  }
  int lo = f.min, hi = f.max;
  if (base != "*") {
    size_t dash = base.find('-');
    absl::StatusOr<int> a = ParseValue(f, base.substr(0, dash));
    if (!a.ok()) return a.status();
    lo = hi = *a;
    if (dash != std::string_view::npos) {
      absl::StatusOr<int> b = ParseValue(f, base.substr(dash + 1));
      if (!b.ok()) return b.status();
      hi = *b;
      if (lo > hi) {
        return FieldError(f, absl::StrCat("range ", Quoted(base), " runs backwards"));
      }
    } else if (step) {
      return FieldError(f, absl::StrCat("step ", Quoted(item), " needs a range or * before /"));
    }
  }
  for (int v = lo; v <= hi; v += step.value_or(1)) bits->set(v);
  return absl::OkStatus();
}

absl::StatusOr<std::bitset<64>> ParseField(const FieldSpec& f, std::string_view text) {
  std::bitset<64> bits;
  for (absl::string_view item : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    absl::Status s = ParseItem(f, std::string_view(item.data(), item.size()), &bits);
    if (!s.ok()) return s;
  }
  return bits;
}

template <size_t N>
std::bitset<N> Narrow(const std::bitset<64>& bits) {
  return std::bitset<N>(bits.to_ullong() & ((uint64_t{1} << N) - 1));
}

// Whether some selected day-of-month exists in some selected month (29 FEB counts).
bool SomeDayExists(const CronExpr& e) {
  static constexpr int kMaxDays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    if (!e.months[m]) continue;
    for (int d = 1; d <= kMaxDays[m]; ++d) {
      if (e.days_of_month[d]) return true;
    }
  }
  return false;
}

int Highest(uint64_t bits) { return 63 - __builtin_clzll(bits); }

// Where a local time label fires: see the time-zone rule in cron.h.
absl::Time FireTime(const absl::TimeZone& zone, absl::CivilDay day, int hour, int minute) {
  absl::TimeZone::TimeInfo info =
      zone.At(absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0));
  // SKIPPED: the transition is the first instant after the gap. REPEATED: `pre` uses the
  // offset in force before the transition, i.e. the first occurrence. UNIQUE: pre == post.
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

}  // namespace

bool CronExpr::MatchesDay(absl::CivilDay day) const {
  if (!months[day.month()]) return false;
  // absl::Weekday counts from Monday = 0; cron from Sunday = 0.
  int dow = (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;
  bool dom_match = days_of_month[day.day()];
  bool dow_match = days_of_week[dow];
  if (dom_star || dow_star) return dom_match && dow_match;
  return dom_match || dow_match;
}

absl::StatusOr<CronExpr> ParseCron(std::string_view text) {
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(text.data(), text.size()), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("cron: expected 5 fields (minute hour day-of-month month day-of-week), got ",
                     fields.size()));
  }
  std::bitset<64> bits[5];
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::bitset<64>> b =
        ParseField(kFields[i], std::string_view(fields[i].data(), fields[i].size()));
    if (!b.ok()) return b.status();
    bits[i] = *b;
  }
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too
  CronExpr e;
  e.text = std::string(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  e.minutes = Narrow<60>(bits[0]);
  e.hours = Narrow<24>(bits[1]);
  e.days_of_month = Narrow<32>(bits[2]);
  e.months = Narrow<13>(bits[3]);
  e.days_of_week = Narrow<7>(bits[4]);
  e.dom_star = fields[2][0] == '*';
  e.dow_star = fields[4][0] == '*';
  // With the AND rule and a restricted day-of-month, a day must exist in a selected month
  // (`*` and `*/n` always include the 1st and Sunday, so every other case fires eventually).
  if (!e.dom_star && e.dow_star && !SomeDayExists(e)) {
    return FieldError(kFields[2],
                      "no selected day occurs in any selected month, so the "
                      "expression never fires");
  }
  return e;
}

int64_t NextAfter(const CronExpr& expr, const absl::TimeZone& zone, int64_t after_unix_micros) {
  if (expr.minutes.none() || expr.hours.none() || expr.months.none()) return kNoCronRun;
  const absl::Time after = absl::FromUnixMicros(after_unix_micros);
  const int last_hour = Highest(expr.hours.to_ullong());
  const int last_minute = Highest(expr.minutes.to_ullong());
  // Fire times never decrease as local time increases (see FireTime), so the answer is the
  // fire time of the first matching label whose fire time is after `after`. A label firing
  // after `after` is at most a day and a bit (the largest offset change) before its local
  // date; start two days early and skip whole days and hours that fire too early.
  absl::CivilDay day = absl::ToCivilDay(after, zone) - 2;
  const absl::CivilDay end = day + 366 * kCronSearchYears;
  for (; day < end; ++day) {
    if (!expr.MatchesDay(day)) continue;
    if (FireTime(zone, day, last_hour, last_minute) <= after) continue;
    for (int h = 0; h < 24; ++h) {
      if (!expr.hours[h] || FireTime(zone, day, h, last_minute) <= after) continue;
      for (int m = 0; m < 60; ++m) {
        if (!expr.minutes[m]) continue;
        absl::Time t = FireTime(zone, day, h, m);
        if (t > after) return absl::ToUnixMicros(t);
      }
    }
  }
  return kNoCronRun;
}

std::vector<int64_t> DueBetween(const CronExpr& expr, const absl::TimeZone& zone,
                                int64_t from_unix_micros, int64_t to_unix_micros,
                                size_t max_count) {
  std::vector<int64_t> due;
  int64_t t = from_unix_micros;
  while (due.size() < max_count) {
    t = NextAfter(expr, zone, t);
    if (t == kNoCronRun || t > to_unix_micros) break;
    due.push_back(t);
  }
  return due;
}

}  // namespace readside::schedule
