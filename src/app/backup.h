#pragma once
// Backups of a running node and their restore (docs/operations.md "Backup and restore").
// A backup is a directory: events/ (a RocksDB checkpoint of the event store, the only state
// readside cannot rebuild), report-runs/ (the files of past report runs) and BACKUP.json
// (the position it holds, when, which version). Read models, search indexes and snapshots
// are derived from the events and rebuilt by the node that opens the restored directory.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "store/event_store.h"

namespace readside::app {

struct BackupResult {
  std::string path;
  uint64_t position = 0;  // every event up to this position is in the backup
  int64_t created_at_micros = 0;
};

// Writes a new backup of the node whose data directory is `data_dir` under `backup_dir`
// (created if missing): backup_dir/backup-<UTC time>-<position>. Safe while serving.
absl::StatusOr<BackupResult> CreateBackup(const store::EventStore& store,
                                          const std::string& data_dir,
                                          const std::string& backup_dir, const Clock& clock);

// Copies the backup in `from` into the new data directory `data_dir` (which must be absent
// or empty), then opens the restored store to check it holds the backup's position. Returns
// that position.
absl::StatusOr<uint64_t> RestoreBackup(const std::string& from, const std::string& data_dir);

// The default --backup-dir: DATA_DIR/backups.
std::string DefaultBackupDir(const std::string& data_dir);

}  // namespace readside::app
