#include "common/env.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/fault_env.h"

namespace readside {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-env-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(Env::Default()->CreateDirs(dir_.string()).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(EnvTest, WriteSyncRenameReadBack) {
  Env* env = Env::Default();
  auto file = env->NewWritableFile(Path("a.tmp"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("hello ").ok());
  ASSERT_TRUE((*file)->Append("world").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env->RenameFile(Path("a.tmp"), Path("a")).ok());
  ASSERT_TRUE(env->SyncDir(dir_.string()).ok());
  EXPECT_FALSE(env->FileExists(Path("a.tmp")));
  auto data = env->ReadFile(Path("a"));
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello world");
  EXPECT_TRUE(absl::IsNotFound(env->ReadFile(Path("missing")).status()));
  EXPECT_TRUE(env->RemoveFile(Path("a")).ok());
  EXPECT_TRUE(env->RemoveFile(Path("a")).ok());  // already gone is fine
}

TEST_F(EnvTest, AllocateFileReservesRealSpace) {
  Env* env = Env::Default();
  ASSERT_TRUE(env->AllocateFile(Path("reserve"), 1 << 20).ok());
  EXPECT_EQ(std::filesystem::file_size(Path("reserve")), 1u << 20);
  auto free = env->FreeBytes(dir_.string());
  ASSERT_TRUE(free.ok());
  EXPECT_GT(*free, 0u);
  // More than any disk has: refused as a full disk, and nothing left behind.
  absl::Status huge = env->AllocateFile(Path("huge"), uint64_t{1} << 62);
  EXPECT_FALSE(huge.ok());
  EXPECT_FALSE(env->FileExists(Path("huge")));
}

TEST_F(EnvTest, FaultEnvFillsTheDisk) {
  FaultInjectionEnv env;
  env.SetFreeBytes(10);
  EXPECT_EQ(*env.FreeBytes(dir_.string()), 10u);
  auto file = env.NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE((*file)->Append("1234").ok());
  absl::Status full = (*file)->Append("567890abc");
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  ASSERT_TRUE((*file)->Close().ok());
  // A full disk writes what fits, like a real one.
  EXPECT_EQ(*env.ReadFile(Path("f")), "1234567890");
  EXPECT_EQ(*env.FreeBytes(dir_.string()), 0u);
  EXPECT_TRUE(absl::IsResourceExhausted(env.AllocateFile(Path("r"), 1)));
  env.SetFreeBytes(std::nullopt);
  EXPECT_TRUE(env.AllocateFile(Path("r"), 1).ok());
  EXPECT_EQ(env.injected_failures(), 2u);
  env.SetFreeBytes(0);
  ASSERT_TRUE(env.RemoveFile(Path("f")).ok());  // its 10 bytes come back
  EXPECT_EQ(*env.FreeBytes(dir_.string()), 10u);
}

TEST_F(EnvTest, FaultEnvFailsSyncAndTearsWrites) {
  FaultInjectionEnv env;
  auto file = env.NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok());
  env.SetSyncFails(true);
  EXPECT_TRUE(absl::IsUnavailable((*file)->Sync()));
  env.SetSyncFails(false);
  EXPECT_TRUE((*file)->Sync().ok());
  env.SetTearWrites(true);
  EXPECT_FALSE((*file)->Append("abcdefgh").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(*env.ReadFile(Path("f")), "abcd");
}

}  // namespace
}  // namespace readside
