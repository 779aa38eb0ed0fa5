#include "app/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/time/time.h"
#include "common/json_writer.h"

namespace readside::app {
namespace fs = std::filesystem;
namespace {

absl::Status FsError(const std::string& what, const std::error_code& ec) {
  return absl::InternalError(what + ": " + ec.message());
}

// fsync of a file or a directory: BACKUP.json before the rename that makes the backup
// visible, and the backup directory after it, so that a crash never leaves a backup whose
// manifest or name is not on disk.
absl::Status Fsync(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError("opening " + path.string() + " to fsync it failed");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return absl::InternalError("fsync of " + path.string() + " failed");
  return absl::OkStatus();
}

// Parses `"position":N` out of BACKUP.json (written by CreateBackup).
absl::StatusOr<uint64_t> ManifestPosition(const fs::path& manifest) {
  std::ifstream f(manifest);
  if (!f) return absl::NotFoundError(manifest.string() + " is missing: not a readside backup");
  std::stringstream text;
  text << f.rdbuf();
  std::string s = text.str();
  constexpr std::string_view kKey = "\"position\":";
  size_t at = s.find(kKey);
  if (at == std::string::npos) return absl::DataLossError(manifest.string() + " names no position");
  return std::strtoull(s.c_str() + at + kKey.size(), nullptr, 10);
}

}  // namespace

std::string DefaultBackupDir(const std::string& data_dir) {
  // Inside the data directory: the one place every shipped deployment may write (systemd's
  // StateDirectory, the container's volume), and the same filesystem, so the checkpoint's
  // files are hard links.
  return (fs::path(data_dir) / "backups").lexically_normal().string();
}

absl::StatusOr<BackupResult> CreateBackup(const store::EventStore& store,
                                          const std::string& data_dir,
                                          const std::string& backup_dir, const Clock& clock) {
  std::error_code ec;
  fs::create_directories(backup_dir, ec);
  if (ec) return FsError("creating " + backup_dir, ec);
  BackupResult r;
  r.created_at_micros = clock.NowMicros();
  std::string stamp = absl::FormatTime("%Y%m%dT%H%M%E6SZ", absl::FromUnixMicros(r.created_at_micros),
                                       absl::UTCTimeZone());
  // Named before the position is known; renamed once complete, so a half-written backup
  // never looks like a backup.
  fs::path partial = fs::path(backup_dir) / ("partial-" + stamp);
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  if (ec) return FsError("creating " + partial.string(), ec);
  absl::StatusOr<uint64_t> position = store.Checkpoint((partial / "events").string());
  if (!position.ok()) {
    fs::remove_all(partial, ec);
    return position.status();
  }
  r.position = *position;
  fs::path runs = fs::path(data_dir) / "report-runs";
  if (fs::exists(runs, ec)) {
    fs::copy(runs, partial / "report-runs", fs::copy_options::recursive, ec);
    if (ec) {
      fs::remove_all(partial, ec);
      return FsError("copying " + runs.string(), ec);
    }
  }
  JsonBuilder b;
  b.BeginObject()
      .Key("format")
      .Int(1)
      .Key("position")
      .Int(static_cast<int64_t>(r.position))
      .Key("created_at")
      .String(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(r.created_at_micros),
                               absl::UTCTimeZone()))
      .EndObject();
  {
    std::ofstream f(partial / "BACKUP.json");
    f << b.Take() << "\n";
    if (!f.flush()) {
      fs::remove_all(partial, ec);
      return absl::InternalError("writing BACKUP.json failed");
    }
  }
  if (absl::Status s = Fsync(partial / "BACKUP.json"); !s.ok()) {
    fs::remove_all(partial, ec);
    return s;
  }
  fs::path final_path = fs::path(backup_dir) / ("backup-" + stamp + "-" + std::to_string(r.position));
  fs::rename(partial, final_path, ec);
  if (ec) {
    absl::Status failed = FsError("renaming the backup", ec);
    fs::remove_all(partial, ec);
    return failed;
  }
  if (absl::Status s = Fsync(backup_dir); !s.ok()) return s;
  r.path = fs::absolute(final_path).string();
  return r;
}

absl::StatusOr<uint64_t> RestoreBackup(const std::string& from, const std::string& data_dir) {
  std::error_code ec;
  absl::StatusOr<uint64_t> want = ManifestPosition(fs::path(from) / "BACKUP.json");
  if (!want.ok()) return want.status();
  if (!fs::is_directory(fs::path(from) / "events", ec)) {
    return absl::NotFoundError(from + "/events is missing: not a readside backup");
  }
  if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec)) {
    return absl::FailedPreconditionError(
        data_dir + " is not empty: restore into a new or empty directory");
  }
  fs::create_directories(data_dir, ec);
  if (ec) return FsError("creating " + data_dir, ec);
  fs::copy(fs::path(from) / "events", fs::path(data_dir) / "events", fs::copy_options::recursive,
           ec);
  if (ec) return FsError("copying the events", ec);
  if (fs::exists(fs::path(from) / "report-runs", ec)) {
    fs::copy(fs::path(from) / "report-runs", fs::path(data_dir) / "report-runs",
             fs::copy_options::recursive, ec);
    if (ec) return FsError("copying the report runs", ec);
  }
  // The restored store must open and hold what the backup says.
  uint64_t position;
  {
    auto opened = store::EventStore::Open({.path = (fs::path(data_dir) / "events").string()});
    if (!opened.ok()) return opened.status();
    position = (*opened)->LastPosition();
  }
  if (position < *want) {
    return absl::DataLossError("the restored store holds position " + std::to_string(position) +
                               ", the backup says " + std::to_string(*want));
  }
  return position;
}

}  // namespace readside::app
