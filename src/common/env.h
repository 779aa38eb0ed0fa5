#pragma once
// The filesystem seam (after leveldb's Env): the event store (through the RocksDB adapter in
// store/rocks_env.h) and the read-model snapshots reach the disk only through an Env, so that
// a test can fail an fsync, fill the disk or tear a write (FaultInjectionEnv in fault_env.h).
//
// Errors: a full disk is ResourceExhausted; any other I/O failure is Unavailable; a missing
// file is NotFound. Messages name the path and the cause.
// Thread-safety: an Env is safe for concurrent use; one WritableFile is used by one thread
// at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data`. After a failure, what the file holds past its last successful Sync is
  // undefined (a prefix of the data may have been written).
  virtual absl::Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fsync).
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // The process-wide POSIX implementation (never deleted).
  static Env* Default();

  // Creates `path`, or truncates it if it exists.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Atomically replaces `to` by `from` (rename(2)).
  virtual absl::Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Removes `path`; OK when it did not exist.
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  virtual absl::Status CreateDirs(const std::string& dir) = 0;
  // Makes the directory's entries (created and renamed files) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Bytes an unprivileged writer may still use on the filesystem holding `path`.
  virtual absl::StatusOr<uint64_t> FreeBytes(const std::string& path) = 0;
  // Creates `path` with `bytes` of disk really allocated to it (fallocate), or extends it to
  // that size. ResourceExhausted when the disk has not that much room (the file is removed).
  virtual absl::Status AllocateFile(const std::string& path, uint64_t bytes) = 0;

  // Files that another library opened itself (RocksDB's log and tables) pass through here
  // so that this Env's faults reach them too: returns the file to write through instead of
  // `file`. Only called when Intercepts() is true; the default returns `file`.
  virtual std::unique_ptr<WritableFile> Intercept(const std::string& path,
                                                  std::unique_ptr<WritableFile> file) {
    return file;
  }
  // False for the real filesystem: adapters then leave foreign files alone (no indirection
  // on the write path).
  virtual bool Intercepts() const { return false; }
};

// Replaces dir/name with `data` atomically and durably through `env`: a temporary file,
// fsync, rename, fsync of the directory (creating dir). A crash or a failed write at any point
// leaves either the old file or the new one, whole.
absl::Status WriteFileAtomically(Env* env, const std::string& dir, const std::string& name,
                                 std::string_view data);

// Forwards every call to another Env; subclasses override what they change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    return target_->NewWritableFile(path);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return target_->ReadFile(path);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  absl::Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  absl::Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  absl::Status CreateDirs(const std::string& dir) override { return target_->CreateDirs(dir); }
  absl::Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  absl::StatusOr<uint64_t> FreeBytes(const std::string& path) override {
    return target_->FreeBytes(path);
  }
  absl::Status AllocateFile(const std::string& path, uint64_t bytes) override {
    return target_->AllocateFile(path, bytes);
  }
  std::unique_ptr<WritableFile> Intercept(const std::string& path,
                                          std::unique_ptr<WritableFile> file) override {
    return target_->Intercept(path, std::move(file));
  }
  bool Intercepts() const override { return target_->Intercepts(); }

 private:
  Env* target_;
};

}  // namespace readside
