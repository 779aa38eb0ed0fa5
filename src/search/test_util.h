#pragma once
// Shared by the search tests: every domain, and an empty directory per test.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace readside::search::testing {

inline const std::vector<std::string> kAllDomains = {"crm", "hrm", "finance", "inventory",
                                                     "projects"};

// A fresh (removed) directory named after `prefix`, the process and the running test.
inline std::string FreshTestDir(const std::string& prefix) {
  std::string dir = ::testing::TempDir() + "/" + prefix + "_" + std::to_string(::getpid()) +
                    "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace readside::search::testing
