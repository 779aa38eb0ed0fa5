#include "common/fault_env.h"

#include <algorithm>
#include <filesystem>

namespace readside {

class FaultInjectionEnv::FaultFile final : public WritableFile {
 public:
  FaultFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  absl::Status Append(std::string_view data) override {
    if (env_->tear_writes_.load()) {
      env_->injected_.fetch_add(1);
      std::string_view half = data.substr(0, data.size() / 2);
      uint64_t fits = env_->Take(half.size());
      if (absl::Status s = base_->Append(half.substr(0, fits)); !s.ok()) return s;
      return absl::UnavailableError("torn write to " + path_ + " (injected)");
    }
    uint64_t fits = env_->Take(data.size());
    if (fits < data.size()) {
      env_->injected_.fetch_add(1);
      if (absl::Status s = base_->Append(data.substr(0, fits)); !s.ok()) return s;
      return absl::ResourceExhaustedError("cannot write " + path_ +
                                          ": No space left on device (injected)");
    }
    return base_->Append(data);
  }
  absl::Status Sync() override {
    if (env_->sync_fails_.load()) {
      env_->injected_.fetch_add(1);
      return absl::UnavailableError("cannot fsync " + path_ + ": Input/output error (injected)");
    }
    return base_->Sync();
  }
  absl::Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectionEnv::SetFreeBytes(std::optional<uint64_t> bytes) {
  absl::MutexLock lock(&mu_);
  free_ = bytes;
}

uint64_t FaultInjectionEnv::Take(uint64_t want) {
  absl::MutexLock lock(&mu_);
  if (!free_) return want;
  uint64_t got = std::min(want, *free_);
  *free_ -= got;
  return got;
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(
    const std::string& path) {
  auto file = target()->NewWritableFile(path);
  if (!file.ok()) return file.status();
  return Intercept(path, std::move(*file));
}

std::unique_ptr<WritableFile> FaultInjectionEnv::Intercept(const std::string& path,
                                                           std::unique_ptr<WritableFile> file) {
  return std::make_unique<FaultFile>(this, path, std::move(file));
}

absl::StatusOr<uint64_t> FaultInjectionEnv::FreeBytes(const std::string& path) {
  absl::StatusOr<uint64_t> real = target()->FreeBytes(path);
  if (!real.ok()) return real;
  absl::MutexLock lock(&mu_);
  return free_ ? std::min(*real, *free_) : *real;
}

absl::Status FaultInjectionEnv::AllocateFile(const std::string& path, uint64_t bytes) {
  {
    absl::MutexLock lock(&mu_);
    if (free_ && *free_ < bytes) {
      injected_.fetch_add(1);
      return absl::ResourceExhaustedError("cannot allocate " + std::to_string(bytes) +
                                          " bytes for " + path +
                                          ": No space left on device (injected)");
    }
    if (free_) *free_ -= bytes;
  }
  return target()->AllocateFile(path, bytes);
}

absl::Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  absl::Status s = target()->RemoveFile(path);
  if (s.ok() && !ec) {
    absl::MutexLock lock(&mu_);
    if (free_) *free_ += size;
  }
  return s;
}

}  // namespace readside
