#pragma once
// Named crash points (docs/decisions.md "Crash points"): places where a test build can kill
// its own process, so that the crash test (tests/crash/crash_test.py) proves recovery from a
// crash at exactly the moments that matter — between a write and its fsync, between two
// writes that must agree, between storing an intent and acting on it — instead of hoping a
// random kill -9 lands there. Like RocksDB's TEST_KILL_RANDOM, driven by db_crashtest.py.
//
//   READSIDE_CRASH_POINT("store.commit.before_write");
//
// Compiled in only where CMake's READSIDE_CRASH_POINTS is ON (the default, except for
// CMAKE_BUILD_TYPE=Release) and the target called readside_crash_points(); otherwise the
// macro is nothing and the binary holds no trace of the points. Compiled in, a process started
// with READSIDE_CRASH_POINT=<name>[:<n>] writes "crash point <name> hit <n>: killing" to
// stderr and raises SIGKILL at the n-th time (default 1) any thread reaches <name>. Without the
// variable a point costs one predictable branch on a flag set before main().
// Every name must be listed in kCrashPoints (crash_point.cc); a variable naming an unknown
// point stops the process at start (exit 2), so a typo cannot make a test pass unkilled.
// Thread-safety: points may be reached from any thread.

#include <span>
#include <string_view>

namespace readside::crash {

struct CrashPointInfo {
  std::string_view name;   // "component.step.moment"
  std::string_view where;  // what has and has not happened when it kills
};

#if defined(READSIDE_CRASH_POINTS)

// Set before main() from READSIDE_CRASH_POINT; read by every point.
extern bool g_armed;
// The slow path of a point (armed only): counts hits of the configured point and kills.
void Hit(std::string_view name);

// Every point of this build, in the order of the data path.
std::span<const CrashPointInfo> CrashPoints();

namespace internal {
// Tests only: re-reads `spec` ("<name>[:<n>]", or empty: disarmed) as if it were the
// variable. False (and disarmed) when it names no known point or <n> is not a positive number.
bool Configure(std::string_view spec);
}  // namespace internal

}  // namespace readside::crash

#define READSIDE_CRASH_POINT(name)                                                   \
  do {                                                                               \
    if (__builtin_expect(::readside::crash::g_armed, false)) ::readside::crash::Hit(name); \
  } while (false)

#else  // !READSIDE_CRASH_POINTS

}  // namespace readside::crash

#define READSIDE_CRASH_POINT(name) \
  do {                             \
  } while (false)

#endif
