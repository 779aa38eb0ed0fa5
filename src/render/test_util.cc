#include "render/test_util.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

namespace readside::render::testing {

CommandResult Run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string TempPath(std::string_view name) {
  static std::atomic<int> counter{0};
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "render-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::string(name);
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

}  // namespace readside::render::testing

// LeakSanitizer (make check): fontconfig keeps its configuration and font patterns for the
// life of the process (Pango's font maps hold them; nothing calls FcFini), which LSan reports
// at exit. Only this test binary suppresses them.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
