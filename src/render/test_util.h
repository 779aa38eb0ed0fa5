#pragma once
// Helpers of the renderer tests: run a command (pdftotext, unzip, python3) on a file the
// test wrote, and temporary paths.
// Thread-safety: Run and TempPath may be called from any thread.

#include <string>
#include <string_view>

namespace readside::render::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (and stderr when the command redirects it)
};

// Runs `command` with /bin/sh and returns its exit code and standard output.
CommandResult Run(const std::string& command);

// A fresh path under the test's temporary directory (not created).
std::string TempPath(std::string_view name);

void WriteFile(const std::string& path, std::string_view bytes);

// `s` quoted for /bin/sh.
std::string Quote(std::string_view s);

}  // namespace readside::render::testing
