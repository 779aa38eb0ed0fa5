#pragma once
// The scratch directory of a fuzz target's store: under $TMPDIR (fuzz/run.sh points it at a
// directory it removes when the run ends, so that targets that exit without tearing down leave
// nothing behind), else /tmp.

#include <stdlib.h>

#include <cstdlib>
#include <string>

namespace readside::fuzz {

// mkdtemp of "$TMPDIR/<name>-XXXXXX"; aborts when it cannot.
inline std::string ScratchDir(const char* name) {
  const char* base = std::getenv("TMPDIR");
  std::string path =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + name + "-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) std::abort();
  return path;
}

}  // namespace readside::fuzz
