#pragma once
// A test Env that injects the disk faults a real machine produces (after leveldb's
// SpecialEnv): a disk that fills up, fsyncs that fail, and writes torn half-way. Every file
// written through it, including RocksDB's (Intercepts() is true), sees the faults.
// Thread-safety: safe for concurrent use; faults may be switched while files are written.

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "common/env.h"

namespace readside {

class FaultInjectionEnv final : public EnvWrapper {
 public:
  explicit FaultInjectionEnv(Env* target = Env::Default()) : EnvWrapper(target) {}

  // Simulates a disk with `bytes` free from now on: every byte written or allocated through
  // this Env uses it up (a file removed through it gives its size back), and a write that
  // does not fit writes what fits and fails with ResourceExhausted, as a real full disk
  // does. FreeBytes reports what is left (never more than the real disk). nullopt: no limit
  // beyond the real disk.
  void SetFreeBytes(std::optional<uint64_t> bytes);
  // When on, Sync fails with Unavailable (the data may or may not have reached the disk).
  void SetSyncFails(bool fail) { sync_fails_.store(fail); }
  // When on, Append writes the first half of its data and fails with Unavailable.
  void SetTearWrites(bool tear) { tear_writes_.store(tear); }
  // Counts of injected failures, for tests to check that a fault was really hit.
  uint64_t injected_failures() const { return injected_.load(); }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override;
  absl::StatusOr<uint64_t> FreeBytes(const std::string& path) override;
  absl::Status AllocateFile(const std::string& path, uint64_t bytes) override;
  absl::Status RemoveFile(const std::string& path) override;
  std::unique_ptr<WritableFile> Intercept(const std::string& path,
                                          std::unique_ptr<WritableFile> file) override;
  bool Intercepts() const override { return true; }

 private:
  class FaultFile;
  // Takes up to `want` bytes of the simulated free space; returns how many it got.
  uint64_t Take(uint64_t want);

  absl::Mutex mu_;
  std::optional<uint64_t> free_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> sync_fails_{false};
  std::atomic<bool> tear_writes_{false};
  std::atomic<uint64_t> injected_{0};
};

}  // namespace readside
