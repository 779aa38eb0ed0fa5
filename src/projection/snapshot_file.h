#pragma once
// The read models on disk, for a fast restart: every tenant's projection with the store
// position it reflects, in one file written atomically (temporary file, fsync, rename,
// fsync of the directory). On start the projector loads it and replays only the events
// after its position; a missing, damaged or outdated file just means a full replay.
// Files are reached through an Env (common/env.h), so tests can fail or tear the writes.
// Thread-safety: free functions; callers serialize writes to one directory.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/env.h"
#include "projection/replay.h"

namespace readside::projection {

// Bump whenever what a projection keeps or computes changes: older snapshots are ignored.
// 4: report read models (issue 11); 5: ledger lines by account in fact tables; 6: tenants
// length-prefixed (decoded in parallel), a word-wise checksum
inline constexpr uint64_t kSnapshotFormatVersion = 7;

struct LoadedModel {
  uint64_t position = 0;
  TenantMap tenants;
};

// Writes `tenants` at `position` to dir/model.snap (creating dir) through `env`. Returns the
// bytes written. On failure (a full disk, a failed fsync) the previous snapshot stays whole.
absl::StatusOr<size_t> WriteModelSnapshot(const std::string& dir, uint64_t position,
                                          const TenantMap& tenants, Env* env = Env::Default());
// The two halves of WriteModelSnapshot, so the file can be written on another thread than the
// one that owns the models: the file's bytes, and writing them (as above).
std::string EncodeModelSnapshot(uint64_t position, const TenantMap& tenants);
absl::StatusOr<size_t> WriteSnapshotFile(const std::string& dir, std::string_view data,
                                         Env* env = Env::Default());
// Reads dir/model.snap. NotFound when there is none; DataLoss when it is damaged or from
// another format version.
absl::StatusOr<LoadedModel> ReadModelSnapshot(const std::string& dir, Env* env = Env::Default());

}  // namespace readside::projection
