// Compiled without READSIDE_CRASH_POINTS, as a Release build compiles every file: the point
// below must leave nothing in the binary (tests/crash/compiled_out.py looks for its name).
#include <cstdio>

#include "common/crash_point.h"

int main(int argc, char**) {
  if (argc > 1) READSIDE_CRASH_POINT("probe.compiled_out.point");
  std::puts("no crash points");
  return 0;
}
