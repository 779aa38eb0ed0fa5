// libFuzzer target: report schedules' cron expressions and time zones (schedule/cron.h,
// common/time_zone.h). The input's first line is the expression, the second (optional) the
// zone's name (UTC when absent), the third (optional) picks the instant asked from.
// Invariants, besides no crash, leak or UB:
//   - ParseCron refuses with InvalidArgument whose message starts "cron: ";
//   - a parsed expression parses again, from its own text, to the same fields;
//   - NextAfter(t) is after t (or kNoCronRun); it is a due instant (NextAfter of the instant
//     just before it is itself) and DueBetween(t, next) holds exactly it;
//   - the next few instants ascend strictly;
//   - a zone name that is not an IANA name (a path, "..", a file) is refused, never opened.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time_zone.h"
#include "schedule/cron.h"

namespace {

using namespace readside;

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "cron_fuzz: %s: %.*s\n", what, static_cast<int>(input.size()), input.data());
  std::abort();
}

bool SameFields(const schedule::CronExpr& a, const schedule::CronExpr& b) {
  return a.minutes == b.minutes && a.hours == b.hours && a.days_of_month == b.days_of_month &&
         a.months == b.months && a.days_of_week == b.days_of_week && a.dom_star == b.dom_star &&
         a.dow_star == b.dow_star;
}

// Instants to start from: 2024-03-31T00:30Z (Berlin's spring-forward day), the epoch,
// 2023-10-29T00:59:59Z (Berlin's fall-back hour), 9999-12-31T23:00Z and a negative one.
constexpr int64_t kFrom[] = {1711845000000000, 0, 1698541199000000, 253402297200000000,
                             -2208988800000000};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view text = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? "" : input.substr(nl + 1);
  size_t nl2 = rest.find('\n');
  std::string_view zone_name = rest.substr(0, nl2);
  uint8_t pick = nl2 == std::string_view::npos || nl2 + 1 >= rest.size() ? 0 : rest[nl2 + 1];

  absl::TimeZone zone = absl::UTCTimeZone();
  if (!zone_name.empty()) {
    absl::StatusOr<absl::TimeZone> z = LoadIanaTimeZone(zone_name);
    if (z.ok()) {
      if (zone_name.front() == '/' || zone_name.find("..") != std::string_view::npos ||
          zone_name.find(':') != std::string_view::npos) {
        Fail("a path was loaded as a time zone", zone_name);
      }
      zone = *z;
    } else if (!absl::IsInvalidArgument(z.status())) {
      Fail("zone refused without InvalidArgument", zone_name);
    }
  }

  absl::StatusOr<schedule::CronExpr> expr = schedule::ParseCron(text);
  if (!expr.ok()) {
    if (!absl::IsInvalidArgument(expr.status()) ||
        !std::string(expr.status().message()).starts_with("cron: ")) {
      Fail("refused without an InvalidArgument \"cron: …\"", text);
    }
    return 0;
  }
  absl::StatusOr<schedule::CronExpr> again = schedule::ParseCron(expr->text);
  if (!again.ok() || !SameFields(*expr, *again)) Fail("does not parse again from its text", text);

  int64_t t = kFrom[pick % std::size(kFrom)];
  int64_t next = schedule::NextAfter(*expr, zone, t);
  if (next == schedule::kNoCronRun) return 0;
  if (next <= t) Fail("NextAfter is not after the instant", text);
  if (schedule::NextAfter(*expr, zone, next - 1) != next) Fail("NextAfter skips itself", text);
  std::vector<int64_t> due = schedule::DueBetween(*expr, zone, t, next, 4);
  if (due.size() != 1 || due[0] != next) Fail("DueBetween disagrees with NextAfter", text);
  for (int i = 0; i < 3; ++i) {
    int64_t later = schedule::NextAfter(*expr, zone, next);
    if (later == schedule::kNoCronRun) break;
    if (later <= next) Fail("instants do not ascend", text);
    next = later;
  }
  return 0;
}
